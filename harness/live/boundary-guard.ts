import { worstVerdict } from '../core/score.js';
import type { GroundTruth } from '../core/ground-truth.js';
import type { Cell } from '../core/results.js';
import type { EffectiveTimeouts } from '../monitors/monitor-adapter.js';
import type { MonitorModel } from '../comparator/monitor-model.js';
import { predictRecords } from '../comparator/ideal-model.js';

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
  if (changed) retakeCellVerdict(cell);
}

/**
 * Live, only the setting is divided by K: the tool's own constants (argus's compiled-in 30 s for a busy UDP flow,
 * nfpcapd's 10 s sweep, whole-second steps, the status interval the live form sets) run in replay time, K times
 * longer in the scenario's. Where the tool's rule as it ran live (the prediction the cell's score already carries)
 * and its rule on a sensor at this setting (`sensor`, unscaled) predict different records for a connection, the replay cannot stand for the
 * sensor there: at K = 10 argus kept a UDP flow silent for 100 s whole ("accurate", "10m keeps every connection
 * whole") that a sensor cuts at 30 s. Such a connection is not judged, with both predictions in its reason.
 */
export function guardUnscaledConstants(cell: Cell, truth: GroundTruth, sensor: MonitorModel, speedup: number): void {
  const byId = new Map(truth.connections.map((c) => [c.id, c]));
  let changed = false;
  for (const score of cell.scores) {
    const conn = byId.get(score.connectionId);
    if (!conn || conn.background || score.verdict === 'unsupported') continue;
    const replayed = score.predictedRange ?? (score.predictedFragments === undefined ? undefined : { min: score.predictedFragments, max: score.predictedFragments });
    if (replayed === undefined) continue;
    const onSensor = predictRecords(conn, sensor, truth.quietThresholdUs);
    if (onSensor === undefined || (replayed.min === onSensor.min && replayed.max === onSensor.max)) continue;
    const range = (p: { min: number; max: number }): string => (p.min === p.max ? `${p.min}` : `${p.min}-${p.max}`);
    const rule = onSensor.rules[0] ?? score.timerRules?.[0];
    score.likelyReason = `not judged: replayed ${speedup} times faster, the tool's own constants ran ${speedup} times longer in scenario time than on a sensor` +
      `${rule === undefined ? '' : ` (${rule})`}; its rule predicts ${range(replayed)} record(s) for the replay and ${range(onSensor)} on a sensor at this setting (was ${score.verdict})`;
    score.verdict = 'unsupported';
    changed = true;
  }
  if (changed) retakeCellVerdict(cell);
}

/** The cell's verdict taken again over the connections that could be judged. */
function retakeCellVerdict(cell: Cell): void {
  const judged = cell.scores.filter((s) => !s.background && s.verdict !== 'unsupported').map((s) => s.verdict);
  cell.verdict = worstVerdict(judged) ?? 'unsupported';
}
