import type { GroundTruth } from '../core/ground-truth.js';
import type { Cell } from '../core/results.js';
import type { ToolLoss } from '../core/score.js';

/**
 * A tool that deletes an idle flow without reporting it (ndpiReader live: MAX_IDLE_TIME 30 s, docs/measured/live.md)
 * loses the part before every silence longer than its idle time, and a flow still idle that long when it stops.
 * Those parts are scored as losses with their reason, confirmed when none of the tool's records reaches into them,
 * instead of passing as a silently shorter record.
 */
export function scoreDiscardedParts(cell: Cell, truth: GroundTruth, rule: { idleS: number; reason: string }, speedup: number): void {
  const idleUs = rule.idleS * speedup * 1e6;
  const byId = new Map(truth.connections.map((c) => [c.id, c]));
  for (const score of cell.scores) {
    const conn = byId.get(score.connectionId);
    if (!conn || conn.background) continue;
    const losses: ToolLoss[] = [];
    let partStart = conn.firstUs;
    for (const quiet of conn.quietPeriods) {
      if (quiet.lengthUs >= idleUs) {
        losses.push(lossOf(partStart, quiet.startUs, score.fragmentList, `${rule.reason}: idle ${(quiet.lengthUs / 1e6).toFixed(0)} s > ${rule.idleS} s x K=${speedup} = ${rule.idleS * speedup} s of scenario time`));
        partStart = quiet.endUs;
      }
    }
    if (truth.pcap.lastUs - conn.lastUs >= idleUs) {
      losses.push(lossOf(partStart, conn.lastUs, score.fragmentList, `${rule.reason}: still idle ${((truth.pcap.lastUs - conn.lastUs) / 1e6).toFixed(0)} s when the capture ended, so deleted, never written`));
    }
    if (losses.length === 0) continue;
    score.toolLosses = losses;
    const confirmed = losses.filter((l) => l.confirmed).length;
    if (confirmed > 0) score.likelyReason = `${confirmed} part(s) deleted by the tool without a record (${rule.reason})`;
  }
}

function lossOf(startUs: number, endUs: number, fragments: { firstUs: number; lastUs: number }[], reason: string): ToolLoss {
  const covered = fragments.some((f) => f.firstUs <= endUs && f.lastUs >= startUs);
  return { startUs, endUs, reason, confirmed: !covered };
}
