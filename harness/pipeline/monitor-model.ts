import type { MonitorModel } from '../comparator/monitor-model.js';
import type { TimeoutProtocol, TimeoutSetting } from '../core/timeout-setting.js';
import type { SourcePosition } from '../core/input-error.js';
import { InputError } from '../core/input-error.js';
import { readInputText } from '../io/read-input.js';
import { periodicTimerRule } from '../core/timer-rule.js';
import { translateSetting } from '../monitors/translate-setting.js';
import type { EffectiveTimeouts, MonitorAdapter, UserConfigText } from '../monitors/monitor-adapter.js';

const PROTOCOLS: readonly TimeoutProtocol[] = ['tcp', 'udp', 'icmp'];

/**
 * The timeouts in force for a setting: the adapter's own answer when it has one, else the setting's value or the
 * default of the knob that applies to that protocol. A tool with no idle knob at all never expires a flow.
 */
export function effectiveTimeouts(adapter: MonitorAdapter, setting: TimeoutSetting): EffectiveTimeouts {
  if (adapter.effectiveTimeouts) return adapter.effectiveTimeouts(setting);
  const idleKnobs = adapter.knobs.filter((k) => (PROTOCOLS as readonly string[]).includes(k.appliesTo));
  const idleS: EffectiveTimeouts['idleS'] = {};
  for (const protocol of PROTOCOLS) {
    const knob = adapter.knobs.find((k) => k.appliesTo === protocol);
    if (setting.idle[protocol] !== undefined && knob) idleS[protocol] = setting.idle[protocol];
    else if (knob) idleS[protocol] = knob.defaultS === 0 ? null : knob.defaultS ?? undefined;
    else if (idleKnobs.length === 0) idleS[protocol] = null;
  }
  const activeKnob = adapter.knobs.find((k) => k.appliesTo === 'active');
  const statusKnob = adapter.knobs.find((k) => k.appliesTo === 'status');
  return {
    idleS,
    activeS: setting.active ?? (activeKnob ? activeKnob.defaultS : null),
    statusIntervalS: statusKnob?.defaultS ?? undefined,
  };
}

/**
 * The active timeout a user's config sets where the setting leaves it (pmacct's nfprobe_timeouts maxlife=300): the
 * model took the tool's default (7 days) beside knob values that said 300, predicted one record where the config cut
 * eleven, and called them "unexplained".
 */
function configuredActiveS(adapter: MonitorAdapter, setting: TimeoutSetting, userConfig: UserConfigText | undefined): number | undefined {
  if (userConfig === undefined || adapter.knobValuesWith === undefined || setting.active !== undefined) return undefined;
  const knob = adapter.knobs.find((k) => k.appliesTo === 'active');
  const translation = translateSetting(adapter, setting);
  if (knob === undefined || !translation.supported) return undefined;
  return adapter.knobValuesWith(setting, translation.values, userConfig)[knob.name];
}

export function monitorModel(
  adapter: MonitorAdapter,
  setting: TimeoutSetting,
  honoursTimeoutsOffline: boolean | undefined,
  userConfig?: UserConfigText,
  view?: string,
): MonitorModel {
  const effective = effectiveTimeouts(adapter, setting);
  // The tool's own rule knows the user's config too; the generic one knows only the setting and the granularity.
  const timer = adapter.timerRule?.(setting, userConfig) ?? periodicTimerRule(effective.idleS, adapter.granularityS, adapter.timerComparison);
  const joinedBy = view === undefined ? undefined : adapter.joiningViews?.[view];
  // Some tools take 0 to mean "no active timeout": no rule to state then.
  const activeS = configuredActiveS(adapter, setting, userConfig) ?? effective.activeS;
  const active = typeof activeS === 'number' && activeS > 0 ? adapter.activeRule?.(activeS) : undefined;
  return {
    ...(joinedBy !== undefined ? { joinedBy } : {}),
    ...(adapter.protocols !== undefined ? { protocols: adapter.protocols } : {}),
    ...(active !== undefined ? { active } : {}),
    idleS: { ...effective.idleS, ...timer.globalIdleS },
    timer,
    activeS,
    statusIntervalS: effective.statusIntervalS,
    granularityS: adapter.granularityS,
    honoursTimeoutsOffline,
    timerNeedsLaterPacket: adapter.timerNeedsLaterPacket,
  };
}

/**
 * Everything a cell's model is made from, as data: a score worker makes the same model from it in its own thread
 * (a model holds its timer rule's functions, which cannot be sent).
 */
export interface CellModelSource {
  monitor: string;
  setting: TimeoutSetting;
  honoursTimeoutsOffline: boolean | undefined;
  userConfig?: UserConfigText;
  view?: string;
  /** What the tool's own counters said of its table after the run, when they said anything. */
  tableFull?: boolean;
}

