import type { MonitorModel } from '../comparator/monitor-model.js';
import type { TimeoutSetting } from '../core/timeout-setting.js';
import { periodicTimerRule, type ActiveRule, type RuleTimeout, type TimerRule } from '../core/timer-rule.js';
import type { MonitorAdapter, UserConfigText } from '../monitors/monitor-adapter.js';
import { monitorModel } from '../pipeline/monitor-model.js';
import { toReplayUs, toScenarioUs, type TimeMap } from './time-scale.js';

/**
 * The model a live cell is scored with. Live, the tool ran the scaled setting (every timeout divided by K) in replay
 * time, and its own timer constants ran in replay time too: nfpcapd's 10 s sweep is 10 K s of the scenario, argus's
 * 1 s status interval K s, Suricata's and softflowd's whole seconds K-second steps, a timeout in the user's config
 * (not scaled) K times itself. A model built in scenario time from the unscaled setting would give ranges K times
 * too tight or too loose and call a record `differs` where the tool did exactly what its rule says. So the tool's
 * own model is built for what it really ran (the scaled setting, the user's config, what the live form sets), and
 * presented in scenario time: every instant it is asked about is mapped back to replay time, every length it
 * answers is multiplied by K. What the comparator reads as scenario quantities stays so; the advice (for the real
 * sensor, unscaled) comes from the model of the setting in scenario time.
 */
export interface LiveModelInput {
  /** The setting the cell is labelled with (scenario time). */
  setting: TimeoutSetting;
  /** What the tool ran: the setting divided by K (time-scale.ts, scaleSetting). */
  replaySetting: TimeoutSetting;
  /** The sensor's own config file, as the tool read it live (not scaled). */
  userConfig?: UserConfigText;
  view?: string;
  map: TimeMap;
  /** What the tool's own counters say of its table: a cut by a full table is its own reason, as offline (cellModel). */
  tableFull?: boolean;
}

export function liveCellModel(adapter: MonitorAdapter, input: LiveModelInput): MonitorModel {
  const timers = adapter.live?.timers;
  // Live, the tool's timers run: the offline calibration (does it honour timeouts reading a file?) does not apply.
  const base = monitorModel(adapter, input.replaySetting, true, withLiveLines(input.userConfig, timers?.configLines), input.view);
  const granularityS = timers?.granularityS ?? base.granularityS;
  const tool: MonitorModel = {
    ...base,
    granularityS,
    ...(timers?.statusIntervalS !== undefined ? { statusIntervalS: timers.statusIntervalS } : {}),
    ...(input.tableFull !== undefined ? { tableFull: input.tableFull } : {}),
    // A tool without a rule of its own is modelled by its granularity: the live one, where the live form sets it.
    ...(adapter.timerRule === undefined && timers?.granularityS !== undefined
      ? { timer: periodicTimerRule(base.idleS, granularityS, timers.comparison ?? adapter.timerComparison) }
      : {}),
  };
  const scenario = monitorModel(adapter, input.setting, true, input.userConfig, input.view);
  return toolTimeModel(tool, scenario, input.map);
}

/** The user's config with the lines the live form writes after it (a later line wins, as the tool reads it). */
function withLiveLines(userConfig: UserConfigText | undefined, lines: readonly string[] | undefined): UserConfigText | undefined {
  if (lines === undefined || lines.length === 0) return userConfig;
  return {
    file: userConfig === undefined ? 'the live run\'s settings' : `${userConfig.file} and the live run's settings`,
    text: `${userConfig === undefined ? '' : `${userConfig.text.replace(/\n*$/, '')}\n`}${lines.join('\n')}\n`,
  };
}

/**
 * `tool` (a model in replay time) presented in scenario time through `map`; `scenario` (the same tool's model of the
 * unscaled setting) gives what speaks of the real sensor: the naive model's global timeouts and the advice. Pure.
 */
