import { expect } from 'chai';
import fc from 'fast-check';
import { FlowRecordTable } from '../../core/flow-record-table.js';
import type { FlowRecord } from '../../core/flow-record.js';
import { EvictionMarks, type EvictedFlow } from './debug-log.js';

/**
 * EvictionMarks finds the records of each flow softflowd's log says it evicted through a hash index; the oracle
 * here is the plain rule: a record is evicted when some evicted flow has its protocol, its endpoints in either
 * order and its first millisecond.
 */
const PROTOCOL_NUMBER: Record<string, number> = { tcp: 6, udp: 17, icmp: 1 };
const ADDRESSES = ['10.0.0.1', '10.0.0.2', '198.51.100.80', '2001:db8::1', '2001:db8::53'];
const T0 = 1_700_000_000_000_000;

const record: fc.Arbitrary<Row> = fc.record({
  protocol: fc.constantFrom<FlowRecord['protocol']>('tcp', 'udp', 'icmp', 'other'),
  orig: fc.nat({ max: ADDRESSES.length - 1 }),
  origPort: fc.constantFrom(443, 20000, 20001),
  resp: fc.nat({ max: ADDRESSES.length - 1 }),
  respPort: fc.constantFrom(443, 53),
  // A few distinct milliseconds, and microseconds within them: the match is on the millisecond.
  firstUs: fc.nat({ max: 4 }).chain((ms) => fc.nat({ max: 999 }).map((us) => T0 + ms * 1000 + us)),
});

interface Row {
  protocol: FlowRecord['protocol'];
  orig: number;
  origPort: number;
  resp: number;
  respPort: number;
  firstUs: number;
}

function tableOf(rows: Row[]): FlowRecordTable {
  const table = new FlowRecordTable();
  rows.forEach((r, i) => table.push({
    protocol: r.protocol, origAddr: ADDRESSES[r.orig] as string, origPort: r.origPort, respAddr: ADDRESSES[r.resp] as string, respPort: r.respPort,
    firstUs: r.firstUs, lastUs: r.firstUs + 10, durationUs: 10, bytesKind: 'ip', direction: 'uni', sourceFile: 'nfdump.json', sourceLine: i + 1,
  }));
  return table;
}

const flowOf = (r: Row, flip: boolean): EvictedFlow => {
  const a = { addr: ADDRESSES[r.orig] as string, port: r.origPort };
  const b = { addr: ADDRESSES[r.resp] as string, port: r.respPort };
  const [x, y] = flip ? [b, a] : [a, b];
  return { protocol: PROTOCOL_NUMBER[r.protocol] ?? 47, a: x.addr, aPort: x.port, b: y.addr, bPort: y.port, firstUs: r.firstUs };
};

describe('softflowd EvictionMarks: the records of evicted flows', () => {
  it('marks exactly the records the plain rule names, each once, whatever the order of the flows', () => {
    fc.assert(fc.property(fc.array(record, { maxLength: 60 }), fc.array(fc.tuple(record, fc.boolean()), { maxLength: 30 }), (rows, flows) => {
      const table = tableOf(rows);
      const marks = new EvictionMarks(table);
      const evicted = flows.map(([r, flip]) => flowOf(r, flip));
      for (const flow of evicted) marks.mark(flow);
      const expected = rows.map((_, i) => {
        const rec = table.at(i) as FlowRecord;
        return evicted.some((f) => PROTOCOL_NUMBER[rec.protocol] === f.protocol && Math.floor(rec.firstUs / 1000) === Math.floor(f.firstUs / 1000)
          && ((rec.origAddr === f.a && rec.origPort === f.aPort && rec.respAddr === f.b && rec.respPort === f.bPort)
            || (rec.origAddr === f.b && rec.origPort === f.bPort && rec.respAddr === f.a && rec.respPort === f.aPort)));
      });
      const actual = rows.map((_, i) => table.at(i)?.endReason === 'evicted');
      expect(actual).to.deep.equal(expected);
      expect(marks.markedRecords).to.equal(expected.filter(Boolean).length);
    }), { numRuns: 300 });
  });

  it('marks both directions of a flow evicted once, and nothing of a flow that was not', () => {
    const rows: Row[] = [
      { protocol: 'tcp', orig: 0, origPort: 20000, resp: 2, respPort: 443, firstUs: T0 + 1500 },
      { protocol: 'tcp', orig: 2, origPort: 443, resp: 0, respPort: 20000, firstUs: T0 + 1999 },
      { protocol: 'tcp', orig: 1, origPort: 20000, resp: 2, respPort: 443, firstUs: T0 + 1500 },
    ];
    const table = tableOf(rows);
    const marks = new EvictionMarks(table);
    marks.mark(flowOf(rows[0] as Row, false));
    marks.mark(flowOf(rows[0] as Row, true));
    expect([0, 1, 2].map((i) => table.at(i)?.endReason)).to.deep.equal(['evicted', 'evicted', undefined]);
    expect(marks.markedRecords).to.equal(2);
  });
});