/** The model a cell is scored with (its view's, told whether the tool's table filled): one function for every thread. */
export function cellModel(adapter: MonitorAdapter, source: CellModelSource): MonitorModel {
  if (adapter.id !== source.monitor) throw new Error(`cellModel: adapter ${adapter.id} for a cell of ${source.monitor}`);
  const model = monitorModel(adapter, source.setting, source.honoursTimeoutsOffline, source.userConfig, source.view);
  return source.tableFull !== undefined ? { ...model, tableFull: source.tableFull } : model;
}

/** The knob a user turns for each protocol's idle timeout, for the recommendation's advice. */
export function idleKnobNames(adapter: MonitorAdapter): Partial<Record<TimeoutProtocol, string>> {
  const names: Partial<Record<TimeoutProtocol, string>> = {};
  for (const protocol of PROTOCOLS) {
    const knob = adapter.knobs.find((k) => k.appliesTo === protocol);
    if (knob) names[protocol] = knob.name;
  }
  return names;
}

export function idleKnobMaxima(adapter: MonitorAdapter): Partial<Record<TimeoutProtocol, number>> {
  const maxima: Partial<Record<TimeoutProtocol, number>> = {};
  for (const protocol of PROTOCOLS) {
    const knob = adapter.knobs.find((k) => k.appliesTo === protocol);
    if (knob?.maxS !== undefined) maxima[protocol] = knob.maxS;
  }
  return maxima;
}

/**
 * Every `<monitor>.<knob>` a setting names must be a knob that monitor takes (its adapter's settingKnobs), with a
 * value of the right kind: a typo would otherwise run silently as the tool's default. With `runMonitors` (the
 * monitors this run, sensor or score runs), the knob's monitor must be one of them: a knob of a monitor that does not
 * run changes nothing, and the run would be the tool's default under a label that says otherwise.
 */
export function checkToolKnobs(settings: readonly TimeoutSetting[], adapters: readonly MonitorAdapter[], origin: string | SourcePosition, runMonitors?: readonly string[]): void {
  const running = runMonitors === undefined ? adapters : adapters.filter((a) => runMonitors.includes(a.id));
  const knobsOf = (list: readonly MonitorAdapter[]): string[] => list.flatMap((a) => (a.settingKnobs ?? []).map((k) => `${a.id}.${k.key}`));
  const runKnobs = (): string => {
    const known = knobsOf(running);
    return known.length > 0 ? `a knob of this run's monitors: ${known.join(', ')}` : `no tool knob: ${running.map((a) => a.id).join(', ')} ${running.length === 1 ? 'takes' : 'take'} none in a setting`;
  };
  for (const setting of settings) {
    for (const [name, value] of Object.entries(setting.tool ?? {})) {
      const dot = name.indexOf('.');
      const id = name.slice(0, dot);
      const key = name.slice(dot + 1);
      const adapter = adapters.find((a) => a.id === id);
      const where = typeof origin === 'string' ? { file: origin, line: 0, col: 0 } : origin;
      if (adapter === undefined) {
        throw new InputError(where, `"${name}" in "${setting.label}" names no known monitor`, `<monitor>.<knob> with a monitor among ${adapters.map((a) => a.id).join(', ')}`);
      }
      if (!running.includes(adapter)) {
        throw new InputError(where, `"${name}" in "${setting.label}", a knob of ${id}, which is not among the monitors of this run (${running.map((a) => a.id).join(', ')})`, runKnobs());
      }
      const knob = adapter.settingKnobs?.find((k) => k.key === key);
      if (knob === undefined) {
        const known = (adapter.settingKnobs ?? []).map((k) => `${id}.${k.key}`);
        const elsewhere = knobsOf(adapters);
        throw new InputError(
          where,
          `"${name}" in "${setting.label}"${known.length > 0 ? '' : `, a tool knob of ${adapter.displayName}, which takes none`}`,
          known.length > 0 ? `one of ${known.join(', ')}` : `a setting without it (the tool knobs a setting can name: ${elsewhere.join(', ')})`,
        );
      }
      if ((knob.kind === 'switch') !== (typeof value === 'boolean')) {
        throw new InputError(where, `"${name}=${String(value)}" in "${setting.label}"`, knob.kind === 'switch' ? 'on or off' : 'a positive duration such as 4h');
      }
    }
  }
}

/**
 * A sensor's own config file, read once for its timer rule; none when the sensor has none. Read as every input is
 * (io/read-input.ts): a folder or a device is named as such, and a file that is not UTF-8 is refused at its first bad
 * byte, where a Latin-1 byte in a comment passed the config checks as U+FFFD.
 */
export async function readUserConfig(file: string | undefined, origin?: string): Promise<UserConfigText | undefined> {
  if (file === undefined) return undefined;
  return { file, text: await readInputText(file, userConfigExpected(origin)) };
}

/** What a config file should be, in a message; `origin` names where it was given (harness score --config). */
export function userConfigExpected(origin?: string): string {
  return `a config file for the monitor (${origin === undefined ? '' : `${origin}: `}local.zeek, suricata.yaml, argus.conf, ...)`;
}
