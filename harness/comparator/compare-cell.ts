import { LINK_HEADER_BYTES } from '../core/ground-truth.js';
import { sourceOf, type FlowRecord } from '../core/flow-record.js';
import { FlowRecordTable, type FlowRecordList, type SharedFlowRecordTable } from '../core/flow-record-table.js';
import type { CellAggregate, ConnectionScore, SpuriousRecord, Verdict } from '../core/score.js';
import { ScoreFold, type FoldPart } from '../core/score-fold.js';
import type { GroundTruth, TruthConnection } from '../core/ground-truth.js';
import { ResolvedAddressIds, TextAddressIds } from './address-ids.js';
import { truthTableOf, type SharedTruthTable, type TruthTable } from '../core/truth-table.js';
import { buildFragments, buildTableFragments, type RowSlice } from './fragments.js';
import { indexTruth, matchRecords, matchRecordsSplit, recordsOf, RowOrientation, type MatchRangeInput, type MatchResult, type MergedRows, type TruthIndex } from './match.js';
import type { MonitorModel } from './monitor-model.js';
import { scoreConnection, type ScoreOptions } from './score-connection.js';

export type { MonitorModel } from './monitor-model.js';

/**
 * One cell (a monitor, a view, a timeout setting) scored against the ground truth: every truth connection gets a
 * ConnectionScore, every record that belongs to none becomes a SpuriousRecord, and the cell's verdict is the worst
 * verdict among the scenario's own (non-background) connections.
 */
export interface CompareOptions {
  huntThresholdsS: number[];
  toleranceS: number;
  toleranceRatio: number;
}

export const DEFAULT_COMPARE_OPTIONS: CompareOptions = { huntThresholdsS: [3600, 14400, 28800], toleranceS: 2, toleranceRatio: 0.001 };

export interface CellComparison {
  scores: ConnectionScore[];
  spurious: SpuriousRecord[];
  aggregate: CellAggregate;
  verdict: Verdict;
}

/**
 * The truth's match index, built once per truth: a sweep compares every cell (32 for 8 monitor views x 4 settings)
 * with the same truth, and the index is pure of it (its address cache only grows).
 */
const truthIndexes = new WeakMap<GroundTruth, TruthIndex>();

function truthIndexOf(truth: GroundTruth): TruthIndex {
  let index = truthIndexes.get(truth);
  if (index === undefined) {
    index = indexTruth(truth);
    truthIndexes.set(truth, index);
  }
  return index;
}

export function compareCell(truth: GroundTruth, records: FlowRecordList, model: MonitorModel, options: CompareOptions): CellComparison {
  const scoring = new CellScoring(truth, records, model, options, 0);
  const scores = [...scoring.scores()];
  return { scores, spurious: scoring.spurious(Infinity), aggregate: scoring.aggregate(), verdict: scoring.verdict() };
}

/**
 * A cell scored one connection at a time, in truth order: `scores()` yields each connection's score once, folded
 * into `fold` as it goes, so a caller that writes each score out and lets it go never holds a million of them.
 * The fold keeps the `worstKept` worst (and every background) score for results.json. Connections from some point
 * on may be scored by another thread instead (`shareFrom`, `scoreRange`) and their fold merged (`merge`).
 */
export class CellScoring {
  readonly fold: ScoreFold;
  private readonly matched: MatchResult;
  private readonly index: TruthIndex;
  private readonly table: FlowRecordTable | undefined;
  private readonly addresses: TextAddressIds | undefined;
  private readonly scorer: ConnectionScorer;
  private readonly toleranceUs: number;
  private readonly scoreOptions: ScoreOptions;

  constructor(
    private readonly truth: GroundTruth,
    private readonly records: FlowRecordList,
    private readonly model: MonitorModel,
    options: CompareOptions,
    private readonly worstKept: number,
    /** The match, made by `matchedInTwo` (with the address lookups it made); else it is made here, by this thread. */
    prepared?: { matched: MatchResult; addresses: TextAddressIds },
  ) {
    this.toleranceUs = options.toleranceS * 1e6;
    const index = truthIndexOf(truth);
    this.index = index;
    const table = records instanceof FlowRecordTable ? records : undefined;
    this.table = table;
    const addresses = prepared?.addresses ?? (table ? new TextAddressIds(index.addresses, table) : undefined);
    this.addresses = addresses;
    this.matched = prepared?.matched ?? matchRecords(truth, records, this.toleranceUs, index, addresses);
    const orientation = table && addresses ? new RowOrientation(index, table, addresses) : undefined;
    this.fold = new ScoreFold(options.huntThresholdsS, worstKept);
    this.scoreOptions = { ...options, quietThresholdUs: truth.quietThresholdUs, linkHeaderBytes: LINK_HEADER_BYTES[truth.pcap.linkType] ?? null };
    const connections = truth.connections;
    this.scorer = new ConnectionScorer((i) => connections[i] as TruthConnection, records, table, orientation, this.matched, index, model, this.scoreOptions, this.toleranceUs);
  }

