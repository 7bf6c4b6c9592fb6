import { worstVerdict } from '../core/score.js';
import type { GroundTruth } from '../core/ground-truth.js';
import type { Cell } from '../core/results.js';
import type { EffectiveTimeouts } from '../monitors/monitor-adapter.js';

/**
 * A live replay is late by up to its measured timing error on any one gap (tcpreplay's lateness, docs/measured/
 * live.md). A silence closer to the idle timeout than that error (in scenario time: error x K) could land on either
 * side of it, so such a connection is not judged: its verdict becomes `unsupported` with the reason, and the cell's
 * verdict is taken again over the connections that could be judged.
 */
export const MIN_MARGIN_US = 1000;

export function guardBoundaryCases(cell: Cell, truth: GroundTruth, timeouts: EffectiveTimeouts, maxGapErrorUs: number, speedup: number): void {
  const marginUs = Math.max(maxGapErrorUs, MIN_MARGIN_US) * speedup;
  const byId = new Map(truth.connections.map((c) => [c.id, c]));
  let changed = false;
  for (const score of cell.scores) {
    const conn = byId.get(score.connectionId);
    const idleS = conn ? timeouts.idleS[conn.protocol] : undefined;
    if (!conn || conn.background || typeof idleS !== 'number') continue;
    const close = conn.quietPeriods.find((q) => Math.abs(q.lengthUs - idleS * 1e6) < marginUs);
    if (!close) continue;
    score.likelyReason = `not judged: a ${(close.lengthUs / 1e6).toFixed(3)} s silence is within the replay's timing error (${(marginUs / 1e6).toFixed(3)} s in scenario time) of the ${idleS} s timeout (was ${score.verdict})`;
    score.verdict = 'unsupported';
    changed = true;
  }
  if (!changed) return;
  const judged = cell.scores.filter((s) => !s.background && s.verdict !== 'unsupported').map((s) => s.verdict);
  cell.verdict = worstVerdict(judged) ?? 'unsupported';
}
