import type { TruthConnection } from './ground-truth.js';
import type { Cell, RunResults, ScenarioResult } from './results.js';
import { ScoreFold } from './score-fold.js';

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

export function summarizeCell(cell: Cell): Cell {
  const trimmed = { ...cell };
  if (cell.spurious.length > SPURIOUS_KEPT) trimmed.spurious = cell.spurious.slice(0, SPURIOUS_KEPT);
  if (cell.distribution !== undefined && cell.connectionsScored !== undefined) return trimmed;
  const fold = new ScoreFold([], WORST_KEPT);
  for (const s of cell.scores) fold.add(s);
  const distribution = fold.distribution();
  if (cell.distribution === undefined && distribution !== undefined) trimmed.distribution = distribution;
  if (fold.foregroundCount <= WORST_KEPT || cell.connectionsScored !== undefined) return trimmed;
  // Kept in their original (truth) order, so reports list them as they would the whole set.
  trimmed.scores = fold.kept();
  trimmed.connectionsScored = cell.scores.length;
  return trimmed;
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