  /**
   * A CellScoring whose match was made by two threads: this one matches the first half of the table's rows while
   * `elsewhere` (another thread running matchRange) matches the second, from shared memory. Undefined when the
   * records are not a table in shared memory (then `new CellScoring` matches them here); `elsewhereFailed` when the
   * other thread failed and this one matched its half too.
   */
  static async matchedInTwo(
    truth: GroundTruth, table: FlowRecordTable, model: MonitorModel, options: CompareOptions, worstKept: number,
    elsewhere: (input: MatchRangeInput) => Promise<MergedRows>,
  ): Promise<{ scoring: CellScoring; elsewhereFailed?: Error } | undefined> {
    const index = truthIndexOf(truth);
    const addresses = new TextAddressIds(index.addresses, table);
    const split = await matchRecordsSplit(truth, table, options.toleranceS * 1e6, index, addresses, elsewhere);
    if (split === undefined) return undefined;
    const scoring = new CellScoring(truth, table, model, options, worstKept, { matched: split.match, addresses });
    return split.elsewhereFailed === undefined ? { scoring } : { scoring, elsewhereFailed: split.elsewhereFailed };
  }

  /**
   * Connections `from` .. `to` - 1 (all by default) scored and folded, in truth order (each once, the ranges asked
   * for in order). An iterator object rather than a generator: a generator's suspend and resume cost ~70 ns a
   * connection, a tenth of scoring one (measured on a million).
   */
  scores(from = 0, to = this.truth.connections.length): IterableIterator<ConnectionScore> {
    let next = from;
    const { scorer, fold } = this;
    const iterator: IterableIterator<ConnectionScore> = {
      next: () => (next < to ? { done: false, value: scorer.score(next++, fold) } : { done: true, value: undefined }),
      [Symbol.iterator]: () => iterator,
    };
    return iterator;
  }

  /**
   * Connections `from` .. the last, for another thread to score (scoreRange) while this one scores those before:
   * the truth's and the records' columns, the match and the index are shared memory, not copied. Undefined when the
   * truth is not one TruthTable or the records are not columns in shared memory (then this thread scores them all).
   */
  shareFrom(from: number): ScoreRangeInput | undefined {
    const truthTable = truthTableOf(this.truth.connections);
    const records = this.table?.shared();
    if (truthTable === undefined || records === undefined || this.addresses === undefined) return undefined;
    const { clientAddr, serverAddr, clientPort, serverPort } = this.index;
    let truthKey = truthKeys.get(truthTable);
    if (truthKey === undefined) {
      lastTruthKey += 1;
      truthKey = lastTruthKey;
      truthKeys.set(truthTable, truthKey);
    }
    return {
      from, to: this.truth.connections.length, truthKey, truth: truthTable.share(), records, offsets: this.matched.offsets, order: this.matched.order,
      mergedWith: this.matched.mergedWith,
      clientAddr, serverAddr, clientPort, serverPort, addressIds: this.addresses.resolved(), toleranceUs: this.toleranceUs,
      scoreOptions: this.scoreOptions, worstKept: this.worstKept,
    };
  }

  get connectionCount(): number {
    return this.truth.connections.length;
  }

  /** The fold of the connections after those `scores(0, to)` went through, scored elsewhere (scoreRange). */
  merge(part: FoldPart): void {
    this.fold.merge(part);
  }

  /** The first `limit` records that belong to no truth connection. */
  spurious(limit: number): SpuriousRecord[] {
    const unmatched = this.matched.unmatched;
    return unmatched.slice(0, Math.min(limit, unmatched.length)).map((ri) => toSpurious(this.records.at(ri) as FlowRecord));
  }

  /** After `scores()` has run through (and any part has been merged). */
  aggregate(): CellAggregate {
    return this.fold.aggregate(this.matched.unmatched.length);
  }

  /** With no scenario connection at all there is nothing to get wrong: accurate, unless calibration says otherwise. */
  verdict(): Verdict {
    return this.fold.worstVerdict() ?? (this.model.honoursTimeoutsOffline === false ? 'timeouts-not-honoured' : 'accurate');
  }
}

/** shareFrom's truthKey of each truth table shared so far (weakly: a key does not keep a truth alive). */
const truthKeys = new WeakMap<TruthTable, number>();
let lastTruthKey = 0;

