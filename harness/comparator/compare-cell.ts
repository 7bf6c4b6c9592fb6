import { sourceOf, type FlowRecord } from '../core/flow-record.js';
import type { GroundTruth } from '../core/ground-truth.js';
import { VERDICT_SEVERITY } from '../core/score.js';
import type { CellAggregate, ConnectionScore, SpuriousRecord, Verdict } from '../core/score.js';
import { buildFragments } from './fragments.js';
import { indexTruth, matchRecords, recordsOf, type TruthIndex } from './match.js';
import type { MonitorModel } from './monitor-model.js';
import { scoreConnection } from './score-connection.js';

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

export function compareCell(truth: GroundTruth, records: readonly FlowRecord[], model: MonitorModel, options: CompareOptions): CellComparison {
  const toleranceUs = options.toleranceS * 1e6;
  const matched = matchRecords(truth, records, toleranceUs, truthIndexOf(truth));
  const scoreOptions = { ...options, quietThresholdUs: truth.quietThresholdUs };
  const scores = truth.connections.map((conn, i) => {
    return scoreConnection(conn, buildFragments(conn, records, toleranceUs, recordsOf(matched, i)), model, scoreOptions);
  });
  const spurious = matched.unmatched.map((ri) => toSpurious(records[ri] as FlowRecord));
  const foreground = scores.filter((s) => !s.background);
  return {
    scores,
    spurious,
    aggregate: aggregate(foreground, spurious.length, options.huntThresholdsS),
    verdict: cellVerdict(foreground, model),
  };
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

export function worstVerdict(verdicts: readonly Verdict[]): Verdict | undefined {
  let worst: Verdict | undefined;
  for (const v of verdicts) {
    if (worst === undefined || VERDICT_SEVERITY.indexOf(v) < VERDICT_SEVERITY.indexOf(worst)) worst = v;
  }
  return worst;
}

/** With no scenario connection at all there is nothing to get wrong: accurate, unless calibration says otherwise. */
function cellVerdict(foreground: readonly ConnectionScore[], model: MonitorModel): Verdict {
  return worstVerdict(foreground.map((s) => s.verdict)) ?? (model.honoursTimeoutsOffline === false ? 'timeouts-not-honoured' : 'accurate');
}

/** Hunt counts are keyed by the threshold in seconds as text (`"3600"`). */
function aggregate(foreground: readonly ConnectionScore[], spurious: number, thresholdsS: readonly number[]): CellAggregate {
  const huntFoundByLongest: Record<string, number> = {};
  const huntFoundBySum: Record<string, number> = {};
  for (const t of thresholdsS) {
    huntFoundByLongest[String(t)] = 0;
    huntFoundBySum[String(t)] = 0;
  }
  let coverageSum = 0;
  let minCoverage = foreground.length > 0 ? Infinity : 0;
  let fragmentsTotal = 0;
  const count: Partial<Record<Verdict, number>> = {};
  for (const s of foreground) {
    coverageSum += s.coverage;
    minCoverage = Math.min(minCoverage, s.coverage);
    fragmentsTotal += s.fragments;
    count[s.verdict] = (count[s.verdict] ?? 0) + 1;
    for (const h of s.hunts) {
      const key = String(h.thresholdS);
      if (h.byLongestRecord) huntFoundByLongest[key] = (huntFoundByLongest[key] ?? 0) + 1;
      if (h.bySum) huntFoundBySum[key] = (huntFoundBySum[key] ?? 0) + 1;
    }
  }
  return {
    connections: foreground.length,
    accurate: count.accurate ?? 0,
    fragmented: count.fragmented ?? 0,
    missed: count.missed ?? 0,
    fragmentsTotal,
    meanCoverage: foreground.length > 0 ? coverageSum / foreground.length : 0,
    minCoverage,
    huntFoundByLongest,
    huntFoundBySum,
    spurious,
  };
}

