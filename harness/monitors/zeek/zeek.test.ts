import { expect } from 'chai';
import { execa } from 'execa';
import { chmod, mkdtemp, open, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FlowRecord } from '../../core/flow-record.js';
import { InputError } from '../../core/input-error.js';
import { parseTimeoutSetting } from '../../core/timeout-setting.js';
import { runAdapterForTest } from '../../../test/support/run-adapter.js';
import zeek from './index.js';
import { zeekArgv } from './adapter.js';
import { parseConnLog, readConnLog, readConnLogTable } from './parser.js';
import type { ConnColumnBatch } from './conn-columns.js';
import { UidFilter, UidSeenTwice } from './unique-uids.js';
import { cutIntoRanges } from './parallel-read.js';
import { decimalSecondsBytesToMicros, decimalSecondsToMicros as decimalToMicros } from '../../core/time-text.js';
import fc from 'fast-check';
import { REAL_FIXTURES } from '../../../test/support/cli.js';

const FIXTURES = path.join(REAL_FIXTURES, 'zeek');
const fixture = (name: string): string => path.join(FIXTURES, name);
const withoutSource = (r: FlowRecord): Omit<FlowRecord, 'sourceFile' | 'sourceLine'> => {
  const { sourceFile: _file, sourceLine: _line, ...rest } = r;
  return rest;
};
const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

describe('zeek parser on real conn.logs', () => {
  it('longconn-42 default: 42 TCP records (S1 ShADd 1.02 s, then 41 OTH of 0.02 s) and 42 UDP of 0.01 s', async () => {
    const records = await readConnLog(fixture('longconn-42/conn.default.log'));
    const tcp = records.filter((r) => r.protocol === 'tcp');
    const udp = records.filter((r) => r.protocol === 'udp');
    expect(tcp).to.have.length(42);
    expect(udp).to.have.length(42);
    expect(tcp[0]).to.include({ state: 'S1', history: 'ShADd', durationUs: 1_020_000, firstUs: 1_700_000_000_000_000, lastUs: 1_700_000_001_020_000 });
    expect(tcp.slice(1).every((r) => r.state === 'OTH' && r.durationUs === 20_000)).to.equal(true);
    expect(sum(tcp.map((r) => r.durationUs))).to.equal(1_840_000);
    expect(udp.every((r) => r.durationUs === 10_000)).to.equal(true);
    expect(tcp[0]).to.include({ origAddr: '192.0.2.10', origPort: 40000, respAddr: '198.51.100.20', respPort: 9000 });
    expect(tcp[0]).to.include({ origPkts: 4, respPkts: 2, origBytes: 260, respBytes: 280, bytesKind: 'ip', direction: 'bi', endReason: 'unknown' });
    expect([records[0]?.sourceFile, records[0]?.sourceLine]).to.deep.equal([fixture('longconn-42/conn.default.log'), 9]);
  });

  it('longconn-42 with 60-minute timeouts: one TCP S1 of 68237.32 s and one UDP of 68236.31 s', async () => {
    const records = await readConnLog(fixture('longconn-42/conn.timeouts-60min.log'));
    expect(records).to.have.length(2);
    const tcp = records.find((r) => r.protocol === 'tcp');
    const udp = records.find((r) => r.protocol === 'udp');
    expect(tcp).to.include({ state: 'S1', durationUs: 68_237_320_000, firstUs: 1_700_000_000_000_000, lastUs: 1_700_068_237_320_000, origPkts: 86, respPkts: 43 });
    expect(udp).to.include({ durationUs: 68_236_310_000, firstUs: 1_700_000_001_500_000, origPkts: 42, respPkts: 42 });
  });

  it('the JSON conn.log equals the TSV one record for record', async () => {
    const tsv = await readConnLog(fixture('longconn-42/conn.default.log'));
    const json = await readConnLog(fixture('longconn-42/conn.default.json'));
    expect(json).to.have.length(84);
    expect(json.map(withoutSource)).to.deep.equal(tsv.map(withoutSource));
    expect(json[1]?.sourceLine).to.equal(2);
  });

  it('icmp-ipv6-vlan: ICMP type/code in the port fields, canonical IPv6, no vlan field in this conn.log', async () => {
    const records = await readConnLog(fixture('icmp-ipv6-vlan/conn.default.log'));
    const icmp = records.filter((r) => r.protocol === 'icmp');
    const tcp = records.filter((r) => r.protocol === 'tcp');
    expect(icmp).to.have.length(13);
    expect(icmp.every((r) => r.origPort === 8 && r.respPort === 0 && r.durationUs === 5_000 && r.state === 'OTH')).to.equal(true);
    expect(tcp).to.have.length(6);
    expect(tcp[0]).to.include({ origAddr: '2001:db8::10', respAddr: '2001:db8::20', respPort: 443, state: 'S1' });
    expect(tcp[5]).to.include({ state: 'SF', history: 'DdAFf', durationUs: 501_000 });
    expect(records.every((r) => r.vlan === undefined)).to.equal(true);
    const long = await readConnLog(fixture('icmp-ipv6-vlan/conn.timeouts-60min.log'));
    expect(long.find((r) => r.protocol === 'icmp')).to.include({ durationUs: 7_200_005_000, origPkts: 13, respPkts: 13 });
    expect(long.find((r) => r.protocol === 'tcp')).to.include({ state: 'SF', history: 'ShADdFf', durationUs: 7_501_501_000 });
  });

  it('quiet-fin-6x1500: 6 TCP records ending SF at default; one SF of 7502.511 s at 60 min', async () => {
    const def = (await readConnLog(fixture('quiet-fin-6x1500/conn.default.log'))).filter((r) => r.protocol === 'tcp');
    expect(def.map((r) => r.state)).to.deep.equal(['S1', 'OTH', 'OTH', 'OTH', 'OTH', 'SF']);
    const long = (await readConnLog(fixture('quiet-fin-6x1500/conn.timeouts-60min.log'))).filter((r) => r.protocol === 'tcp');
    expect(long).to.have.length(1);
    expect(long[0]).to.include({ state: 'SF', durationUs: 7_502_511_000 });
  });

  it('reads a vlan field, unset values and non-canonical IPv6 (a conn.log with vlan-logging loaded)', async () => {
    const original = await readFile(fixture('icmp-ipv6-vlan/conn.timeouts-60min.log'), 'utf8');
    // The same log as if policy/protocols/conn/vlan-logging had been loaded: a `vlan` column at the end.
    const lines = original.split('\n').map((line) => {
      if (line.startsWith('#fields')) return `${line}\tvlan`;
      if (line.startsWith('#types')) return `${line}\tint`;
      if (line.startsWith('#') || line === '') return line;
      const withVlan = line.includes('2001:db8') ? `${line}\t100` : `${line}\t-`;
      return withVlan.replace('2001:db8::10', '2001:DB8:0:0::10');
    });
    const records = parseConnLog(lines.join('\n'), 'vlan.log');
    expect(records.find((r) => r.protocol === 'tcp')).to.include({ vlan: 100, origAddr: '2001:db8::10' });
    expect(records.find((r) => r.protocol === 'icmp')?.vlan).to.equal(undefined);
  });

  it('a single-packet record (duration -) lasts 0', () => {
    const log = [
      '#separator \\x09', '#unset_field\t-', '#empty_field\t(empty)', '#path\tconn',
      '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration\tconn_state\thistory',
      '1700000000.000001\tCx\t10.0.0.1\t1\t10.0.0.2\t2\tudp\t-\tS0\t(empty)',
    ].join('\n');
    const [record] = parseConnLog(log, 'one.log');
    expect(record).to.include({ firstUs: 1_700_000_000_000_001, lastUs: 1_700_000_000_000_001, durationUs: 0, state: 'S0' });
    expect(record?.history).to.equal(undefined);
  });

  it('converts decimal seconds to microseconds exactly', () => {
    expect(decimalToMicros('1700068237.320000')).to.equal(1_700_068_237_320_000);
    expect(decimalToMicros('1700000001.5')).to.equal(1_700_000_001_500_000);
    expect(decimalToMicros('0.009999990463256836')).to.equal(10_000);
    expect(decimalToMicros('5e-7')).to.equal(1);
    expect(decimalToMicros('7')).to.equal(7_000_000);
    expect(decimalToMicros('1.2.3')).to.equal(undefined);
    expect(decimalToMicros('')).to.equal(undefined);
  });
});

