import { expect } from 'chai';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../../core/input-error.js';
import { parseTimeoutSetting } from '../../core/timeout-setting.js';
import { runAdapterForTest } from '../../../test/support/run-adapter.js';
import suricata from './index.js';
import { eveOutput, MINIMAL_YAML, suricataArgv } from './adapter.js';
import { eveStatsState } from './stats.js';
import { translateSetting } from '../translate-setting.js';
import { parseEveFlows } from './parser.js';
import { isoToMicros } from '../../core/time-text.js';
import { readFileSync, readdirSync } from 'node:fs';
import { checkRecords } from '../../core/record-sanity.js';
import type { FlowRecord } from '../../core/flow-record.js';
import { harness, REPO, REAL_FIXTURES } from '../../../test/support/cli.js';

const PCAP = path.join(REAL_FIXTURES, 'zeek/longconn-42/capture.pcap');

/*
 * Hand-written eve.json lines in the documented shape (docs.suricata.io, "Eve JSON Format", Event type: Flow;
 * src/output-json-flow.c): what Suricata would write for the first TCP exchange of longconn-42 cut by a timeout,
 * the UDP flow flushed at shutdown, an IPv6 TCP flow in VLAN 100 and an ICMP echo flow. Not real output: no
 * Suricata binary exists on this machine.
 */
const EVE = [
  '{"timestamp":"2023-11-14T22:18:21.020000+0000","flow_id":1,"event_type":"stats","stats":{"uptime":1}}',
  '{"timestamp":"2023-11-14T22:18:21.020000+0000","flow_id":1234,"event_type":"flow","src_ip":"192.0.2.10","src_port":40000,"dest_ip":"198.51.100.20","dest_port":9000,"proto":"TCP","flow":{"pkts_toserver":4,"pkts_toclient":2,"bytes_toserver":316,"bytes_toclient":308,"start":"2023-11-14T22:13:20.000000+0000","end":"2023-11-14T22:13:21.020000+0000","age":1,"state":"established","reason":"timeout","alerted":false},"tcp":{"tcp_flags":"1a","tcp_flags_ts":"1a","tcp_flags_tc":"12","syn":true,"psh":true,"ack":true,"state":"established"}}',
  '{"timestamp":"2023-11-15T17:10:39.310000+0000","flow_id":99,"event_type":"flow","src_ip":"192.0.2.10","src_port":40001,"dest_ip":"198.51.100.20","dest_port":9001,"proto":"UDP","flow":{"pkts_toserver":42,"pkts_toclient":42,"bytes_toserver":4284,"bytes_toclient":6804,"start":"2023-11-14T22:13:21.500000+0000","end":"2023-11-15T17:10:37.810000+0000","age":68236,"state":"established","reason":"shutdown","alerted":false}}',
  '{"timestamp":"2023-11-14T23:18:21.502000+0100","flow_id":7,"event_type":"flow","vlan":[100],"src_ip":"2001:0db8:0000::0010","src_port":40000,"dest_ip":"2001:db8::20","dest_port":443,"proto":"TCP","flow":{"pkts_toserver":16,"pkts_toclient":8,"bytes_toserver":1888,"bytes_toclient":1848,"start":"2023-11-14T23:13:20.000000+0100","end":"2023-11-15T01:18:21.502000+0100","age":7501,"state":"closed","reason":"forced","alerted":false},"tcp":{"tcp_flags":"1b","state":"closed"}}',
  '{"timestamp":"2023-11-14T22:13:22.005000+0000","flow_id":8,"event_type":"flow","src_ip":"192.0.2.10","dest_ip":"198.51.100.20","proto":"ICMP","icmp_type":8,"icmp_code":0,"response_icmp_type":0,"response_icmp_code":0,"flow":{"pkts_toserver":1,"pkts_toclient":1,"bytes_toserver":74,"bytes_toclient":74,"start":"2023-11-14T22:13:22.000000+0000","end":"2023-11-14T22:13:22.005000+0000","age":0,"state":"established","reason":"tcp_reuse","alerted":false}}',
].join('\n');

