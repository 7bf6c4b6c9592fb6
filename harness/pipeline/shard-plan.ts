import { createHash } from 'node:crypto';
import type { CompareOptions } from '../comparator/compare-cell.js';
import type { PlanRecord } from '../core/results.js';
import type { GroundTruth } from '../core/ground-truth.js';
import { truthTextPieces } from '../core/truth-text.js';

/**
 * Splitting a run's cells across machines, the way test runners shard (Playwright's `--shard=2/4`): every shard
 * computes the same plan from the same inputs and keeps its own share, so no coordinator is needed, and the same
 * cell always lands in the same shard.
 */
export interface ShardSpec {
  /** 1-based. */
  index: number;
  count: number;
}

/** `2/4` -> { index: 2, count: 4 }; otherwise what was found, for the error line. */
export function parseShard(text: string): ShardSpec | { error: string } {
  const m = /^(\d{1,6})\/(\d{1,6})$/.exec(text.trim());
  if (!m) return { error: `"${text}"` };
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1) return { error: `"${text}" (a shard count of 0)` };
  if (index < 1 || index > count) return { error: `"${text}" (shard ${index} of ${count})` };
  return { index, count };
}

/** What decides a plan's results: two shards agree on a plan only when all of it is the same. */
export interface PlanIdentity {
  harnessVersion: string;
  /**
   * The harness's own code, hashed (harnessBuild): the package version has not changed across hundreds of commits,
   * and a shard re-run on a later build merged with one judged by another, at exit 0.
   */
  harnessBuild?: string;
  command: 'run' | 'check';
  /**
   * `truthSha256`: the truth file's; a scenario edit that leaves the pcap as it was (quiet_threshold) changes the
   * truth every shard judges by, and the merge took the first partial's.
   */
  scenarios: { name: string; pcapSha256: string; truthSha256?: string }[];
  sensors: { sensor: string; monitor: string; binary?: string; version?: string; settings: string[]; configSha256?: string }[];
  compare: CompareOptions;
  /** For check: the suite file's sha256, so a merge judges with the suite the shards ran. */
  suiteSha256?: string;
}

export function planId(identity: PlanIdentity): string {
  return createHash('sha256').update(canonicalJson(identity)).digest('hex').slice(0, 16);
}

/**
 * The truth a plan's shards judge by, hashed as its file's text, one connection at a time (a million need no single
 * string), without the path the scenario was named by: `scenarios/x.yaml` and `./scenarios/x.yaml` are one plan.
 */
export function truthSha256(truth: GroundTruth): string {
  const { connections, ...header } = truth;
  const hash = createHash('sha256');
  for (const piece of truthTextPieces({ ...header, scenario: { ...header.scenario, file: '' } }, connections)) hash.update(piece);
  return hash.digest('hex');
}

/** JSON with object keys sorted, so the same identity always hashes the same whatever order it was built in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface CostedTask {
  /** Unique within the plan: ties in cost are broken by it, so the assignment never depends on input order. */
  key: string;
  /** Expected cost: packets the monitor reads times its relative cost; 0 for a cell that runs nothing. */
  cost: number;
}

/**
 * The shard (1-based) of each task: longest-processing-time first, each to the least loaded shard (lowest index
 * on a tie). Deterministic for the same tasks and count, and within 4/3 of the best possible balance.
 */
export function assignShards(tasks: readonly CostedTask[], count: number): number[] {
  const order = tasks.map((_, i) => i).sort((a, b) => {
    const ta = tasks[a] as CostedTask;
    const tb = tasks[b] as CostedTask;
    return tb.cost - ta.cost || (ta.key < tb.key ? -1 : ta.key > tb.key ? 1 : 0);
  });
  const load = new Array<number>(count).fill(0);
  const cellsIn = new Array<number>(count).fill(0);
  const shardOf = new Array<number>(tasks.length).fill(0);
  for (const i of order) {
    let best = 0;
    for (let s = 1; s < count; s += 1) {
      // Equal load (free cells cost 0): fewer cells first, so free cells spread too.
      const better = (load[s] as number) < (load[best] as number) || ((load[s] as number) === (load[best] as number) && (cellsIn[s] as number) < (cellsIn[best] as number));
      if (better) best = s;
    }
    load[best] = (load[best] as number) + (tasks[i] as CostedTask).cost;
    cellsIn[best] = (cellsIn[best] as number) + 1;
    shardOf[i] = best + 1;
  }
  return shardOf;
}

/** The key a cell is known by in a plan: its scenario, sensor and setting. */
export function taskKey(scenario: string, sensor: string, setting: string): string {
  return JSON.stringify([scenario, sensor, setting]);
}

/** What a shard prints: which share of which plan it ran, and how to join the shards. */
export function shardSummary(plan: PlanRecord, partial: string, interrupted = false): string {
  const shard = plan.shard;
  if (shard === undefined) return `plan ${plan.id}: ${plan.tasks} cells`;
  const head = `shard ${shard.index}/${shard.count} of plan ${plan.id}: ${shard.tasks} of ${plan.tasks} cells; partial result ${partial}\n`;
  // harness merge refuses an interrupted partial: the hint to join it would send the user to that refusal.
  return head + (interrupted
    ? `interrupted: this partial cannot be merged; run shard ${shard.index}/${shard.count} again to completion`
    : 'join every shard\'s partial with: harness merge <partial>... --out DIR');
}

/** Why a live run is never sharded: one replay of a scenario feeds every live monitor at once. */
export const LIVE_UNSHARDED = 'a live run without --shard: one replay feeds every live monitor of a scenario at once, so its cells cannot be split between machines (shard an offline run instead)';
