import { expect } from 'chai';
import { execa } from 'execa';
import path from 'node:path';
import type { FlowRecord } from '../../core/flow-record.js';
import { InputError } from '../../core/input-error.js';
import { parseTimeoutSetting } from '../../core/timeout-setting.js';
import { runAdapterForTest } from '../../../test/support/run-adapter.js';
import tcptrace from './index.js';
import { CSV_FILE } from './adapter.js';
import { parseTcptraceCsv, tcptraceTimeToMicros } from './parser.js';
import { REAL_FIXTURES } from '../../../test/support/cli.js';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import { generate } from '../../../generators/generate.js';
import { parseScenario } from '../../scenario/load-scenario.js';
import { compareCell, DEFAULT_COMPARE_OPTIONS } from '../../comparator/compare-cell.js';
import { recommend } from '../../comparator/recommend.js';
import { monitorModel } from '../../pipeline/monitor-model.js';
import type { ConnectionScore } from '../../core/score.js';

const FIXTURES = path.join(REAL_FIXTURES, 'zeek');
const pcap = (name: string): string => path.join(FIXTURES, name, 'capture.pcap');

async function run(fixture: string, setting: string, context: Mocha.Context): Promise<FlowRecord[]> {
  const result = await runAdapterForTest(tcptrace, pcap(fixture), setting);
  if ('missing' in result) {
    if (context.test) context.test.title += ` (skipped: ${result.missing})`;
    context.skip();
  }
  if (!result.outcome.ok) throw new Error(result.outcome.reason);
  return Array.from(result.outcome.views.default ?? []);
}

describe('tcptrace on real captures', () => {
  // longconn-42: 42 exchanges, 1664.3 s of silence between them (README). Every silence exceeds the default
  // endpoint_reuse_interval of 240 s, so each exchange is its own connection: 42 records. At 3600 s none does.
  it('longconn-42 at default (240 s): 42 records, the first 1.02 s with the handshake, then 41 of 0.02 s', async function () {
    const records = await run('longconn-42', 'default', this);
    expect(records).to.have.length(42);
    expect(records[0]).to.include({ firstUs: 1_700_000_000_000_000, lastUs: 1_700_000_001_020_000, origPkts: 4, respPkts: 2 });
    expect(records.slice(1).every((r) => r.durationUs === 20_000 && r.origPkts === 2 && r.respPkts === 1)).to.equal(true);
    expect(records.reduce((n, r) => n + (r.origPkts ?? 0) + (r.respPkts ?? 0), 0)).to.equal(129);
  });

  it('longconn-42 at 1h: one record of 68237.32 s, 129 packets, 4200/8400 payload bytes', async function () {
    const records = await run('longconn-42', '1h', this);
    expect(records).to.have.length(1);
    expect(records[0]).to.include({
      origAddr: '192.0.2.10', origPort: 40000, respAddr: '198.51.100.20', respPort: 9000,
      firstUs: 1_700_000_000_000_000, durationUs: 68_237_320_000, origPkts: 86, respPkts: 43,
      origBytes: 4200, respBytes: 8400, bytesKind: 'payload',
    });
    expect([records[0]?.sourceFile, records[0]?.sourceLine]).to.deep.equal([CSV_FILE, 11]);
  });

  // quiet-fin-6x1500: the silences run from x.020 (last ACK of an exchange) to the next request 1499.98 s later.
  it('quiet-fin-6x1500: 1499 s splits it into 6, 1501 s keeps it whole and closed by FIN', async function () {
    const split = await run('quiet-fin-6x1500', 'tcp=1499s', this);
    expect(split).to.have.length(6);
    const whole = await run('quiet-fin-6x1500', 'tcp=1501s', this);
    expect(whole).to.have.length(1);
    expect(whole[0]).to.include({ durationUs: 7_502_512_000, endReason: 'end-of-flow' });
  });

  it('times match the packet times tshark reads (the unpadded microseconds are read right)', async function () {
    const records = await run('quiet-fin-6x1500', 'default', this);
    const tshark = await execa('tshark', ['-n', '-r', pcap('quiet-fin-6x1500'), '-Y', 'tcp', '-T', 'fields', '-e', 'frame.time_epoch'], { reject: false });
    if (tshark.exitCode !== 0) throw new Error(`tshark failed: ${tshark.stderr}`);
    const packetUs = new Set(tshark.stdout.trim().split('\n').map((t) => {
      const [s, f = ''] = t.split('.');
      return Number(s) * 1e6 + Number(f.slice(0, 6).padEnd(6, '0'));
    }));
    expect(records).to.have.length(6);
    for (const r of records) {
      expect(packetUs.has(r.firstUs), `first ${r.firstUs}`).to.equal(true);
      expect(packetUs.has(r.lastUs), `last ${r.lastUs}`).to.equal(true);
    }
    // The first exchange ends with the ACK at 1700000001.020000, printed by tcptrace as 1700000001.20000.
    expect(records[0]?.lastUs).to.equal(1_700_000_001_020_000);
  });

  it('IPv6 in VLAN: tcptrace prints 2001:0db8::0010, the record says 2001:db8::10', async function () {
    const records = await run('icmp-ipv6-vlan', '1h', this);
    expect(records).to.have.length(1);
    expect(records[0]).to.include({ origAddr: '2001:db8::10', respAddr: '2001:db8::20', durationUs: 7_501_502_000 });
  });
});

