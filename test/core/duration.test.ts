import { expect } from 'chai';
import fc from 'fast-check';
import { durationRefusal, formatDuration, parseDuration, readDurationValue, roundMicros } from '../../harness/core/duration.js';

describe('parseDuration', () => {
  it('reads units, compounds, bare numbers and numbers', () => {
    const cases: [string | number, number][] = [
      ['1500s', 1500], ['20m', 1200], ['20min', 1200], ['19h', 68400], ['1h30m', 5400], ['250ms', 0.25], ['2d', 172800],
      ['15us', 0.000015], ['68236', 68236], ['0.5', 0.5], [' 5m ', 300], ['1h0m30s', 3630], [0, 0], [1.25, 1.25], ['1.5h', 5400],
    ];
    for (const [text, seconds] of cases) expect(parseDuration(text), String(text)).to.equal(seconds);
  });

  it('rounds a number (a YAML float) to the microsecond', () => {
    expect(parseDuration(0.1 + 0.2)).to.equal(0.3);
  });

  it('reads a text exactly, in decimal: whole microseconds of any unit', () => {
    const cases: [string, number][] = [
      ['1.000001s', 1.000001], ['0.001ms', 0.000001], ['1.5ms', 0.0015], ['0.000001', 0.000001], ['1d2h3m4s5ms6us', 93784.005006],
      ['0.0000010', 0.000001], ['2.5min', 150], ['1h0.5m', 3630], ['999999999999999us', 999999999.999999],
      // Past doubles' safe integers (1000 days in millionths of a microsecond) the exact reading takes over.
      ['1000d0.000001s', 86400000.000001], ['1d0.0000000000s', 86400],
    ];
    for (const [text, seconds] of cases) expect(parseDuration(text), text).to.equal(seconds);
  });

  it('refuses a unit twice or out of order, and a fraction of a microsecond, saying which (a typo is not a time)', () => {
    // 1h1h was read as 2h, 30m1h as 1h30m, 1.0000005ms as 1ms, 0.0000004 as 0: each a number no one wrote.
    const cases: [string, string][] = [
      ['1h1h', 'h twice'], ['1h30m1h', 'h twice'], ['30m1h', 'h after m'], ['1s1m', 'm after s'], ['1m1min', 'm and min, one unit'],
      ['100ms200ms', 'ms twice'], ['5us1ms', 'ms after us'], ['1.0000005ms', 'finer than a microsecond'], ['0.0000004', 'finer than a microsecond'],
      ['1.5us', 'finer than a microsecond'], ['1s0.5us', 'finer than a microsecond'],
    ];
    for (const [text, problem] of cases) {
      expect(parseDuration(text), text).to.equal(undefined);
      expect(readDurationValue(text), text).to.deep.equal({ problem });
      expect(durationRefusal(text, 'a duration').found, text).to.equal(`"${text}" (${problem})`);
    }
    // A YAML float finer than a microsecond, decided on its decimal digits (1e-7 included).
    for (const n of [1.0000005e-3, 1e-7, 0.30000000000000004]) expect(readDurationValue(n), String(n)).to.deep.equal({ problem: 'finer than a microsecond' });
    expect(readDurationValue(1.5e-3)).to.deep.equal({ seconds: 0.0015 });
    // Text that is no duration has no problem to name: the caller's own "unparsable".
    expect(readDurationValue('1h30')).to.deep.equal({});
    expect(parseDuration('99999999999999999999d1h')).to.equal(undefined);
    expect(readDurationValue('99999999999999999999d1.0000001s')).to.deep.equal({ problem: 'finer than a microsecond' });
    expect(durationRefusal('abc', 'a duration')).to.deep.equal({ found: '"abc"', expected: 'a duration' });
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
