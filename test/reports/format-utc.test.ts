import { expect } from 'chai';
import { formatUtc } from '../../reports/report-model.js';

describe('reports: formatUtc', () => {
  it('shows a capture time to the microsecond, in UTC', () => {
    expect(formatUtc(1_700_000_000_000_001)).to.equal('2023-11-14 22:13:20.000001 UTC');
    expect(formatUtc(-1)).to.equal('1969-12-31 23:59:59.999999 UTC');
  });

  it('shows a time no calendar holds as its number instead of throwing (a report of an edited results.json crashed with a RangeError)', () => {
    expect(formatUtc(1e30)).to.equal('1e+30 us since 1970 (not a calendar time)');
    // A time in nanoseconds read as microseconds: year 55840, once printed as "+055840-11 08T22:13".
    expect(formatUtc(1_700_000_000_000_000_000)).to.equal('1700000000000000000 us since 1970 (not a calendar time)');
    expect(formatUtc(Number.NaN)).to.match(/not a calendar time/);
  });
});
