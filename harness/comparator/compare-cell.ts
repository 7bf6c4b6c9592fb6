import { sourceOf, type FlowRecord } from '../core/flow-record.js';
import { FlowRecordTable, type FlowRecordList } from '../core/flow-record-table.js';
import type { CellAggregate, ConnectionScore, SpuriousRecord, Verdict } from '../core/score.js';
import { ScoreFold } from '../core/score-fold.js';
import type { GroundTruth, TruthConnection } from '../core/ground-truth.js';
import { TextAddressIds } from './address-ids.js';
import { buildFragments, buildTableFragments, type RowSlice } from './fragments.js';
import { indexTruth, matchRecords, recordsOf, RowOrientation, type MatchResult, type TruthIndex } from './match.js';
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
 * The fold keeps the `worstKept` worst (and every background) score for results.json.
 */
export class CellScoring {
  readonly fold: ScoreFold;
  private readonly matched: MatchResult;
  private readonly toleranceUs: number;
  /** For a FlowRecordTable: its rows are matched and made fragments from its columns, oriented by address ids. */
  private readonly orientation: RowOrientation | undefined;
  private readonly index: TruthIndex;
  private readonly table: FlowRecordTable | undefined;
  /** The rows of the connection being scored, refilled for each: no subarray object per connection. */
  private readonly slice: RowSlice;
  private readonly scoreOptions: ScoreOptions;

  constructor(
    private readonly truth: GroundTruth,
    private readonly records: FlowRecordList,
    private readonly model: MonitorModel,
    options: CompareOptions,
    worstKept: number,
  ) {
    this.toleranceUs = options.toleranceS * 1e6;
    const index = truthIndexOf(truth);
    this.index = index;
    const table = records instanceof FlowRecordTable ? records : undefined;
    this.table = table;
    const addresses = table ? new TextAddressIds(index.addresses, table) : undefined;
    this.matched = matchRecords(truth, records, this.toleranceUs, index, addresses);
    this.orientation = table && addresses ? new RowOrientation(index, table, addresses) : undefined;
    this.fold = new ScoreFold(options.huntThresholdsS, worstKept);
    this.slice = { order: this.matched.order, from: 0, to: 0 };
    this.scoreOptions = { ...options, quietThresholdUs: truth.quietThresholdUs };
  }

  /**
   * An iterator object rather than a generator: a generator's suspend and resume cost ~70 ns a connection, a tenth
   * of scoring one (measured on a million).
   */
  scores(): IterableIterator<ConnectionScore> {
    const count = this.truth.connections.length;
    let next = 0;
    const iterator: IterableIterator<ConnectionScore> = {
      next: () => (next < count ? { done: false, value: this.scoreAt(next++) } : { done: true, value: undefined }),
      [Symbol.iterator]: () => iterator,
    };
    return iterator;
  }

  /** Truth connection i scored and folded: scores() asks for each once, in truth order. */
  private scoreAt(i: number): ConnectionScore {
    const conn = this.truth.connections[i] as TruthConnection;
    const protocol = conn.protocol;
    const { table, orientation, toleranceUs, slice } = this;
    let fragments;
    if (table && orientation) {
      orientation.connection(i, protocol);
      slice.from = this.matched.offsets[i] as number;
      slice.to = this.matched.offsets[i + 1] as number;
      fragments = buildTableFragments(conn, table, toleranceUs, slice, orientation);
    } else {
      fragments = buildFragments(conn, this.records, toleranceUs, recordsOf(this.matched, i));
    }
    const score = scoreConnection(conn, fragments, this.model, this.scoreOptions, this.index.clientPort[i], this.index.serverPort[i]);
    this.fold.add(score, protocol);
    return score;
  }

  /** The first `limit` records that belong to no truth connection. */
  spurious(limit: number): SpuriousRecord[] {
    const unmatched = this.matched.unmatched;
    return unmatched.slice(0, Math.min(limit, unmatched.length)).map((ri) => toSpurious(this.records.at(ri) as FlowRecord));
  }

  /** After `scores()` has run through. */
  aggregate(): CellAggregate {
    return this.fold.aggregate(this.matched.unmatched.length);
  }

  /** With no scenario connection at all there is nothing to get wrong: accurate, unless calibration says otherwise. */
  verdict(): Verdict {
    return this.fold.worstVerdict() ?? (this.model.honoursTimeoutsOffline === false ? 'timeouts-not-honoured' : 'accurate');
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
