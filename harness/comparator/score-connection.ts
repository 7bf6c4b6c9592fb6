import type { FlowRecord } from '../core/flow-record.js';
import type { TruthConnection } from '../core/ground-truth.js';
import type { ConnectionScore, Conservation, Fragment, HuntResult, Verdict } from '../core/score.js';
import { classifyClose, closeAgrees } from './close-state.js';
import { addOptional, type FragmentSet } from './fragments.js';
import { likelyReason, predictRecords } from './ideal-model.js';
import type { MonitorModel } from './monitor-model.js';

export interface ScoreOptions {
  huntThresholdsS: readonly number[];
  toleranceS: number;
  toleranceRatio: number;
  /** The truth's quiet threshold, so the ideal model knows which gaps it has been told about. */
  quietThresholdUs?: number;
}

const ETHERNET_HEADER = 14;
const VLAN_TAG = 4;

/** Length of the union of spans, clipped to [from, to]; fragments arrive sorted by firstUs. */
function coveredUs(fragments: readonly Fragment[], from: number, to: number): number {
  let total = 0;
  let curA = 0;
  let curB = -Infinity;
  for (const f of fragments) {
    const a = Math.max(f.firstUs, from);
    const b = Math.min(f.lastUs, to);
    if (b <= a) continue;
    if (a > curB) {
      if (curB > curA) total += curB - curA;
      curA = a;
      curB = b;
    } else if (b > curB) curB = b;
  }
  if (curB > curA) total += curB - curA;
  return total;
}

/** Sum of a counter over fragments; undefined as soon as one fragment does not report it. */
function sumOf(fragments: readonly Fragment[], pick: (f: Fragment) => number | undefined): number | undefined {
  let total = 0;
  for (const f of fragments) {
    const v = pick(f);
    if (v === undefined) return undefined;
    total += v;
  }
  return total;
}

function conservation(expected: number, seen: number | undefined, judgeable: boolean): Conservation {
  const c: Conservation = { expected };
  if (seen !== undefined) {
    c.seen = seen;
    if (judgeable) c.ok = seen === expected;
  }
  return c;
}

/** Bytes the truth holds in the unit the monitor counts. */
function expectedBytes(conn: TruthConnection, kind: FlowRecord['bytesKind']): number {
  const packets = conn.clientPkts + conn.serverPkts;
  const ip = conn.clientIpBytes + conn.serverIpBytes;
  switch (kind) {
    case 'ethernet':
      return ip + packets * (ETHERNET_HEADER + (conn.vlan !== undefined ? VLAN_TAG : 0));
    case 'payload':
      return conn.clientPayloadBytes + conn.serverPayloadBytes;
    default:
      return ip;
  }
}

/** How far a record's duration may be from the true one and still count as right. */
export function durationToleranceUs(trueUs: number, options: { toleranceS: number; toleranceRatio: number }): number {
  return Math.max(options.toleranceS * 1e6, options.toleranceRatio * trueUs);
}

export function verdictFor(fragments: readonly Fragment[], conn: TruthConnection, model: MonitorModel, options: ScoreOptions): Verdict {
  let verdict: Verdict;
  if (fragments.length === 0) verdict = 'missed';
  else if (fragments.length > 1) verdict = 'fragmented';
  else {
    const toleranceUs = durationToleranceUs(conn.durationUs, options);
    const errorUs = (fragments[0] as Fragment).durationUs - conn.durationUs;
    verdict = Math.abs(errorUs) <= toleranceUs ? 'accurate' : 'inaccurate';
  }
  // A tool that ignores its timeouts on a pcap would have reported one record whatever the gaps: it proves nothing.
  if (verdict === 'accurate' && model.honoursTimeoutsOffline === false) verdict = 'timeouts-not-honoured';
  return verdict;
}

