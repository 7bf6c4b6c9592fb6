import { expect } from 'chai';
import { runAdapterForTest } from '../../../test/support/run-adapter.js';
import { InputError } from '../../core/input-error.js';
import { parseTimeoutSetting } from '../../core/timeout-setting.js';
import { GAPS_600S_YAML, generateScenario } from '../../netflow/netflow-test-support.js';
import ndpi from './index.js';
import { parseNdpiCsv } from './parser.js';
import { checkRecords } from '../../core/record-sanity.js';
import { decimalSecondsToMicros as decimalSecondsToUs } from '../../core/time-text.js';
import path from 'node:path';
import { harness, REAL_FIXTURES, REPO } from '../../../test/support/cli.js';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import type { ConnectionScore } from '../../core/score.js';

const HEADER = '#flow_id,protocol,first_seen,last_seen,duration,src_ip,src_port,dst_ip,dst_port,ndpi_proto_num,ndpi_proto,server_name_sni,c_to_s_pkts,c_to_s_bytes,c_to_s_goodput_bytes,s_to_c_pkts,s_to_c_bytes,s_to_c_goodput_bytes';

describe('ndpi adapter', function () {
  this.timeout(300_000);

  it('supports only the default setting', () => {
    expect(ndpi.translate(parseTimeoutSetting('default')).supported).to.equal(true);
    const t = ndpi.translate(parseTimeoutSetting('1h'));
    expect(!t.supported && t.reason).to.match(/compiled in/);
  });

  it('parses the CSV exactly, and names line and column of what it cannot read', () => {
    const text = `${HEADER}\n0,6,1700000000.001,1700007501.502,7501.501,2001:DB8:0::10,40000,2001:db8::20,443,91,TLS,,16,1848,600,8,1824,1200\n`;
    const [r] = parseNdpiCsv(text, 'f.csv');
    expect(r).to.deep.include({ protocol: 'tcp', origAddr: '2001:db8::10', origPort: 40000, respPort: 443, firstUs: 1700000000001000, lastUs: 1700007501502000, durationUs: 7501501000, origPkts: 16, respBytes: 1824, direction: 'bi', bytesKind: 'ethernet' });
    expect([r?.sourceFile, r?.sourceLine]).to.deep.equal(['f.csv', 2]);
    expect(decimalSecondsToUs('1700000000.5')).to.equal(1700000000500000);
    expect(() => parseNdpiCsv('#separator \\x09\n#fields\tts\n', 'conn.log')).to.throw(InputError, /^conn\.log:1:1: found "#separator/);
    const bad = `${HEADER}\n0,6,1700000000.000,17000x,1,192.0.2.1,1,192.0.2.2,2,0,Unknown,,1,1,0,1,1,0\n`;
    expect(() => parseNdpiCsv(bad, 'f.csv')).to.throw(InputError, /^f\.csv:2:20: found last_seen "17000x"/);
  });

  it('reads every row against the header: a row short of it is refused, a host name holding commas is read past', () => {
    const header = `${HEADER},data_ratio,str_data_ratio,flow_info`;
    const row = (sni: string, info = ''): string => `0,6,1700000000.001,1700000010.002,10.001,192.0.2.10,40000,198.51.100.20,80,7,HTTP,${sni},16,1848,600,8,1824,1200,0.006,Mixed,${info}`;
    const counts = (text: string): unknown => {
      const [r] = parseNdpiCsv(text, 'f.csv');
      return [r?.origPkts, r?.origBytes, r?.respPkts, r?.respBytes];
    };
    expect(counts(`${header}\n${row('example.org')}\n`)).to.deep.equal([16, 1848, 8, 1824]);
    // An HTTP Host header with commas (nDPI prints it as sent), and a flow_info with commas after the counts.
    expect(counts(`${header}\n${row('a,1,2')}\n`)).to.deep.equal([16, 1848, 8, 1824]);
    expect(counts(`${header}\n${row('', 'x,y')}\n`)).to.deep.equal([16, 1848, 8, 1824]);
    // A field lost before the counts read c_to_s_bytes as the packets (1848 of 16) at exit 0.
    const lost = row('').replace(',HTTP,,', ',HTTP,');
    expect(() => parseNdpiCsv(`${header}\n${lost}\n`, 'f.csv')).to.throw(InputError, /^f\.csv:2:\d+: found 20 fields; expected 21 comma-separated fields, as many as the header on line 1 names/);
    expect(() => parseNdpiCsv(`${header}\n${row('').split(',').slice(0, 19).join(',')}\n`, 'f.csv')).to.throw(InputError, /found 19 fields; expected 21/);
    // A surplus no host name explains: the direction word is nowhere it could be.
    const extra = row('').replace(',0.006,Mixed,', ',7,0.006,Upward,');
    expect(() => parseNdpiCsv(`${header}\n${extra}\n`, 'f.csv')).to.throw(InputError, /^f\.csv:2:\d+: found 22 fields, 1 more than the header names, and no single place for the columns after server_name_sni/);
  });

  it('refuses a flow_id seen twice (a CSV holding its rows twice was scored "fragmented (2)", coverage 200%)', () => {
    const row = '0,6,1700000000.001,1700007501.502,7501.501,192.0.2.10,40000,198.51.100.20,443,91,TLS,,16,1848,600,8,1824,1200';
    expect(() => parseNdpiCsv(`${HEADER}\n${row}\n${row.replace(/^0,/, '1,')}\n`, 'f.csv')).to.not.throw();
    expect(() => parseNdpiCsv(`${HEADER}\n${row}\n${row}\n`, 'f.csv')).to.throw(InputError, /^f\.csv:3:1: found flow_id 0 again: it is the flow of line 2 too/);
  });

  it('reports each connection as one flow on real ndpiReader, however long its silences', async function () {
    const gaps = await generateScenario(GAPS_600S_YAML, 'gaps-600s');
    const result = await runAdapterForTest(ndpi, gaps.pcapPath, 'default');
    if ('missing' in result) this.skip();
    if (!('outcome' in result)) return;
    if (!result.outcome.ok) throw new Error(result.outcome.reason);
    const records = Array.from(result.outcome.views.default ?? []);
    for (const id of ['t', 'u']) {
      const conn = gaps.truth.connections.find((c) => c.id === id);
      const mine = records.filter((r) => r.origPort === conn?.client.port || r.respPort === conn?.client.port);
      expect(mine, id).to.have.length(1);
      expect((mine[0]?.origPkts ?? 0) + (mine[0]?.respPkts ?? 0)).to.equal((conn?.clientPkts ?? 0) + (conn?.serverPkts ?? 0));
      // 1200 s of silence inside one flow: first and last packet times to the millisecond.
      expect(mine[0]?.durationUs).to.equal(Math.floor((conn?.lastUs ?? 0) / 1000) * 1000 - Math.floor((conn?.firstUs ?? 0) / 1000) * 1000);
    }
  });

  it('lists classified flows too (ICMP and TLS in the icmp-ipv6-vlan fixture), which -v 1 would drop', async function () {
    const result = await runAdapterForTest(ndpi, path.join(REAL_FIXTURES, 'zeek/icmp-ipv6-vlan/capture.pcap'), 'default');
    if ('missing' in result) this.skip();
    if (!('outcome' in result)) return;
    if (!result.outcome.ok) throw new Error(result.outcome.reason);
    const records = Array.from(result.outcome.views.default ?? []);
    expect(records.map((r) => r.protocol).sort()).to.deep.equal(['icmp', 'tcp']);
    const icmp = records.find((r) => r.protocol === 'icmp');
    expect(icmp?.durationUs).to.equal(7200005000);
    expect(icmp?.origPkts).to.equal(13);
  });
});

describe("ndpi: ICMP records show nDPI's whole ICMP key (icmpKeyShown)", function () {
  this.timeout(300_000);
  const row = (id: number, first: string, last: string, pkts: number): string =>
    `${id},1,${first},${last},0,192.0.2.43,0,198.51.100.42,0,81,ICMP,,${pkts},${98 * pkts},0,${pkts},${98 * pkts},0`;

  it('a second record over part of a ping is refused as an overlap; records one after the other are read', () => {
    expect(ndpi.icmpKeyShown).to.equal(true);
    const partial = parseNdpiCsv(`${HEADER}\n${row(1, '1700000007.000', '1700000047.020', 3)}\n${row(2, '1700000027.000', '1700000047.020', 2)}\n`, 'flows.csv');
    expect(() => checkRecords(partial, { icmpKeyShown: ndpi.icmpKeyShown === true })).to.throw(InputError, /^flows\.csv:3:1: found a record \(icmp 192\.0\.2\.43:0 - 198\.51\.100\.42:0 from 1700000027\.000000 to 1700000047\.020000\) that overlaps the record of the same connection on line 2 /);
    const after = parseNdpiCsv(`${HEADER}\n${row(1, '1700000007.000', '1700000047.020', 3)}\n${row(2, '1700000100.000', '1700000120.020', 2)}\n`, 'flows.csv');
    expect(checkRecords(after, { icmpKeyShown: true })).to.equal(undefined);
  });

  it('real ndpiReader on the icmp-beacon and icmp-ipv6-vlan captures: its ICMP records pass the overlap check', async function () {
    let icmp = 0;
    for (const pcap of ['scenarios/icmp-beacon/capture.pcap', 'zeek/icmp-ipv6-vlan/capture.pcap']) {
      const result = await runAdapterForTest(ndpi, path.join(REAL_FIXTURES, pcap), 'default');
      if ('missing' in result) this.skip();
      if (!('outcome' in result)) return;
      if (!result.outcome.ok) throw new Error(result.outcome.reason);
      const records = Array.from(result.outcome.views.default ?? []);
      icmp += records.filter((r) => r.protocol === 'icmp').length;
      expect(() => checkRecords(records, { icmpKeyShown: true }), pcap).not.to.throw();
    }
    expect(icmp).to.be.at.least(3);
  });
});

describe('ndpi on a QinQ capture (one 5-tuple under two inner tags of one outer tag)', function () {
  this.timeout(300_000);

  it('its two records of the tuple are read (it keeps the tags apart without printing them) and its frame bytes count both tags', async function () {
    // Refused before as "two sensors' logs concatenated?" (the truth's tuple was on one outer VLAN); and each
    // frame's expected bytes counted one 4-byte tag of its two.
    const out = await mkdtemp(path.join(os.tmpdir(), 'ndpi-qinq-'));
    try {
      const run = await harness(['run', path.join(REPO, 'test/fixtures/captures/dbl8100-two-inner.pcap'), '--monitors', 'ndpi', '--timeouts', 'default', '--out', out]);
      if (/ndpi.*missing|not installed/i.test(run.stdout + run.stderr)) this.skip();
      expect(run.exitCode, run.stderr).to.equal(0);
      const scores = (await readFile(path.join(out, 'dbl8100-two-inner/ndpi/default/scores.default.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as ConnectionScore);
      const tcp = scores.filter((sc) => sc.connectionId.startsWith('tcp-'));
      expect(tcp.map((sc) => sc.connectionId).sort()).to.deep.equal(['tcp-10.0.0.1:40000-10.0.0.2:80-vlan200.100', 'tcp-10.0.0.1:40000-10.0.0.2:80-vlan200.101']);
      expect(scores).to.have.length.at.least(4);
      for (const sc of scores) {
        expect(sc.fragments, sc.connectionId).to.equal(1);
        expect(sc.bytes.bytesKind, sc.connectionId).to.equal('ethernet');
        expect(sc.bytes.ok, `${sc.connectionId}: ${JSON.stringify(sc.bytes)}`).to.equal(true);
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

describe('ndpi: takes no config file', () => {
  it('a suite that names one for it is refused at the file, not run as if it had been used', () => {
    expect(() => ndpi.checkConfig?.('x.conf', 'anything\n')).to.throw(InputError, /^x\.conf:1:1: found a config file for ndpiReader; expected no config: /);
  });
});
