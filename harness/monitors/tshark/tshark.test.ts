import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FlowRecord } from '../../core/flow-record.js';
import { InputError } from '../../core/input-error.js';
import { parseTimeoutSetting } from '../../core/timeout-setting.js';
import { runAdapterForTest } from '../../../test/support/run-adapter.js';
import tshark from './index.js';
import { PACKETS_FILE } from './adapter.js';
import { TSHARK_FIELDS, TSHARK_OPTIONS, parseTsharkPackets } from './parser.js';
import { decimalSecondsToMicros as decimalToMicros } from '../../core/time-text.js';
import { REAL_FIXTURES, REPO } from '../../../test/support/cli.js';

const FIXTURES = path.join(REAL_FIXTURES, 'zeek');

async function records(fixture: string, context: Mocha.Context): Promise<{ records: FlowRecord[]; workDir: string }> {
  const run = await runAdapterForTest(tshark, path.join(FIXTURES, fixture, 'capture.pcap'), 'default');
  if ('missing' in run) {
    if (context.test) context.test.title += ` (skipped: ${run.missing})`;
    context.skip();
  }
  if (!run.outcome.ok) throw new Error(run.outcome.reason);
  return { records: Array.from(run.outcome.views.default ?? []), workDir: run.workDir };
}

describe('tshark reference on real captures', () => {
  it('longconn-42: exactly one TCP record of 68237.32 s (129 packets) and one UDP of 68236.31 s (84 packets)', async function () {
    const { records: all, workDir } = await records('longconn-42', this);
    expect(all).to.have.length(2);
    const tcp = all.find((r) => r.protocol === 'tcp');
    const udp = all.find((r) => r.protocol === 'udp');
    expect(tcp).to.include({
      origAddr: '192.0.2.10', origPort: 40000, respAddr: '198.51.100.20', respPort: 9000,
      firstUs: 1_700_000_000_000_000, lastUs: 1_700_068_237_320_000, durationUs: 68_237_320_000, endReason: 'end-of-capture',
    });
    expect((tcp?.origPkts ?? 0) + (tcp?.respPkts ?? 0)).to.equal(129);
    // Zeek's 60-minute record counts the same IP bytes: 86 + 43 packets, 7640 + 10120 bytes.
    expect(tcp).to.include({ origPkts: 86, respPkts: 43, origBytes: 7640, respBytes: 10120, bytesKind: 'ip' });
    expect(udp).to.include({ firstUs: 1_700_000_001_500_000, durationUs: 68_236_310_000, origPkts: 42, respPkts: 42, origBytes: 3696, respBytes: 6216 });
    expect([tcp?.sourceFile, tcp?.sourceLine]).to.deep.equal([PACKETS_FILE, 2]);
    const reread = await tshark.parseLog(path.join(workDir, PACKETS_FILE));
    expect(reread.map((r) => r.durationUs)).to.deep.equal(all.map((r) => r.durationUs));
  });

  it('icmp-ipv6-vlan: one ICMP echo conversation by identifier, one IPv6 TCP in VLAN 100', async function () {
    const { records: all } = await records('icmp-ipv6-vlan', this);
    expect(all).to.have.length(2);
    const icmp = all.find((r) => r.protocol === 'icmp');
    const tcp = all.find((r) => r.protocol === 'tcp');
    expect(icmp).to.include({ origPort: 0x1234, respPort: 0x1234, durationUs: 7_200_005_000, origPkts: 13, respPkts: 13 });
    expect(icmp?.vlan).to.equal(undefined);
    expect(tcp).to.include({ origAddr: '2001:db8::10', respAddr: '2001:db8::20', respPort: 443, vlan: 100, durationUs: 7_501_502_000 });
    expect((tcp?.origPkts ?? 0) + (tcp?.respPkts ?? 0)).to.equal(24);
  });

  it('quiet-fin-6x1500: one TCP of 7502.512 s (24 packets), one UDP of 7500.010 s (12 packets)', async function () {
    const { records: all } = await records('quiet-fin-6x1500', this);
    const tcp = all.find((r) => r.protocol === 'tcp');
    const udp = all.find((r) => r.protocol === 'udp');
    expect(tcp?.durationUs).to.equal(7_502_512_000);
    expect((tcp?.origPkts ?? 0) + (tcp?.respPkts ?? 0)).to.equal(24);
    expect(udp?.durationUs).to.equal(7_500_010_000);
    expect((udp?.origPkts ?? 0) + (udp?.respPkts ?? 0)).to.equal(12);
  });
});