export function scoreConnection(conn: TruthConnection, set: FragmentSet, model: MonitorModel, options: ScoreOptions): ConnectionScore {
  const fragments = set.fragments;
  const seen = fragments.length > 0;
  let longest = 0;
  let sum = 0;
  let first = Infinity;
  let last = -Infinity;
  for (const f of fragments) {
    longest = Math.max(longest, f.durationUs);
    sum += f.durationUs;
    first = Math.min(first, f.firstUs);
    last = Math.max(last, f.lastUs);
  }
  const trueUs = conn.durationUs;
  const coverage = !seen ? 0 : trueUs === 0 ? 1 : sum / trueUs;
  const gapTimeLostUs = !seen ? trueUs : trueUs - coveredUs(fragments, conn.firstUs, conn.lastUs);

  const packetsSeen = seen ? sumOf(fragments, (f) => addOptional(f.clientPkts, f.serverPkts)) : undefined;
  const bytesSeen = seen ? sumOf(fragments, (f) => addOptional(f.clientBytes, f.serverBytes)) : undefined;
  // Built whole rather than spread from conservation(): same keys in the same order, one object fewer.
  const bytesKind = set.bytesKind;
  const expected = expectedBytes(conn, bytesKind);
  const bytes: ConnectionScore['bytes'] =
    bytesSeen === undefined
      ? { expected, bytesKind }
      : bytesKind === 'unknown'
        ? { expected, seen: bytesSeen, bytesKind }
        : { expected, seen: bytesSeen, ok: bytesSeen === expected, bytesKind };

  const lastFragment = fragments[fragments.length - 1];
  const close: ConnectionScore['close'] = { expected: conn.close };
  if (lastFragment) {
    const cls = classifyClose(lastFragment.state, lastFragment.history);
    const text = joinPresent(lastFragment.state, lastFragment.history);
    if (text !== '') close.seen = text;
    // Only TCP has a close to observe; a UDP or ICMP state word (Zeek's SF for UDP) means something else.
    if (cls !== undefined && conn.protocol === 'tcp') close.ok = closeAgrees(conn.close, cls);
  }

  const thresholds = options.huntThresholdsS;
  const hunts: HuntResult[] = [];
  for (let i = 0; i < thresholds.length; i += 1) {
    const thresholdS = thresholds[i] as number;
    hunts.push({ thresholdS, byLongestRecord: seen && longest >= thresholdS * 1e6, bySum: seen && sum >= thresholdS * 1e6 });
  }

  const score: ConnectionScore = {
    connectionId: conn.id,
    background: conn.background,
    fragments: fragments.length,
    fragmentList: fragments,
    trueDurationUs: trueUs,
    longestRecordUs: longest,
    sumDurationUs: sum,
    coverage,
    gapTimeLostUs,
    packets: conservation(conn.clientPkts + conn.serverPkts, packetsSeen, true),
    bytes,
    close,
    hunts,
    verdict: verdictFor(fragments, conn, model, options),
  };
  if (seen) {
    score.startErrorUs = first - conn.firstUs;
    score.endErrorUs = last - conn.lastUs;
  }
  const predicted = predictRecords(conn, model, options.quietThresholdUs);
  if (predicted !== undefined) {
    const n = fragments.length;
    const inside = n >= predicted.min && n <= predicted.max;
    if (predicted.min === predicted.max) {
      score.predictedFragments = predicted.min;
      score.predictionDelta = n - predicted.min;
      score.modelAgreement = inside ? 'as-predicted' : 'differs';
    } else {
      // A rule that leaves room (a sweep of unknown phase) gives a range, never a point presented as exact.
      score.predictedRange = { min: predicted.min, max: predicted.max };
      score.modelAgreement = inside ? 'within-range' : 'outside-range';
    }
    score.naivePredictedFragments = predicted.naive;
    if (predicted.rules.length > 0) score.timerRules = predicted.rules;
    const evictedCut = fragments.some((f, i) => i < n - 1 && f.endReason !== undefined && f.endReason.includes('evicted'));
    const reason = likelyReason(n, predicted, model, set.unpairedUni, evictedCut);
    if (reason !== undefined) score.likelyReason = reason;
  }
  return score;
}

/** `state history` without empty parts: what the monitor said about the close. */
function joinPresent(state: string | undefined, history: string | undefined): string {
  const a = state ?? '';
  const b = history ?? '';
  return a === '' ? b : b === '' ? a : `${a} ${b}`;
}
