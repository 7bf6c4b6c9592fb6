import { grown, shared } from './columns.js';
import type { ScoreDistribution } from './results.js';
import { VERDICT_SEVERITY, worstVerdict, type CellAggregate, type ConnectionScore, type HuntResult, type Verdict } from './score.js';
import type { TimeoutProtocol } from './timeout-setting.js';

/**
 * Everything a cell's reader needs of its connection scores, taken one score at a time: the aggregate, the verdict,
 * the distribution of fragments and coverage, per-protocol wholeness, and the scores results.json keeps (every
 * background connection's and the `worstKept` worst others'). A million scores then never have to be held at once:
 * each is folded in and written out, and goes.
 */

/** Fragment counts: missed, whole, then ranges (the last open-ended). */
export const FRAGMENT_BUCKETS: readonly { label: string; max: number }[] = [
  { label: 'missed', max: 0 },
  { label: '1', max: 1 },
  { label: '2', max: 2 },
  { label: '3-5', max: 5 },
  { label: '6-10', max: 10 },
  { label: '11+', max: Number.POSITIVE_INFINITY },
];
/** Coverage (sum of record durations / true duration), each bucket below its bound, the last from 0.99 up. */
export const COVERAGE_BUCKETS: readonly { label: string; below: number }[] = [
  { label: '< 10 %', below: 0.1 },
  { label: '10-50 %', below: 0.5 },
  { label: '50-90 %', below: 0.9 },
  { label: '90-99 %', below: 0.99 },
  { label: '>= 99 %', below: Number.POSITIVE_INFINITY },
];

/** Per protocol, whether every (non-background) connection of it was reported as one record. */
export type Wholeness = Partial<Record<TimeoutProtocol, boolean>>;

export interface Ranked {
  /** Position in the order the scores came (truth order). */
  at: number;
  score: ConnectionScore;
}

/** The bucket a fragment count falls in (findIndex without a closure per score), -1 for none. */
function fragmentBucket(fragments: number): number {
  for (let k = 0; k < FRAGMENT_BUCKETS.length; k += 1) if (fragments <= (FRAGMENT_BUCKETS[k] as { max: number }).max) return k;
  return -1;
}

function coverageBucket(coverage: number): number {
  for (let k = 0; k < COVERAGE_BUCKETS.length; k += 1) if (coverage < (COVERAGE_BUCKETS[k] as { below: number }).below) return k;
  return -1;
}

/** The verdict severity() was last asked about, and its answer: consecutive scores mostly share their verdict. */
let lastVerdict: Verdict | undefined;
let lastSeverity = -1;

/** A verdict's place in VERDICT_SEVERITY: a few comparisons of interned strings, cheaper than a Map per score. */
function severity(v: Verdict): number {
  if (v === lastVerdict) return lastSeverity;
  let at = -1;
  for (let i = 0; i < VERDICT_SEVERITY.length && at < 0; i += 1) if (VERDICT_SEVERITY[i] === v) at = i;
  lastVerdict = v;
  lastSeverity = at;
  return at;
}

/** Negative when `a` is worse than `b`: verdict, then lower coverage, then more fragments, then earlier. */
function worseFirst(a: Ranked, b: Ranked): number {
  return compareScores(a.score, severity(a.score.verdict), a.at, b, severity(b.score.verdict));
}

/** worseFirst of a score not yet ranked (most are not kept: no Ranked object for them), severities given. */
function compareScores(a: ConnectionScore, aSeverity: number, at: number, b: Ranked, bSeverity: number): number {
  return aSeverity - bSeverity
    || a.coverage - b.score.coverage
    || b.score.fragments - a.fragments
    || at - b.at;
}

/**
 * A fold of a later stretch of the same scores, made elsewhere (a score worker), for `merge`: everything its own
 * fold holds, plus each scenario connection's coverage in order, so that the merged mean is the very sum a single
 * fold would make (floating-point addition depends on its order).
 */
export interface FoldPart {
  count: number;
  foreground: number;
  fragmentsTotal: number;
  coverages: Float64Array;
  verdicts: number[];
  thresholds: number[];
  huntByLongest: number[];
  huntBySum: number[];
  fragmentBuckets: number[];
  coverageBuckets: number[];
  wholeProtocols: TimeoutProtocol[];
  wholeValues: boolean[];
  background: Ranked[];
  worst: Ranked[];
}