describe('tshark reference on tunnelled and double-tagged captures (test/fixtures/captures)', () => {
  const CAPTURES = path.join(REPO, 'test', 'fixtures', 'captures');
  async function capture(name: string, context: Mocha.Context): Promise<FlowRecord[]> {
    const run = await runAdapterForTest(tshark, path.join(CAPTURES, name), 'default');
    if ('missing' in run) {
      if (context.test) context.test.title += ` (skipped: ${run.missing})`;
      context.skip();
    }
    if (!run.outcome.ok) throw new Error(run.outcome.reason);
    return Array.from(run.outcome.views.default ?? []);
  }

  it('VXLAN: the outer UDP flow 192.0.2.1:49152 -> 192.0.2.2:4789, never a TCP of the outer addresses with the inner ports', async function () {
    const outer = (await capture('tun-vxlan.pcap', this)).filter((r) => r.origAddr.startsWith('192.0.2.'));
    expect(outer.filter((r) => r.protocol === 'tcp')).to.deep.equal([]);
    const udp = outer.filter((r) => r.protocol === 'udp');
    expect(udp).to.have.length(1);
    expect(udp[0]).to.include({ origAddr: '192.0.2.1', origPort: 49152, respAddr: '192.0.2.2', respPort: 4789 });
  });

  it('GRE and 6in4: no TCP or UDP record of the outer addresses (the inner TCP is not theirs)', async function () {
    for (const name of ['tun-gre.pcap', 'tun-6in4.pcap']) {
      const outer = (await capture(name, this)).filter((r) => r.origAddr.startsWith('192.0.2.') || r.respAddr.startsWith('192.0.2.'));
      expect(outer.filter((r) => r.protocol === 'tcp' || r.protocol === 'udp'), name).to.deep.equal([]);
    }
  });

  it('802.1ad outer tag 200 over 802.1Q 100: records carry the outer tag, as Zeek, Suricata and the derived truth do', async function () {
    const all = await capture('qinq-one-inner.pcap', this);
    expect(all.length).to.be.greaterThan(0);
    expect([...new Set(all.map((r) => r.vlan))]).to.deep.equal([200]);
  });
});

