import { expect } from 'chai';
import { flagNumber, wholeFlagNumber } from '../../harness/core/number-text.js';
import { liveSpeedupOf, speedupOf } from '../../harness/live/time-scale.js';

describe('number flags (flagNumber)', () => {
  it('reads digits, a fraction and an exponent; nothing else Number() takes', () => {
    for (const [text, n] of [['2', 2], ['2.5', 2.5], ['2e0', 2], ['1.5E3', 1500], ['1e+2', 100], ['25e-1', 2.5], ['007', 7]] as const) {
      expect(flagNumber(text), text).to.equal(n);
    }
    for (const text of ['', ' 2', '2 ', '0x10', '0b11', 'Infinity', 'NaN', '1e309', '-1', '+2', '.5', '2.', '1e', 'e1', '1_000', '1,5']) {
      expect(flagNumber(text), text).to.equal(undefined);
    }
  });

  it('whole numbers in a range: 6e1 is 60, 2.5 is not whole', () => {
    expect(wholeFlagNumber('6e1', 1, 100)).to.equal(60);
    expect(wholeFlagNumber('60.0', 1, 100)).to.equal(60);
    expect(wholeFlagNumber('2.5', 1, 100)).to.equal(undefined);
    expect(wholeFlagNumber('0', 1, 100)).to.equal(undefined);
    expect(wholeFlagNumber('1e3', 1, 100)).to.equal(undefined);
  });

  it('score --speedup takes any number 1 or more, as written (2e0 was refused as "not a number 1 or more")', () => {
    expect(speedupOf('2e0')).to.equal(2);
    expect(speedupOf('2.5')).to.equal(2.5);
    expect(speedupOf('1')).to.equal(1);
    for (const text of ['0.5', '1e-9', '1e309', 'NaN', 'Infinity', '0x10']) expect(speedupOf(text), text).to.equal(undefined);
  });

  it('run --live --speedup takes the same numbers, whole and up to a million', () => {
    expect(liveSpeedupOf('6e1')).to.equal(60);
    expect(liveSpeedupOf('60')).to.equal(60);
    expect(liveSpeedupOf('1e6')).to.equal(1_000_000);
    for (const text of ['1e9', '1.5', '0', '0x10']) expect(liveSpeedupOf(text), text).to.equal(undefined);
  });
});
