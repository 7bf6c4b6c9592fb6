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
});