/** What another thread needs to score connections `from` .. `to` - 1 of a cell (CellScoring.shareFrom): data only. */
export interface ScoreRangeInput {
  from: number;
  to: number;
  /** The same number for every range of one truth in this process: a thread that scores many rebuilds it once. */
  truthKey: number;
  truth: SharedTruthTable;
  records: SharedFlowRecordTable;
  /** The match (MatchResult) and the truth index's endpoints, in shared memory. */
  offsets: Int32Array;
  order: Int32Array;
  mergedWith: Int32Array;
  clientAddr: Int32Array;
  serverAddr: Int32Array;
  clientPort: Int32Array;
  serverPort: Int32Array;
  /** The records' address texts as the index's address ids, by text id (TextAddressIds.resolved). */
  addressIds: Int32Array;
  toleranceUs: number;
  scoreOptions: ScoreOptions;
  worstKept: number;
}

/**
 * Connections input.from .. input.to - 1 scored and folded as CellScoring scores them: `scores` yields each once,
 * in order (to be written out), and `part()`, once they have all gone through, is their fold for CellScoring.merge.
 * `truth` is TruthTable.fromShared(input.truth), which a thread scoring many cells of one truth makes once; `model`
 * is the cell's, made again in this thread.
 */
export function scoreRange(input: ScoreRangeInput, truth: TruthTable, model: MonitorModel): { scores: IterableIterator<ConnectionScore>; part(): FoldPart } {
  const table = FlowRecordTable.fromShared(input.records);
  const orientation = new RowOrientation(input, table, new ResolvedAddressIds(input.addressIds));
  const scorer = new ConnectionScorer((i) => truth.view(i), table, table, orientation, input, input, model, input.scoreOptions, input.toleranceUs);
  const fold = new ScoreFold(input.scoreOptions.huntThresholdsS, input.worstKept, input.to - input.from);
  let next = input.from;
  const scores: IterableIterator<ConnectionScore> = {
    next: () => (next < input.to ? { done: false, value: scorer.score(next++, fold) } : { done: true, value: undefined }),
    [Symbol.iterator]: () => scores,
  };
  return {
    scores,
    part: () => {
      if (next < input.to) throw new Error(`scoreRange: part() before connection ${next} of ${input.from}..${input.to - 1} was scored`);
      return fold.part();
    },
  };
}

/** One truth connection's records made into fragments and scored against the model: the work of a cell, per connection. */
class ConnectionScorer {
  /** The rows of the connection being scored, refilled for each: no subarray object per connection. */
  private readonly slice: RowSlice;

  constructor(
    private readonly connectionAt: (i: number) => TruthConnection,
    private readonly records: FlowRecordList,
    /** For a FlowRecordTable: its rows are made fragments from its columns, oriented by address ids. */
    private readonly table: FlowRecordTable | undefined,
    private readonly orientation: RowOrientation | undefined,
    private readonly matched: Pick<MatchResult, 'offsets' | 'order' | 'mergedWith'>,
    private readonly ports: { clientPort: Int32Array; serverPort: Int32Array },
    private readonly model: MonitorModel,
    private readonly scoreOptions: ScoreOptions,
    private readonly toleranceUs: number,
  ) {
    this.slice = { order: matched.order, from: 0, to: 0 };
  }

  /** Truth connection i scored, and folded into `fold`. */
  score(i: number, fold: ScoreFold): ConnectionScore {
    const conn = this.connectionAt(i);
    const protocol = conn.protocol;
    const { table, orientation, toleranceUs, slice, matched } = this;
    let fragments;
    if (table && orientation) {
      orientation.connection(i, protocol);
      slice.from = matched.offsets[i] as number;
      slice.to = matched.offsets[i + 1] as number;
      fragments = buildTableFragments(conn, table, toleranceUs, slice, orientation);
    } else {
      fragments = buildFragments(conn, this.records, toleranceUs, recordsOf(matched, i));
    }
    const other = matched.mergedWith[i] as number;
    const mergedWith = other < 0 ? undefined : this.connectionAt(other).id;
    const score = scoreConnection(conn, fragments, this.model, this.scoreOptions, this.ports.clientPort[i], this.ports.serverPort[i], mergedWith);
    fold.add(score, protocol);
    return score;
  }
}

function toSpurious(r: FlowRecord): SpuriousRecord {
  return {
    protocol: r.protocol,
    origAddr: r.origAddr,
    origPort: r.origPort,
    respAddr: r.respAddr,
    respPort: r.respPort,
    firstUs: r.firstUs,
    lastUs: r.lastUs,
    source: sourceOf(r),
  };
}
