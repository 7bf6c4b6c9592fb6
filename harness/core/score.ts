import type { FlowRecord } from './flow-record.js';
import type { TimeoutProtocol } from './timeout-setting.js';

/**
 * A Score is how one monitor, under one timeout setting, reported one true connection. Built by the comparator
 * (pure functions in harness/comparator/), rendered by reports/.
 */
export type Verdict =
  | 'accurate' // one record, duration within tolerance
  | 'inaccurate' // one record, duration outside tolerance
  | 'fragmented' // split into several records
  | 'merged' // reported in one record together with another connection the monitor cannot tell apart from it
  | 'missed' // no record at all
  | 'timeouts-not-honoured' // the tool does not apply its timeouts to a pcap: a whole record proves nothing
  | 'unsupported' // the tool cannot take this setting
  | 'failed' // the monitor crashed, hung, or wrote what we cannot parse
  | 'skipped'; // the monitor is not installed (or a suite said so)

/** Worst first: a cell's verdict is the worst of its connections'. */
export const VERDICT_SEVERITY: readonly Verdict[] = [
  'failed',
  'missed',
  'fragmented',
  'merged',
  'inaccurate',
  'timeouts-not-honoured',
  'accurate',
  'unsupported',
  'skipped',
];

/** The worst of some verdicts, by VERDICT_SEVERITY; undefined for none. */
export function worstVerdict(verdicts: Iterable<Verdict>): Verdict | undefined {
  let worst: Verdict | undefined;
  for (const v of verdicts) {
    if (worst === undefined || VERDICT_SEVERITY.indexOf(v) < VERDICT_SEVERITY.indexOf(worst)) worst = v;
  }
  return worst;
}

/** One fragment as the monitor reported it, after pairing unidirectional records and grouping status records. */
export interface Fragment {
  firstUs: number;
  lastUs: number;
  durationUs: number;
  /** Packets and bytes in the truth's client->server and server->client directions (undefined if not reported). */
  clientPkts?: number;
  serverPkts?: number;
  clientBytes?: number;
  serverBytes?: number;
  /** The monitor named the truth's server as originator. */
  flipped: boolean;
  state?: string;
  history?: string;
  endReason?: string;
  /** The raw records it was built from: file (relative to the cell folder) and line. */
  sources: { file: string; line: number }[];
}

export interface HuntResult {
  thresholdS: number;
  /** A conn.log query `duration >= threshold` on any single record finds it. */
  byLongestRecord: boolean;
  /**
   * The sum of this connection's record durations reaches the threshold (RITA sums all of a host pair's records; only
   * this connection's count here, so another connection between the same hosts never hides a monitor's fragmentation).
   */
  bySum: boolean;
}

export interface Conservation {
  expected: number;
  /** Undefined when the monitor does not report this counter. */
  seen?: number;
  /** Undefined when it cannot be judged. */
  ok?: boolean;
}

export interface ConnectionScore {
  connectionId: string;
  background: boolean;
  fragments: number;
  fragmentList: Fragment[];
  trueDurationUs: number;
  longestRecordUs: number;
  sumDurationUs: number;
  /** Sum of record durations / true duration (1 for a zero-length truth that was seen). */
  coverage: number;
  /** True duration not covered by any record (the quiet time the monitor dropped). */
  gapTimeLostUs: number;
  /** First record start minus truth first packet; last record end minus truth last packet. */
  startErrorUs?: number;
  endErrorUs?: number;
  packets: Conservation;
  /** Bytes in the unit the monitor reports, converted to IP bytes where possible; see `bytesKind`. */
  bytes: Conservation & { bytesKind: string };
  close: { expected: string; seen?: string; ok?: boolean };
  /** Fragments the ideal model predicts for this setting (when its rule allows one count), and what the tool did beyond that. */
  predictedFragments?: number;
  predictionDelta?: number;
  /** The fewest and most fragments the model allows where the tool's rule leaves room (a sweep of unknown phase). */
  predictedRange?: { min: number; max: number };
  /**
   * The tool against the model: `as-predicted` / `differs` (one count), `within-range` / `outside-range` (a range).
   * Absent when the model cannot tell (gaps shorter than the truth's quiet threshold could matter).
   */
  modelAgreement?: 'as-predicted' | 'differs' | 'within-range' | 'outside-range';
  /** What the naive model (a silence longer than the global timeout ends a record) predicts. */
  naivePredictedFragments?: number;
  /** The tool's rules that make the model differ from the naive one here (a service override, whole seconds...). */
  timerRules?: string[];
  likelyReason?: string;
  /** Another connection one of its records also belongs to: the monitor reported the two as one flow. */
  mergedWith?: string;
  hunts: HuntResult[];
  verdict: Verdict;
  /** Parts of the connection the tool discarded on purpose without any record (live ndpiReader deletes idle flows). */
  toolLosses?: ToolLoss[];
}

export interface ToolLoss {
  startUs: number;
  endUs: number;
  /** Packets of the truth in that part (both directions), when known. */
  reason: string;
  /** True when no record of the tool covers any of it: the loss happened, not only predicted. */
  confirmed: boolean;
}

/** A record that matches no truth connection: where and when it was, and where it came from. */
export type SpuriousRecord = Pick<FlowRecord, 'protocol' | 'origAddr' | 'origPort' | 'respAddr' | 'respPort' | 'firstUs' | 'lastUs'> & {
  source: { file: string; line: number };
};

export interface CellAggregate {
  connections: number;
  accurate: number;
  fragmented: number;
  missed: number;
  /** Connections reported in one record with another (verdict `merged`); absent when none was. */
  merged?: number;
  fragmentsTotal: number;
  meanCoverage: number;
  minCoverage: number;
  /** Connections a hunt at each threshold finds by its longest record. */
  huntFoundByLongest: Record<string, number>;
  huntFoundBySum: Record<string, number>;
  spurious: number;
}

/** The smallest idle timeout per protocol that keeps every connection of the scenario whole on this monitor. */
export interface Recommendation {
  monitor: string;
  view: string;
  protocol: TimeoutProtocol;
  /** Longest gap among the scenario's connections of this protocol plus the tool's timer granularity. */
  minimumIdleS: number;
  /** Tool-specific knob and value, e.g. `tcp_inactivity_timeout = 1h`. */
  advice: string;
  /**
   * Everything that keeps the connections whole, in the tool's own config syntax, ready to paste (a local.zeek's
   * redefs, service tables included; a suricata.yaml block), when the adapter states its rule.
   */
  adviceLines?: string[];
  /** Overrides that cap what the global knob alone can do (Zeek's service tables, Suricata's `new` state). */
  caps?: string[];
  /** The first setting of the sweep (in sweep order) that kept every connection of this protocol whole. */
  firstSufficientSetting?: string;
  /** Why no setting can (e.g. nfpcapd caps at 3600 s), if so. */
  limitation?: string;
  /** When the tool's table filled and it evicted flows early: the limit to raise, how far, and its memory cost. */
  tableLimit?: string;
  /**
   * The monitor reported no record of any scenario connection of this protocol in any cell: no timeout makes it
   * report a connection it never reported, so `advice` is not to be followed (`limitation` says what to check).
   */
  noRecords?: boolean;
}