export class ScoreFold {
  private count = 0;
  private foreground = 0;
  private coverageSum = 0;
  private minCoverage = Infinity;
  private fragmentsTotal = 0;
  /** Count of each verdict, by its place in VERDICT_SEVERITY (arrays, not Maps: a million adds each). */
  private readonly verdicts = new Float64Array(VERDICT_SEVERITY.length);
  /** The distinct hunt thresholds, in order of first mention, and for each hunt of a score its threshold's place. */
  private readonly thresholds: number[] = [];
  private readonly thresholdAt: number[] = [];
  private readonly huntByLongest: number[] = [];
  private readonly huntBySum: number[] = [];
  private readonly fragmentBuckets = FRAGMENT_BUCKETS.map(() => 0);
  private readonly coverageBuckets = COVERAGE_BUCKETS.map(() => 0);
  /** Wholeness by protocol, in the order the protocols came (a keyed store per score is slow). */
  private readonly wholeProtocols: TimeoutProtocol[] = [];
  private readonly wholeValues: boolean[] = [];
  private readonly background: Ranked[] = [];
  /** The worst foreground scores so far, at most worstKept, unordered; `leastBad` indexes the one to replace. */
  private readonly worst: Ranked[] = [];
  private leastBad = -1;
  private leastBadSeverity = -1;

  /** With `partScores`: each scenario connection's coverage, in order, for `part()`. */
  private coverages: Float64Array | undefined;

  /**
   * `partScores`: the fold is a part (see `part()`) of about this many scores (room made for them at once; 0 when
   * not known).
   */
  constructor(huntThresholdsS: readonly number[], private readonly worstKept: number, partScores?: number) {
    for (const t of huntThresholdsS) this.thresholdAt.push(this.placeOf(t));
    // In shared memory: the part reaches the thread that merges it without a copy (a million connections' worth is 4 MB
    // copied three times: sliced, sent, received).
    if (partScores !== undefined) this.coverages = shared(Float64Array, Math.max(1024, partScores));
  }

  /** This fold, to be merged into the fold of the scores before these (made with `partScores`). */
  part(): FoldPart {
    if (this.coverages === undefined) throw new Error('ScoreFold.part: the fold was not made for a part');
    return {
      count: this.count, foreground: this.foreground, fragmentsTotal: this.fragmentsTotal, coverages: this.coverages.subarray(0, this.foreground),
      verdicts: Array.from(this.verdicts), thresholds: [...this.thresholds], huntByLongest: [...this.huntByLongest], huntBySum: [...this.huntBySum],
      fragmentBuckets: [...this.fragmentBuckets], coverageBuckets: [...this.coverageBuckets], wholeProtocols: [...this.wholeProtocols],
      wholeValues: [...this.wholeValues], background: [...this.background], worst: [...this.worst],
    };
  }

  /** Folds in `part`, the fold of the scores that came next: afterwards this fold is what adding each of them makes. */
  merge(part: FoldPart): void {
    const offset = this.count;
    this.count += part.count;
    this.foreground += part.foreground;
    this.fragmentsTotal += part.fragmentsTotal;
    const coverages = part.coverages;
    for (let i = 0; i < coverages.length; i += 1) {
      const coverage = coverages[i] as number;
      this.coverageSum += coverage;
      this.minCoverage = Math.min(this.minCoverage, coverage);
      this.recordCoverage(coverage);
    }
    part.verdicts.forEach((n, v) => { this.verdicts[v] = (this.verdicts[v] as number) + n; });
    part.thresholds.forEach((t, i) => {
      const at = this.placeOf(t);
      this.huntByLongest[at] = (this.huntByLongest[at] as number) + (part.huntByLongest[i] as number);
      this.huntBySum[at] = (this.huntBySum[at] as number) + (part.huntBySum[i] as number);
    });
    part.fragmentBuckets.forEach((n, k) => { this.fragmentBuckets[k] = (this.fragmentBuckets[k] as number) + n; });
    part.coverageBuckets.forEach((n, k) => { this.coverageBuckets[k] = (this.coverageBuckets[k] as number) + n; });
    part.wholeProtocols.forEach((protocol, i) => this.countWholeness(protocol, part.wholeValues[i] as boolean));
    for (const r of part.background) this.background.push({ at: r.at + offset, score: r.score });
    // The worst kept are the worstKept first in one total order, whichever order they are offered in.
    for (const r of part.worst) this.keepIfWorse(r.score, r.at + offset, severity(r.score.verdict));
  }

  private recordCoverage(coverage: number): void {
    const coverages = this.coverages;
    if (coverages === undefined) return;
    const at = this.foreground - 1;
    if (at >= coverages.length) this.coverages = grown(coverages, coverages.length * 2);
    (this.coverages as Float64Array)[at] = coverage;
  }

  private countWholeness(protocol: TimeoutProtocol, whole: boolean): void {
    let at = this.wholeProtocols.indexOf(protocol);
    if (at < 0) {
      at = this.wholeProtocols.length;
      this.wholeProtocols.push(protocol);
      this.wholeValues.push(true);
    }
    if (!whole) this.wholeValues[at] = false;
  }

