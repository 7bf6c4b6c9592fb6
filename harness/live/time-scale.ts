import type { FlowRecord } from '../core/flow-record.js';
import type { GroundTruth, TruthConnection } from '../core/ground-truth.js';
import type { TimeoutSetting } from '../core/timeout-setting.js';
import type { Activity, Scenario } from '../scenario/scenario.js';

/**
 * Time scaling of a live run: a scenario replayed K times faster, against timeouts K times shorter, decides the same
 * as the unscaled one wherever every scaled timeout stays at or above the monitor's live floor (docs/measured/live.md).
 * Everything here is pure: scale down before the replay, multiply back after it, so reports speak scenario time.
 *
 * Not scaled: the RTT and the spacing inside a burst (milliseconds, fixed by exchange-timing.ts): they are far below
 * any timeout, and scaling them would push packets below the capture's timestamp resolution.
 */
/** A replay's speedup as a flag gives it (`4`, `2.5`): the number, or undefined when it is not one of 1 or more. */
export function speedupOf(text: string): number | undefined {
  const k = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  return Number.isFinite(k) && k >= 1 ? k : undefined;
}

export function scaleScenario(scenario: Scenario, k: number): Scenario {
  const s = (x: number): number => x / k;
  const activity = (a: Activity): Activity => (a.kind === 'pattern'
    ? { ...a, gapS: a.gapS === undefined ? undefined : s(a.gapS), spanS: a.spanS === undefined ? undefined : s(a.spanS), jitterS: s(a.jitterS) }
    : { ...a, events: a.events.map((e) => ({ ...e, atS: s(e.atS) })) });
  return {
    ...scenario,
    name: scenario.name,
    // Nanosecond timestamps: a gap divided by K keeps its digits.
    timestampResolution: 'ns',
    quietThresholdS: s(scenario.quietThresholdS),
    clock: scenario.clock ? { ...scenario.clock, intervalS: s(scenario.clock.intervalS) } : undefined,
    sentinel: scenario.sentinel ? { ...scenario.sentinel, afterS: s(scenario.sentinel.afterS) } : undefined,
    connections: scenario.connections.map((c) => ({
      ...c,
      startS: s(c.startS),
      staggerS: s(c.staggerS),
      holdS: c.holdS === undefined ? undefined : s(c.holdS),
      keepalive: c.keepalive ? { ...c.keepalive, intervalS: s(c.keepalive.intervalS) } : undefined,
      activity: activity(c.activity),
    })),
  };
}

/** Timeouts in force for a setting, seconds (null: never expires), as the pipeline's monitor model computes them. */
export interface SettingTimeouts {
  idleS: Partial<Record<'tcp' | 'udp' | 'icmp', number | null>>;
  activeS?: number | null;
}

/**
 * The setting a live cell runs: every timeout divided by K. `default` becomes the tool's defaults divided by K
 * (left at the real default, a 1 h default would mean K hours of scenario time); a tool with no settable timeout
 * keeps `default`.
 */
export function scaleSetting(setting: TimeoutSetting, k: number, defaults: SettingTimeouts): TimeoutSetting {
  const idle: TimeoutSetting['idle'] = {};
  let active: number | undefined;
  if (setting.isDefault) {
    for (const [protocol, value] of Object.entries(defaults.idleS) as ['tcp' | 'udp' | 'icmp', number | null][]) {
      if (typeof value === 'number' && value > 0) idle[protocol] = value / k;
    }
    if (typeof defaults.activeS === 'number' && defaults.activeS > 0) active = defaults.activeS / k;
    if (Object.keys(idle).length === 0 && active === undefined) return setting;
  } else {
    for (const [protocol, value] of Object.entries(setting.idle) as ['tcp' | 'udp' | 'icmp', number][]) idle[protocol] = value / k;
    if (setting.active !== undefined) active = setting.active / k;
  }
  return { label: `${setting.label}/${k}`, isDefault: false, idle, ...(active === undefined ? {} : { active }) };
}

/** Every finite timeout of a scaled setting, seconds: what must stay at or above the monitor's floor. */
export function timeoutsOf(setting: TimeoutSetting): number[] {
  return [...Object.values(setting.idle), ...(setting.active === undefined ? [] : [setting.active])].filter((v): v is number => typeof v === 'number');
}

/** Replay time (µs since the epoch, as the monitor and the capture stamp it) to scenario time. */
export interface TimeMap {
  k: number;
  /** A replay instant and the scenario instant it stands for. */
  replayOriginUs: number;
  scenarioOriginUs: number;
}

export function toScenarioUs(map: TimeMap, replayUs: number): number {
  return Math.round(map.scenarioOriginUs + (replayUs - map.replayOriginUs) * map.k);
}

/**
 * Scenario time to replay time, rounded to the whole microsecond: the inverse of toScenarioUs, so that a tool's own
 * rule (which runs in replay time) can be asked about scenario instants. For a replay instant r (whole µs) and K >= 1,
 * toReplayUs(toScenarioUs(r)) is r again: the scenario instant is within 0.5 µs of the exact image, 0.5 / K µs here.
 */
export function toReplayUs(map: TimeMap, scenarioUs: number): number {
  return Math.round(map.replayOriginUs + (scenarioUs - map.scenarioOriginUs) / map.k);
}

export function recordToScenarioTime(map: TimeMap, record: FlowRecord): FlowRecord {
  return { ...record, firstUs: toScenarioUs(map, record.firstUs), lastUs: toScenarioUs(map, record.lastUs), durationUs: Math.round(record.durationUs * map.k) };
}

export function truthToScenarioTime(map: TimeMap, truth: GroundTruth): GroundTruth {
  const conn = (c: TruthConnection): TruthConnection => ({
    ...c,
    firstUs: toScenarioUs(map, c.firstUs),
    lastUs: toScenarioUs(map, c.lastUs),
    durationUs: Math.round(c.durationUs * map.k),
    longestGapUs: Math.round(c.longestGapUs * map.k),
    quietPeriods: c.quietPeriods.map((q) => ({ startUs: toScenarioUs(map, q.startUs), endUs: toScenarioUs(map, q.endUs), lengthUs: Math.round(q.lengthUs * map.k) })),
  });
  return {
    ...truth,
    pcap: { ...truth.pcap, firstUs: toScenarioUs(map, truth.pcap.firstUs), lastUs: toScenarioUs(map, truth.pcap.lastUs), spanUs: Math.round(truth.pcap.spanUs * map.k) },
    quietThresholdUs: Math.round(truth.quietThresholdUs * map.k),
    connections: truth.connections.map(conn),
  };
}