export function toolTimeModel(tool: MonitorModel, scenario: MonitorModel, map: TimeMap): MonitorModel {
  const { k } = map;
  const inToolTime = `in the tool's time, replayed ${k} times faster: 1 s of it is ${k} s of the scenario`;
  const active = tool.active === undefined ? undefined : activeInScenarioTime(tool.active, map, inToolTime);
  const times = (s: number): number => Math.round(s * k * 1e6) / 1e6;
  const idleS: MonitorModel['idleS'] = {};
  for (const [protocol, value] of Object.entries(tool.idleS) as [keyof MonitorModel['idleS'], number | null | undefined][]) {
    if (value !== undefined) idleS[protocol] = value === null ? null : times(value);
  }
  return {
    ...tool,
    // The tool's timeouts in scenario time: the setting's where the live run scaled them, K times a user's own.
    idleS,
    ...(typeof tool.activeS === 'number' ? { activeS: times(tool.activeS) } : {}),
    ...(active !== undefined ? { active } : {}),
    granularityS: times(tool.granularityS),
    ...(tool.statusIntervalS !== undefined ? { statusIntervalS: times(tool.statusIntervalS) } : {}),
    timer: timerInScenarioTime(
      tool.timer ?? periodicTimerRule(tool.idleS, tool.granularityS),
      scenario.timer ?? periodicTimerRule(scenario.idleS, scenario.granularityS),
      map,
      inToolTime,
    ),
  };
}

function timerInScenarioTime(tool: TimerRule, scenario: TimerRule, map: TimeMap, inToolTime: string): TimerRule {
  // A timeout with a rule of its own (a service port) says in which time it runs; made once per timeout, as the
  // tool's rule makes its timeouts once, so that a million connections share them.
  const labelled = new Map<RuleTimeout, RuleTimeout>();
  const label = (timeout: RuleTimeout): RuleTimeout => {
    if (timeout.rule === undefined) return timeout;
    let said = labelled.get(timeout);
    if (said === undefined) {
      said = Object.freeze({ ...timeout, rule: `${timeout.rule}; ${inToolTime}` });
      labelled.set(timeout, said);
    }
    return said;
  };
  const { keepsWholeS, advice } = scenario;
  const { emergency } = tool;
  return {
    globalIdleS: scenario.globalIdleS,
    timeoutFor: (record) => {
      const timeout = tool.timeoutFor(record);
      return timeout === undefined ? undefined : label(timeout);
    },
    // A labelled timeout carries the tool's own values: its rule reads them as it made them.
    silence: (lastUs, nextUs, timeout) => tool.silence(toReplayUs(map, lastUs), toReplayUs(map, nextUs), timeout),
    shortestSplitUs: (timeout) => {
      const us = tool.shortestSplitUs(timeout);
      return us === Infinity ? us : Math.round(us * map.k);
    },
    comparison: `${tool.comparison}; ${inToolTime}`,
    ...(emergency !== undefined ? { emergency } : {}),
    ...(keepsWholeS !== undefined ? { keepsWholeS: (gapUs: number) => keepsWholeS.call(scenario, gapUs) } : {}),
    ...(advice !== undefined ? { advice: (...args: Parameters<typeof advice>) => advice.apply(scenario, args) } : {}),
  };
}

/**
 * The tool's active rule at scenario instants. keepsUntilUs is the last microsecond kept: the tool keeps every replay
 * instant before its bound + 1, so the scenario keeps every instant before that bound's image, and the last kept is
 * one before it. cutByUs is a first instant, mapped as it is; Infinity (no bound in time) stays.
 */
function activeInScenarioTime(tool: ActiveRule, map: TimeMap, inToolTime: string): ActiveRule {
  return {
    keepsUntilUs: (startUs) => {
      const lastKept = tool.keepsUntilUs(toReplayUs(map, startUs));
      return Number.isFinite(lastKept) ? toScenarioUs(map, lastKept + 1) - 1 : lastKept;
    },
    cutByUs: (startUs) => {
      const by = tool.cutByUs(toReplayUs(map, startUs));
      return Number.isFinite(by) ? toScenarioUs(map, by) : by;
    },
    comparison: `${tool.comparison}; ${inToolTime}`,
  };
}