describe('zeek parser on large and unusual TSV logs (chunked byte scanning)', () => {
  const HEADER = ['#separator \\x09', '#unset_field\t-', '#empty_field\t(empty)', '#path\tconn',
    '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration\tconn_state\thistory\torig_pkts'];
  const row = (i: number): string =>
    `${1_700_000_000 + i}.${String(i % 1_000_000).padStart(6, '0')}\tC${i}\t10.${i >> 16 & 255}.${i >> 8 & 255}.${i & 255}\t${i % 65536}\t2001:DB8::${(i % 4096).toString(16)}\t443\ttcp\t${(i % 600)}.5\tSF\tShADadFf\t${i}`;
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'zeek-parser-'));
  });

  it('a 7 MB log (rows across 1 MiB read chunks and four column batches of growing size, some CRLF): the same records from the file as from the text', async () => {
    const rows = Array.from({ length: 70_000 }, (_, i) => (i % 7 === 0 ? `${row(i)}\r` : row(i)));
    const text = `${[...HEADER, ...rows].join('\n')}\n`;
    const file = path.join(dir, 'big.log');
    await writeFile(file, text);
    const fromFile = await readConnLog(file, 'big.log');
    expect(fromFile).to.have.length(70_000);
    expect(fromFile).to.deep.equal(parseConnLog(text, 'big.log'));
    expect(fromFile[69_999]).to.include({ origAddr: '10.1.17.111', origPort: 4463, respAddr: '2001:db8::16f', origPkts: 69_999,
      firstUs: 1_700_069_999_069_999, durationUs: 399_500_000, state: 'SF', history: 'ShADadFf' });
    expect([fromFile[69_999]?.sourceFile, fromFile[69_999]?.sourceLine]).to.deep.equal(['big.log', HEADER.length + 70_000]);
    expect(fromFile[7]?.history).to.equal('ShADadFf');
  });

  it('an error past the first read chunk names its own line and column', async () => {
    const rows = Array.from({ length: 30_000 }, (_, i) => row(i));
    rows[25_000] = (rows[25_000] as string).replace('\t10.0.97.168\t', '\t10.0.97.0168\t');
    const file = path.join(dir, 'bad-far.log');
    await writeFile(file, [...HEADER, ...rows].join('\n') + '\n');
    const error = await readConnLog(file, 'bad-far.log').then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(InputError);
    const line = rows[25_000] as string;
    expect((error as InputError).where).to.deep.equal({ file: 'bad-far.log', line: HEADER.length + 25_001, col: line.indexOf('10.0.97.0168') + 1 });
    expect((error as InputError).message).to.contain('address "10.0.97.0168"');
  });

  it('a line longer than the read chunk is read whole', async () => {
    const history = 'Ad'.repeat(800_000);
    const file = path.join(dir, 'long-line.log');
    await writeFile(file, [...HEADER, row(1), row(2).replace('ShADadFf', history), row(3)].join('\n') + '\n');
    const records = await readConnLog(file);
    expect(records.map((r) => r.history?.length)).to.deep.equal([8, 1_600_000, 8]);
    expect(records[2]?.origPkts).to.equal(3);
  });

  it('a uid repeated under a header of another separator (one-byte and several-byte scans) is found as repeated', async () => {
    const tab = `${[...HEADER, row(5), row(6)].join('\n')}\n`;
    const bars = `${[...HEADER, row(7), row(5)].join('\n')}\n`.replace('\\x09', '\\x7c\\x7c').replaceAll('\t', '||');
    const file = path.join(dir, 'tab-then-bars.log');
    await writeFile(file, tab + bars);
    const error = await readConnLog(file, 'tab-then-bars.log').then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(InputError);
    expect((error as InputError).where).to.deep.equal({ file: 'tab-then-bars.log', line: 2 * HEADER.length + 4, col: row(5).replaceAll('\t', '||').indexOf('||C5||') + 3 });
    expect((error as InputError).message).to.contain(`found uid "C5" again: it is the uid of line ${HEADER.length + 1} too`);
    await writeFile(file, tab + bars.replace('||C5||', '||C8||'));
    expect(await readConnLog(file, 'tab-then-bars.log')).to.have.length(4);
  });

  it('a separator of several bytes, non-ASCII text, seconds that need rounding or an exponent', () => {
    const tab = [...HEADER, row(5), row(6).replace('\t6.5\t', '\t0.0000015\t').replace('ShADadFf', 'Sé'), row(7).replace('\t7.5\t', '\t5e-7\t')].join('\n');
    const bars = tab.replace('\\x09', '\\x7c\\x7c').replaceAll('\t', '||');
    const records = parseConnLog(tab, 'a.log');
    expect(records.map((r) => r.durationUs)).to.deep.equal([5_500_000, 2, 1]);
    expect(records[1]?.history).to.equal('Sé');
    expect(parseConnLog(bars, 'a.log')).to.deep.equal(records);
    const error = (() => {
      try {
        parseConnLog(bars.replace('||443||', '||70000||'), 'bars.log');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).to.be.instanceOf(InputError);
    const line = bars.replace('||443||', '||70000||').split('\n')[5] as string;
    expect((error as InputError).where).to.deep.equal({ file: 'bars.log', line: 6, col: line.indexOf('||70000||') + 3 });
  });

  it('reads decimal seconds from bytes exactly as from text', () => {
    fc.assert(fc.property(fc.stringMatching(/^[0-9.eE+-]{0,22}$/), (text) => {
      const bytes = Buffer.from(`x${text}y`, 'latin1');
      expect(decimalSecondsBytesToMicros(bytes, 1, bytes.length - 1)).to.equal(decimalToMicros(text));
    }), { numRuns: 2000 });
  });
});

