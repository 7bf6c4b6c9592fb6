import { expect } from 'chai';
import type { TruthConnection } from '../../harness/core/ground-truth.js';
import { plainConnection, TruthTable, truthTableOf } from '../../harness/core/truth-table.js';

/**
 * The generator keeps its truth in a TruthTable: every field read through a row's view, and its JSON, must be the
 * plain connection it was given, key for key and in the same order (truth.json's bytes depend on it).
 */
const base: TruthConnection = {
  id: 'a',
  protocol: 'tcp',
  ipVersion: 4,
  client: { addr: '10.0.0.1', port: 40000 },
  server: { addr: '198.51.100.80', port: 443 },
  firstUs: 1_700_000_000_000_001,
  lastUs: 1_700_068_236_000_002,
  durationUs: 68_236_000_001,
  clientPkts: 120,
  clientIpBytes: 9_000_000_123,
  clientPayloadBytes: 7_000,
  serverPkts: 110,
  serverIpBytes: 8_000,
  serverPayloadBytes: 6_000,
  open: 'handshake',
  close: 'fin',
  firstSender: 'client',
  quietPeriods: [{ startUs: 1_700_000_000_100_000, endUs: 1_700_000_001_300_000, lengthUs: 1_200_000 }, { startUs: 1_700_000_002_000_000, endUs: 1_700_000_003_200_000, lengthUs: 1_200_000 }],
  longestGapUs: 1_200_000,
  background: false,
};
const variants: TruthConnection[] = [
  base,
  { ...base, id: 'b', protocol: 'udp', ipVersion: 6, vlan: 100, client: { addr: '2001:db8::1', port: 53000 }, server: { addr: '2001:db8::53', port: 53 }, open: 'none', close: 'none', firstSender: 'server', quietPeriods: [] },
  { ...base, id: 'c', protocol: 'icmp', vlan: 0, open: 'none', close: 'rst', quietPeriods: [] },
  { ...base, id: 'clock', protocol: 'udp', background: true, role: 'clock', quietPeriods: [] },
  { ...base, id: 'd', open: 'midstream', cut: { start: 'the capture began after it', end: 'the capture ended before it' } },
];

/** The key order of truth.json (the generator's): vlan after ipVersion, role and cut last. */
const ORDER: (keyof TruthConnection)[] = ['id', 'protocol', 'ipVersion', 'vlan', 'client', 'server', 'firstUs', 'lastUs', 'durationUs', 'clientPkts', 'clientIpBytes',
  'clientPayloadBytes', 'serverPkts', 'serverIpBytes', 'serverPayloadBytes', 'open', 'close', 'firstSender', 'quietPeriods', 'longestGapUs', 'background', 'role', 'cut'];
const inTruthOrder = (c: TruthConnection): Record<string, unknown> => Object.fromEntries(ORDER.filter((k) => c[k] !== undefined).map((k) => [k, c[k]]));

describe('TruthTable: a truth kept column by column', () => {
  it('reads back every field of every connection, and writes the same JSON text', () => {
    const table = new TruthTable(2);
    const rows = variants.map((c) => table.push(c));
    expect(table.length).to.equal(variants.length);
    variants.forEach((plain, i) => {
      const row = rows[i] as TruthConnection;
      for (const key of Object.keys(plain) as (keyof TruthConnection)[]) expect(row[key], `${plain.id}.${key}`).to.deep.equal(plain[key]);
      expect(row.vlan).to.equal(plain.vlan);
      expect(row.role).to.equal(plain.role);
      expect(row.cut).to.deep.equal(plain.cut);
      expect(JSON.stringify(row, null, 2)).to.equal(JSON.stringify(inTruthOrder(plain), null, 2));
      expect(plainConnection(row)).to.deep.equal(plain);
    });
  });

  it('gives a row without quiet periods an empty list no reader can change, and a row with some a list of its own', () => {
    const table = new TruthTable(2);
    const quiet = table.push({ ...base, id: 'q' });
    const none = table.push({ ...base, id: 'n', quietPeriods: [] });
    const other = table.push({ ...base, id: 'o', quietPeriods: [] });
    expect(none.quietPeriods).to.deep.equal([]);
    expect(Object.isFrozen(none.quietPeriods)).to.equal(true);
    expect(() => none.quietPeriods.push({ startUs: 1, endUs: 2, lengthUs: 1 })).to.throw(TypeError);
    expect(other.quietPeriods).to.deep.equal([]);
    // Each read of a row with quiet periods is a list of its own: changing one changes no other read.
    const first = quiet.quietPeriods;
    first.pop();
    expect(quiet.quietPeriods).to.deep.equal(base.quietPeriods);
  });

  it('refuses a duration or quiet length that is not what its times say (it keeps only the times)', () => {
    const table = new TruthTable();
    expect(() => table.push({ ...base, durationUs: base.durationUs + 1 })).to.throw(/durationUs/);
    expect(() => table.push({ ...base, quietPeriods: [{ startUs: 10, endUs: 30, lengthUs: 21 }] })).to.throw(/lengthUs 21/);
    expect(table.length).to.equal(0);
  });

  it('refuses a value it has no code for rather than store another', () => {
    const table = new TruthTable();
    expect(() => table.push({ ...base, protocol: 'sctp' as TruthConnection['protocol'] })).to.throw(/protocol sctp/);
  });

  it('is read by another thread as it is (share, a structured clone, fromShared): every row the same, the columns the same memory', () => {
    const table = new TruthTable(2);
    const many = Array.from({ length: 40 }, (_, k) => ({ ...(variants[k % variants.length] as TruthConnection), id: `beacon#${k}` }));
    const rows = many.map((c) => table.push(c));
    const shared = structuredClone(table.share());
    const there = TruthTable.fromShared(shared);
    expect(there.length).to.equal(many.length);
    many.forEach((_, r) => expect(JSON.stringify(there.view(r))).to.equal(JSON.stringify(rows[r])));
    expect(shared.numbers.buffer).to.be.instanceOf(SharedArrayBuffer);
    expect(() => there.view(many.length)).to.throw(RangeError);
  });

  it('knows the table of its own rows in order (truthTableOf), and of nothing else', () => {
    const table = new TruthTable();
    const rows = variants.map((c) => table.push(c));
    expect(truthTableOf(rows)).to.equal(table);
    expect(truthTableOf([...rows].reverse())).to.equal(undefined);
    expect(truthTableOf(rows.slice(1))).to.equal(undefined);
    expect(truthTableOf([...variants])).to.equal(undefined);
  });
});
