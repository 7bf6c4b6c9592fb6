import { expect } from 'chai';
import { writeFile, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FlowRecord } from '../../harness/core/flow-record.js';
import { FlowRecordTable } from '../../harness/core/flow-record-table.js';
import { InputError } from '../../harness/core/input-error.js';
import { checkRecords } from '../../harness/core/record-sanity.js';
import { harness, REPO } from '../support/cli.js';

const GOOD: FlowRecord = {
  protocol: 'tcp', origAddr: '192.0.2.10', origPort: 40000, respAddr: '198.51.100.20', respPort: 443,
  firstUs: 1_700_000_000_000_000, lastUs: 1_700_000_000_043_000, durationUs: 43_000, origPkts: 4, respPkts: 2,
  bytesKind: 'ip', direction: 'bi', sourceFile: 'x.log', sourceLine: 7,
};

/** The message checkRecords gives for `change` applied to a good record, as an array and as a FlowRecordTable. */
function refusal(change: Partial<FlowRecord>): string[] {
  const messages: string[] = [];
  const record = { ...GOOD, ...change };
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