describe('suricata eve.json flow parser', () => {
  const records = parseEveFlows(EVE, 'eve.json');

  it('keeps flow events only, with exact microsecond times from flow.start/flow.end', () => {
    expect(records).to.have.length(4);
    expect(records[0]).to.include({
      protocol: 'tcp', origAddr: '192.0.2.10', origPort: 40000, respAddr: '198.51.100.20', respPort: 9000,
      firstUs: 1_700_000_000_000_000, lastUs: 1_700_000_001_020_000, durationUs: 1_020_000,
      origPkts: 4, respPkts: 2, origBytes: 316, respBytes: 308, bytesKind: 'ethernet', endReason: 'idle-timeout', state: 'established/established',
    });
    expect([records[0]?.sourceFile, records[0]?.sourceLine]).to.deep.equal(['eve.json', 2]);
    expect(records[1]).to.include({ protocol: 'udp', durationUs: 68_236_310_000, endReason: 'end-of-capture' });
  });

  it('applies the timezone offset, canonicalizes IPv6, reads the outer VLAN and maps forced/tcp_reuse', () => {
    expect(records[2]).to.include({ origAddr: '2001:db8::10', vlan: 100, firstUs: 1_700_000_000_000_000, durationUs: 7_501_502_000, endReason: 'end-of-capture' });
    expect(records[3]).to.include({ protocol: 'icmp', origPort: 8, respPort: 0, durationUs: 5_000, endReason: 'end-of-flow' });
  });

  it("ICMP records carry Suricata's ICMP flow key in their ports: the type (with 256 x the code for ICMPv6) and its counterpart type", () => {
    const icmp = (proto: string, type: number, code: number): FlowRecord | undefined => parseEveFlows(
      `{"event_type":"flow","src_ip":"2001:db8::1","dest_ip":"2001:db8::2","proto":"${proto}","icmp_type":${type},"icmp_code":${code},"flow":{"start":"2023-11-14T22:13:22.000000+0000","end":"2023-11-14T22:13:22.005000+0000"}}\n`, 'eve.json')[0];
    // ICMPv4: CmpFlowICMPPacket compares the types alone; a type with no counterpart expects 0 (icmp_d unset).
    expect(icmp('ICMP', 8, 0)).to.include({ origPort: 8, respPort: 0 });
    expect(icmp('ICMP', 0, 0)).to.include({ origPort: 0, respPort: 8 });
    expect(icmp('ICMP', 13, 5)).to.include({ origPort: 13, respPort: 14 });
    expect(icmp('ICMP', 6, 3)).to.include({ origPort: 6, respPort: 0 });
    // ICMPv6: compared as a port pair, the type and code of the first packet (a union) and the counterpart type.
    expect(icmp('IPv6-ICMP', 128, 0)).to.include({ origPort: 128, respPort: 129 });
    expect(icmp('IPv6-ICMP', 1, 4)).to.include({ origPort: 1 + 256 * 4, respPort: 0 });
    expect(icmp('IPv6-ICMP', 136, 0)).to.include({ origPort: 136, respPort: 135 });
  });

  it('every real Suricata 7.0.17 eve.json passes the record checks with its ICMP records checked for overlap (icmpKeyShown)', () => {
    expect(suricata.icmpKeyShown).to.equal(true);
    const files = readdirSync(REAL_FIXTURES, { recursive: true, encoding: 'utf8' }).filter((f) => /(^|\/)eve[^/]*\.json$/.test(f) && f.includes('suricata'));
    expect(files.length).to.be.at.least(20);
    let icmpRecords = 0;
    for (const file of files) {
      const flows = parseEveFlows(readFileSync(path.join(REAL_FIXTURES, file), 'utf8'), file);
      icmpRecords += flows.filter((r) => r.protocol === 'icmp').length;
      expect(() => checkRecords(flows, { icmpKeyShown: true }), file).not.to.throw();
    }
    expect(icmpRecords).to.be.at.least(100);
  });

  it('ISO times to microseconds exactly', () => {
    expect(isoToMicros('2023-11-14T22:13:20.000001+0000')).to.equal(1_700_000_000_000_001);
    expect(isoToMicros('2023-11-14T17:13:20.5-05:00')).to.equal(1_700_000_000_500_000);
    expect(isoToMicros('yesterday')).to.equal(undefined);
  });

  it('a Zeek conn.log, a JSON line without event_type, or a bad flow.start: InputError with file:line:col', () => {
    expect(() => parseEveFlows('#separator \\x09\n', 'conn.log')).to.throw(InputError, /^conn\.log:1:1: found "#separator/);
    expect(() => parseEveFlows('\n{"ts":1}\n', 'x.json')).to.throw(InputError, /^x\.json:2:1: found/);
    const bad = (EVE.split('\n')[1] as string).replace('"start":"2023-11-14T22:13:20.000000+0000"', '"start":"noon"');
    expect(() => parseEveFlows(bad, 'eve.json')).to.throw(InputError, /^eve\.json:1:1: found flow\.start "noon"/);
  });

  it('an eve.json of netflow events alone is refused (it was read as no record: every connection "missed" at exit 0)', () => {
    const netflow = '{"timestamp":"2023-11-15T17:35:36.043000+0000","flow_id":1,"event_type":"netflow","src_ip":"192.0.2.10","src_port":40000,"dest_ip":"198.51.100.20","dest_port":443,"proto":"TCP","netflow":{"pkts":118,"bytes":12176,"start":"2023-11-14T22:13:20.000000+0000","end":"2023-11-15T17:10:36.043000+0000","age":68236}}';
    const stats = '{"timestamp":"2023-11-15T17:35:36.043000+0000","event_type":"stats","stats":{"uptime":1}}';
    expect(() => parseEveFlows(`${stats}\n${netflow}\n${netflow}\n`, 'eve.json')).to.throw(
      InputError,
      'eve.json:2:1: found 2 netflow events and no flow event; expected flow events (eve-log types: - flow), each a whole flow both ways; netflow events are not read',
    );
    // Beside flow events, netflow events are skipped as every other type is; with neither, the log is only empty.
    expect(parseEveFlows(`${netflow}\n${EVE}`, 'eve.json').length).to.equal(parseEveFlows(EVE, 'eve.json').length);
    expect(parseEveFlows(`${stats}\n`, 'eve.json')).to.deep.equal([]);
  });

  it('an eve.json of alerts and anomalies but no flow event is refused, counting them (it was "missed 12 of 12", check the capture filter, at exit 0)', () => {
    const alert = '{"timestamp":"2023-11-14T22:13:20.000000+0000","flow_id":1,"event_type":"alert","src_ip":"192.0.2.20","src_port":41055,"dest_ip":"198.51.100.20","dest_port":9000,"proto":"TCP","alert":{"signature_id":1000001},"flow":{"pkts_toserver":3,"pkts_toclient":1,"start":"2023-11-14T22:13:20.000000+0000"}}';
    const anomaly = '{"timestamp":"2023-11-14T22:13:32.000000+0000","flow_id":2,"event_type":"anomaly","src_ip":"192.0.2.20","src_port":42055,"dest_ip":"198.51.100.20","dest_port":9001,"proto":"UDP","anomaly":{"type":"decode"}}';
    const stats = '{"timestamp":"2023-11-15T00:25:22.000000+0000","event_type":"stats","stats":{"uptime":7922,"flow":{"tcp":14,"udp":14}}}';
    expect(() => parseEveFlows(`${stats}\n${alert}\n${anomaly}\n${alert}\n`, 'eve.json')).to.throw(
      InputError,
      'eve.json:2:1: found events of flows Suricata saw (2 alert, 1 anomaly) and no flow event; expected flow events (eve-log types: - flow), which say when each flow began and ended; other events are not read',
    );
    // Beside flow events they are skipped.
    expect(parseEveFlows(`${alert}\n${EVE}`, 'eve.json').length).to.equal(parseEveFlows(EVE, 'eve.json').length);
  });
});

describe('suricata translate and argv', () => {
  it('default: compiled-in 300 s for each protocol; a setting becomes --set flow-timeouts.*.established', () => {
    expect(suricata.translate(parseTimeoutSetting('default'))).to.deep.include({
      supported: true,
      values: { 'flow-timeouts.tcp.established': 300, 'flow-timeouts.udp.established': 300, 'flow-timeouts.icmp.established': 300 },
    });
    const setting = parseTimeoutSetting('tcp=1h');
    const t = suricata.translate(setting);
    if (!t.supported) throw new Error(t.reason);
    expect(t.notes).to.include('flow-timeouts.udp.established left at its compiled-in default 300 s');
    const argv = suricataArgv({ binary: '/s', pcap: '/p.pcap', workDir: '/w', setting, knobValues: t.values }, '/w/suricata.yaml');
    expect(argv).to.deep.equal(['/s', '-c', '/w/suricata.yaml', '-r', '/p.pcap', '-l', '/w', '-k', 'none', '--runmode', 'single',
      '--set', 'flow-timeouts.tcp.established=3600', '--set', 'flow-timeouts.udp.established=300', '--set', 'flow-timeouts.icmp.established=300']);
  });

  it('table limits: memcap, hash-size and the emergency timeouts become --set; a flow count is refused', () => {
    const setting = parseTimeoutSetting('memcap=64mb,hashsize=131072,emergency=30s');
    const t = translateSetting(suricata, setting);
    if (!t.supported) throw new Error(t.reason);
    const argv = suricataArgv({ binary: '/s', pcap: '/p.pcap', workDir: '/w', setting, knobValues: t.values }, '/w/suricata.yaml').join(' ');
    expect(argv).to.contain('--set flow.memcap=67108864 --set flow.hash-size=131072 --set flow-timeouts.tcp.emergency-established=30');
    expect(translateSetting(suricata, parseTimeoutSetting('maxflows=8192')).supported).to.equal(false);
  });

  it('reads its own flow-table account from the last stats event (the manual\'s counter names), none when absent', () => {
    // A stats event shaped as the Suricata manual documents it (eve "stats", totals), after one flow event.
    const stats = (memuse: number, emerg: number): string => JSON.stringify({ timestamp: '2023-11-14T23:00:00.000000+0000', event_type: 'stats',
      stats: { uptime: 3, flow: { memcap: 0, tcp: 301, udp: 2, icmpv4: 0, icmpv6: 0, emerg_mode_entered: emerg, emerg_mode_over: emerg, memuse } } });
    const text = [EVE.split('\n')[0] as string, stats(7_000_000, 0), stats(9_400_000, 1)].join('\n');
    const state = eveStatsState(text, 'eve.json');
    expect(state).to.deep.equal({
      source: 'eve.json',
      figures: { flowMemuseBytes: 9_400_000, memcapReachedCount: 0, emergencyModeEnteredCount: 1, emergencyModeOverCount: 1, flowsCreatedTcp: 301, flowsCreatedUdp: 2, flowsCreatedIcmpv4: 0, flowsCreatedIcmpv6: 0 },
      flowMemoryBytes: 9_400_000,
      tableFull: true,
    });
    expect(eveStatsState(EVE, 'eve.json')).to.equal(undefined);
  });

  it('reads an eve.json the same way offline and live: the real longconn-42 flows, and the table account when a stats event is there', async () => {
    const real = readFileSync(path.join(REAL_FIXTURES, 'suricata/longconn-42/eve.default.json'), 'utf8');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'suricata-eve-'));
    const withStats = path.join(dir, 'with-stats.json');
    const stats = JSON.stringify({ timestamp: '2023-11-15T00:00:00.000000+0000', event_type: 'stats', stats: { flow: { memuse: 7_340_032, emerg_mode_entered: 0 } } });
    await writeFile(withStats, `${real}${stats}\n`);
    const read = await eveOutput(withStats, []);
    expect(Array.from(read.views.default ?? [])).to.have.length(parseEveFlows(real, 'eve.json').length).and.to.have.length.above(0);
    expect(read.toolState).to.deep.include({ source: 'eve.json', flowMemoryBytes: 7_340_032, tableFull: false });
    const without = path.join(dir, 'without.json');
    await writeFile(without, real);
    const bare = await eveOutput(without, []);
    expect(bare.toolState).to.equal(undefined);
    expect(bare.notes).to.deep.equal(['eve.json holds no stats event: no flow-memory figures from Suricata itself']);
  });

  it('refuses a stats event that gives a counter twice at its line and column, instead of showing the last as the flow memory', () => {
    const line = '{"event_type": "stats", "stats": {"flow": {"memuse": 7000000, "tcp": 3, "memuse": 900}}}';
    const at = line.lastIndexOf('"memuse"') + 1;
    expect(() => eveStatsState(`${EVE.split('\n')[0] as string}\n${line}`, 'eve.json'))
      .to.throw(InputError, new RegExp(`^eve\\.json:2:${at}: found the key "memuse" a second time in one object`));
  });

  it('active timeouts and fractions of a second are unsupported', () => {
    expect(suricata.translate(parseTimeoutSetting('all=1h,active=30m')).supported).to.equal(false);
    expect(suricata.translate(parseTimeoutSetting('tcp=1.5s')).supported).to.equal(false);
  });
});

