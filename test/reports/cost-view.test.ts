import { expect } from 'chai';
import type { Cell, CellCost } from '../../harness/core/results.js';
import { costFigures, costSummary, memoryCost, type CostRow } from '../../reports/cost-view.js';

/** A cost row as costColumns makes it: `whole` is absent for a cell that was not judged (failed). */
function row(setting: string, status: Cell['status'], whole: boolean | undefined, peakRssKb: number): CostRow {
  const cell = { status, setting: { label: setting, isDefault: setting === 'default' } } as unknown as Cell;
  const cost: CellCost = { wallMs: 1000, records: 3, peakRssKb };
  return { setting, cell, cost, ...(whole === undefined ? {} : { whole }) };
}

describe('cost view: memory cost sentence', () => {
  it('reports a difference inside run-to-run noise as none, in either direction', () => {
    // burst-20min's argus cells: 10.9 MB at 1h against 11.4 MB at default was printed as "-4% memory".
    expect(memoryCost(11_162, 11_674)).to.equal('costs no measurable memory');
    expect(memoryCost(4_000, 3_700)).to.equal('costs no measurable memory');
    expect(memoryCost(160_000, 155_000)).to.equal('costs no measurable memory');
  });

  it('names a real increase as a cost and a real decrease as a saving', () => {
    expect(memoryCost(188 * 1024, 151 * 1024)).to.equal('costs +25% memory');
    expect(memoryCost(70 * 1024, 100 * 1024)).to.equal('uses 30% less memory');
  });

  it('never divides by a missing default', () => {
    expect(memoryCost(2048, 0)).to.match(/^costs 2 MiB of memory/);
  });
});

describe('cost view: a failed cell in the sentence', () => {
  it('never reads a failed cell as a setting that cuts connections, or its memory as a cost', () => {
    // Every cell crashed: it said "no swept setting keeps every connection whole", a timeout conclusion.
    expect(costSummary('argus (raw)', [row('default', 'failed', undefined, 9000), row('1h', 'failed', undefined, 9100)]))
      .to.equal('argus (raw): no swept setting could be judged (default failed, 1h failed): whether one keeps every connection whole, and at what cost, is unknown');
    expect(costSummary('argus (raw)', [row('default', 'ok', false, 9000), row('1h', 'failed', undefined, 20_000)]))
      .to.equal('argus (raw): no setting that was judged keeps every connection whole; peak memory 8.8 MiB; 1h failed: not judged, cost unknown');
    // The default crashed: 1h keeps them whole, but against what would its memory be a cost?
    expect(costSummary('argus (raw)', [row('default', 'failed', undefined, 2000), row('1h', 'ok', true, 9000)]))
      .to.equal('argus (raw): 1h keeps every connection whole and its memory cost is unknown (default was not judged: no figure to compare); default failed: not judged, cost unknown');
    // Nothing failed: as before.
    expect(costSummary('argus (raw)', [row('default', 'ok', false, 9000), row('1h', 'ok', false, 9000)])).to.equal('argus (raw): no swept setting keeps every connection whole; peak memory 8.8 MiB');
  });
});

describe('cost view: figures of a cell that did not finish', () => {
  it('are marked, not printed as measured (a Ctrl-C\'d 1h read 10.1 MB, 0 ms, 0 records beside "cost unknown")', () => {
    expect(costFigures(row('1h', 'failed', undefined, 10_342))).to.deep.include({ memory: 'n/a (failed)', cpu: 'n/a', wall: 'n/a', records: 'n/a' });
    expect(costFigures(row('1h', 'ok', true, 10_342))).to.deep.include({ memory: '10.1 MiB', wall: '1,000 ms', records: '3' });
  });

  it('a range of memory that prints as one figure is one figure', () => {
    // nfpcapd at two settings: 163,464 and 163,420 KiB were "peak memory 160 MB to 160 MB".
    expect(costSummary('nfpcapd', [row('default', 'ok', false, 163_464), row('1h', 'ok', false, 163_420)])).to.equal('nfpcapd: no swept setting keeps every connection whole; peak memory 160 MiB');
  });
});