describe('zeek parser in worker threads (a large log cut into ranges at line ends)', () => {
  const HEADER = ['#separator \\x09', '#unset_field\t-', '#empty_field\t(empty)', '#path\tconn',
    '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration\tconn_state\thistory\torig_pkts\tvlan'];
  // Rows of varied length (so cuts land mid-row), some CRLF, some with unset fields, IPv6 and non-ASCII text.
  const row = (i: number): string => [`${1_700_000_000 + i}.${String((i * 7919) % 1_000_000).padStart(6, '0')}`, `C${i.toString(36)}`,
    i % 11 === 0 ? `2001:DB8::${(i % 4096).toString(16)}` : `10.${i >> 16 & 255}.${i >> 8 & 255}.${i & 255}`, i % 65536,
    `198.51.100.${i % 50}`, i % 3 === 0 ? 53 : 443, i % 3 === 0 ? 'udp' : 'tcp', i % 13 === 0 ? '-' : `${i % 600}.${String(i % 1_000_000).padStart(6, '0')}`,
    i % 5 === 0 ? 'S0' : 'SF', i % 17 === 0 ? 'Sé'.repeat(i % 40) : 'ShADadFf', i, i % 19 === 0 ? 7 : '-'].join('\t') + (i % 7 === 0 ? '\r' : '');
  const ROWS = 60_000;
  let dir = '';
  let text = '';
  let file = '';
  let single: FlowRecord[] = [];
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'zeek-parallel-'));
    text = `${[...HEADER, ...Array.from({ length: ROWS }, (_, i) => row(i))].join('\n')}\n#close\t2026-11-28-23-40-31\n`;
    file = path.join(dir, 'big.log');
    await writeFile(file, text);
    single = await readConnLog(file, 'big.log', { threads: 1 });
  });
  const readError = (name: string, threads: number): Promise<unknown> =>
    readConnLog(path.join(dir, name), name, { threads }).then(() => undefined, (e: unknown) => e);

  it('a multi-MB log: every thread count gives exactly the records of one thread, lines included', async () => {
    expect(Buffer.byteLength(text)).to.be.greaterThan(5_000_000);
    expect(single).to.have.length(ROWS);
    expect(single).to.deep.equal(parseConnLog(text, 'big.log'));
    for (const threads of [2, 3, 7]) {
      expect(await readConnLog(file, 'big.log', { threads }), `${threads} threads`).to.deep.equal(single);
    }
    expect(single[ROWS - 1]?.sourceLine).to.equal(HEADER.length + ROWS);
    expect(single.filter((r) => r.vlan === 7)).to.have.length(Math.ceil(ROWS / 19));
  });

  it('cuts the file where the first range\'s share says, at line starts, the ranges covering every data byte once', async () => {
    const handle = await open(file, 'r');
    try {
      const bytes = Buffer.from(text);
      const size = bytes.length;
      for (const [count, share] of [[2, 0.3], [2, 0.5], [2, 0.7], [3, 0.2], [3, 0.5]] as const) {
        const ranges = await cutIntoRanges(handle, size, count, share, file, 'big.log');
        expect(ranges, `${count} ranges at ${share}`).to.have.length(count);
        const r = ranges ?? [];
        const prefixEnd = r[0]?.prefixEnd ?? 0;
        expect(r[0]?.start).to.equal(0);
        expect(r.at(-1)?.end).to.equal(size);
        for (let k = 1; k < r.length; k += 1) {
          expect(r[k]?.start, `range ${k} starts where ${k - 1} ends`).to.equal(r[k - 1]?.end);
          expect(bytes[(r[k]?.start ?? 0) - 1], `range ${k} starts a line`).to.equal(10);
        }
        // The first range ends within a line of its share of the data bytes.
        const firstData = (r[0]?.end ?? 0) - prefixEnd;
        expect(Math.abs(firstData - share * (size - prefixEnd)), `${count} ranges at ${share}`).to.be.lessThan(2000);
      }
    } finally {
      await handle.close();
    }
  });

  it('read again and again with two threads (each read moving its kind\'s cut by how the last went), the same records each time', async () => {
    const expected = JSON.parse(JSON.stringify(single)) as unknown;
    for (let read = 0; read < 4; read += 1) {
      // Records built from lent batches, and a table keeping its batches: each kind of read learns its own cut.
      expect(await readConnLog(file, 'big.log', { threads: 2 }), `read ${read + 1}`).to.deep.equal(single);
      expect(JSON.parse(JSON.stringify(Array.from(await readConnLogTable(file, 'big.log', { threads: 2 })))), `table read ${read + 1}`).to.deep.equal(expected);
    }
  });

  it('the table a cell keeps holds the same records, field for field, by one thread or two', async () => {
    // As JSON: the array's records carry unset fields as undefined, the table's leave them out; JSON drops both.
    const asJson = (records: Iterable<FlowRecord>): unknown => JSON.parse(JSON.stringify(Array.from(records)));
    const expected = asJson(single);
    for (const threads of [1, 2]) {
      const table = await readConnLogTable(file, 'big.log', { threads });
      expect(table.length).to.equal(ROWS);
      expect(asJson(table), `${threads} threads`).to.deep.equal(expected);
    }
  });

  it('a bad row in the second half: the worker path names its true line and column', async () => {
    const rows = text.split('\n');
    const bad = HEADER.length + 45_000;
    rows[bad] = (rows[bad] as string).replace('\tudp\t', '\tudp\t-1.5x\t').replace(/\t[^\t]*\t(S0|SF)\t/, '\t$1\t');
    await writeFile(path.join(dir, 'bad-late.log'), rows.join('\n'));
    const error = await readError('bad-late.log', 2);
    expect(error).to.be.instanceOf(InputError);
    expect((error as InputError).where).to.deep.equal({ file: 'bad-late.log', line: bad + 1, col: (rows[bad] as string).indexOf('-1.5x') + 1 });
    expect((error as InputError).message).to.contain('duration "-1.5x"');
    expect(await readError('bad-late.log', 1)).to.deep.equal(error);
  });

  it('bad rows in several ranges: the first in the file is the one reported', async () => {
    const rows = text.split('\n');
    for (const at of [20_000, 40_000, 59_000]) rows[HEADER.length + at] = (rows[HEADER.length + at] as string).replace(/\t(443|53)\t/, '\t70000\t');
    await writeFile(path.join(dir, 'bad-many.log'), rows.join('\n'));
    const error = await readError('bad-many.log', 4);
    expect(error).to.be.instanceOf(InputError);
    expect((error as InputError).where.line).to.equal(HEADER.length + 20_001);
    expect(await readError('bad-many.log', 1)).to.deep.equal(error);
  });

  it('a second header with other #fields mid-file (logs concatenated): read again in one thread, same records', async () => {
    const rows = text.split('\n').slice(0, HEADER.length + ROWS);
    const reordered = ['#fields\tts\tuid\tid.resp_h\tid.resp_p\tid.orig_h\tid.orig_p\tproto\tduration'];
    const moreRows = Array.from({ length: 20_000 }, (_, i) => `${1_800_000_000 + i}.5\tD${i}\t192.0.2.${i % 200}\t80\t10.9.${i >> 8 & 255}.${i & 255}\t${1024 + i}\ttcp\t0.5`);
    const mixed = `${[...rows.slice(0, HEADER.length + 10_000), ...reordered, ...moreRows, HEADER[4] as string, ...rows.slice(HEADER.length + 10_000)].join('\n')}\n`;
    await writeFile(path.join(dir, 'mixed.log'), mixed);
    const parallel = await readConnLog(path.join(dir, 'mixed.log'), 'mixed.log', { threads: 3 });
    expect(parallel).to.deep.equal(parseConnLog(mixed, 'mixed.log'));
    expect(parallel[10_000]).to.include({ respAddr: '192.0.2.0', respPort: 80, origAddr: '10.9.0.0', sourceLine: HEADER.length + 10_002 });
  });

  it('the kept workers serve parses at once: a range cancelled by an earlier error does not disturb another parse', async () => {
    const rows = text.split('\n');
    rows[HEADER.length] = (rows[HEADER.length] as string).replace(/\t(443|53)\t/, '\t70000\t');
    await writeFile(path.join(dir, 'bad-early.log'), rows.join('\n'));
    // The failing parse stops at its first row while the workers still parse its later ranges (cancelled then);
    // the good parses queue behind them on the same workers.
    const [failed, good, goodAgain] = await Promise.all([
      readError('bad-early.log', 3),
      readConnLog(file, 'big.log', { threads: 3 }),
      readConnLog(file, 'big.log', { threads: 2 }),
    ]);
    expect(failed).to.be.instanceOf(InputError);
    expect((failed as InputError).where.line).to.equal(HEADER.length + 1);
    expect(good).to.deep.equal(single);
    expect(goodAgain).to.deep.equal(single);
    expect(await readConnLog(file, 'big.log', { threads: 3 })).to.deep.equal(single);
  });

  it('an idle kept worker does not keep the process alive: a script that parsed in threads exits on its own', async () => {
    const script = path.join(dir, 'parse-and-leave.mjs');
    const parser = new URL('./parser.js', import.meta.url).href;
    await writeFile(script, `const { readConnLogTable } = await import(${JSON.stringify(parser)});\n` +
      `const table = await readConnLogTable(${JSON.stringify(file)}, 'big.log', { threads: 2 });\nconsole.log(table.length);\n`);
    const run = await execa(process.execPath, [script], { timeout: 60_000, reject: false });
    expect(run.timedOut, 'the script was still running after 60 s').to.equal(false);
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.stdout.trim()).to.equal(String(ROWS));
  });

  it('a JSON log in worker threads: the same records as one thread', async () => {
    const json = `${single.slice(0, 30_000).map((r) => JSON.stringify({ ts: r.firstUs / 1e6, 'id.orig_h': r.origAddr, 'id.orig_p': r.origPort,
      'id.resp_h': r.respAddr, 'id.resp_p': r.respPort, proto: r.protocol, conn_state: r.state, history: r.history })).join('\n')}\n`;
    await writeFile(path.join(dir, 'big.json'), json);
    const parallel = await readConnLog(path.join(dir, 'big.json'), 'big.json', { threads: 3 });
    expect(parallel).to.have.length(30_000);
    expect(parallel).to.deep.equal(await readConnLog(path.join(dir, 'big.json'), 'big.json', { threads: 1 }));
  });

  it('its rows appended again (no second header): refused at the first repeated row, the same by every thread count', async () => {
    const body = text.split('\n').slice(HEADER.length, HEADER.length + ROWS);
    await writeFile(path.join(dir, 'body-twice.log'), `${[...HEADER, ...body, ...body].join('\n')}\n`);
    const error = await readError('body-twice.log', 2);
    expect(error).to.be.instanceOf(InputError);
    expect((error as InputError).where).to.deep.equal({ file: 'body-twice.log', line: HEADER.length + ROWS + 1, col: (body[0] as string).indexOf('\tC0\t') + 2 });
    expect((error as InputError).message).to.contain(`found uid "C0" again: it is the uid of line ${HEADER.length + 1} too; expected each uid once`);
    for (const threads of [1, 3]) expect(await readError('body-twice.log', threads), `${threads} threads`).to.deep.equal(error);
  });

  it('the whole log twice (cat log log: a second header block): refused at the second copy\'s first row', async () => {
    await writeFile(path.join(dir, 'twice.log'), text + text);
    const lines = text.split('\n').length - 1;
    const error = await readError('twice.log', 2);
    expect(error).to.be.instanceOf(InputError);
    expect((error as InputError).where.line).to.equal(lines + HEADER.length + 1);
    expect((error as InputError).message).to.contain(`it is the uid of line ${HEADER.length + 1} too`);
    expect(await readError('twice.log', 1)).to.deep.equal(error);
  });

  it('a repeated uid and a bad row: the first in the file is the one reported, by any thread count', async () => {
    const body = text.split('\n').slice(HEADER.length, HEADER.length + ROWS);
    const badPort = (row: string): string => row.replace(/\t(443|53)\t/, '\t70000\t');
    // The repeat (of row 5) a few rows before a bad row, both in one batch of rows: the repeat comes first.
    const repeatFirst = [...body.slice(0, 50_000), body[5] as string, ...body.slice(50_000, 50_010), badPort(body[50_010] as string), ...body.slice(50_011)];
    await writeFile(path.join(dir, 'repeat-first.log'), `${[...HEADER, ...repeatFirst].join('\n')}\n`);
    for (const threads of [1, 3]) {
      const error = await readError('repeat-first.log', threads);
      expect(error, `${threads} threads`).to.be.instanceOf(InputError);
      expect((error as InputError).where.line, `${threads} threads`).to.equal(HEADER.length + 50_001);
      expect((error as InputError).message).to.contain(`it is the uid of line ${HEADER.length + 6} too`);
    }
    // The bad row first: reported as before, the repeat after it never reached.
    const badFirst = [...body.slice(0, 50_000), badPort(body[50_000] as string), ...body.slice(50_001, 50_010), body[5] as string, ...body.slice(50_010)];
    await writeFile(path.join(dir, 'bad-first.log'), `${[...HEADER, ...badFirst].join('\n')}\n`);
    for (const threads of [1, 3]) {
      const error = await readError('bad-first.log', threads);
      expect(error, `${threads} threads`).to.be.instanceOf(InputError);
      expect((error as InputError).where.line, `${threads} threads`).to.equal(HEADER.length + 50_001);
      expect((error as InputError).message).to.contain('port "70000"');
    }
  });
});