describe('suricata real run', () => {
  it('longconn-42 at 1h: one TCP flow of 68237.32 s', async function () {
    const run = await runAdapterForTest(suricata, PCAP, '1h');
    if ('missing' in run) {
      if (this.test) this.test.title += ` (skipped: ${run.missing})`;
      this.skip();
    }
    if (!run.outcome.ok) throw new Error(run.outcome.reason);
    const tcp = Array.from(run.outcome.views.default ?? []).filter((r) => r.protocol === 'tcp');
    expect(tcp).to.have.length(1);
    expect(tcp[0]?.durationUs).to.equal(68_237_320_000);
  });

  it('a fake-suricata that writes no eve.json: ok false with the reason', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'fake-suricata-'));
    const fake = path.join(dir, 'fake-suricata');
    await writeFile(fake, '#!/bin/sh\nif [ "$1" = "-V" ]; then echo "This is Suricata version 0.0-fake"; exit 0; fi\necho "loaded" >&2\nexit 0\n');
    await chmod(fake, 0o755);
    const saved = process.env.HARNESS_SURICATA;
    process.env.HARNESS_SURICATA = fake;
    try {
      const run = await runAdapterForTest(suricata, PCAP, 'default');
      if ('missing' in run) throw new Error(run.missing);
      expect(run.outcome.ok).to.equal(false);
      if (run.outcome.ok) return;
      expect(run.outcome.reason).to.contain('wrote no eve.json');
      expect(run.outcome.provenance.configFiles[0]?.content).to.contain('- flow');
    } finally {
      if (saved === undefined) delete process.env.HARNESS_SURICATA;
      else process.env.HARNESS_SURICATA = saved;
    }
  });
});