describe('tshark translate and parse errors', () => {
  it('default is supported with no knobs; any custom setting is unsupported', () => {
    expect(tshark.translate(parseTimeoutSetting('default'))).to.deep.include({ supported: true, values: {} });
    const custom = tshark.translate(parseTimeoutSetting('5m'));
    expect(custom).to.deep.equal({ supported: false, reason: 'tshark keeps no state timeouts: it is the reference' });
  });

  it('rounds nanosecond times to the microsecond exactly', () => {
    expect(decimalToMicros('1700068237.320000000')).to.equal(1_700_068_237_320_000);
    expect(decimalToMicros('1700000000.000000500')).to.equal(1_700_000_000_000_001);
    expect(decimalToMicros('1700000000.000000499')).to.equal(1_700_000_000_000_000);
    expect(decimalToMicros('x')).to.equal(undefined);
  });

  it('a Zeek conn.log given as tshark output: InputError at line 1', async () => {
    const text = await readFile(path.join(FIXTURES, 'longconn-42/conn.default.log'), 'utf8');
    expect(() => parseTsharkPackets(text, 'conn.log')).to.throw(InputError, /^conn\.log:1:1: found "#separator/);
  });

  it('one TCP stream index on two VLANs (one 5-tuple twice at once): its record names no VLAN, as it holds both', () => {
    const header = TSHARK_FIELDS.join('\t');
    let frame = 0;
    const packet = (time: string, vlan: string, src: string, dst: string, sport: string, dport: string): string =>
      [String(++frame), time, vlan, src, dst, '40', '6', '', '', '', '', '0', sport, dport, '', '', '', '', '', '', '', '', '', ''].join('\t');
    const text = [
      header,
      packet('1700000010.000000000', '10', '192.0.2.40', '198.51.100.40', '40000', '443'),
      packet('1700000020.000000000', '20', '192.0.2.40', '198.51.100.40', '40000', '443'),
      packet('1700000030.000000000', '10', '198.51.100.40', '192.0.2.40', '443', '40000'),
    ].join('\n');
    // Before: labelled VLAN 10, so matched to VLAN 10's connection alone, "accurate" with the other's packets too.
    const [mixed] = Array.from(parseTsharkPackets(`${text}\n`, 'p.tsv'));
    expect(mixed?.vlan).to.equal(undefined);
    expect([mixed?.origPkts, mixed?.respPkts]).to.deep.equal([2, 1]);
    const [tagged] = Array.from(parseTsharkPackets(`${[header, packet('1700000010.000000000', '10', '192.0.2.40', '198.51.100.40', '40000', '443')].join('\n')}\n`, 'p.tsv'));
    expect(tagged?.vlan).to.equal(10);
  });

  it('a bad time on a packet line: the column of frame.time_epoch; a short line: its end', () => {
    const header = TSHARK_FIELDS.join('\t');
    const good = ['1', '1700000000.000000000', '', '10.0.0.1', '10.0.0.2', '40', '6', '', '', '', '', '0', '1', '2', '', '', '', '', '', '', '', '', '', ''];
    const bad = [...good];
    bad[0] = '2';
    bad[1] = 'noon';
    expect(() => parseTsharkPackets(`${header}\n${good.join('\t')}\n${bad.join('\t')}\n`, 'p.tsv')).to.throw(InputError, /^p\.tsv:3:3: found frame\.time_epoch "noon"/);
    const badPort = [...good];
    badPort[12] = 'http';
    const col = good.slice(0, 12).join('\t').length + 2;
    expect(() => parseTsharkPackets(`${header}\n${badPort.join('\t')}\n`, 'p.tsv')).to.throw(InputError, new RegExp(`^p\\.tsv:2:${col}: found tcp\\.srcport`));
    expect(() => parseTsharkPackets(`${header}\n1\t1700000000.0\t\n`, 'p.tsv')).to.throw(InputError, /^p\.tsv:2:16: found 3 tab-separated fields/);
    // Conversations are found by their stream index: one that is not a number is refused, not taken as another.
    const badStream = [...good];
    badStream[11] = 'seven';
    const streamCol = good.slice(0, 11).join('\t').length + 2;
    expect(() => parseTsharkPackets(`${header}\n${badStream.join('\t')}\n`, 'p.tsv')).to.throw(InputError, new RegExp(`^p\\.tsv:2:${streamCol}: found tcp\\.stream "seven"; expected a stream index`));
  });
});

describe('tshark: a packet list no tshark run wrote', () => {
  const header = TSHARK_FIELDS.join('\t');
  const row = (frame: string, time: string, src: string, dst: string, sport: string, dport: string): string =>
    [frame, time, '', src, dst, '40', '6', '', '', '', '', '0', sport, dport, '', '', '', '', '', '', '', '', '', ''].join('\t');
  const arp = (frame: string): string => [frame, '1700000000.500000000', ...Array<string>(22).fill('')].join('\t');
  const list = [
    row('1', '1700000000.000000000', '192.0.2.40', '198.51.100.40', '40000', '443'),
    arp('2'),
    row('3', '1700000001.000000000', '198.51.100.40', '192.0.2.40', '443', '40000'),
  ];

  it('concatenated with itself: refused at the first frame of the copy, naming the frame before it and its line', () => {
    // Before: one conversation of 4 packets where tshark saw 2, scored "accurate" with twice the packets and bytes.
    const text = `${header}\n${list.join('\n')}\n${list.join('\n')}\n`;
    expect(() => parseTsharkPackets(text, 'p.tsv')).to.throw(InputError,
      /^p\.tsv:5:1: found frame 1, after frame 3 on line 4; expected frame numbers rising, as tshark writes each frame once in the order it reads them: is this list concatenated with itself, or a line repeated or moved\?$/);
  });

  it('cat list list (the header too): refused at the second header', () => {
    const text = `${header}\n${list.join('\n')}\n${header}\n${list.join('\n')}\n`;
    expect(() => parseTsharkPackets(text, 'p.tsv')).to.throw(InputError,
      /^p\.tsv:5:1: found the header again \(first on line 1\); expected one header, on the first line, as one tshark run writes: is this list concatenated with another\?$/);
  });

  it('a line repeated, or a non-IP line moved back: refused at the second', () => {
    const repeated = `${header}\n${list[0]}\n${list[0]}\n`;
    expect(() => parseTsharkPackets(repeated, 'p.tsv')).to.throw(InputError, /^p\.tsv:3:1: found frame 1, after frame 1 on line 2;/);
    // The frame the check names may be a non-IP one: every frame has its line, and all are counted.
    const moved = `${header}\n${list[0]}\n${list[2]}\n${list[1]}\n`;
    expect(() => parseTsharkPackets(moved, 'p.tsv')).to.throw(InputError, /^p\.tsv:4:1: found frame 2, after frame 3 on line 3;/);
  });

  it('frames out of time order in the capture are read as tshark prints them (file order), not refused', () => {
    const text = `${header}\n${row('1', '1700000005.000000000', '192.0.2.40', '198.51.100.40', '40000', '443')}\n${row('2', '1700000001.000000000', '198.51.100.40', '192.0.2.40', '443', '40000')}\n`;
    const [conv] = parseTsharkPackets(text, 'p.tsv');
    expect(conv).to.include({ firstUs: 1_700_000_001_000_000, lastUs: 1_700_000_005_000_000, origPkts: 1, respPkts: 1 });
    // A filtered list (tshark -Y) skips numbers: still rising, read.
    expect(parseTsharkPackets(`${header}\n${list[0]}\n${list[2]}\n`, 'p.tsv')).to.have.length(1);
  });

  it('a frame number that is not one, or a header of the field list without frame.number: refused with the command to run', () => {
    const noNumber = `${header}\n${row('', '1700000000.000000000', '192.0.2.40', '198.51.100.40', '40000', '443')}\n`;
    expect(() => parseTsharkPackets(noNumber, 'p.tsv')).to.throw(InputError, /^p\.tsv:2:1: found frame\.number ""; expected a frame number from 1$/);
    const old = `${TSHARK_FIELDS.slice(1).join('\t')}\n`;
    expect(() => parseTsharkPackets(old, 'p.tsv')).to.throw(InputError,
      /^p\.tsv:1:1: found a header without frame\.number, which tells a packet list repeated or reordered from the one tshark wrote; expected the output of `tshark -r <pcap> -n -T fields -E header=y -E separator=\/t -E occurrence=f -e frame\.number -e frame\.time_epoch -e vlan\.id .* -e icmpv6\.echo\.identifier -e ieee8021ad\.id`, whose first line is the header$/);
  });

  it('sample.conf gives the command the adapter runs', async () => {
    const sample = await readFile(path.join(REPO, 'harness/monitors/tshark/sample.conf'), 'utf8');
    const command = sample.split('\n').filter((l) => l.startsWith('#')).map((l) => l.replace(/^#\s*/, '').replace(/\\$/, '').trim()).join(' ');
    expect(command).to.include(`tshark -r <pcap> ${TSHARK_OPTIONS.join(' ')}`);
  });
});

describe('tshark: takes no config file', () => {
  it('a suite that names one for it is refused at the file, not run as if it had been used', () => {
    expect(() => tshark.checkConfig?.('x.conf', 'anything\n')).to.throw(InputError, /^x\.conf:1:1: found a config file for tshark; expected no config: /);
  });
});
