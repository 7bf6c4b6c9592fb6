import { expect } from 'chai';
import fc from 'fast-check';
import { formatDuration, parseDuration, roundMicros } from '../../harness/core/duration.js';

describe('parseDuration', () => {
  it('reads units, compounds, bare numbers and numbers', () => {
    const cases: [string | number, number][] = [
      ['1500s', 1500], ['20m', 1200], ['20min', 1200], ['19h', 68400], ['1h30m', 5400], ['250ms', 0.25], ['2d', 172800],
      ['15us', 0.000015], ['68236', 68236], ['0.5', 0.5], [' 5m ', 300], ['1h0m30s', 3630], [0, 0], [1.25, 1.25], ['1.5h', 5400],
    ];
    for (const [text, seconds] of cases) expect(parseDuration(text), String(text)).to.equal(seconds);
  });

  it('rounds to the microsecond, whatever the input form', () => {
    expect(parseDuration(0.1 + 0.2)).to.equal(0.3);
    expect(parseDuration('0.0000004')).to.equal(0);
    expect(parseDuration('100ms200ms')).to.equal(0.3);
  });

  it('refuses negative, empty and unknown forms', () => {
    for (const bad of ['-5s', '', '  ', '5 s', '5sec', '1h30', 'abc', '1e3', '5.s', 'h', '.5s']) expect(parseDuration(bad), bad).to.equal(undefined);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) expect(parseDuration(bad), String(bad)).to.equal(undefined);
  });
});

describe('formatDuration', () => {
  it('writes the largest units first and drops zero parts', () => {
    const cases: [number, string][] = [
      [68236.5, '18h57m16.5s'], [300, '5m'], [0.02, '0.02s'], [0, '0s'], [3600, '1h'], [86400 + 61, '1d1m1s'],
      [0.000015, '0.000015s'], [59.9999999, '1m'], [-90, '-1m30s'], [68236.044, '18h57m16.044s'],
    ];
    for (const [seconds, text] of cases) expect(formatDuration(seconds), String(seconds)).to.equal(text);
  });

  it('property: parseDuration(formatDuration(x)) is x to the microsecond', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 365 * 86400 * 1e6 }), (us) => {
        const seconds = us / 1e6;
        expect(parseDuration(formatDuration(seconds))).to.equal(roundMicros(seconds));
      }),
    );
  });
});