describe('suricata: a team suricata.yaml is checked before anything runs', () => {
  const check = suricata.checkConfig as NonNullable<typeof suricata.checkConfig>;
  const eve = 'outputs:\n  - eve-log:\n      enabled: yes\n      types:\n        - alert\n        - flow\n';

  it('passes the sample and the harness\'s own minimal config', () => {
    const sample = path.join(REPO, 'harness/monitors/suricata/sample.yaml');
    expect(() => check(sample, readFileSync(sample, 'utf8'))).to.not.throw();
    expect(() => check('min.yaml', MINIMAL_YAML)).to.not.throw();
    expect(() => check('x.yaml', `%YAML 1.1\n---\n${eve}flow-timeouts:\n  tcp:\n    established: 3600\n`)).to.not.throw();
  });

  it('refuses YAML that does not parse, at its line', () => {
    expect(() => check('x.yaml', `${eve}flow-timeouts:\n  tcp: [unclosed\n`)).to.throw(InputError, /^x\.yaml:\d+:\d+: found YAML that does not parse/);
  });

  it('refuses a flow timeout that is not whole seconds, at its value', () => {
    expect(() => check('x.yaml', `${eve}flow-timeouts:\n  tcp:\n    established: 1h\n`)).to.throw(InputError, /^x\.yaml:9:18: found flow-timeouts\.tcp\.established "1h"; expected whole seconds/);
  });

  it('refuses flow-timeouts Suricata would not read (its defaults then run): not a map, past 32 bits, a near-miss key', () => {
    expect(() => check('x.yaml', `${eve}flow-timeouts:\n  tcp: 3600\n`)).to.throw(InputError, /^x\.yaml:8:8: found flow-timeouts\.tcp that is not a map/);
    expect(() => check('x.yaml', `${eve}flow-timeouts:\n  tcp:\n    established: 99999999999999999999999\n`)).to.throw(InputError, /found flow-timeouts\.tcp\.established "1e\+23"; expected whole seconds/);
    expect(() => check('x.yaml', `${eve}flow-timeouts:\n  tcp:\n    establishd: 3600\n`)).to.throw(InputError, /^x\.yaml:9:5: found flow-timeouts\.tcp\.establishd, which Suricata does not read .*; expected flow-timeouts\.tcp\.established$/);
    expect(() => check('x.yaml', `${eve}flow-timeouts:\n  tpc:\n    established: 3600\n`)).to.throw(InputError, /expected flow-timeouts\.tcp$/);
  });

  it('an eve-log whose enabled is a string Suricata reads as false ("false", "off", "0") is not enabled', () => {
    for (const off of ['"false"', '"off"', '"0"', 'no']) {
      expect(() => check('x.yaml', `%YAML 1.1\n---\noutputs:\n  - eve-log:\n      enabled: ${off}\n      types: [flow]\n`), off).to.throw(InputError, /found no enabled eve-log with flow events/);
    }
    expect(() => check('x.yaml', '%YAML 1.1\n---\noutputs:\n  - eve-log:\n      enabled: "yes"\n      types: [flow]\n')).to.not.throw();
  });

  it('refuses a config whose eve-log writes no flow events (the only output the harness reads)', () => {
    expect(() => check('x.yaml', 'outputs:\n  - fast:\n      enabled: yes\n')).to.throw(InputError, /^x\.yaml:2:3: found no eve-log output; expected outputs: - eve-log/);
    expect(() => check('x.yaml', 'outputs:\n  - eve-log:\n      enabled: no\n      types: [flow]\n')).to.throw(InputError, /found no enabled eve-log with flow events/);
    expect(() => check('x.yaml', 'outputs:\n  - eve-log:\n      types:\n        - alert:\n            tagged-packets: yes\n        - flow:\n            x: 1\n')).to.not.throw();
  });
});

