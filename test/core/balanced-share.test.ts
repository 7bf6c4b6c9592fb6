import { expect } from 'chai';
import { nextShare } from '../../harness/core/balanced-share.js';

describe('nextShare: where the next split of work falls', () => {
  it('moves a third of the way to where both sides would have finished together, by 0.1 at most', () => {
    // Equal speeds: the balance is half, and from half nothing moves.
    expect(nextShare(0.5, { units: 500, ms: 100 }, { units: 500, ms: 100 }, 0.1, 0.9)).to.equal(0.5);
    // Mine twice as fast: balance at 2/3, a third of the way from 0.5 is 5/9.
    expect(nextShare(0.5, { units: 500, ms: 50 }, { units: 500, ms: 100 }, 0.1, 0.9)).to.be.closeTo(5 / 9, 1e-12);
    // Mine half as fast: balance at 1/3, a third of the way from 0.5 is 4/9.
    expect(nextShare(0.5, { units: 500, ms: 200 }, { units: 500, ms: 100 }, 0.1, 0.9)).to.be.closeTo(4 / 9, 1e-12);
    // One disturbed measurement (mine 100 times slower) moves it by 0.1, not to the far end.
    expect(nextShare(0.5, { units: 500, ms: 10_000 }, { units: 500, ms: 100 }, 0.1, 0.9)).to.be.closeTo(0.4, 1e-12);
  });

  it('settles at the balance point when the speeds stay the same', () => {
    let share = 0.5;
    for (let i = 0; i < 80; i += 1) {
      const mine = share * 1000;
      share = nextShare(share, { units: mine, ms: mine * 1.5 }, { units: 1000 - mine, ms: 1000 - mine }, 0.1, 0.9);
    }
    // Mine at 1/1.5 of the other's speed: it should do 0.4 of the work.
    expect(share).to.be.closeTo(0.4, 1e-9);
  });

  it('stays within its bounds, and a measurement of nothing changes nothing', () => {
    expect(nextShare(0.3, { units: 500, ms: 10_000 }, { units: 500, ms: 10 }, 0.3, 0.7)).to.equal(0.3);
    expect(nextShare(0.7, { units: 500, ms: 1 }, { units: 500, ms: 1000 }, 0.3, 0.7)).to.equal(0.7);
    expect(nextShare(0.42, { units: 0, ms: 100 }, { units: 500, ms: 100 }, 0.3, 0.7)).to.equal(0.42);
    expect(nextShare(0.42, { units: 500, ms: 0 }, { units: 500, ms: 100 }, 0.3, 0.7)).to.equal(0.42);
    expect(nextShare(0.42, { units: 500, ms: 100 }, { units: 500, ms: Number.NaN }, 0.3, 0.7)).to.equal(0.42);
  });
});
