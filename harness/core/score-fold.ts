import type { ScoreDistribution } from './results.js';
import { VERDICT_SEVERITY, worstVerdict, type CellAggregate, type ConnectionScore, type Verdict } from './score.js';
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

interface Ranked {
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

const SEVERITY = new Map<Verdict, number>(VERDICT_SEVERITY.map((v, i) => [v, i]));
const severity = (v: Verdict): number => SEVERITY.get(v) ?? -1;

/** Negative when `a` is worse than `b`: verdict, then lower coverage, then more fragments, then earlier. */
function worseFirst(a: Ranked, b: Ranked): number {
  return compareScores(a.score, a.at, b);
}

/** worseFirst of a score not yet ranked (most are not kept: no Ranked object for them). */
function compareScores(a: ConnectionScore, at: number, b: Ranked): number {
  return severity(a.verdict) - severity(b.score.verdict)
    || a.coverage - b.score.coverage
    || b.score.fragments - a.fragments
    || at - b.at;
}

export class ScoreFold {
  private count = 0;
  private foreground = 0;
  private coverageSum = 0;
  private minCoverage = Infinity;
  private fragmentsTotal = 0;
  private readonly verdicts = new Map<Verdict, number>();
  private readonly huntByLongest = new Map<number, number>();
  private readonly huntBySum = new Map<number, number>();
  private readonly fragmentBuckets = FRAGMENT_BUCKETS.map(() => 0);
  private readonly coverageBuckets = COVERAGE_BUCKETS.map(() => 0);
  private readonly whole: Wholeness = {};
  private readonly background: Ranked[] = [];
  /** The worst foreground scores so far, at most worstKept, unordered; `leastBad` indexes the one to replace. */
  private readonly worst: Ranked[] = [];
  private leastBad = -1;

  constructor(huntThresholdsS: readonly number[], private readonly worstKept: number) {
    for (const t of huntThresholdsS) {
      this.huntByLongest.set(t, 0);
      this.huntBySum.set(t, 0);
    }
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
    this.fragmentsTotal += score.fragments;
    this.verdicts.set(score.verdict, (this.verdicts.get(score.verdict) ?? 0) + 1);
    for (const h of score.hunts) {
      if (h.byLongestRecord) this.huntByLongest.set(h.thresholdS, (this.huntByLongest.get(h.thresholdS) ?? 0) + 1);
      if (h.bySum) this.huntBySum.set(h.thresholdS, (this.huntBySum.get(h.thresholdS) ?? 0) + 1);
    }
    const f = fragmentBucket(score.fragments);
    const c = coverageBucket(score.coverage);
    this.fragmentBuckets[f] = (this.fragmentBuckets[f] as number) + 1;
    this.coverageBuckets[c] = (this.coverageBuckets[c] as number) + 1;
    if (protocol !== undefined) this.whole[protocol] = (this.whole[protocol] ?? true) && score.fragments === 1;
    this.keepIfWorse(score, at);
  }

  private keepIfWorse(score: ConnectionScore, at: number): void {
    if (this.worstKept <= 0) return;
    if (this.worst.length < this.worstKept) {
      this.worst.push({ at, score });
      if (this.worst.length === this.worstKept) this.findLeastBad();
      return;
    }
    if (compareScores(score, at, this.worst[this.leastBad] as Ranked) >= 0) return;
    this.worst[this.leastBad] = { at, score };
    this.findLeastBad();
  }

  private findLeastBad(): void {
    let at = 0;
    for (let i = 1; i < this.worst.length; i += 1) if (worseFirst(this.worst[i] as Ranked, this.worst[at] as Ranked) > 0) at = i;
    this.leastBad = at;
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
    const byThreshold = (counts: Map<number, number>): Record<string, number> => Object.fromEntries([...counts].map(([t, n]) => [String(t), n]));
    return {
      connections: this.foreground,
      accurate: this.verdicts.get('accurate') ?? 0,
      fragmented: this.verdicts.get('fragmented') ?? 0,
      missed: this.verdicts.get('missed') ?? 0,
      fragmentsTotal: this.fragmentsTotal,
      meanCoverage: this.foreground > 0 ? this.coverageSum / this.foreground : 0,
      minCoverage: this.foreground > 0 ? this.minCoverage : 0,
      huntFoundByLongest: byThreshold(this.huntByLongest),
      huntFoundBySum: byThreshold(this.huntBySum),
      spurious,
    };
  }

  /** The worst verdict among the scenario's connections; undefined when there were none. */
  worstVerdict(): Verdict | undefined {
    return worstVerdict(this.verdicts.keys());
  }

  distribution(): ScoreDistribution | undefined {
    return this.foreground > 0 ? { fragments: [...this.fragmentBuckets], coverage: [...this.coverageBuckets] } : undefined;
  }

  wholeness(): Wholeness {
    return { ...this.whole };
  }

  /** Every background score and the worst others kept, in the order they came. */
  kept(): ConnectionScore[] {
    return [...this.background, ...this.worst].sort((a, b) => a.at - b.at).map((r) => r.score);
  }
}
