import { worstVerdict } from '../core/score.js';
import { ScoreFold } from '../core/score-fold.js';
import type { GroundTruth } from '../core/ground-truth.js';
import type { Cell } from '../core/results.js';
import type { EffectiveTimeouts } from '../monitors/monitor-adapter.js';
import type { MonitorModel } from '../comparator/monitor-model.js';
import { predictRecords } from '../comparator/ideal-model.js';
import type { ConnectionSpec, Scenario } from '../scenario/scenario.js';
import { activityStartS, burstLengthS, eventLengthS, handshakeLengthS } from '../scenario/exchange-timing.js';

/**
 * A live replay is late by up to its measured timing error on any one gap (tcpreplay's lateness, docs/measured/
 * live.md). A silence closer to the idle timeout than that error (in scenario time: error x K) could land on either
 * side of it, so such a connection is not judged: its verdict becomes `unsupported` with the reason, and the cell's
 * verdict is taken again over the connections that could be judged.
 */
export const MIN_MARGIN_US = 1000;

/**
 * How much shorter than in the scenario a silence of this connection is once the replay is multiplied back: the RTT
 * and the spacing inside a burst are not scaled (time-scale.ts), so what precedes a silence (a burst, an event and
 * its reply, the handshake, a keepalive and its ACK) lasts K times itself in scenario time, and the silence after
 * it (K - 1) x its length less. Counted with the longest such piece of the connection, an upper bound: at K = 300
 * a 22 ms exchange takes 6.6 s off every silence, more than the distance between a 300.58 s silence and a 300 s
 * timeout.
 */
export function silenceShrinkUs(spec: ConnectionSpec, speedup: number): number {
  if (speedup <= 1) return 0;
  const a = spec.activity;
  const pieces = [activityStartS(spec)];
  if (a.kind === 'pattern') pieces.push(burstLengthS(a, spec));
  else for (const event of a.events) pieces.push(eventLengthS(event, spec));
  if (spec.keepalive !== undefined) pieces.push(handshakeLengthS(spec.rttS));
  return Math.round((speedup - 1) * Math.max(...pieces) * 1e6);
}

/** silenceShrinkUs for every connection of the truth, by its id (a copy `c#3` is its spec's `c`). */
export function silenceShrinkOf(scenario: Scenario, speedup: number): (connectionId: string) => number {
  const byId = new Map(scenario.connections.map((spec) => [spec.id, silenceShrinkUs(spec, speedup)]));
  return (id) => byId.get(id) ?? byId.get(id.replace(/#\d+$/, '')) ?? 0;
}

/**
 * `shrinkUs`: how much shorter each connection's silences are live than in the scenario (silenceShrinkOf); a silence
 * whose scenario length may lie across the timeout from its replayed one is not judged either.
 */
export function guardBoundaryCases(cell: Cell, truth: GroundTruth, timeouts: EffectiveTimeouts, maxGapErrorUs: number, speedup: number, shrinkUs: (connectionId: string) => number = () => 0): void {
  const errorUs = Math.max(maxGapErrorUs, MIN_MARGIN_US) * speedup;
  const byId = new Map(truth.connections.map((c) => [c.id, c]));
  let changed = false;
  for (const score of cell.scores) {
    const conn = byId.get(score.connectionId);
    const idleS = conn ? timeouts.idleS[conn.protocol] : undefined;
    if (!conn || conn.background || typeof idleS !== 'number') continue;
    const shrink = shrinkUs(conn.id);
    const marginUs = errorUs + shrink;
    const close = conn.quietPeriods.find((q) => Math.abs(q.lengthUs - idleS * 1e6) < marginUs);
    if (!close) continue;
    const within = shrink > 0
      ? `within the replay's timing error plus the unscaled exchanges' shrink (${(errorUs / 1e6).toFixed(3)} s + ${(shrink / 1e6).toFixed(3)} s in scenario time)`
      : `within the replay's timing error (${(marginUs / 1e6).toFixed(3)} s in scenario time)`;
    score.likelyReason = `not judged: a ${(close.lengthUs / 1e6).toFixed(3)} s silence is ${within} of the ${idleS} s timeout (was ${score.verdict})`;
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

/**
 * The cell's verdict taken again over the connections that could be judged, and its totals folded again from its
 * scores, as the comparison folded them (a live cell keeps every score): the totals were those from before the guard,
 * and a cell said "2 accurate of 2" (report.md's cost table, results.json) while one of the two was not judged. A
 * connection not judged counts among `connections` and in none of accurate, fragmented, missed, merged.
 */
function retakeCellVerdict(cell: Cell): void {
  const judged = cell.scores.filter((s) => !s.background && s.verdict !== 'unsupported').map((s) => s.verdict);
  cell.verdict = worstVerdict(judged) ?? 'unsupported';
  const before = cell.aggregate;
  if (before === undefined) return;
  const fold = new ScoreFold(Object.keys(before.huntFoundByLongest).map(Number).sort((a, b) => a - b), 0);
  for (const score of cell.scores) fold.add(score);
  cell.aggregate = fold.aggregate(before.spurious);
}
