import { expect } from 'chai';
import fc from 'fast-check';
import { FlowRecordTable } from '../../core/flow-record-table.js';
import type { FlowRecord } from '../../core/flow-record.js';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO } from '../../../test/support/cli.js';
import { InputError } from '../../core/input-error.js';
import { EvictionMarks, readSoftflowdLog, type EvictedFlow } from './debug-log.js';

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

describe('softflowd debug log (-D): its own account of the flows it evicted', () => {
  // Real softflowd 1.1.0 (Debian 12), -m 2, on four connections 1 s apart that each talk again 2 min later: every
  // new flow past the second pushes the oldest out (reason 8); the two left at the end of the file go with reason 3.
  const FIXTURE = path.join(REPO, 'harness/monitors/softflowd/fixtures/softflowd-debug-m2.log');
  const at = (iso: string): number => Date.parse(`${iso}Z`) * 1000;

  it('hands over exactly the flows queued for overflow, with their endpoints and first time, and counts the table', async () => {
    const evicted: EvictedFlow[] = [];
    const log = await readSoftflowdLog(FIXTURE, 'softflowd.log', (flow) => evicted.push(flow));
    const flow = (port: number, iso: string): EvictedFlow => ({ protocol: 6, a: '10.0.0.1', aPort: port, b: '198.51.100.80', bPort: 443, firstUs: at(iso) });
    expect(evicted).to.deep.equal([
      flow(20000, '2023-11-14T22:13:20.000'),
      flow(20001, '2023-11-14T22:13:21.000'),
      flow(20002, '2023-11-14T22:13:22.000'),
      flow(20000, '2023-11-14T22:15:20.022'),
      flow(20001, '2023-11-14T22:15:21.022'),
    ]);
    // softflowd logs a flow's ADD before it forces the oldest out, so three are held for a moment at -m 2.
    expect(log.state.figures).to.deep.equal({ flowsAdded: 7, flowsExpired: 7, flowsEvictedTableFull: 5, peakFlowsHeld: 3 });
    expect(log.state).to.include({ evictedFlows: 5, tableFull: true, peakFlows: 3, source: 'softflowd.log' });
  });

  it('a log cut mid-line (softflowd killed while writing) is refused at that line, not read as fewer evictions', async () => {
    const text = await readFile(FIXTURE, 'utf8');
    const cut = path.join(await mkdtemp(path.join(os.tmpdir(), 'softflowd-log-')), 'softflowd.log');
    const lines = text.split('\n');
    await writeFile(cut, `${lines.slice(0, 30).join('\n')}\n${(lines[30] as string).slice(0, 20)}`);
    const error = await readSoftflowdLog(cut, 'softflowd.log', () => undefined).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(InputError);
    expect((error as Error).message).to.match(/^softflowd\.log:31:21: found a last line with no line end/);
  });
});
