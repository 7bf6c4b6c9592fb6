import type { CellComparison } from '../comparator/compare-cell.js';
import type { Cell } from '../core/results.js';
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
