import { expect } from 'chai';
import { formatKb, kbPerEntry, tableLimitAdvice } from '../../harness/comparator/table-limit-advice.js';

describe('table-limit advice', () => {
  const rows = [
    { label: 'default', limitEntries: 8192, evictedFlows: 1200, peakRssKb: 9000, peakEntries: 8300 },
    { label: '5m', peakRssKb: 6000, peakEntries: 2000 },
    { label: 'idle=1h,maxflows=131072', limitEntries: 131072, evictedFlows: 0, peakRssKb: 26000, peakEntries: 102000 },
  ];

  it('measures memory per entry from the cells that did not evict', () => {
    // (26000 - 6000) KB over (102000 - 2000) entries.
    expect(kbPerEntry(rows)).to.equal(0.2);
    expect(kbPerEntry(rows.slice(0, 2))).to.equal(undefined);
  });

  it('names the limit to raise, how far, and what it costs', () => {
    expect(tableLimitAdvice({ displayName: 'softflowd', knob: '-m', neededEntries: 100001, rows })).to.equal(
      'softflowd evicted 1200 flows early at default (table full): a cut by pressure, not by the timeout; ' +
        'raise -m from 8192 to at least 100001 (the most flows this scenario holds at once); measured 205 B per flow here: about +17.9 MiB',
    );
    expect(tableLimitAdvice({ displayName: 'softflowd', knob: '-m', rows: rows.slice(1) })).to.equal(undefined);
  });

  it('formats KiB for people', () => {
    expect([formatKb(0.5), formatKb(12.34), formatKb(151 * 1024), formatKb(3 * 1024 * 1024)]).to.deep.equal(['512 B', '12.3 KiB', '151 MiB', '3 GiB']);
  });
});
