import { expect } from 'chai';
import type { FlowRecord } from '../../harness/core/flow-record.js';
import { FlowRecordTable } from '../../harness/core/flow-record-table.js';

/** Exporters' records are kept in a FlowRecordTable: every record read back must be the one pushed, field for field. */
const records: FlowRecord[] = [
  { protocol: 'tcp', origAddr: '10.0.0.1', origPort: 40000, respAddr: '198.51.100.80', respPort: 443, firstUs: 1_700_000_000_000_001, lastUs: 1_700_068_236_000_002,
    durationUs: 68_236_000_001, origPkts: 12, origBytes: 9_000_000_123, bytesKind: 'ip', direction: 'uni', history: '...AP.SF', sourceFile: 'nfdump.json', sourceLine: 2 },
  { protocol: 'udp', vlan: 100, origAddr: '2001:db8::1', origPort: 53000, respAddr: '2001:db8::53', respPort: 53, firstUs: 5, lastUs: 5, durationUs: 0, origPkts: 1,
    respPkts: 1, origBytes: 60, respBytes: 90, bytesKind: 'ethernet', direction: 'bi', state: 'CON', endReason: 'idle-timeout', recordKind: 'status', sourceFile: 'argus.csv', sourceLine: 3_000_000_000 },
  { protocol: 'icmp', vlan: 0, origAddr: '10.0.0.1', origPort: 8, respAddr: '10.0.0.2', respPort: 0, firstUs: 7, lastUs: 9, durationUs: 2, bytesKind: 'unknown', direction: 'bi', sourceFile: 'x', sourceLine: 1 },
  { protocol: 'other', origAddr: '10.0.0.3', origPort: 0, respAddr: '10.0.0.1', respPort: 0, firstUs: 1, lastUs: 2, durationUs: 1, origPkts: 0, bytesKind: 'payload', direction: 'uni', endReason: 'evicted', sourceFile: 'nfdump.json', sourceLine: 9 },
];

describe('FlowRecordTable: records kept column by column', () => {
  it('gives back every record as it was pushed, by index, from the end, and in order', () => {
    const table = new FlowRecordTable();
    // Past its first capacity, so that growing is exercised too.
    for (let k = 0; k < 700; k += 1) for (const r of records) table.push({ ...r, sourceLine: r.sourceLine + k });
    expect(table.length).to.equal(2800);
    records.forEach((r, i) => expect(table.at(2796 + i)).to.deep.equal({ ...r, sourceLine: r.sourceLine + 699 }));
    expect(table.at(-1)).to.deep.equal({ ...records[3], sourceLine: 9 + 699 });
    expect(table.at(2800)).to.equal(undefined);
    expect([...table].slice(0, 4)).to.deep.equal(records);
  });

  it('records why a flow ended after the fact, and refuses what it has no code for', () => {
    const table = new FlowRecordTable();
    for (const r of records) table.push(r);
    table.setEndReason(0, 'evicted');
    expect(table.at(0)?.endReason).to.equal('evicted');
    expect(table.at(1)?.endReason).to.equal('idle-timeout');
    expect(() => table.setEndReason(9, 'evicted')).to.throw(RangeError);
    expect(() => table.push({ ...(records[0] as FlowRecord), protocol: 'sctp' as FlowRecord['protocol'] })).to.throw(/protocol sctp/);
  });

  it('keeps every record exact across its blocks (first block doubling, then fixed blocks), read and written in place', () => {
    const table = new FlowRecordTable();
    const n = 3 * 65536 + 17;
    for (let k = 0; k < n; k += 1) table.push({ ...(records[k % 4] as FlowRecord), sourceLine: k + 1, firstUs: 1_700_000_000_000_000 + k });
    expect(table.length).to.equal(n);
    for (const k of [0, 1023, 1024, 65535, 65536, 65537, 131071, 131072, 196607, 196608, n - 1]) {
      expect(table.at(k), `record ${k}`).to.deep.equal({ ...(records[k % 4] as FlowRecord), sourceLine: k + 1, firstUs: 1_700_000_000_000_000 + k });
      table.setNumber(k, 'respPkts', k * 3);
      table.setEndReason(k, 'evicted');
      expect(table.number(k, 'respPkts')).to.equal(k * 3);
      expect(table.at(k)?.endReason).to.equal('evicted');
      expect(table.number(k, 'firstUs')).to.equal(1_700_000_000_000_000 + k);
    }
    let i = 0;
    for (const r of table) {
      if (r.sourceLine !== i + 1) throw new Error(`record ${i} read back as line ${r.sourceLine}`);
      i += 1;
    }
    expect(i).to.equal(n);
  });
});
