import type { TimeoutProtocol, TimeoutSetting } from '../core/timeout-setting.js';
import { describeTimeoutSetting } from '../core/timeout-setting.js';
import type { Translation } from '../monitors/monitor-adapter.js';
import { scaleSetting, timeoutsOf, type SettingTimeouts } from './time-scale.js';

/**
 * Which speedup K each monitor's live cells run at. A monitor's K must keep every scaled timeout of its sweep at or
 * above its live floor, and its tool must accept the scaled values (whole seconds for softflowd and pmacct). By
 * default the largest such K that is not faster than needed for the replay to take about TARGET_REPLAY_S; monitors
 * that need different K run in separate replays. An explicit K that breaks a floor is refused with the reason.
 */
export const TARGET_REPLAY_S = 300;
/** Whatever the floors allow, one replay never runs more than this much faster: the replay's timing error scales with K. */
export const MAX_SPEEDUP = 3600;

export interface MonitorSpeedupInput {
  id: string;
  floorS: number;
  settings: TimeoutSetting[];
  /** The timeouts in force for a setting of the sweep, given or left at the tool's defaults (effectiveTimeouts). */
  inForce(setting: TimeoutSetting): SettingTimeouts;
  /** The protocols the scenario's connections use: only their default timeouts are scaled (scaleSetting). */
  carried: readonly TimeoutProtocol[];
  translate(setting: TimeoutSetting): Translation;
  /**
   * The largest K at which the scenario keeps its own timing (structure-limit.ts), and why, in one clause: bursts
   * that would overlap once scaled. Absent: the scenario sets no limit.
   */
  structure?: { k: number; why: string };
}

/** `free`: no timeout of the sweep limits K (nDPI): it can join any other monitor's replay. */
/** `heldByScenario`: the scenario's own timing (structure), not the floor or the replay's length, set the bound K came from. */
export type SpeedupChoice = { id: string; k: number; why: string; free: boolean; heldByScenario?: boolean } | { id: string; refused: string };

/** Largest K at which every scaled timeout is >= floor; Infinity when the sweep has no timeout (nDPI). */
function floorLimit(input: MonitorSpeedupInput): number {
  let limit = Number.POSITIVE_INFINITY;
  // A setting the tool cannot take at all (nDPI's 5m) becomes an unsupported cell whatever K is: it sets no limit.
  for (const setting of input.settings.filter((s) => input.translate(s).supported)) {
    for (const t of timeoutsOf(scaleSetting(setting, 1, input.inForce(setting), input.carried))) limit = Math.min(limit, t / input.floorS);
  }
  return limit;
}

function acceptsAll(input: MonitorSpeedupInput, k: number): boolean {
  return input.settings.every((s) => {
    const t = input.translate(scaleSetting(s, k, input.inForce(s), input.carried));
    return t.supported || !input.translate(s).supported;
  });
}

/** `explicitFrom`: where an explicit K was given, for the plan's reason (`--speedup`, or a suite's `speedup:`). */
export function chooseSpeedup(input: MonitorSpeedupInput, scenarioSpanS: number, explicit?: number, explicitFrom = '--speedup'): SpeedupChoice {
  const limit = floorLimit(input);
  if (explicit !== undefined) {
    // As for floorLimit: a setting the tool cannot take at all is an unsupported cell whatever K is.
    for (const setting of input.settings.filter((s) => input.translate(s).supported)) {
      const scaled = scaleSetting(setting, explicit, input.inForce(setting), input.carried);
      const low = timeoutsOf(scaled).find((t) => t < input.floorS);
      if (low !== undefined) {
        return { id: input.id, refused: `${explicit}, which makes ${input.id}'s ${setting.label} a ${secondsText(low)} s timeout, below its live floor of ${input.floorS} s (the largest speedup for this sweep is ${Math.floor(limit)})` };
      }
      const translated = input.translate(scaled);
      if (!translated.supported) {
        return { id: input.id, refused: `${explicit}, but ${input.id} cannot take ${setting.label} divided by ${explicit} (${describeTimeoutSetting(scaled)}): ${translated.reason}` };
      }
    }
    return { id: input.id, k: explicit, why: `given with ${explicitFrom}`, free: false };
  }
  const wanted = Math.max(1, Math.ceil(scenarioSpanS / TARGET_REPLAY_S));
  const structureK = input.structure?.k ?? Number.POSITIVE_INFINITY;
  let k = Math.max(1, Math.min(MAX_SPEEDUP, wanted, Math.floor(limit), structureK));
  while (k > 1 && !acceptsAll(input, k)) k -= 1;
  // The scenario's own timing binds when it, not the floor or the wanted length, set the bound K started from.
  const structureBinds = input.structure !== undefined && structureK < Math.min(MAX_SPEEDUP, wanted, Math.floor(limit));
  const why = limit < 1
    ? `in real time: even unscaled, a timeout of this sweep is below ${input.id}'s live floor of ${input.floorS} s, so its cells there may decide wrongly`
    : structureBinds
    ? `at most ${structureK} for the scenario's own timing (${input.structure?.why ?? ''})${k < structureK ? `, ${k} in whole values the tool accepts` : ''}; ${input.id}'s live floor of ${input.floorS} s alone would allow ${Number.isFinite(limit) ? Math.floor(limit) : 'any'}`
    : k >= wanted
    ? `a ${Math.round(scenarioSpanS / k)} s replay`
    : `the largest speedup that keeps every scaled timeout at or above ${input.id}'s live floor of ${input.floorS} s${acceptsAll(input, Math.floor(Math.min(limit, MAX_SPEEDUP))) ? '' : ' in whole values the tool accepts'}`;
  return { id: input.id, k, why, free: limit === Number.POSITIVE_INFINITY, ...(structureBinds && limit >= 1 ? { heldByScenario: true } : {}) };
}

/**
 * A scaled timeout in seconds as a message shows it: three decimals, or three significant digits below a millisecond
 * (60 s at K = 1,000,000 was shown as "a 0 s timeout").
 */
function secondsText(seconds: number): string {
  return seconds >= 0.001 ? `${+seconds.toFixed(3)}` : `${+seconds.toPrecision(3)}`;
}

/** Monitors grouped by K: one replay each, slowest last. */
export function replayGroups(choices: { id: string; k: number }[]): Map<number, string[]> {
  const groups = new Map<number, string[]>();
  for (const c of [...choices].sort((a, b) => b.k - a.k)) groups.set(c.k, [...(groups.get(c.k) ?? []), c.id]);
  return groups;
}
