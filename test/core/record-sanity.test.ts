import { expect } from 'chai';
import { writeFile, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FlowRecord } from '../../harness/core/flow-record.js';
import { FlowRecordTable } from '../../harness/core/flow-record-table.js';
import { InputError } from '../../harness/core/input-error.js';
import { checkRecords } from '../../harness/core/record-sanity.js';
import { indistinctInTruth } from '../../harness/core/record-overlap.js';
import { harness, REPO } from '../support/cli.js';

const GOOD: FlowRecord = {
  protocol: 'tcp', origAddr: '192.0.2.10', origPort: 40000, respAddr: '198.51.100.20', respPort: 443,
  firstUs: 1_700_000_000_000_000, lastUs: 1_700_000_000_043_000, durationUs: 43_000, origPkts: 4, respPkts: 2,
  bytesKind: 'ip', direction: 'bi', sourceFile: 'x.log', sourceLine: 7,
};

/** The message checkRecords gives for `change` applied to a good record, as an array and as a FlowRecordTable. */
function refusal(change: Partial<FlowRecord>): string[] {
  const messages: string[] = [];
  // Another connection than GOOD's: two records of one connection with one span are refused as overlapping.
  const record = { ...GOOD, origPort: 40001, ...change };
  const table = new FlowRecordTable();
  table.push(GOOD);
  table.push({ ...record, sourceLine: 8 });
  for (const list of [[GOOD, { ...record, sourceLine: 8 }], table]) {
    try {
      checkRecords(list);
      messages.push('accepted');
    } catch (e) {
      expect(e).to.be.instanceOf(InputError);
      messages.push((e as Error).message);
    }
  }
  return messages;
}

describe('record sanity: what no capture can give is refused, whichever parser read it', () => {
  it('accepts real records, an "other" record naming MAC addresses, and absent counters', () => {
    expect(refusal({})).to.deep.equal(['accepted', 'accepted']);
    expect(refusal({ protocol: 'other', origAddr: '00:11:22:33:44:55', respAddr: 'ff:ff:ff:ff:ff:ff', origPort: 0, respPort: 0 })).to.deep.equal(['accepted', 'accepted']);
    const { origPkts: _o, respPkts: _r, ...noCounts } = GOOD;
    expect(() => checkRecords([noCounts])).to.not.throw();
  });

  const cases: [string, Partial<FlowRecord>, string][] = [
    ['a record that ends before it starts', { lastUs: GOOD.firstUs - 1_000_000 }, 'x.log:8:1: found a record that ends (1699999999000000 us) before it starts (1700000000000000 us)'],
    ['a negative duration', { durationUs: -5 }, 'found a record of duration -5 us'],
    ['a time past 2^53 us', { lastUs: 1e20, durationUs: 1e20 }, 'found a record whose last time is 100000000000000000000 us; expected a time in microseconds'],
    ['a count past 2^53', { origPkts: 1e23 }, 'found a record with origPkts 1e+23; expected a whole count'],
    ['a negative count', { respBytes: -1 }, 'found a record with respBytes -1'],
    ['an address that is none', { origAddr: '192.0.2.010' }, 'found a tcp record whose origAddr is "192.0.2.010"; expected an IPv4 or IPv6 address'],
    ['a port out of range', { respPort: 70000 }, 'found a tcp record whose respPort is 70000; expected a port from 0 to 65535'],
  ];
  for (const [name, change, message] of cases) {
    it(`refuses ${name}, naming the record's file and line`, () => {
      const [asArray, asTable] = refusal(change);
      expect(asArray).to.include(message);
      expect(asTable).to.equal(asArray);
    });
  }

  it('harness score refuses such a record in exit 2 (an nDPI row ending before it starts was scored as a negative coverage)', async function () {
    this.timeout(120_000);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'record-sanity-'));
    const gen = await harness(['generate', path.join(REPO, 'scenarios/burst-20min.yaml'), '--out', dir]);
    expect(gen.exitCode, gen.stderr).to.equal(0);
    const log = path.join(dir, 'ndpi.csv');
    await writeFile(log, '#flow_id,protocol,first_seen,last_seen,src_ip,src_port,dst_ip,dst_port,c_to_s_pkts,c_to_s_bytes,s_to_c_pkts,s_to_c_bytes\n' +
      '0,6,1700000000.000,1699999999.000,192.0.2.10,40000,198.51.100.20,443,118,12176,59,14790\n');
    const result = await harness(['score', '--truth', path.join(dir, 'burst-20min.truth.json'), '--monitor', 'ndpi', '--log', log]);
    expect(result.exitCode, result.stderr).to.equal(2);
    expect(result.stderr.trim()).to.equal(`harness: ${log}:2:1: found a record that ends (1699999999000000 us) before it starts (1700000000000000 us); expected its last packet at or after its first`);
  });
});