/** A TCP session and a UDP beacon, both quiet for 10 minutes at a time. */
const TCP_AND_UDP = [
  'name: tcptrace-tcp-and-udp',
  'description: tcptrace adapter test, a TCP session beside a UDP beacon it does not analyse',
  'seed: 5',
  'connections:',
  '  - id: session',
  '    protocol: tcp',
  '    client: 192.0.2.40:41000',
  '    server: 203.0.113.9:443',
  '    activity:',
  '      pattern: { bursts: 4, gap: 10m, request: 100, response: 200 }',
  '  - id: beacon',
  '    protocol: udp',
  '    client: 192.0.2.41:41001',
  '    server: 203.0.113.9:53',
  '    activity:',
  '      pattern: { bursts: 4, gap: 10m, request: 48, response: 64 }',
  '',
].join('\n');

describe('tcptrace reports TCP only: its UDP connections are predicted no record, and no timeout is advised for them', () => {
  it('real tcptrace at 1h: the TCP session whole, the UDP beacon missed as the model predicts; the advice is another monitor', async function () {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-tcptrace-udp-'));
    const generated = await generate(parseScenario(TCP_AND_UDP, path.join(dir, 'scenario.yaml')), dir);
    const result = await runAdapterForTest(tcptrace, generated.pcapPath, '1h');
    if ('missing' in result) {
      if (this.test) this.test.title += ` (skipped: ${result.missing})`;
      this.skip();
    }
    if (!result.outcome.ok) throw new Error(result.outcome.reason);
    const model = monitorModel(tcptrace, parseTimeoutSetting('1h'), true);
    const scores = compareCell(generated.truth, result.outcome.views.default ?? [], model, DEFAULT_COMPARE_OPTIONS).scores;
    const scoreOf = (id: string): ConnectionScore => scores.find((s) => s.connectionId === id) as ConnectionScore;
    expect(scoreOf('session')).to.include({ fragments: 1, verdict: 'accurate', modelAgreement: 'as-predicted' });
    // Still missed (a team relying on tcptrace does not see it), but as the model says, not as a timer's failure.
    expect(scoreOf('beacon')).to.include({ fragments: 0, verdict: 'missed', predictedFragments: 0, modelAgreement: 'as-predicted' });
    expect(scoreOf('beacon').timerRules).to.deep.equal(['reports TCP only']);
    expect(scoreOf('beacon').likelyReason).to.equal(undefined);

    const advice = recommend({
      truth: generated.truth, monitor: 'tcptrace', view: 'default', granularityS: 0, knobNames: { tcp: 'endpoint_reuse_interval' },
      protocols: tcptrace.protocols, sweep: [{ label: '1h', wholeByProtocol: { tcp: true, udp: false }, idleS: { tcp: 3600, udp: 3600 } }],
    });
    const udp = advice.find((r) => r.protocol === 'udp');
    expect(udp?.limitation).to.equal('tcptrace reports TCP connections only: no setting makes it report these UDP connections; watch UDP with another monitor');
    expect(udp?.firstSufficientSetting).to.equal(undefined);
    expect(advice.find((r) => r.protocol === 'tcp')).to.include({ firstSufficientSetting: '1h', advice: 'endpoint_reuse_interval = 10m' });
  });
});

