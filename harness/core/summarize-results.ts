import type { TruthConnection } from './ground-truth.js';
import type { Cell, RunResults, ScenarioResult, ScoreDistribution } from './results.js';
import { VERDICT_SEVERITY, type ConnectionScore } from './score.js';

/**
 * What results.json and the reports keep of a run: a scenario of a million connections scored by a few cells would
 * be gigabytes of per-connection detail, which no reader looks at whole. Each cell keeps its background connections
 * and its WORST_KEPT worst others (by verdict, then coverage), the truth keeps the connections some cell kept, and
 * the counts say how many there were; the cell's scoresFile holds every score. Aggregates are computed from all of
 * them before this. A run of at most WORST_KEPT connections is kept whole. Pure, and idempotent, so `harness report`
 * renders from a summarized results.json exactly what the run rendered.
 */
export const WORST_KEPT = 100;
export const SPURIOUS_KEPT = 100;

export function summarizeResults(results: RunResults): RunResults {
  return { ...results, scenarios: results.scenarios.map(summarizeScenario) };
}

function summarizeScenario(scenario: ScenarioResult): ScenarioResult {
  const cells = scenario.cells.map(summarizeCell);
  const all = scenario.truth.connections;
  if (all.length <= WORST_KEPT + backgroundCount(all) || scenario.connectionCount) return { ...scenario, cells };
  const kept = new Set<string>();
  for (const cell of cells) for (const s of cell.scores) kept.add(s.connectionId);
  const background = backgroundCount(all);
  // With no scored cell (all failed or skipped), the first connections stand for the rest.
  const connections = kept.size === 0 ? all.filter((c) => c.background).concat(all.filter((c) => !c.background).slice(0, WORST_KEPT)) : all.filter((c) => c.background || kept.has(c.id));
  return {
    ...scenario,
    truth: { ...scenario.truth, connections },
    connectionCount: { scenario: all.length - background, background },
    cells,
  };
}

/** Fragment counts: missed, whole, then ranges (the last open-ended). */
export const FRAGMENT_BUCKETS: readonly { label: string; max: number }[] = [
  { label: 'missed', max: 0 },
  { label: '1', max: 1 },
  { label: '2', max: 2 },
  { label: '3-5', max: 5 },
  { label: '6-10', max: 10 },
  { label: '11+', max: Number.POSITIVE_INFINITY },
];
/** Coverage (sum of record durations / true duration), each bucket below its bound, the last from 0.99 up. */
export const COVERAGE_BUCKETS: readonly { label: string; below: number }[] = [
  { label: '< 10 %', below: 0.1 },
  { label: '10-50 %', below: 0.5 },
  { label: '50-90 %', below: 0.9 },
  { label: '90-99 %', below: 0.99 },
  { label: '>= 99 %', below: Number.POSITIVE_INFINITY },
];

function distributionOf(scores: ConnectionScore[]): ScoreDistribution {
  const fragments = FRAGMENT_BUCKETS.map(() => 0);
  const coverage = COVERAGE_BUCKETS.map(() => 0);
  for (const s of scores) {
    const f = FRAGMENT_BUCKETS.findIndex((b) => s.fragments <= b.max);
    const c = COVERAGE_BUCKETS.findIndex((b) => s.coverage < b.below);
    fragments[f] = (fragments[f] as number) + 1;
    coverage[c] = (coverage[c] as number) + 1;
  }
  return { fragments, coverage };
}

export function summarizeCell(cell: Cell): Cell {
  const main = cell.scores.filter((s) => !s.background);
  const trimmed = { ...cell };
  if (cell.distribution === undefined && main.length > 0) trimmed.distribution = distributionOf(main);
  if (cell.spurious.length > SPURIOUS_KEPT) trimmed.spurious = cell.spurious.slice(0, SPURIOUS_KEPT);
  if (main.length <= WORST_KEPT || cell.connectionsScored !== undefined) return trimmed;
  const worst = new Set(worstFirst(main).slice(0, WORST_KEPT));
  // Kept in their original (truth) order, so reports list them as they would the whole set.
  trimmed.scores = cell.scores.filter((s) => s.background || worst.has(s));
  trimmed.connectionsScored = cell.scores.length;
  return trimmed;
}

function worstFirst(scores: ConnectionScore[]): ConnectionScore[] {
  const rank = (s: ConnectionScore): number => VERDICT_SEVERITY.indexOf(s.verdict);
  return [...scores].sort((a, b) => rank(a) - rank(b) || a.coverage - b.coverage || b.fragments - a.fragments);
}

function backgroundCount(connections: TruthConnection[]): number {
  return connections.reduce((n, c) => n + (c.background ? 1 : 0), 0);
}

/** How many connections a scenario's capture holds, whether or not its truth was summarized. */
export function connectionCounts(scenario: ScenarioResult): { scenario: number; background: number } {
  if (scenario.connectionCount) return scenario.connectionCount;
  const background = backgroundCount(scenario.truth.connections);
  return { scenario: scenario.truth.connections.length - background, background };
}

/** How many connections a cell scored, whether or not its scores were summarized. */
export function scoredCount(cell: Cell): number {
  return cell.connectionsScored ?? cell.scores.length;
}