/** checkRecords on `records` as an array and as a FlowRecordTable: 'accepted' or the message, for each. */
function verdicts(records: FlowRecord[]): string[] {
  const table = new FlowRecordTable();
  for (const r of records) table.push(r);
  return [records, table].map((list) => {
    try {
      checkRecords(list);
      return 'accepted';
    } catch (e) {
      expect(e).to.be.instanceOf(InputError);
      return (e as Error).message;
    }
  });
}

const S = 1_000_000;
/** A record of GOOD's connection from `from` to `to` seconds after its start, at `line`. */
const span = (from: number, to: number, line: number, change: Partial<FlowRecord> = {}): FlowRecord => ({
  ...GOOD, firstUs: GOOD.firstUs + from * S, lastUs: GOOD.firstUs + to * S, durationUs: (to - from) * S, sourceLine: line, ...change,
});
const flipped: Partial<FlowRecord> = { origAddr: GOOD.respAddr, origPort: GOOD.respPort, respAddr: GOOD.origAddr, respPort: GOOD.origPort };

describe('record sanity: two records of one flow state that overlap (two sensors\' logs concatenated, a record repeated)', () => {
  it('refuses a connection reported twice over the same time, at the later line, naming the earlier one', () => {
    const [asArray, asTable] = verdicts([span(0, 600, 9), span(0, 0.002, 10, { origPort: 40001 }), span(1, 599, 21)]);
    expect(asArray).to.equal(
      'x.log:21:1: found a record (tcp 192.0.2.10:40000 - 198.51.100.20:443 from 1700000001.000000 to 1700000599.000000) that overlaps ' +
        'the record of the same connection on line 9 (tcp 192.0.2.10:40000 - 198.51.100.20:443 from 1700000000.000000 to 1700000600.000000); ' +
        "expected one record at a time per connection, as one sensor keeps one state per connection: are these two sensors' logs concatenated, or a record repeated?",
    );
    expect(asTable).to.equal(asArray);
  });

  it('refuses it whichever way each record names the connection, and in whatever order the log lists them', () => {
    const [asArray, asTable] = verdicts([span(700, 900, 3), span(650, 660, 4, flipped), span(100, 655, 5)]);
    expect(asArray).to.match(/^x\.log:5:1: found a record \(tcp 192\.0\.2\.10:40000 - 198\.51\.100\.20:443 from 1700000100\.000000 .* on line 4 \(tcp 198\.51\.100\.20:443 - 192\.0\.2\.10:40000 from 1700000650\.000000/);
    // A record inside an earlier, longer one.
    expect(verdicts([span(500, 510, 1), span(0, 1000, 2), span(2000, 2001, 3)])[0]).to.match(/^x\.log:2:1: .* from 1700000000\.000000 to 1700001000\.000000\) that overlaps .* on line 1 /);
    expect(asTable).to.equal(asArray);
  });

  it('refuses a zero-length record repeated (it overlaps by nothing, but no state begins twice at one instant)', () => {
    const udp: Partial<FlowRecord> = { protocol: 'udp', origPort: 50001, respPort: 50001 };
    const [asArray, asTable] = verdicts([span(5, 5, 9, udp), span(5, 5, 21, udp)]);
    expect(asArray).to.match(/^x\.log:21:1: found a record \(udp 192\.0\.2\.10:50001 - 198\.51\.100\.20:50001 .* on line 9 /);
    expect(asTable).to.equal(asArray);
  });

  it('accepts what one sensor writes: states one after another (touching, or by less than a millisecond of rounding), in any order', () => {
    expect(verdicts([span(0, 10, 1), span(10, 20, 2), span(19.9995, 30, 3), span(40, 50, 4, flipped), span(35, 36, 5)])).to.deep.equal(['accepted', 'accepted']);
    expect(verdicts([span(0, 10, 1), span(9.998, 30, 2)])[0]).to.match(/^x\.log:2:1: found a record/);
  });

  it('finds the overlap in connections of 3 to 200 records listed out of order (the group sorted in place)', () => {
    for (const count of [3, 31, 32, 33, 200]) {
      // Back to back, listed in a shuffled order: one sensor's states of one long connection.
      const order = Array.from({ length: count }, (_, k) => (k * 7919) % count);
      const spans = order.map((k, line) => span(k * 10, k * 10 + 10, line + 1));
      expect(verdicts(spans), `${count} records`).to.deep.equal(['accepted', 'accepted']);
      // One more, inside the middle state: refused at its line, naming the state it overlaps.
      const middle = Math.floor(count / 2);
      const inside = span(middle * 10 + 2, middle * 10 + 3, count + 1);
      const [asArray] = verdicts([...spans, inside]);
      expect(asArray, `${count} records`).to.match(new RegExp(`^x\\.log:${count + 1}:1: found a record .* that overlaps .* on line ${order.indexOf(middle) + 1} `));
    }
  });

  it('accepts overlaps that are no second state: one tuple on two VLANs, ICMP, argus start and status records, NetFlow directions', () => {
    expect(verdicts([span(0, 600, 1, { vlan: 10 }), span(0, 600, 2, { vlan: 20 })])).to.deep.equal(['accepted', 'accepted']);
    const icmp: Partial<FlowRecord> = { protocol: 'icmp', origPort: 8, respPort: 0 };
    expect(verdicts([span(0, 600, 1, icmp), span(0.5, 600, 2, icmp)])).to.deep.equal(['accepted', 'accepted']);
    expect(verdicts([span(0, 600, 1, { recordKind: 'start' }), span(0.5, 600, 2, { recordKind: 'status' })])).to.deep.equal(['accepted', 'accepted']);
    expect(verdicts([span(0, 600, 1, { direction: 'uni' }), span(0.01, 600, 2, { ...flipped, direction: 'uni' })])).to.deep.equal(['accepted', 'accepted']);
    // A joining view (racluster) writes one record per directed tuple, spanning the other direction's.
    expect(() => checkRecords([span(0, 1200, 1), span(600, 601, 2, flipped)], { joinedView: true })).to.not.throw();
    // The other protocol, or another port: another connection.
    expect(verdicts([span(0, 600, 1), span(0, 600, 2, { protocol: 'udp' }), span(0, 600, 3, { respPort: 444 })])).to.deep.equal(['accepted', 'accepted']);
  });

  it('refuses a record repeated where overlaps are not checked: ICMP of more than one exchange, argus start and status records', () => {
    const icmp: Partial<FlowRecord> = { protocol: 'icmp', origPort: 8, respPort: 0 };
    const [asArray, asTable] = verdicts([span(0, 40, 13, icmp), span(0, 0.043, 14), span(0, 40, 15, icmp)]);
    expect(asArray).to.equal(
      'x.log:15:1: found a record (icmp 192.0.2.10:8 - 198.51.100.20:0 from 1700000000.000000 to 1700000040.000000) that repeats the record on line 13: ' +
        'the same connection, first and last packet and counts; expected each flow state written once, as no sensor writes one state twice at the same ' +
        "instant: are these two sensors' logs concatenated, or a record repeated?",
    );
    expect(asTable).to.equal(asArray);
    // Named the other way round, its counts too.
    const reversed: Partial<FlowRecord> = { ...icmp, origAddr: GOOD.respAddr, origPort: 0, respAddr: GOOD.origAddr, respPort: 8, origPkts: GOOD.respPkts, respPkts: GOOD.origPkts };
    expect(verdicts([span(0, 40, 2, icmp), span(0, 40, 3, reversed)])[0]).to.match(/^x\.log:3:1: found a record \(icmp 198\.51\.100\.20:0 - 192\.0\.2\.10:8 .* repeats the record on line 2:/);
    // argus's pieces of one flow: any two of one span, whatever their counts.
    const [start, status] = verdicts([span(0, 60, 1, { recordKind: 'start' }), span(60, 120, 2, { recordKind: 'status' }), span(0, 60, 3, { recordKind: 'status', origPkts: 1 })]);
    expect(start).to.match(/^x\.log:3:1: found a record \(tcp 192\.0\.2\.10:40000 - 198\.51\.100\.20:443 from 1700000000\.000000 to 1700000060\.000000\) that repeats the record on line 1:/);
    expect(status).to.equal(start);
  });

  it('accepts ICMP records alike that can be real: one exchange each (back-to-back echoes), other counts, or counts not given', () => {
    const icmp: Partial<FlowRecord> = { protocol: 'icmp', origPort: 0x1234, respPort: 0x1234, origPkts: 1, respPkts: 1 };
    // argus keys an echo on its sequence number: two echoes sent back to back tie at both ends, a record each.
    expect(verdicts([span(0, 0.0002, 1, icmp), span(0, 0.0002, 2, icmp), span(0, 0.0002, 3, { ...icmp, recordKind: 'start' })])).to.deep.equal(['accepted', 'accepted']);
    expect(verdicts([span(0, 40, 1, { ...icmp, origPkts: 3, respPkts: 3 }), span(0, 40, 2, { ...icmp, origPkts: 3, respPkts: 2 })])).to.deep.equal(['accepted', 'accepted']);
    const uncounted: Partial<FlowRecord> = { protocol: 'icmp', origPkts: undefined, respPkts: undefined };
    expect(verdicts([span(0, 40, 1, uncounted), span(0, 40, 2, uncounted)])).to.deep.equal(['accepted', 'accepted']);
    // A unidirectional record's direction is its own: the reply direction alike is no repeat.
    const uni: Partial<FlowRecord> = { protocol: 'icmp', direction: 'uni', origPort: 0, respPort: 2048, origPkts: 3, respPkts: 0 };
    expect(verdicts([span(0, 40, 1, uni), span(0, 40, 2, { ...uni, ...flipped, origPort: 0, respPort: 2048 })])).to.deep.equal(['accepted', 'accepted']);
    expect(verdicts([span(0, 40, 1, uni), span(0, 40, 2, uni)])[0]).to.match(/^x\.log:2:1: .* repeats the record on line 1:/);
  });

  it('accepts ICMP records alike of two conversations the truth holds between one host pair (their identifiers not shown)', () => {
    const icmp: Partial<FlowRecord> = { protocol: 'icmp', origPort: 8, respPort: 0 };
    const records = [span(0, 40, 1, icmp), span(0, 40, 2, icmp)];
    const ping = (id: number, vlan?: number) => ({ protocol: 'icmp' as const, client: { addr: GOOD.origAddr, port: id }, server: { addr: GOOD.respAddr, port: id }, ...(vlan === undefined ? {} : { vlan }) });
    const twoPings = indistinctInTruth([ping(0x1234), ping(0x4321)]);
    expect(() => checkRecords(records, { mayOverlap: twoPings as (r: FlowRecord) => boolean })).to.not.throw();
    // One ping, or two on other VLANs than the records show: a repeat.
    expect(indistinctInTruth([ping(0x1234)])).to.equal(undefined);
    const apart = indistinctInTruth([ping(0x1234, 10), ping(0x4321, 20)]) as (r: FlowRecord) => boolean;
    expect(() => checkRecords([span(0, 40, 1, { ...icmp, vlan: 10 }), span(0, 40, 2, { ...icmp, vlan: 10 })], { mayOverlap: apart })).to.throw(/repeats the record on line 1/);
    // ...but a record without a VLAN may be either.
    expect(() => checkRecords(records, { mayOverlap: apart })).to.not.throw();
  });

  it('checks ICMP for overlap when the tool\'s records show its whole ICMP key (Zeek: type and counterpart type)', () => {
    const icmp: Partial<FlowRecord> = { protocol: 'icmp', origPort: 8, respPort: 0 };
    const records = [span(0, 40, 13, icmp), span(20, 40, 15, { ...icmp, origPkts: 2, respPkts: 2 })];
    expect(() => checkRecords(records)).to.not.throw();
    expect(() => checkRecords(records, { icmpKeyShown: true })).to.throw(InputError, /^x\.log:15:1: found a record \(icmp 192\.0\.2\.10:8 - 198\.51\.100\.20:0 from 1700000020\.000000 to 1700000040\.000000\) that overlaps the record of the same connection on line 13 /);
    // One after another, or another type: accepted.
    expect(() => checkRecords([span(0, 40, 1, icmp), span(100, 140, 2, icmp), span(10, 20, 3, { ...icmp, origPort: 3, respPort: 3 })], { icmpKeyShown: true })).to.not.throw();
  });

  it('refuses two records of one direction of a tuple in a joining view (racluster\'s output doubled, a line repeated)', () => {
    expect(() => checkRecords([span(0, 1200, 1), span(600, 601, 2, flipped), span(0, 1200, 3)], { joinedView: true })).to.throw(
      InputError,
      /^x\.log:3:1: found a record \(tcp 192\.0\.2\.10:40000 - 198\.51\.100\.20:443 from 1700000000\.000000 to 1700001200\.000000\) that overlaps the record of the same connection and direction on line 1 .*; expected one record per connection and direction, as the joining view writes each directed tuple's flows as one: is this view concatenated with itself, or a line repeated\?$/,
    );
  });

  it('refuses two records of one direction of a tuple that overlap (a NetFlow log joined to itself), not its two directions', () => {
    const uni: Partial<FlowRecord> = { direction: 'uni' };
    const [asArray, asTable] = verdicts([span(0, 600, 1, uni), span(0.01, 600, 2, { ...flipped, ...uni }), span(0, 600, 3, uni)]);
    expect(asArray).to.match(/^x\.log:3:1: found a record \(tcp 192\.0\.2\.10:40000 - 198\.51\.100\.20:443 from 1700000000\.000000 .* on line 1 /);
    expect(asTable).to.equal(asArray);
    expect(verdicts([span(0, 10, 1, uni), span(10, 20, 2, uni), span(5, 15, 3, { ...flipped, ...uni })])).to.deep.equal(['accepted', 'accepted']);
  });

  it('finds the one overlapping pair among many connections, past the first growth of its tables', () => {
    const many = Array.from({ length: 5000 }, (_, i) => span(i, i + 0.5, i + 1, { origAddr: `10.0.${i >> 8}.${i & 255}`, origPort: 1024 + (i % 3) }));
    expect(verdicts(many)).to.deep.equal(['accepted', 'accepted']);
    many.push(span(4321.25, 4321.75, 5001, { origAddr: '10.0.16.225', origPort: 1024 + (4321 % 3) }));
    const [asArray, asTable] = verdicts(many);
    expect(asArray).to.match(/^x\.log:5001:1: found a record \(tcp 10\.0\.16\.225:1025 - .* on line 4322 /);
    expect(asTable).to.equal(asArray);
  });
});
