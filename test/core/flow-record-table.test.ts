import { expect } from 'chai';
import fc from 'fast-check';
import type { FlowRecord } from '../../harness/core/flow-record.js';
import { FlowRecordTable, type FlowRow, type RowColumns } from '../../harness/core/flow-record-table.js';

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

  it('rows pushed and rows handed over as columns, across many chunks, read back in order, by index and by column', () => {
    const table = new FlowRecordTable();
    const expected: FlowRecord[] = [];
    const pushSome = (n: number): void => {
      for (let k = 0; k < n; k += 1) {
        const r = { ...(records[k % records.length] as FlowRecord), sourceLine: expected.length + 1 };
        table.push(r);
        expected.push(r);
      }
    };
    // Column rows as Zeek's parser hands them over: bidirectional, IP bytes when counted, -1 when absent.
    const columnsOf = (n: number, first: number): RowColumns => {
      const a = table.textId('192.0.2.1');
      const b = table.textId('2001:db8::2');
      const sf = table.textId('SF');
      const c: RowColumns = {
        count: n, protocol: new Uint8Array(n), origAddr: new Int32Array(n).fill(a), origPort: new Int32Array(n), respAddr: new Int32Array(n).fill(b),
        respPort: new Int32Array(n).fill(443), firstUs: new Float64Array(n), durationUs: new Float64Array(n), line: new Float64Array(n),
        vlan: new Float64Array(n).fill(-1), origPkts: new Float64Array(n), respPkts: new Float64Array(n).fill(-1), origBytes: new Float64Array(n).fill(-1),
        respBytes: new Float64Array(n).fill(-1), state: new Int32Array(n).fill(-1), history: new Int32Array(n).fill(-1),
      };
      for (let k = 0; k < n; k += 1) {
        const withBytes = k % 3 === 0;
        c.protocol[k] = k % 2;
        c.origPort[k] = 1000 + k;
        c.firstUs[k] = first + k;
        c.durationUs[k] = k * 10;
        c.line[k] = expected.length + 1;
        if (k % 5 === 0) c.vlan[k] = 7;
        c.origPkts[k] = k;
        if (withBytes) c.origBytes[k] = 60 * k;
        if (k % 4 === 0) c.state[k] = sf;
        const r: FlowRecord = {
          protocol: k % 2 === 0 ? 'tcp' : 'udp', origAddr: '192.0.2.1', origPort: 1000 + k, respAddr: '2001:db8::2', respPort: 443,
          firstUs: first + k, lastUs: first + k + k * 10, durationUs: k * 10, bytesKind: withBytes ? 'ip' : 'unknown', direction: 'bi',
          sourceFile: 'conn.log', sourceLine: expected.length + 1,
        };
        if (k % 5 === 0) r.vlan = 7;
        r.origPkts = k;
        if (withBytes) r.origBytes = 60 * k;
        if (k % 4 === 0) r.state = 'SF';
        r.endReason = 'unknown';
        expected.push(r);
      }
      return c;
    };
    const origin = { sourceFile: 'conn.log', bytesKind: 'ip' as const, endReason: 'unknown' as const };
    pushSome(10_000);
    table.appendColumns(columnsOf(8192, 5_000), origin);
    table.appendColumns(columnsOf(77, 9_000), origin);
    table.appendColumns(columnsOf(8192, 12_000), origin);
    pushSome(9_000);
    table.appendColumns(columnsOf(3, 20_000), origin);
    pushSome(5);
    expect(table.length).to.equal(expected.length);
    expect(JSON.parse(JSON.stringify([...table]))).to.deep.equal(JSON.parse(JSON.stringify(expected)));
    // Out of order, as matching reads them.
    for (const i of [35_000, 0, 18_300, 10_000, 18_269, 18_270, 26_461, 35_468, 8191, 8192]) {
      const r = expected[i] as FlowRecord;
      expect(table.at(i), `row ${i}`).to.deep.equal(r);
      expect([table.firstUs(i), table.lastUs(i), table.origPort(i), table.sourceLine(i), table.state(i)], `row ${i}`).to.deep.equal([r.firstUs, r.lastUs, r.origPort, r.sourceLine, r.state]);
      expect(table.counter(i, 'origBytes'), `row ${i}`).to.equal(r.origBytes);
    }
    // readRow: every row, pushed or handed over, field for field the record `at` builds (texts by id, NaN absent).
    const row = {} as FlowRow;
    for (let i = 0; i < expected.length; i += 1) {
      const r = table.readRow(i, row);
      const record: FlowRecord = {
        protocol: r.protocol, origAddr: table.text(r.origAddr), origPort: r.origPort, respAddr: table.text(r.respAddr), respPort: r.respPort,
        firstUs: r.firstUs, lastUs: r.lastUs, durationUs: r.durationUs, bytesKind: r.bytesKind, direction: r.direction,
        sourceFile: table.text(r.sourceFile), sourceLine: r.sourceLine,
      };
      if (r.vlan !== -1) record.vlan = r.vlan;
      if (!Number.isNaN(r.origPkts)) record.origPkts = r.origPkts;
      if (!Number.isNaN(r.respPkts)) record.respPkts = r.respPkts;
      if (!Number.isNaN(r.origBytes)) record.origBytes = r.origBytes;
      if (!Number.isNaN(r.respBytes)) record.respBytes = r.respBytes;
      if (r.state !== -1) record.state = table.text(r.state);
      if (r.history !== -1) record.history = table.text(r.history);
      if (r.endReason !== undefined) record.endReason = r.endReason;
      if (r.recordKind !== undefined) record.recordKind = r.recordKind;
      expect(record, `row ${i}`).to.deep.equal(expected[i]);
    }
    // Pushed rows stay writable; handed-over ones are the parser's and read-only.
    table.setNumber(35_000, 'respPkts', 42);
    expect(table.at(35_000)?.respPkts).to.equal(42);
    expect(() => table.setNumber(10_000, 'respPkts', 1)).to.throw(/read-only/);
    expect(() => table.setEndReason(10_000, 'evicted')).to.throw(/read-only/);
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

  it('keeps a field as one value until a row differs, and every record exact whatever the order of pushes and in-place writes', () => {
    // Each field mostly one value (so a chunk keeps it once), now and then another (so it must widen mid-chunk); a
    // duration that is last - first or not; writes in place to times, counters and end reasons after the fact.
    const mostly = <T>(usual: T, ...others: T[]): fc.Arbitrary<T> => fc.oneof({ arbitrary: fc.constant(usual), weight: 12 }, ...others.map((o) => ({ arbitrary: fc.constant(o), weight: 1 })));
    const optional = <T>(value: T): fc.Arbitrary<T | undefined> => mostly<T | undefined>(undefined, value);
    const record: fc.Arbitrary<FlowRecord> = fc.record({
      protocol: mostly<FlowRecord['protocol']>('tcp', 'udp', 'icmp'),
      origAddr: fc.constantFrom('10.0.0.1', '10.0.0.2', '2001:db8::1'),
      origPort: fc.integer({ min: 0, max: 65535 }),
      respAddr: mostly('198.51.100.80', '10.0.0.1'),
      respPort: mostly(443, 53),
      firstUs: fc.integer({ min: 0, max: 2 ** 52 }),
      lengthUs: fc.integer({ min: 0, max: 1e12 }),
      oddDuration: optional(0.5),
      bytesKind: mostly<FlowRecord['bytesKind']>('ip', 'ethernet', 'unknown'),
      direction: mostly<FlowRecord['direction']>('uni', 'bi'),
      endReason: optional<NonNullable<FlowRecord['endReason']>>('idle-timeout'),
      recordKind: optional<NonNullable<FlowRecord['recordKind']>>('status'),
      vlan: optional(0),
      state: optional('CON'),
      history: optional('...AP.S.'),
      origPkts: mostly<number | undefined>(3, undefined, 2 ** 40),
      respPkts: optional(0),
      origBytes: mostly<number | undefined>(120, 9_000_000_123),
      respBytes: optional(60),
      sourceFile: mostly('nfdump.json', 'nfdump-2.json'),
      sourceLine: mostly<number>(7, 2 ** 33, 1.5),
    }).map(({ lengthUs, oddDuration, ...r }) => {
      const full: FlowRecord = { ...r, lastUs: r.firstUs + lengthUs, durationUs: oddDuration === undefined ? lengthUs : lengthUs + oddDuration };
      for (const key of Object.keys(full) as (keyof FlowRecord)[]) if (full[key] === undefined) delete full[key];
      return full;
    });
    const write = fc.record({ at: fc.nat(), field: fc.constantFrom('firstUs', 'lastUs', 'durationUs', 'origPkts', 'respBytes', 'end'), value: fc.integer({ min: 0, max: 2 ** 50 }) });
    fc.assert(fc.property(fc.array(fc.oneof({ arbitrary: record, weight: 4 }, { arbitrary: write, weight: 1 }), { maxLength: 400 }), (steps) => {
      const table = new FlowRecordTable();
      const plain: FlowRecord[] = [];
      for (const step of steps) {
        if ('protocol' in step) {
          table.push(step);
          plain.push({ ...step });
        } else if (plain.length > 0) {
          const i = step.at % plain.length;
          const r = plain[i] as FlowRecord;
          if (step.field === 'end') {
            table.setEndReason(i, 'evicted');
            r.endReason = 'evicted';
          } else {
            table.setNumber(i, step.field, step.value);
            r[step.field] = step.value;
          }
        }
      }
      expect(table.length).to.equal(plain.length);
      plain.forEach((r, i) => expect(table.at(i), `record ${i}`).to.deep.equal(r));
    }), { numRuns: 300 });
  });

  it('widens a field in a later chunk without touching the chunks before it', () => {
    const table = new FlowRecordTable();
    const base = records[0] as FlowRecord;
    const n = 20_000;
    // Rows 0..9999 share every optional field; from row 12,345 on, the VLAN, the duration and the answer counters vary.
    const at = (k: number): FlowRecord => (k < 12_345 ? { ...base, sourceLine: k } : { ...base, vlan: k % 7, durationUs: k, respPkts: k, sourceLine: k });
    for (let k = 0; k < n; k += 1) table.push(at(k));
    for (const k of [0, 8191, 8192, 12_344, 12_345, 12_346, 16_383, 16_384, n - 1]) expect(table.at(k), `record ${k}`).to.deep.equal(at(k));
  });

  it('is read by another thread as it is when its rows came as columns in shared memory (shared, a structured clone, fromShared)', () => {
    const table = new FlowRecordTable();
    const addr = table.textId('192.0.2.1');
    const state = table.textId('S1');
    const sharedColumns = (n: number, first: number): RowColumns => {
      const memory = (bytes: number): SharedArrayBuffer => new SharedArrayBuffer(n * bytes);
      const c: RowColumns = {
        count: n, protocol: new Uint8Array(memory(1)), origAddr: new Int32Array(memory(4)).fill(addr), origPort: new Int32Array(memory(4)).fill(40000),
        respAddr: new Int32Array(memory(4)).fill(addr), respPort: new Int32Array(memory(4)).fill(443), firstUs: new Float64Array(memory(8)), durationUs: new Float64Array(memory(8)).fill(5),
        line: new Float64Array(memory(8)), vlan: new Float64Array(memory(8)).fill(-1), origPkts: new Float64Array(memory(8)).fill(3), respPkts: new Float64Array(memory(8)).fill(-1),
        origBytes: new Float64Array(memory(8)).fill(-1), respBytes: new Float64Array(memory(8)).fill(-1), state: new Int32Array(memory(4)).fill(state), history: new Int32Array(memory(4)).fill(-1),
      };
      for (let k = 0; k < n; k += 1) {
        c.firstUs[k] = first + k;
        c.line[k] = first + k;
      }
      return c;
    };
    table.appendColumns(sharedColumns(100, 1), { sourceFile: 'a/conn.log', bytesKind: 'ip', endReason: 'unknown' });
    table.appendColumns(sharedColumns(7, 200), { sourceFile: 'b/conn.log', bytesKind: 'ip', endReason: 'unknown' });
    const there = FlowRecordTable.fromShared(structuredClone(table.shared() as NonNullable<ReturnType<FlowRecordTable['shared']>>));
    expect(JSON.stringify([...there])).to.equal(JSON.stringify([...table]));
    // A row pushed one by one is in no shared memory: the table is then this thread's alone.
    table.push({ ...(there.at(0) as FlowRecord) });
    expect(table.shared()).to.equal(undefined);
    const unshared = new FlowRecordTable();
    unshared.appendColumns({ ...sharedColumns(3, 1), firstUs: new Float64Array(3) }, { sourceFile: 'c', bytesKind: 'ip', endReason: 'unknown' });
    expect(unshared.shared()).to.equal(undefined);
  });
});