/** The InputError `fn` throws; anything else it throws, or nothing, fails the test. */
function thrown(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('no InputError thrown');
}

describe('zeek parser on what is not a conn.log', () => {

  it('a README given as conn.log: InputError at line 1 col 1', async () => {
    const error = await readConnLog(fixture('README.md')).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(InputError);
    expect((error as InputError).message).to.match(/README\.md:1:1: found "# Real Zeek outputs/);
  });

  it('a dns.log: names the #path line and column', () => {
    const error = thrown(() => parseConnLog('#separator \\x09\n#path\tdns\n', 'dns.log'));
    expect(error.where).to.deep.equal({ file: 'dns.log', line: 2, col: 7 });
    expect(error.message).to.contain('a "dns" log');
  });

  it('a JSON stream of every log: a dns line is refused at its "_path" (it was read as a 0 s connection); conn lines with _path "conn" are read', () => {
    const conn = '{"_path":"conn","ts":1700000000.0,"uid":"C1","id.orig_h":"192.0.2.20","id.orig_p":41055,"id.resp_h":"198.51.100.20","id.resp_p":9000,"proto":"tcp","duration":1.5}';
    const dns = '{"_path":"dns","ts":1700000014.0,"uid":"C2","id.orig_h":"192.0.2.21","id.orig_p":42065,"id.resp_h":"198.51.100.20","id.resp_p":9001,"proto":"udp","query":"example.com"}';
    expect(parseConnLog(`${conn}\n`, 'conn.json')).to.have.length(1);
    const error = thrown(() => parseConnLog(`${conn}\n${dns}\n`, 'all.json'));
    expect(error.where).to.deep.equal({ file: 'all.json', line: 2, col: 2 });
    expect(error.message).to.equal('all.json:2:2: found a line of another log ("_path": "dns"); expected conn.log lines only ("_path": "conn", or no _path)');
  });

  it('an eve.json given as a conn.log is named as Suricata\'s, not only "no ts"', () => {
    const eve = '{"timestamp":"2023-11-14T22:13:20.000000+0000","flow_id":1,"event_type":"flow","src_ip":"192.0.2.20","src_port":41055,"dest_ip":"198.51.100.20","dest_port":9000,"proto":"TCP"}';
    const error = thrown(() => parseConnLog(`${eve}\n`, 'eve.json'));
    expect(error.message).to.equal('eve.json:1:60: found a Suricata eve.json event ("event_type": "flow"); expected a Zeek conn.log; an eve.json is scored with --monitor suricata');
  });

  it('a tcptrace CSV: line 1 col 1', () => {
    const error = thrown(() => parseConnLog('conn_#,host_a,host_b\n1,192.0.2.10,198.51.100.20\n', 'trace.csv'));
    expect(error.where).to.deep.equal({ file: 'trace.csv', line: 1, col: 1 });
  });

  it('a bad timestamp: the column of the ts field', async () => {
    const text = (await readFile(fixture('longconn-42/conn.timeouts-60min.log'), 'utf8')).replace('1700000000.000000\tC', 'yesterday\tC');
    const error = thrown(() => parseConnLog(text, 'bad.log'));
    expect(error.where).to.deep.equal({ file: 'bad.log', line: 10, col: 1 });
    expect(error.message).to.contain('ts "yesterday"');
  });

  it('TSV messages name the file\'s own unset text, a ts in milliseconds, and a #separator the header lines do not use', () => {
    const fields = '#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration\n';
    const na = thrown(() => parseConnLog(`#separator \\x09\n#unset_field\tNA\n${fields}1.0\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\n`, 'na.log'));
    expect(na.message).to.equal('na.log:4:31: found duration "-"; expected seconds such as 1.020000, or NA when unset (the #unset_field text)');
    expect(parseConnLog(`#separator \\x09\n#unset_field\tNA\n${fields}1.0\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\tNA\n`, 'na.log')[0]?.durationUs).to.equal(0);
    // Was read (the fast scan did not bound it) and then refused as "not below 2^53" without naming milliseconds.
    const millis = thrown(() => parseConnLog(`#separator \\x09\n${fields}1700000000000\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t1.5\n`, 'ms.log'));
    expect(millis.message).to.equal('ms.log:3:1: found ts 1700000000000, milliseconds since the epoch; expected seconds since the epoch such as 1700000000.000000');
    const huge = thrown(() => parseConnLog(`#separator \\x09\n${fields}1.0\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t99999999999\n`, 'huge.log'));
    expect(huge.message).to.match(/^huge\.log:3:31: found duration "99999999999"; expected seconds/);
    // Was "a data line before any #fields header" at line 4.
    const comma = thrown(() => parseConnLog(`#separator ,\n#unset_field\t-\n${fields}1.0\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t1.5\n`, 'comma.log'));
    expect(comma.message).to.equal('comma.log:1:1: found #separator ",", but line 2 splits "#unset_field" from its value by a tab; expected header and data lines split by the #separator text (Zeek writes \\x09, a tab)');
    const commas = `#separator \\x2c\n#unset_field,-\n${fields.replaceAll('\t', ',')}1.0,10.0.0.1,1,10.0.0.2,2,tcp,1.5\n`;
    expect(parseConnLog(commas, 'commas.log')[0]?.durationUs, 'a consistent comma separator is read').to.equal(1_500_000);
  });

  it('a bad port: the column of id.resp_p', async () => {
    const text = (await readFile(fixture('longconn-42/conn.timeouts-60min.log'), 'utf8')).replace('\t9000\t', '\t90000\t');
    const error = thrown(() => parseConnLog(text, 'bad.log'));
    const line = text.split('\n')[9] as string;
    expect(error.where.line).to.equal(10);
    expect(error.where.col).to.equal(line.indexOf('90000') + 1);
  });

  it('a row with a missing field, and a JSON line that is not JSON', () => {
    const short = thrown(() => parseConnLog('#separator \\x09\n#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration\n1.0\t10.0.0.1\t1\n', 'short.log'));
    expect(short.where.line).to.equal(3);
    expect(short.message).to.contain('3 tab-separated fields');
    const json = thrown(() => parseConnLog('{"ts":1.0,"id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":2,"proto":"tcp"}\n{oops\n', 'x.json'));
    expect(json.where).to.deep.equal({ file: 'x.json', line: 2, col: 1 });
  });

  it('a proto Zeek never writes (TCP, 6) is named, not read as "other" and the log then refused as unrelated', () => {
    const header = '#separator \\x09\n#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration\n';
    expect(thrown(() => parseConnLog(`${header}1.0\t10.0.0.1\t1\t10.0.0.2\t2\tTCP\t1.5\n`, 'x.log')).message).to.equal('x.log:3:27: found proto "TCP"; expected tcp, udp, icmp or unknown_transport, as Zeek writes its transport_proto');
    expect(thrown(() => parseConnLog('{"ts":1.0,"id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":2,"proto":6}\n', 'x.json')).message).to.contain('found proto "6"');
    expect(parseConnLog(`${header}1.0\t10.0.0.1\t1\t10.0.0.2\t2\tunknown_transport\t1.5\n`, 'x.log')[0]?.protocol).to.equal('other');
  });

  it('a TSV log without a duration column, and a JSON value of a type Zeek never writes (both once read as 0 s)', () => {
    const cut = thrown(() => parseConnLog('#separator \\x09\n#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\n1.0\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\n', 'cut.log'));
    expect(cut.message).to.equal('cut.log:2:1: found #fields without "duration"; expected conn.log fields including ts, id.orig_h, id.orig_p, id.resp_h, id.resp_p, proto, duration');
    const line = (duration: string): string => `{"ts":1.0,"id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":2,"proto":"tcp","duration":${duration}}\n`;
    for (const wrong of ['true', '[68236.043]', 'null', '{"s":1}']) {
      expect(thrown(() => parseConnLog(line(wrong), 'x.json')).message, wrong).to.equal(`x.json:1:1: found "duration": ${wrong.replace(/"/g, '"')}; expected duration as Zeek writes it: a number, or the key left out when unset`);
    }
    expect(parseConnLog(line('68236.043'), 'x.json')[0]?.durationUs).to.equal(68_236_043_000);
    const { durationUs } = parseConnLog('{"ts":1.0,"id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":2,"proto":"tcp"}\n', 'x.json')[0] ?? {};
    expect(durationUs, 'an unset duration (a one-packet connection) is 0').to.equal(0);
  });
});

describe('zeek parser: a uid on two rows (a log holding its rows twice)', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'zeek-uids-'));
  });

  it('a conn.log concatenated with itself: refused at the second copy of the first row, naming the first', async () => {
    const one = await readFile(fixture('longconn-42/conn.timeouts-60min.log'), 'utf8');
    const lines = one.split('\n');
    // Line 9, the first row, comes again at line 11 (#close) + 9 of the second copy.
    const expected = { file: 'twice.log', line: lines.length - 1 + 9, col: (lines[8] as string).indexOf('\tC') + 2 };
    const error = thrown(() => parseConnLog(one + one, 'twice.log'));
    expect(error.where).to.deep.equal(expected);
    expect(error.message).to.contain(`found uid "${(lines[8] as string).split('\t')[1]}" again: it is the uid of line 9 too; expected each uid once`)
      .and.contain('a log concatenated with itself');
    const file = path.join(dir, 'twice.log');
    await writeFile(file, one + one);
    const fromFile = await readConnLog(file, 'twice.log').then(() => undefined, (e: unknown) => e);
    expect(fromFile).to.be.instanceOf(InputError);
    expect((fromFile as InputError).where).to.deep.equal(expected);
    expect((fromFile as InputError).message).to.equal(error.message);
  });

  it('two different logs concatenated (two header blocks, distinct uids): read as one', async () => {
    const a = await readFile(fixture('longconn-42/conn.default.log'), 'utf8');
    const b = await readFile(fixture('longconn-42/conn.timeouts-60min.log'), 'utf8');
    const file = path.join(dir, 'two.log');
    await writeFile(file, a + b);
    const records = await readConnLog(file, 'two.log');
    const apart = [...parseConnLog(a, 'x'), ...parseConnLog(b, 'x')];
    expect(records).to.have.length(apart.length);
    expect(records.map(withoutSource)).to.deep.equal(apart.map(withoutSource));
    expect(parseConnLog(a + b, 'two.log')).to.deep.equal(records);
  });

  it('rows with uid unset (-) or no uid column are not compared', () => {
    const header = '#separator \\x09\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration\n';
    const row = '1700000000.000000\t-\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\n';
    expect(parseConnLog(header + row + row, 'unset.log')).to.have.length(2);
    const noUid = '#separator \\x09\n#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration\n1700000000.000000\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t1.5\n';
    expect(parseConnLog(noUid + noUid.split('\n').slice(2).join('\n'), 'no-uid.log')).to.have.length(2);
  });

  it('a JSON conn.log concatenated with itself: refused at the repeated line, at its "uid" key', async () => {
    const one = await readFile(fixture('longconn-42/conn.default.json'), 'utf8');
    const lines = one.split('\n');
    const file = path.join(dir, 'twice.json');
    await writeFile(file, one + one);
    const error = await readConnLog(file, 'twice.json').then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(InputError);
    expect((error as InputError).where).to.deep.equal({ file: 'twice.json', line: lines.length, col: (lines[0] as string).indexOf('"uid"') + 1 });
    expect((error as InputError).message).to.contain('it is the uid of line 1 too');
    expect(thrown(() => parseConnLog(one + one, 'twice.json')).message).to.equal((error as InputError).message);
  });

  it('the reader\'s check: a hash pair seen twice is a suspicion (UidSeenTwice), rows without uid are not hashed', () => {
    const rows: number[] = [];
    const consumer = { add: (batch: ConnColumnBatch): void => { rows.push(batch.count); } };
    const batch = (pairs: [number, number][]): ConnColumnBatch => {
      const columns = { count: pairs.length, uidSlot: Int32Array.from(pairs, (p) => p[0]), uidCheck: Int32Array.from(pairs, (p) => p[1]) };
      return columns as unknown as ConnColumnBatch;
    };
    const origin = { range: 0, lineOffset: 0 };
    const filter = new UidFilter(consumer);
    // Enough distinct pairs to grow the partitions several times, then rows without uid twice, then a pair with
    // another's slot hash but not its check hash: no suspicion.
    const distinct = Array.from({ length: 200_000 }, (_, i): [number, number] => [Math.imul(i, 0x9e3779b1), i + 1]);
    filter.add(batch(distinct), origin);
    filter.add(batch([[7, 0], [7, 0]]), origin);
    filter.add(batch([[Math.imul(5, 0x9e3779b1), 1]]), origin);
    expect(rows).to.deep.equal([200_000, 2, 1]);
    filter.check();
    // The same pair again, far from its first: a suspicion.
    filter.add(batch([[Math.imul(123_456, 0x9e3779b1), 123_457]]), origin);
    expect(() => filter.check()).to.throw(UidSeenTwice);
  });

  it('the reader\'s check reuses the arrays of earlier reads, whatever their lengths', () => {
    const origin = { range: 0, lineOffset: 0 };
    const batch = (from: number, count: number): ConnColumnBatch => ({
      count, uidSlot: Int32Array.from({ length: count }, (_, i) => Math.imul(from + i, 0x9e3779b1)),
      uidCheck: Int32Array.from({ length: count }, (_, i) => from + i + 1),
    }) as unknown as ConnColumnBatch;
    // A read of 200 000 rows leaves spare arrays of several lengths; the next read takes two unequal ones and
    // outgrows the shorter.
    const first = new UidFilter({ add: (): void => undefined });
    for (let from = 0; from < 200_000; from += 8192) first.add(batch(from, Math.min(8192, 200_000 - from)), origin);
    first.check();
    first.release();
    const second = new UidFilter({ add: (): void => undefined });
    for (let from = 0; from < 300_000; from += 8192) second.add(batch(from, Math.min(8192, 300_000 - from)), origin);
    second.check();
    second.add(batch(299_999, 1), origin);
    expect(() => second.check()).to.throw(UidSeenTwice);
    second.release();
  });
});

