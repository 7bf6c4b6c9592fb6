import { formatDuration, secondsToUs } from '../core/duration.js';
import { InputError } from '../core/input-error.js';
import type { FlowRecord } from '../core/flow-record.js';
import type { TruthConnection } from '../core/ground-truth.js';
import type { ConnectionScore, Conservation, Fragment, HuntResult, Verdict } from '../core/score.js';
import { classifyClose, closeAgrees, type CloseClass } from './close-state.js';
import { addOptional, type FragmentSet } from './fragments.js';
import { likelyReason, predictRecords } from './ideal-model.js';
import type { MonitorModel } from './monitor-model.js';

export interface ScoreOptions {
  huntThresholdsS: readonly number[];
  toleranceS: number;
  toleranceRatio: number;
  /** The truth's quiet threshold, so the ideal model knows which gaps it has been told about. */
  quietThresholdUs?: number;
  /**
   * Link-header bytes per frame of the truth's capture (LINK_HEADER_BYTES): 14 for Ethernet, 0 raw IP, 16 Linux
   * cooked; null when unknown, and then frame bytes are not judged. Absent: Ethernet.
   */
  linkHeaderBytes?: number | null;
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

function conservation(expected: number, seen: number | undefined, judgeable: boolean): Conservation {
  const c: Conservation = { expected };
  if (seen !== undefined) {
    c.seen = seen;
    if (judgeable) c.ok = seen === expected;
  }
  return c;
}

function vlanTags(conn: TruthConnection): number {
  return (conn.vlan === undefined ? 0 : 1) + (conn.innerVlan === undefined ? 0 : 1);
}

/** Bytes the truth holds in the unit the monitor counts. */
function expectedBytes(conn: TruthConnection, kind: FlowRecord['bytesKind'], linkHeaderBytes: number): number {
  const packets = conn.clientPkts + conn.serverPkts;
  const ip = conn.clientIpBytes + conn.serverIpBytes;
  switch (kind) {
    case 'ethernet':
      // A VLAN tag rides in an Ethernet header only; a QinQ frame carries two.
      return ip + packets * (linkHeaderBytes + (linkHeaderBytes === ETHERNET_HEADER ? vlanTags(conn) * VLAN_TAG : 0));
    case 'payload':
      return conn.clientPayloadBytes + conn.serverPayloadBytes;
    default:
      return ip;
  }
}

/** The longest scenario (non-background) connection a tolerance would judge. */
export interface LongestConnection {
  id: string;
  seconds: number;
}

export function longestConnection(connections: Iterable<Pick<TruthConnection, 'id' | 'background' | 'durationUs'>>): LongestConnection | undefined {
  let longest: LongestConnection | undefined;
  for (const c of connections) if (!c.background && (longest === undefined || c.durationUs / 1e6 > longest.seconds)) longest = { id: c.id, seconds: c.durationUs / 1e6 };
  return longest;
}

/**
 * A --tolerance (`flag`, as the user gave it) not shorter than the longest connection it judges makes a record of
 * any length "accurate": a 43 ms record of a 19 h connection at --tolerance 20h. (The default tolerance is exempt:
 * a scenario of short connections only is judged by it as ever.)
 */
export function refuseToleranceOverLongest(flag: string, given: string, toleranceS: number, longest: LongestConnection | undefined): void {
  if (longest === undefined || toleranceS < longest.seconds) return;
  throw new InputError(
    { file: flag, line: 0, col: 0 },
    `"${given}", not shorter than the longest connection it judges (${longest.id}, ${formatDuration(Math.round(longest.seconds))})`,
    'a tolerance shorter than the connections: with it a record of any length is "accurate"',
  );
}

/** How far a record's duration may be from the true one and still count as right. */
export function durationToleranceUs(trueUs: number, options: { toleranceS: number; toleranceRatio: number }): number {
  return Math.max(options.toleranceS * 1e6, options.toleranceRatio * trueUs);
}

export function verdictFor(fragments: readonly Fragment[], conn: TruthConnection, model: MonitorModel, options: ScoreOptions): Verdict {
  return verdictOf(fragments, conn.durationUs, model, options);
}

function verdictOf(fragments: readonly Fragment[], trueUs: number, model: MonitorModel, options: ScoreOptions, merged = false): Verdict {
  let verdict: Verdict;
  if (fragments.length === 0) verdict = 'missed';
  else if (fragments.length > 1) verdict = 'fragmented';
  // Its duration and counts are another connection's too: neither right nor wrong, and never "accurate".
  else if (merged) verdict = 'merged';
  else {
    const toleranceUs = durationToleranceUs(trueUs, options);
    const errorUs = (fragments[0] as Fragment).durationUs - trueUs;
    verdict = Math.abs(errorUs) <= toleranceUs ? 'accurate' : 'inaccurate';
  }
  // A tool that ignores its timeouts on a pcap would have reported one record whatever the gaps: it proves nothing.
  if (verdict === 'accurate' && model.honoursTimeoutsOffline === false) verdict = 'timeouts-not-honoured';
  return verdict;
}

/**
 * `clientPort`, `serverPort`: the connection's, when the caller has them as numbers (see predictRecords).
 * `mergedWith`: the id of another connection one of its records also belongs to (MatchResult.mergedWith).
 */
export function scoreConnection(
  conn: TruthConnection, set: FragmentSet, model: MonitorModel, options: ScoreOptions, clientPort?: number, serverPort?: number,
  mergedWith?: string,
): ConnectionScore {
  const fragments = set.fragments;
  const n = fragments.length;
  const seen = n > 0;
  // Each field of the truth read once: a TruthTable row reads its columns on every access.
  const firstUs = conn.firstUs;
  const lastUs = conn.lastUs;
  const trueUs = conn.durationUs;
  let longest = 0;
  let sum = 0;
  let first = Infinity;
  let last = -Infinity;
  // Packets and bytes summed over fragments; undefined as soon as one fragment does not report them.
  let packetsSeen: number | undefined = seen ? 0 : undefined;
  let bytesSeen: number | undefined = seen ? 0 : undefined;
  for (let i = 0; i < n; i += 1) {
    const f = fragments[i] as Fragment;
    longest = Math.max(longest, f.durationUs);
    sum += f.durationUs;
    first = Math.min(first, f.firstUs);
    last = Math.max(last, f.lastUs);
    if (packetsSeen !== undefined) {
      const p = addOptional(f.clientPkts, f.serverPkts);
      packetsSeen = p === undefined ? undefined : packetsSeen + p;
    }
    if (bytesSeen !== undefined) {
      const b = addOptional(f.clientBytes, f.serverBytes);
      bytesSeen = b === undefined ? undefined : bytesSeen + b;
    }
  }
  const coverage = !seen ? 0 : trueUs === 0 ? 1 : sum / trueUs;
  const gapTimeLostUs = !seen ? trueUs : trueUs - coveredUs(fragments, firstUs, lastUs);

  // Built whole rather than spread from conservation(): same keys in the same order, one object fewer.
  const bytesKind = set.bytesKind;
  const linkHeader = options.linkHeaderBytes === undefined ? ETHERNET_HEADER : options.linkHeaderBytes;
  const expected = expectedBytes(conn, bytesKind, linkHeader ?? 0);
  // Frame bytes of a capture whose link header is unknown: neither right nor wrong.
  const judgeable = bytesKind !== 'unknown' && !(bytesKind === 'ethernet' && linkHeader === null);
  const bytes: ConnectionScore['bytes'] =
    bytesSeen === undefined
      ? { expected, bytesKind }
      : !judgeable
        ? { expected, seen: bytesSeen, bytesKind }
        : { expected, seen: bytesSeen, ok: bytesSeen === expected, bytesKind };

  const close = closeOf(conn.close, conn.protocol, fragments[n - 1]);
  const hunts = huntsOf(options.huntThresholdsS, seen, longest, sum);

  const verdict = verdictOf(fragments, trueUs, model, options, mergedWith !== undefined);
  const packets = conservation(conn.clientPkts + conn.serverPkts, packetsSeen, true);
  const predicted = predictRecords(conn, model, options.quietThresholdUs, clientPort, serverPort);
  const score: ConnectionScore = {
    connectionId: conn.id,
    background: conn.background,
    fragments: n,
    fragmentList: fragments,
    trueDurationUs: trueUs,
    longestRecordUs: longest,
    sumDurationUs: sum,
    coverage,
    gapTimeLostUs,
    packets,
    bytes,
    close,
    hunts,
    verdict,
  };
  if (seen) {
    score.startErrorUs = first - firstUs;
    score.endErrorUs = last - lastUs;
  }
  if (predicted !== undefined) {
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
    const evictedCut = evictedBeforeLast(fragments);
    const reason = likelyReason(n, predicted, model, set.unpairedUni, trueUs, evictedCut, conn.clientPkts > 0 && conn.serverPkts > 0);
    if (reason !== undefined) score.likelyReason = reason;
  }
  if (mergedWith !== undefined && seen) {
    score.mergedWith = mergedWith;
    const merged = `${n > 1 ? 'records of it also hold' : 'reported in one record with'} ${mergedWith}: the monitor does not tell the two apart` +
      (conn.protocol === 'icmp' ? ' (it does not key ICMP echoes on their identifier)' : ' (one flow key, and its timeout outlasted the pause between them)');
    // Cut as well, the cut keeps its own reason first.
    score.likelyReason = n > 1 && score.likelyReason !== undefined ? `${score.likelyReason}; ${merged}` : merged;
  }
  return score;
}

/** Whether a fragment other than the last ended by eviction (the tool said so for this very flow). */
function evictedBeforeLast(fragments: readonly Fragment[]): boolean {
  for (let i = 0; i < fragments.length - 1; i += 1) {
    const reason = (fragments[i] as Fragment).endReason;
    if (reason !== undefined && reason.includes('evicted')) return true;
  }
  return false;
}

/** What the last fragment says of the close: its text and class, kept for the last (state, history) read. */
const lastClose = { state: undefined as string | undefined, history: undefined as string | undefined, text: '', cls: undefined as CloseClass | undefined };

function closeOf(expected: TruthConnection['close'], protocol: TruthConnection['protocol'], lastFragment: Fragment | undefined): ConnectionScore['close'] {
  if (lastFragment === undefined) return { expected };
  const { state, history } = lastFragment;
  // Consecutive connections mostly end in the same words (Zeek's `SF ShADadFf`): one text for all of them.
  if (state !== lastClose.state || history !== lastClose.history || lastClose.text === '') {
    lastClose.state = state;
    lastClose.history = history;
    lastClose.text = joinPresent(state, history);
    lastClose.cls = classifyClose(state, history);
  }
  const { text, cls } = lastClose;
  // Only TCP has a close to observe; a UDP or ICMP state word (Zeek's SF for UDP) means something else.
  const judged = cls !== undefined && protocol === 'tcp';
  if (text !== '' && judged) return { expected, seen: text, ok: closeAgrees(expected, cls) };
  const close: ConnectionScore['close'] = { expected };
  if (text !== '') close.seen = text;
  if (judged) close.ok = closeAgrees(expected, cls);
  return close;
}

/**
 * Each hunt result is one of four per threshold, and a million connections fall in a few patterns (mostly: found by
 * none): each pattern's list is made once per list of thresholds and shared by every score that has it, frozen,
 * since nobody may change it for the others.
 */
const sharedHunts = new WeakMap<readonly number[], Map<number, HuntResult[]>>();
/** Two bits per threshold in a pattern's number. */
const MAX_SHARED_THRESHOLDS = 15;

function huntResult(thresholdS: number, seen: boolean, longest: number, sum: number): HuntResult {
  const thresholdUs = secondsToUs(thresholdS);
  return { thresholdS, byLongestRecord: seen && longest >= thresholdUs, bySum: seen && sum >= thresholdUs };
}

/** The last list of thresholds and pattern looked up, and their hunts: consecutive scores mostly share both. */
let lastThresholds: readonly number[] | undefined;
let lastPattern = -1;
let lastHunts: HuntResult[] = [];

function huntsOf(thresholds: readonly number[], seen: boolean, longest: number, sum: number): HuntResult[] {
  if (thresholds.length > MAX_SHARED_THRESHOLDS) return thresholds.map((t) => huntResult(t, seen, longest, sum));
  let pattern = 0;
  for (let i = 0; i < thresholds.length; i += 1) {
    const thresholdUs = secondsToUs(thresholds[i] as number);
    if (seen && longest >= thresholdUs) pattern |= 1 << (2 * i);
    if (seen && sum >= thresholdUs) pattern |= 2 << (2 * i);
  }
  if (thresholds === lastThresholds && pattern === lastPattern) return lastHunts;
  let byPattern = sharedHunts.get(thresholds);
  if (byPattern === undefined) {
    byPattern = new Map();
    sharedHunts.set(thresholds, byPattern);
  }
  let hunts = byPattern.get(pattern);
  if (hunts === undefined) {
    hunts = Object.freeze(thresholds.map((t) => Object.freeze(huntResult(t, seen, longest, sum)))) as HuntResult[];
    byPattern.set(pattern, hunts);
  }
  lastThresholds = thresholds;
  lastPattern = pattern;
  lastHunts = hunts;
  return hunts;
}

/** `state history` without empty parts: what the monitor said about the close. */
function joinPresent(state: string | undefined, history: string | undefined): string {
  const a = state ?? '';
  const b = history ?? '';
  return a === '' ? b : b === '' ? a : `${a} ${b}`;
}