describe('harness score on an eve.json whose stats say the flow table filled', function () {
  this.timeout(120_000);

  it('reads the stats as run does: the early cuts are "evicted: table full", and the advice names flow.memcap', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'suricata-emergency-'));
    const scenario = path.join(REAL_FIXTURES, 'scenarios/gap-boundary');
    // The real 5m log, claimed as 1h, with the stats event of a sensor that hit its memcap and entered emergency mode.
    const stats = '{"timestamp":"2023-11-15T00:25:20.000000+0000","event_type":"stats","stats":{"uptime":7922,"flow":{"memcap":412,"tcp":14,"udp":14,"emerg_mode_entered":1,"emerg_mode_over":1,"memuse":33554000,"active":0}}}';
    const eve = path.join(dir, 'eve.json');
    await writeFile(eve, `${readFileSync(path.join(scenario, 'suricata/eve.5m.json'), 'utf8')}${stats}\n`);
    const result = await harness(['score', '--truth', path.join(scenario, 'truth.json'), '--monitor', 'suricata', '--log', eve, '--setting', '1h', '--json']);
    expect(result.exitCode, result.stderr).to.equal(0);
    const results = JSON.parse(result.stdout) as { scenarios: { cells: { scores: { connectionId: string; predictionDelta?: number; likelyReason?: string }[] }[]; recommendations: { tableLimit?: string }[] }[] };
    const [scored] = results.scenarios;
    // The cuts a 1 h timeout does not make (the 3700 s silence's is its own): "unexplained" before.
    const cut = scored?.cells[0]?.scores.filter((x) => (x.predictionDelta ?? 0) > 0) ?? [];
    expect(cut.length).to.be.greaterThan(0);
    for (const score of cut) expect(score.likelyReason, score.connectionId).to.equal('evicted: table full');
    expect(scored?.recommendations.map((r) => r.tableLimit).find((t) => t !== undefined)).to.match(/^Suricata's table filled at 1h .*; raise flow\.memcap$/);
  });
});