describe('zeek translate', () => {
  it('default: the init-bare.zeek values', () => {
    const t = zeek.translate(parseTimeoutSetting('default'));
    expect(t).to.deep.include({ supported: true, values: { tcp_inactivity_timeout: 300, udp_inactivity_timeout: 60, icmp_inactivity_timeout: 60 } });
  });

  it('tcp only: udp and icmp keep their defaults, with a note', () => {
    const t = zeek.translate(parseTimeoutSetting('tcp=1h'));
    if (!t.supported) throw new Error(t.reason);
    expect(t.values).to.deep.equal({ tcp_inactivity_timeout: 3600, udp_inactivity_timeout: 60, icmp_inactivity_timeout: 60 });
    expect(t.notes.join('\n')).to.contain('udp_inactivity_timeout left at its default 60 s');
  });

  it('active timeout: unsupported', () => {
    const t = zeek.translate(parseTimeoutSetting('tcp=1h,active=30m'));
    expect(t.supported).to.equal(false);
  });

  it('argv: the redefs are one argv element; defaults add none; a user script comes before them', () => {
    const setting = parseTimeoutSetting('1h');
    const t = zeek.translate(setting);
    if (!t.supported) throw new Error(t.reason);
    const argv = zeekArgv({ binary: '/z', pcap: '/p.pcap', setting, knobValues: t.values, userConfig: '/u/local.zeek' });
    expect(argv).to.deep.equal(['/z', '-C', '-r', '/p.pcap', '/u/local.zeek', '-e',
      'redef tcp_inactivity_timeout = 3600.0 sec; redef udp_inactivity_timeout = 3600.0 sec; redef icmp_inactivity_timeout = 3600.0 sec;']);
    const def = parseTimeoutSetting('default');
    const dt = zeek.translate(def);
    if (!dt.supported) throw new Error(dt.reason);
    expect(zeekArgv({ binary: '/z', pcap: '/p.pcap', setting: def, knobValues: dt.values })).to.deep.equal(['/z', '-C', '-r', '/p.pcap']);
  });
});

