import type { TruthConnection } from '../core/ground-truth.js';
import type { MonitorModel } from './monitor-model.js';

/**
 * The ideal idle-timeout model: what a monitor that applied its timers exactly as documented would report. A gap
 * longer than the idle timeout plus the timer granularity starts a new record; a record older than the active
 * timeout is cut at the next packet. Comparing a tool with this model separates "the timeout did its job" from
 * "the tool did something else".
 *
 * The truth lists only gaps of at least the scenario's quiet threshold, so the model answers only when every gap
 * that could matter is listed: idle + granularity >= threshold (shorter gaps cannot be cut), or the connection's
 * longest gap is itself within the timeout. Between listed gaps packets are taken to be continuous, which is what
 * the active timeout needs; so with an active timeout the threshold must not exceed it either.
 */
export function predictFragments(conn: TruthConnection, model: MonitorModel, quietThresholdUs?: number): number | undefined {
  const idle = model.idleS[conn.protocol];
  if (idle === undefined) return undefined;
  const granularityUs = model.granularityS * 1e6;
  const idleLimitUs = idle === null ? Infinity : idle * 1e6 + granularityUs;
  // Background flows (clock, sentinel) list no quiet periods at all, only their longest gap.
  const gapsListed = !conn.background || conn.quietPeriods.length > 0;
  const everyGapKnown =
    conn.longestGapUs <= idleLimitUs || (gapsListed && quietThresholdUs !== undefined && quietThresholdUs <= idleLimitUs);
  if (!everyGapKnown) return undefined;
  // Some tools take 0 to mean "no active timeout".
  const activeUs = typeof model.activeS === 'number' && model.activeS > 0 ? model.activeS * 1e6 : Infinity;
  if (activeUs !== Infinity && (quietThresholdUs === undefined || quietThresholdUs > activeUs)) {
    // Without knowing where packets fall between listed gaps, active cuts inside a busy stretch are guesses.
    if (conn.durationUs >= activeUs) return undefined;
  }

  // Busy stretches between listed quiet periods, in time order.
  // The truth lists them in time order; sort a copy only if a hand-made truth did not.
  const listed = conn.quietPeriods;
  const inOrder = listed.every((q, i) => i === 0 || (listed[i - 1] as (typeof listed)[number]).startUs <= q.startUs);
  const gaps = inOrder ? listed : [...listed].sort((a, b) => a.startUs - b.startUs);
  let records = 1;
  let recordStart = conn.firstUs;
  let stretchStart = conn.firstUs;
  for (let i = 0; i <= gaps.length; i += 1) {
    const stretchEnd = i < gaps.length ? (gaps[i] as (typeof gaps)[number]).startUs : conn.lastUs;
    // Active cuts inside a busy stretch: the packet at (about) recordStart + active opens the next record.
    if (activeUs !== Infinity) {
      while (recordStart + activeUs <= stretchEnd) {
        recordStart = Math.max(recordStart + activeUs, stretchStart);
        records += 1;
      }
    }
    if (i === gaps.length) break;
    const gap = gaps[i] as (typeof gaps)[number];
    stretchStart = gap.endUs;
    if (gap.lengthUs > idleLimitUs || gap.endUs - recordStart >= activeUs) {
      records += 1;
      recordStart = gap.endUs;
    }
  }
  return records;
}

/** A cut by pressure: the tool expired the flow early because its table was full, not because of a timeout. */
export const EVICTED_REASON = 'evicted: table full';

/**
 * Why the tool reported a different number of fragments than the ideal model, as far as the model can tell.
 * `evictedCut`: a record other than the last ended by eviction (the tool said so for this very flow).
 */
export function likelyReason(
  fragments: number,
  predicted: number,
  model: MonitorModel,
  unpairedUni: number,
  evictedCut = false,
): string | undefined {
  if (fragments === predicted) return undefined;
  if (fragments > predicted && evictedCut) return EVICTED_REASON;
  if (fragments === 1 && predicted > 1 && model.honoursTimeoutsOffline === false) return 'timeouts not honoured offline';
  if (fragments < predicted && model.timerNeedsLaterPacket === true) return 'timer needs a later packet';
  if (fragments > predicted) {
    if (unpairedUni > 0) return 'one record per direction';
    if (model.statusIntervalS !== undefined) return 'status interval';
    if (model.activeS !== undefined && model.activeS !== null) return 'active timeout';
    if (model.tableFull === true) return EVICTED_REASON;
  }
  return 'unexplained';
}
