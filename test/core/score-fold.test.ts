import { expect } from 'chai';
import fc from 'fast-check';
import { ScoreFold } from '../../harness/core/score-fold.js';
import { VERDICT_SEVERITY, type ConnectionScore, type Verdict } from '../../harness/core/score.js';

/**
 * The fold keeps of a million scores what results.json keeps: it must pick the same worst scores, in the same
 * order, as sorting the whole list would (verdict, then coverage, then fragments, ties in truth order), and count
 * what the aggregate counts.
 */
function score(i: number, verdict: Verdict, coverage: number, fragments: number, background: boolean): ConnectionScore {
  return {
    connectionId: `c${i}`,
    background,
    fragments,
    fragmentList: [],
    trueDurationUs: 1,
    longestRecordUs: 1,
    sumDurationUs: 1,
    coverage,
    gapTimeLostUs: 0,
    packets: { expected: 1 },
    bytes: { expected: 1, bytesKind: 'ip' },
    close: { expected: 'fin' },
    hunts: [{ thresholdS: 3600, byLongestRecord: fragments === 1, bySum: true }],
    verdict,
  };
}

function sortedWorst(scores: ConnectionScore[], kept: number): ConnectionScore[] {
  const rank = (s: ConnectionScore): number => VERDICT_SEVERITY.indexOf(s.verdict);
  const main = scores.filter((s) => !s.background);
  const worst = new Set([...main].sort((a, b) => rank(a) - rank(b) || a.coverage - b.coverage || b.fragments - a.fragments).slice(0, kept));
  return scores.filter((s) => s.background || worst.has(s));
}

const verdicts: Verdict[] = ['missed', 'fragmented', 'inaccurate', 'accurate'];
const arbitraryScores = fc.array(
  fc.tuple(fc.constantFrom(...verdicts), fc.constantFrom(0, 0.25, 0.5, 1), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 }).map((n) => n === 0)),
  { maxLength: 60 },
).map((rows) => rows.map(([v, c, f, b], i) => score(i, v, c, f, b)));

describe('ScoreFold: what results.json keeps of a cell, one score at a time', () => {
  it('keeps the same worst scores, in truth order, as sorting every score', () => {
    fc.assert(fc.property(arbitraryScores, fc.integer({ min: 1, max: 10 }), (scores, kept) => {
      const fold = new ScoreFold([3600], kept);
      for (const s of scores) fold.add(s, 'tcp');
      expect(fold.kept().map((s) => s.connectionId)).to.deep.equal(sortedWorst(scores, kept).map((s) => s.connectionId));
    }), { numRuns: 400 });
  });

  it('counts verdicts, hunts, fragments and per-protocol wholeness over the scenario connections only', () => {
    const fold = new ScoreFold([3600, 14400], 2);
    fold.add(score(0, 'accurate', 1, 1, false), 'tcp');
    fold.add(score(1, 'fragmented', 0.5, 3, false), 'tcp');
    fold.add(score(2, 'accurate', 1, 1, false), 'udp');
    fold.add(score(3, 'missed', 0, 0, true), 'udp');
    expect(fold.aggregate(7)).to.deep.equal({
      connections: 3,
      accurate: 2,
      fragmented: 1,
      missed: 0,
      fragmentsTotal: 5,
      meanCoverage: 2.5 / 3,
      minCoverage: 0.5,
      huntFoundByLongest: { 3600: 2, 14400: 0 },
      huntFoundBySum: { 3600: 3, 14400: 0 },
      spurious: 7,
    });
    expect(fold.worstVerdict()).to.equal('fragmented');
    expect(fold.wholeness()).to.deep.equal({ tcp: false, udp: true });
    expect(fold.distribution()).to.deep.equal({ fragments: [0, 2, 0, 1, 0, 0], coverage: [0, 0, 1, 0, 2] });
    expect(fold.scored).to.equal(4);
  });
});

describe('ScoreFold.merge: a later stretch of scores folded elsewhere (a score worker)', () => {
  /** Everything a fold tells its readers. */
  const seen = (fold: ScoreFold, spurious: number): unknown => ({
    aggregate: fold.aggregate(spurious), verdict: fold.worstVerdict(), wholeness: fold.wholeness(), distribution: fold.distribution(),
    kept: fold.kept(), scored: fold.scored, foreground: fold.foregroundCount,
  });
  const coverages = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 60, maxLength: 60 });
  const protocols = ['tcp', 'udp', 'icmp'] as const;

  it('gives what one fold of every score gives, wherever the split, coverage sums to the last bit included', () => {
    fc.assert(fc.property(arbitraryScores, coverages, fc.nat(), fc.integer({ min: 0, max: 10 }), fc.constantFrom([3600], [3600, 14400], [14400, 3600]), (scores, covers, cut, kept, thresholds) => {
      // Arbitrary doubles: a sum in another order would differ in its last bits.
      const withCoverage = scores.map((s, i) => ({ ...s, coverage: covers[i] as number, hunts: [...s.hunts, { thresholdS: 7200 + (i % 2), byLongestRecord: i % 3 === 0, bySum: true }] }));
      const split = withCoverage.length === 0 ? 0 : cut % (withCoverage.length + 1);
      const whole = new ScoreFold(thresholds, kept);
      withCoverage.forEach((s, i) => whole.add(s, protocols[i % 3]));
      const first = new ScoreFold(thresholds, kept);
      // A part told how many scores to expect, or not.
      const later = new ScoreFold(thresholds, kept, cut % 2 === 0 ? 0 : withCoverage.length - split);
      withCoverage.forEach((s, i) => (i < split ? first : later).add(s, protocols[i % 3]));
      // As a worker's part arrives: through a structured clone.
      first.merge(structuredClone(later.part()));
      expect(seen(first, 3)).to.deep.equal(seen(whole, 3));
    }), { numRuns: 300 });
  });

  it('refuses part() of a fold not made for one', () => {
    expect(() => new ScoreFold([3600], 1).part()).to.throw(/not made for a part/);
  });
});