  /** The next score, in truth order; its connection's protocol counts it towards that protocol's wholeness. */
  add(score: ConnectionScore, protocol?: TimeoutProtocol): void {
    const at = this.count;
    this.count += 1;
    if (score.background) {
      this.background.push({ at, score });
      return;
    }
    this.foreground += 1;
    this.coverageSum += score.coverage;
    this.minCoverage = Math.min(this.minCoverage, score.coverage);
    if (this.coverages !== undefined) this.recordCoverage(score.coverage);
    this.fragmentsTotal += score.fragments;
    const v = severity(score.verdict);
    this.verdicts[v] = (this.verdicts[v] as number) + 1;
    const hunts = score.hunts;
    for (let i = 0; i < hunts.length; i += 1) {
      const h = hunts[i] as HuntResult;
      if (!h.byLongestRecord && !h.bySum) continue;
      const at = this.thresholdOf(i, h.thresholdS);
      if (h.byLongestRecord) this.huntByLongest[at] = (this.huntByLongest[at] as number) + 1;
      if (h.bySum) this.huntBySum[at] = (this.huntBySum[at] as number) + 1;
    }
    const f = fragmentBucket(score.fragments);
    const c = coverageBucket(score.coverage);
    this.fragmentBuckets[f] = (this.fragmentBuckets[f] as number) + 1;
    this.coverageBuckets[c] = (this.coverageBuckets[c] as number) + 1;
    if (protocol !== undefined) this.countWholeness(protocol, score.fragments === 1);
    this.keepIfWorse(score, at, v);
  }

  /** The place of hunt i's threshold: scores list the constructor's thresholds in order; any other is added. */
  private thresholdOf(i: number, thresholdS: number): number {
    const at = this.thresholdAt[i];
    return at !== undefined && this.thresholds[at] === thresholdS ? at : this.placeOf(thresholdS);
  }

  /** A threshold's place among the counted ones, counting it from now on if it was not. */
  private placeOf(thresholdS: number): number {
    const at = this.thresholds.indexOf(thresholdS);
    if (at >= 0) return at;
    this.thresholds.push(thresholdS);
    this.huntByLongest.push(0);
    this.huntBySum.push(0);
    return this.thresholds.length - 1;
  }

  private keepIfWorse(score: ConnectionScore, at: number, scoreSeverity: number): void {
    if (this.worstKept <= 0) return;
    if (this.worst.length < this.worstKept) {
      this.worst.push({ at, score });
      if (this.worst.length === this.worstKept) this.findLeastBad();
      return;
    }
    if (compareScores(score, scoreSeverity, at, this.worst[this.leastBad] as Ranked, this.leastBadSeverity) >= 0) return;
    this.worst[this.leastBad] = { at, score };
    this.findLeastBad();
  }

  private findLeastBad(): void {
    let at = 0;
    for (let i = 1; i < this.worst.length; i += 1) if (worseFirst(this.worst[i] as Ranked, this.worst[at] as Ranked) > 0) at = i;
    this.leastBad = at;
    this.leastBadSeverity = severity((this.worst[at] as Ranked).score.verdict);
  }

  /** Scores folded so far, background ones included. */
  get scored(): number {
    return this.count;
  }

  /** Scenario (non-background) connections folded so far. */
  get foregroundCount(): number {
    return this.foreground;
  }

  aggregate(spurious: number): CellAggregate {
    const byThreshold = (counts: number[]): Record<string, number> => Object.fromEntries(this.thresholds.map((t, i) => [String(t), counts[i] as number]));
    const merged = this.countOf('merged');
    return {
      connections: this.foreground,
      accurate: this.countOf('accurate'),
      fragmented: this.countOf('fragmented'),
      missed: this.countOf('missed'),
      ...(merged > 0 ? { merged } : {}),
      fragmentsTotal: this.fragmentsTotal,
      meanCoverage: this.foreground > 0 ? this.coverageSum / this.foreground : 0,
      minCoverage: this.foreground > 0 ? this.minCoverage : 0,
      huntFoundByLongest: byThreshold(this.huntByLongest),
      huntFoundBySum: byThreshold(this.huntBySum),
      spurious,
    };
  }

  private countOf(verdict: Verdict): number {
    return this.verdicts[severity(verdict)] as number;
  }

  /** The worst verdict among the scenario's connections; undefined when there were none. */
  worstVerdict(): Verdict | undefined {
    return worstVerdict(VERDICT_SEVERITY.filter((v) => this.countOf(v) > 0));
  }

  distribution(): ScoreDistribution | undefined {
    return this.foreground > 0 ? { fragments: [...this.fragmentBuckets], coverage: [...this.coverageBuckets] } : undefined;
  }

  wholeness(): Wholeness {
    const whole: Wholeness = {};
    this.wholeProtocols.forEach((protocol, i) => {
      whole[protocol] = this.wholeValues[i] as boolean;
    });
    return whole;
  }

  /** Every background score and the worst others kept, in the order they came. */
  kept(): ConnectionScore[] {
    return [...this.background, ...this.worst].sort((a, b) => a.at - b.at).map((r) => r.score);
  }
}