describe('tcptrace translate and parse errors', () => {
  it('default is 240 s; a single duration applies to TCP and notes udp/icmp as not applicable', () => {
    expect(tcptrace.translate(parseTimeoutSetting('default'))).to.deep.include({ supported: true, values: { endpoint_reuse_interval: 240 } });
    const t = tcptrace.translate(parseTimeoutSetting('5m'));
    if (!t.supported) throw new Error(t.reason);
    expect(t.values).to.deep.equal({ endpoint_reuse_interval: 300 });
    expect(t.notes).to.include.members(['udp timeout not applicable', 'icmp timeout not applicable']);
  });

  it('udp alone, an active timeout, or a fraction of a second: unsupported', () => {
    expect(tcptrace.translate(parseTimeoutSetting('udp=5m')).supported).to.equal(false);
    expect(tcptrace.translate(parseTimeoutSetting('tcp=1h,active=30m')).supported).to.equal(false);
    expect(tcptrace.translate(parseTimeoutSetting('tcp=1500.5s')).supported).to.equal(false);
  });

  it('reads the microseconds as a count, not a fraction', () => {
    expect(tcptraceTimeToMicros('1700000001.20000')).to.equal(1_700_000_001_020_000);
    expect(tcptraceTimeToMicros('1700000000.0')).to.equal(1_700_000_000_000_000);
    expect(tcptraceTimeToMicros('1700068237.320000')).to.equal(1_700_068_237_320_000);
    expect(tcptraceTimeToMicros('1700068237.3200000')).to.equal(undefined);
  });

  it('a Zeek conn.log given as tcptrace output, and a bad field, name line and column', () => {
    expect(() => parseTcptraceCsv('#separator \\x09\n1700000000.0\tC\n', 'conn.log')).to.throw(InputError, /^conn\.log:2:1: found "1700000000\.0/);
    const header = 'conn_#,host_a,host_b,port_a,port_b,first_packet,last_packet,total_packets_a2b,total_packets_b2a,';
    const bad = '1,192.0.2.10,198.51.100.20,40000,9000,1700000000.0 , yesterday ,4,2,';
    expect(() => parseTcptraceCsv(`${header}\n${bad}\n`, 't.csv')).to.throw(InputError, /^t\.csv:2:53: found last_packet "yesterday"/);
    expect(() => parseTcptraceCsv('#only comments\n', 'empty.csv')).to.throw(InputError, /no conn_# header/);
    // A capture without TCP is not unreadable: tcptrace says so and prints no header.
    expect(parseTcptraceCsv('#1061 packets seen, 0 TCP packets traced\n#no traced TCP packets\n', 'no-tcp.csv')).to.deep.equal([]);
  });

  it('output of tcptrace -f (a filter) is refused: the connections it left out would be scored missed', () => {
    const header = 'conn_#,host_a,host_b,port_a,port_b,first_packet,last_packet,total_packets_a2b,total_packets_b2a,';
    const filtered = `Output filter: ((c_port==443)OR(s_port==443))\n#Ostermann's tcptrace -- version 6.6.7 -- Thu Nov  4, 2004\n${header}\n`;
    expect(() => parseTcptraceCsv(filtered, 'tt-f.csv')).to.throw(
      InputError,
      'tt-f.csv:1:1: found tcptrace\'s output filter ("Output filter: ((c_port==443)OR(s_port==443))"); expected unfiltered tcptrace -n -l --csv output: a connection the filter (-f) left out would be scored missed',
    );
  });

  it('a header naming a column twice is refused there (its last place was read: "accurate" with 5 of 15 packets)', () => {
    const header = 'conn_#,host_a,host_b,port_a,port_b,first_packet,last_packet,total_packets_a2b,total_packets_b2a,total_packets_a2b,';
    const row = '1,192.0.2.10,198.51.100.20,40000,9000,1700000000.0 , 1700000001.0 ,10,5,0,';
    expect(() => parseTcptraceCsv(`#comment\n${header}\n${row}\n`, 't.csv'))
      .to.throw(InputError, /^t\.csv:2:97: found a header naming total_packets_a2b twice \(columns 8 and 10\); expected tcptrace -l --csv output: .*, each column once$/);
  });

  it('a connection number on two rows (the rows given twice): refused at the second, naming the first', () => {
    const header = 'conn_#,host_a,host_b,port_a,port_b,first_packet,last_packet,total_packets_a2b,total_packets_b2a,';
    const row = (n: number, port: number): string => `${n},192.0.2.10,198.51.100.20,${port},9000,1700000000.0 , 1700000001.0 ,4,2,`;
    const rows = [row(1, 40000), row(2, 40001)];
    expect(() => parseTcptraceCsv(`#comment\n${header}\n${rows.join('\n')}\n${rows.join('\n')}\n`, 't.csv'))
      .to.throw(InputError, /^t\.csv:5:1: found conn_# 1 again: it is the number of line 3 too; expected each connection once/);
    // Distinct numbers with the same addresses and times (tcptrace splits a connection it sees reused): two records.
    expect(parseTcptraceCsv(`${header}\n${row(1, 40000)}\n${row(2, 40000)}\n`, 't.csv')).to.have.length(2);
  });
});

describe('tcptrace: takes no config file', () => {
  it('a suite that names one for it is refused at the file, not run as if it had been used', () => {
    expect(() => tcptrace.checkConfig?.('x.conf', 'anything\n')).to.throw(InputError, /^x\.conf:1:1: found a config file for tcptrace; expected no config: /);
  });
});
