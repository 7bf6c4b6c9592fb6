import type { CellComparison, CellScoring } from '../comparator/compare-cell.js';
import { SPURIOUS_KEPT, WORST_KEPT } from '../core/summarize-results.js';
import type { CompareOptions } from '../comparator/compare-cell.js';
import { RESULTS_SCHEMA_VERSION, type Cell, type RunResults, type ScenarioResult } from '../core/results.js';
import { harnessVersion } from './version.js';
import type { TimeoutSetting } from '../core/timeout-setting.js';
import type { MonitorAdapter } from '../monitors/monitor-adapter.js';

/** A Cell before anything ran: skipped until proven otherwise. */
export function baseCell(sensor: string, adapter: MonitorAdapter, view: string, setting: TimeoutSetting, dir: string): Cell {
  return {
    sensor,
    monitor: adapter.id,
    displayName: adapter.displayName,
    view,
    column: adapter.views.length > 1 ? `${sensor} (${view})` : sensor,
    setting,
    status: 'skipped',
    provenance: { dir, commands: [], configFiles: [], rawFiles: [], notes: [], wallMs: 0 },
    recordCount: 0,
    scores: [],
    spurious: [],
    verdict: 'skipped',
  };
}

export function applyComparison(cell: Cell, comparison: CellComparison, recordCount: number): void {
  cell.status = 'ok';
  cell.recordCount = recordCount;
  cell.scores = comparison.scores;
  cell.spurious = comparison.spurious;
  cell.aggregate = comparison.aggregate;
  cell.verdict = comparison.verdict;
}

/**
 * A cell scored one connection at a time (its scores already written out): it keeps what results.json keeps, as
 * `summarizeCell` would of the whole set, and counts the rest.
 */
export function applyStreamedComparison(cell: Cell, scoring: CellScoring, recordCount: number): void {
  cell.status = 'ok';
  cell.recordCount = recordCount;
  cell.scores = scoring.fold.kept();
  if (scoring.fold.foregroundCount > WORST_KEPT) cell.connectionsScored = scoring.fold.scored;
  const distribution = scoring.fold.distribution();
  if (distribution !== undefined) cell.distribution = distribution;
  cell.spurious = scoring.spurious(SPURIOUS_KEPT);
  cell.aggregate = scoring.aggregate();
  cell.verdict = scoring.verdict();
}

/** The results envelope every command writes: who wrote it, when, with what, and the rules scores were judged by. */
export function runResults(command: string[], runDir: string, compare: CompareOptions, scenarios: ScenarioResult[]): RunResults {
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'harness', version: harnessVersion() },
    createdAt: new Date().toISOString(),
    command,
    runDir,
    huntThresholdsS: compare.huntThresholdsS,
    toleranceS: compare.toleranceS,
    toleranceRatio: compare.toleranceRatio,
    scenarios,
  };
}