describe('zeek real runs', function () {
  it('longconn-42: 42 TCP records at default, one at 1h', async function () {
    const def = await runAdapterForTest(zeek, fixture('longconn-42/capture.pcap'), 'default');
    if ('missing' in def) {
      // Never faked: without a real Zeek the run is skipped, and the reason shows in the test title.
      if (this.test) this.test.title += ` (skipped: ${def.missing})`;
      this.skip();
    }
    expect(def.outcome.ok).to.equal(true);
    if (!def.outcome.ok) return;
    expect(Array.from(def.outcome.views.default ?? []).filter((r) => r.protocol === 'tcp')).to.have.length(42);
    const long = await runAdapterForTest(zeek, fixture('longconn-42/capture.pcap'), '1h');
    if ('missing' in long || !long.outcome.ok) throw new Error('second run failed');
    const tcp = Array.from(long.outcome.views.default ?? []).filter((r) => r.protocol === 'tcp');
    expect(tcp).to.have.length(1);
    expect(tcp[0]?.durationUs).to.equal(68_237_320_000);
  });
});

describe('zeek faults (fake-zeek through HARNESS_ZEEK)', () => {
  let dir = '';
  const saved = process.env.HARNESS_ZEEK;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'fake-zeek-'));
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.HARNESS_ZEEK;
    else process.env.HARNESS_ZEEK = saved;
  });

  const fakeZeek = async (name: string, body: string): Promise<string> => {
    const file = path.join(dir, name);
    await writeFile(file, `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "zeek version 0.0-fake"; exit 0; fi\n${body}\n`);
    await chmod(file, 0o755);
    process.env.HARNESS_ZEEK = file;
    return file;
  };

  it('a crash: ok false with the exit status, the stderr tail, and the argv we gave it', async () => {
    await fakeZeek('fake-zeek-crash', 'echo "fatal error: fake crash in analyzer" >&2\nexit 3');
    const run = await runAdapterForTest(zeek, fixture('longconn-42/capture.pcap'), 'tcp=1h');
    if ('missing' in run) throw new Error(run.missing);
    expect(run.outcome.ok).to.equal(false);
    if (run.outcome.ok) return;
    expect(run.outcome.reason).to.contain('exit status 3').and.contain('fake crash in analyzer');
    const argv = run.outcome.provenance.commands[0]?.argv ?? [];
    expect(argv.slice(-2)).to.deep.equal(['-e', 'redef tcp_inactivity_timeout = 3600.0 sec; redef udp_inactivity_timeout = 60.0 sec; redef icmp_inactivity_timeout = 60.0 sec;']);
  });

  it('a hang: killed at the time limit', async () => {
    await fakeZeek('fake-zeek-hang', 'exec sleep 600');
    const run = await runAdapterForTest(zeek, fixture('longconn-42/capture.pcap'), 'default', { timeLimitMs: 1500 });
    if ('missing' in run) throw new Error(run.missing);
    expect(run.outcome.ok).to.equal(false);
    if (run.outcome.ok) return;
    expect(run.outcome.reason).to.contain('hung');
    expect(run.outcome.provenance.commands[0]?.timedOut).to.equal(true);
  });

  it('garbage in conn.log: ok false naming conn.log:line:col', async () => {
    await fakeZeek('fake-zeek-garbage', 'printf "this is not a conn.log\\n" > conn.log');
    const run = await runAdapterForTest(zeek, fixture('longconn-42/capture.pcap'), 'default');
    if ('missing' in run) throw new Error(run.missing);
    expect(run.outcome.ok).to.equal(false);
    if (run.outcome.ok) return;
    expect(run.outcome.reason).to.contain('unreadable output').and.contain('conn.log:1:1');
  });

  it('a conn.log holding its rows twice: ok false naming the repeated uid\'s line and column, never a score', async () => {
    const log = fixture('longconn-42/conn.timeouts-60min.log');
    await fakeZeek('fake-zeek-doubled', `cat '${log}' '${log}' > conn.log`);
    const run = await runAdapterForTest(zeek, fixture('longconn-42/capture.pcap'), 'default');
    if ('missing' in run) throw new Error(run.missing);
    expect(run.outcome.ok).to.equal(false);
    if (run.outcome.ok) return;
    expect(run.outcome.reason).to.match(/^unreadable output: conn\.log:20:19: found uid "C\w+" again: it is the uid of line 9 too/);
  });
});
