import type { FlowRecord } from '../core/flow-record.js';
import { flagNumber, wholeFlagNumber } from '../core/number-text.js';
import type { GroundTruth, TruthConnection } from '../core/ground-truth.js';
import type { TimeoutProtocol, TimeoutSetting } from '../core/timeout-setting.js';
import type { Activity, Scenario } from '../scenario/scenario.js';

/**
 * Time scaling of a live run: a scenario replayed K times faster, against timeouts K times shorter, decides the same
 * as the unscaled one wherever every scaled timeout stays at or above the monitor's live floor (docs/measured/live.md).
 * Everything here is pure: scale down before the replay, multiply back after it, so reports speak scenario time.
 *
 * Not scaled: the RTT and the spacing inside a burst (milliseconds, fixed by exchange-timing.ts): they are far below
 * any timeout, and scaling them would push packets below the capture's timestamp resolution.
 */
const ALL_PROTOCOLS: readonly TimeoutProtocol[] = ['tcp', 'udp', 'icmp'];

/** A replay's speedup as a flag gives it (`4`, `2.5`, `2e0`): the number, or undefined when it is not one of 1 or more. */
export function speedupOf(text: string): number | undefined {
  const k = flagNumber(text);
  return k !== undefined && k >= 1 ? k : undefined;
}

/** The largest K of a live run, as a suite's `speedup:` takes it too. */
export const MAX_LIVE_SPEEDUP = 1_000_000;
/** What `run --live --speedup` takes: the same K a suite's `speedup:` does. */
export const LIVE_SPEEDUP_EXPECTED = `a whole number from 1 to ${MAX_LIVE_SPEEDUP.toLocaleString('en-US')} (such as 60), with --live`;

/** `run --live --speedup K`: a whole number 1..MAX_LIVE_SPEEDUP (`60`, `6e1`), or undefined. */
export function liveSpeedupOf(text: string): number | undefined {
  return wholeFlagNumber(text, 1, MAX_LIVE_SPEEDUP);
}

/** The protocols a scenario's own connections use (the clock and the sentinel are background: nothing judges them). */
export function protocolsCarried(scenario: Scenario): TimeoutProtocol[] {
  return ALL_PROTOCOLS.filter((p) => scenario.connections.some((c) => c.protocol === p));
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
 * The setting a live cell runs: every timeout in force for `setting` divided by K, whether the setting gives it or
 * leaves it at the tool's default. `inForce` is what the pipeline's monitor model says is in force for this very
 * setting (effectiveTimeouts). A default left unscaled would act on the scenario as K times itself: `tcp=1h` at
 * K = 60 ran with UDP's 60 s default, an hour of scenario time, and reported a UDP beacon whole that the sensor in
 * production cuts every minute. `default` becomes the tool's defaults divided by K; a tool with no settable
 * timeout keeps `default`.
 *
 * `carried`: the protocols the scenario's connections use. A default idle timeout of a protocol no connection uses
 * judges nothing, so it is left to the tool rather than scaled, and sets no limit on K: argus's 30 s UDP default
 * would otherwise hold a TCP-only sweep of `tcp=1h` to K = 3 (its live floor is 10 s). A value the setting gives is
 * always scaled.
 */
export function scaleSetting(setting: TimeoutSetting, k: number, inForce: SettingTimeouts, carried: readonly TimeoutProtocol[] = ALL_PROTOCOLS): TimeoutSetting {
  const idle: TimeoutSetting['idle'] = {};
  for (const protocol of ALL_PROTOCOLS) {
    const value = setting.idle[protocol] ?? (carried.includes(protocol) ? inForce.idleS[protocol] : undefined);
    if (typeof value === 'number' && value > 0) idle[protocol] = value / k;
  }
  const activeS = setting.active ?? inForce.activeS;
  const active = typeof activeS === 'number' && activeS > 0 ? activeS / k : undefined;
  if (setting.isDefault && Object.keys(idle).length === 0 && active === undefined) return setting;
  // Table limits are sizes and stay as given, but for the emergency-mode timeout; a tool knob's duration is a
  // timeout like any other, a switch stays as it is. Dropped, a live `maxflows=100` ran with no table limit at all.
  const limits = setting.limits === undefined ? undefined : {
    ...setting.limits,
    ...(setting.limits.emergencyIdleS === undefined ? {} : { emergencyIdleS: setting.limits.emergencyIdleS / k }),
  };
  const tool = setting.tool === undefined ? undefined
    : Object.fromEntries(Object.entries(setting.tool).map(([name, value]) => [name, typeof value === 'number' ? value / k : value]));
  return {
    label: `${setting.label}/${k}`,
    isDefault: false,
    idle,
    ...(active === undefined ? {} : { active }),
    ...(limits === undefined ? {} : { limits }),
    ...(tool === undefined ? {} : { tool }),
  };
}

/** Every finite timeout of a scaled setting, seconds (a tool knob's durations too): what must stay at or above the monitor's floor. */
export function timeoutsOf(setting: TimeoutSetting): number[] {
  return [
    ...Object.values(setting.idle),
    setting.active,
    setting.limits?.emergencyIdleS,
    ...Object.values(setting.tool ?? {}),
  ].filter((v): v is number => typeof v === 'number');
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
