import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAdapterForTest } from '../../../test/support/run-adapter.js';
import { InputError } from '../../core/input-error.js';
import { parseTimeoutSetting } from '../../core/timeout-setting.js';
import type { GenerateResult } from '../../../generators/generate.js';
import { GAPS_600S_YAML, fromEndpoint, generateScenario } from '../../netflow/netflow-test-support.js';
import softflowd from './index.js';
import { softflowdArgv } from './adapter.js';
import { parseSoftflowdOptions } from './options.js';
import { translateSetting } from '../translate-setting.js';
import { compareCell, DEFAULT_COMPARE_OPTIONS } from '../../comparator/compare-cell.js';
import { EVICTED_REASON } from '../../comparator/ideal-model.js';
import { monitorModel } from '../../pipeline/monitor-model.js';
import { cellCost } from '../../pipeline/cell-cost.js';
import { readFileSync } from 'node:fs';
import { REPO, REAL_FIXTURES } from '../../../test/support/cli.js';

const CLIENT = '192.0.2.10';
const SERVER = '198.51.100.20';

/** Processes whose command line mentions `text` (the cell's unique folder), other than pgrep itself. */
function processesMentioning(text: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', text], { encoding: 'utf8' }).split('\n').filter((l) => l.trim() !== '');
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

describe('softflowd adapter', function () {
  this.timeout(300_000);

  it('translates to named -t timeouts, active to maxlife, and refuses fractions', () => {
    const t = softflowd.translate(parseTimeoutSetting('tcp=1h,active=2h'));
    expect(t.supported && t.values).to.deep.equal({ tcp: 3600, udp: 300, icmp: 300, maxlife: 7200 });
    const d = softflowd.translate(parseTimeoutSetting('default'));
    expect(d.supported && d.values).to.deep.equal({ tcp: 3600, udp: 300, icmp: 300, maxlife: 604800 });
    expect(softflowd.translate(parseTimeoutSetting('1.5s')).supported).to.equal(false);
    const argv = softflowdArgv('/usr/sbin/softflowd', '/x.pcap', '127.0.0.1:9', parseTimeoutSetting('1h'), { tcp: 3600, udp: 3600, icmp: 3600, maxlife: 604800 }, []);
    expect(argv.join(' ')).to.equal('/usr/sbin/softflowd -D -c none -r /x.pcap -n 127.0.0.1:9 -v 10 -A milli -t tcp=3600 -t udp=3600 -t icmp=3600 -t maxlife=604800');
  });

  it('maps maxflows to -m (after a user\'s own options, so the swept one is in force) and refuses a memory limit', () => {
    const t = translateSetting(softflowd, parseTimeoutSetting('idle=1h,maxflows=100'));
    expect(t.supported && t.values['-m']).to.equal(100);
    const argv = softflowdArgv('/usr/sbin/softflowd', '/x.pcap', '127.0.0.1:9', parseTimeoutSetting('maxflows=100'), { '-m': 100 }, ['-m', '5']);
    expect(argv.slice(-4)).to.deep.equal(['-m', '5', '-m', '100']);
    const memcap = translateSetting(softflowd, parseTimeoutSetting('memcap=32mb'));
    expect(memcap.supported).to.equal(false);
    expect(!memcap.supported && memcap.reason).to.match(/^memcap: softflowd limits its table by a flow count/);
  });

  it('reads extra options from a user file and refuses the ones the harness sets, naming line and column', () => {
    expect(parseSoftflowdOptions('# comment\n-m 65536  -T full\n', 'opts')).to.deep.equal(['-m', '65536', '-T', 'full']);
    expect(() => parseSoftflowdOptions('-m 10\n  -t tcp=5', 'opts')).to.throw(InputError, /^opts:2:3: found option -t/);
  });

  it('two pings between the same hosts at once: real softflowd keys ICMP on type and code, one flow holds both, and both are scored "merged"', async function () {
    const pings = await generateScenario(`
name: two-pings
seed: 3
connections:
  - id: ping-a
    protocol: icmp
    client: 192.0.2.40
    server: 198.51.100.40
    icmp_id: 0x1234
    activity:
      pattern: { bursts: 20, gap: 10s, request: 32 }
  - id: ping-b
    protocol: icmp
    client: 192.0.2.40
    server: 198.51.100.40
    icmp_id: 0x4321
    start: 3s
    activity:
      pattern: { bursts: 20, gap: 10s, request: 56 }
`, 'two-pings');
    const result = await runAdapterForTest(softflowd, pings.pcapPath, 'default');
    if ('missing' in result) this.skip();
    if (!('outcome' in result)) return;
    if (!result.outcome.ok) throw new Error(result.outcome.reason);
    const records = Array.from(result.outcome.views.default ?? []);
    const compared = compareCell(pings.truth, records, monitorModel(softflowd, parseTimeoutSetting('default'), false), DEFAULT_COMPARE_OPTIONS);
    // Before: ping-a "timeouts not honoured" (a whole record) with 80 of its 40 packets, ping-b "missed".
    expect(compared.scores.map((x) => [x.connectionId, x.verdict, x.mergedWith, x.packets.seen])).to.deep.equal([
      ['ping-a', 'merged', 'ping-b', 80],
      ['ping-b', 'merged', 'ping-a', 80],
    ]);
    expect(compared.verdict).to.equal('merged');
  });

  describe('on real softflowd with a full table (-m below the concurrent flows)', () => {
    // 300 idle connections open within 30 s and stay open (bursts 20 min apart), beside one long quiet session:
    // reading a file, softflowd expires flows only when its table is full, so -m 100 is pure pressure.
    const PRESSURE_YAML = `
name: pressure
seed: 5
sentinel: { after: 5m }
connections:
  - id: c2
    protocol: tcp
    client: 192.0.2.10:40000
    server: 198.51.100.20:443
    activity:
      pattern: { bursts: 4, gap: 10m, request: 100, response: 200 }
  - id: idle
    protocol: tcp
    client: 192.0.2.1-192.0.2.3:20000-20099
    server: 198.51.100.80:443
    count: 300
    stagger: 100ms
    close: fin
    activity:
      pattern: { bursts: 3, gap: 20m, request: 80, response: 160 }
`;
    let pressure: GenerateResult;
    before(async () => {
      pressure = await generateScenario(PRESSURE_YAML, 'pressure');
    });

    it('evicts flows at -m 100, says so in its own log, and the cut is scored "evicted: table full", not a timeout', async function () {
      const result = await runAdapterForTest(softflowd, pressure.pcapPath, 'maxflows=100');
      if ('missing' in result) this.skip();
      if (!('outcome' in result)) return;
      if (!result.outcome.ok) throw new Error(result.outcome.reason);
      const state = result.outcome.toolState;
      expect(state?.source).to.equal('softflowd.log');
      expect(state?.evictedFlows).to.be.greaterThan(0);
      expect(state?.figures.flowsAdded).to.be.greaterThan(302);
      // The collector's own summary rides along: what nfcapd received of the export.
      expect(state?.figures.collectorFlows).to.be.greaterThan(0);
      const records = Array.from(result.outcome.views.default ?? []);
      expect(records.some((r) => r.endReason === 'evicted')).to.equal(true);
      const setting = parseTimeoutSetting('maxflows=100');
      const model = { ...monitorModel(softflowd, setting, false), tableFull: (state?.evictedFlows ?? 0) > 0 };
      const compared = compareCell(pressure.truth, records, model, DEFAULT_COMPARE_OPTIONS);
      const c2 = compared.scores.find((s) => s.connectionId === 'c2');
      expect(c2?.fragments).to.be.greaterThan(1);
      expect(c2?.likelyReason).to.equal(EVICTED_REASON);
      // The cost of the cell, measured: softflowd and its collector, not nfdump reading the files back.
      const cost = cellCost({ commands: result.outcome.provenance.commands, records: records.length, truth: pressure.truth, model, setting, toolState: state });
      // GNU time counts CPU in 10 ms ticks: a short run may honestly take 0 of them, so the figure is checked for
      // being measured and being the sum of the sensor's own commands (softflowd and nfcapd, not nfdump).
      const sensor = result.outcome.provenance.commands.filter((c) => !c.readsOutput);
      expect(sensor.map((c) => path.basename(c.argv.find((a) => /softflowd|nfcapd/.test(a)) ?? '')).sort()).to.deep.equal(['nfcapd', 'softflowd']);
      expect(cost.cpuMs, 'CPU time of softflowd + nfcapd').to.be.a('number');
      expect(cost.cpuMs).to.equal(sensor.reduce((sum, c) => sum + (c.cpuUserMs ?? NaN) + (c.cpuSystemMs ?? NaN), 0));
      expect(cost.peakRssKb).to.be.within(1000, 1024 * 1024);
      expect(cost.table?.limitEntries).to.equal(100);
      expect(cost.table?.peakEntries).to.be.greaterThan(300);
      expect(result.outcome.provenance.commands.find((c) => c.argv.some((a) => a.endsWith('nfdump')))?.readsOutput).to.equal(true);
    });

    it('at its default -m (8192) evicts nothing: every connection one flow, and its own peak count is all of them', async function () {
      const result = await runAdapterForTest(softflowd, pressure.pcapPath, 'default');
      if ('missing' in result) this.skip();
      if (!('outcome' in result)) return;
      if (!result.outcome.ok) throw new Error(result.outcome.reason);
      expect(result.outcome.toolState?.evictedFlows).to.equal(0);
      // 301 scenario connections and the sentinel, never expired before the end of the file.
      expect(result.outcome.toolState?.peakFlows).to.equal(302);
      const compared = compareCell(pressure.truth, Array.from(result.outcome.views.default ?? []), monitorModel(softflowd, parseTimeoutSetting('default'), false), DEFAULT_COMPARE_OPTIONS);
      expect(compared.aggregate.fragmented).to.equal(0);
    });
  });

  describe('on real softflowd and nfcapd', () => {
    let gaps: GenerateResult;
    before(async () => {
      gaps = await generateScenario(GAPS_600S_YAML, 'gaps-600s');
    });

    for (const setting of ['default', '60s', 'idle=60s,active=60s']) {
      it(`reports one record per direction whatever the setting: ${setting} (gaps of 600 s)`, async function () {
        const result = await runAdapterForTest(softflowd, gaps.pcapPath, setting);
        if ('missing' in result) this.skip();
        if (!('outcome' in result)) return;
        if (!result.outcome.ok) throw new Error(result.outcome.reason);
        const records = Array.from(result.outcome.views.default ?? []);
        const conn = gaps.truth.connections.find((c) => c.id === 't');
        const up = fromEndpoint(records, CLIENT, 40000);
        const down = fromEndpoint(records, SERVER, 9000);
        expect(up).to.have.length(1);
        expect(down).to.have.length(1);
        expect(fromEndpoint(records, CLIENT, 40001)).to.have.length(1);
        expect(fromEndpoint(records, SERVER, 9001)).to.have.length(1);
        expect(up[0]?.origPkts).to.equal(conn?.clientPkts);
        expect(up[0]?.origBytes).to.equal(conn?.clientIpBytes);
        expect(down[0]?.origPkts).to.equal(conn?.serverPkts);
        // Both directions carry the bidirectional flow's times: the server's record starts at the client's SYN.
        expect(down[0]?.firstUs).to.equal(up[0]?.firstUs);
        expect(up[0]?.durationUs).to.be.greaterThan(1200 * 1e6);
        // No collector outlives the cell.
        expect(processesMentioning(result.workDir)).to.deep.equal([]);
      });
    }
  });

  describe('on real softflowd: maxlife on a pcap', () => {
    // A UDP exchange every second for 3 h: 21,602 packets, more than one pcap_dispatch batch of -m (8192) packets.
    const BUSY_3H_YAML = `
name: busy-3h
description: a UDP exchange every second for 3 h
seed: 5
start: 2023-11-14T22:13:20Z
clock: { every: 30s }
sentinel: { after: 60s }
connections:
  - id: u
    protocol: udp
    client: 192.0.2.10:40001
    server: 198.51.100.20:9001
    activity:
      pattern: { bursts: 10801, span: 3h, request: 60, response: 120 }
`;

    it('cuts at maxlife only at the check after a batch of -m packets: records far longer than maxlife, within the model where an exact cut differs', async function () {
      const busy = await generateScenario(BUSY_3H_YAML, 'busy-3h');
      const result = await runAdapterForTest(softflowd, busy.pcapPath, 'idle=1h,active=5m');
      if ('missing' in result) this.skip();
      if (!('outcome' in result)) return;
      if (!result.outcome.ok) throw new Error(result.outcome.reason);
      const records = Array.from(result.outcome.views.default ?? []);
      const up = fromEndpoint(records, CLIENT, 40001);
      // Marked at the packet 301 s in (R_MAXLIFE), cut at the end of its batch of 8192 packets (with the clock's,
      // about 4,028 s of this capture; measured: 3 records, softflowd.log `reason 6`), not every 300 s (timer-rule.ts).
      expect(up).to.have.length(3);
      for (const r of up.slice(0, -1)) expect(r.durationUs).to.be.within(4000 * 1e6, 4100 * 1e6);
      const model = monitorModel(softflowd, parseTimeoutSetting('idle=1h,active=5m'), false);
      const { active: _late, ...exact } = model;
      const score = compareCell(busy.truth, records, model, DEFAULT_COMPARE_OPTIONS).scores.find((c) => c.connectionId === 'u');
      const old = compareCell(busy.truth, records, exact, DEFAULT_COMPARE_OPTIONS).scores.find((c) => c.connectionId === 'u');
      expect([score?.fragments, score?.modelAgreement, score?.predictedRange]).to.deep.equal([up.length, 'within-range', { min: 1, max: 36 }]);
      expect([old?.predictedFragments, old?.modelAgreement]).to.deep.equal([37, 'differs']);
    });
  });

  describe('faults', () => {
    let fakeDir: string;
    const saved = process.env.HARNESS_SOFTFLOWD;
    before(async () => {
      fakeDir = await mkdtemp(path.join(os.tmpdir(), 'harness-fake-softflowd-'));
    });
    afterEach(() => {
      if (saved === undefined) delete process.env.HARNESS_SOFTFLOWD;
      else process.env.HARNESS_SOFTFLOWD = saved;
    });

    async function fake(name: string, body: string): Promise<string> {
      const file = path.join(fakeDir, name);
      await writeFile(file, `#!/bin/sh\nif [ "$1" = "-h" ]; then echo "This is softflowd version 0.0.1 (fake)"; exit 0; fi\n${body}\n`);
      await chmod(file, 0o755);
      return file;
    }

    it('a crashing softflowd gives a failed cell with its exit status and stderr, and no collector left', async function () {
      process.env.HARNESS_SOFTFLOWD = await fake('fake-softflowd', 'echo "fake-softflowd: simulated crash reading $4" >&2\nexit 3');
      const result = await runAdapterForTest(softflowd, path.join(REAL_FIXTURES, 'zeek/quiet-fin-6x1500/capture.pcap'), 'default');
      if ('missing' in result) this.skip();
      if (!('outcome' in result)) return;
      expect(result.outcome.ok).to.equal(false);
      if (result.outcome.ok) return;
      expect(result.outcome.reason).to.match(/fake-softflowd failed: exit status 3/);
      expect(result.outcome.reason).to.match(/simulated crash reading/);
      const service = result.outcome.provenance.commands.find((c) => c.service);
      expect(service?.argv.some((a) => a.startsWith(result.workDir))).to.equal(true);
      expect(processesMentioning(result.workDir)).to.deep.equal([]);
    });

    it('a hanging softflowd is killed at the time limit, and the collector with it', async function () {
      process.env.HARNESS_SOFTFLOWD = await fake('fake-softflowd-hang', 'exec sleep 600');
      const result = await runAdapterForTest(softflowd, path.join(REAL_FIXTURES, 'zeek/quiet-fin-6x1500/capture.pcap'), 'default', { timeLimitMs: 2000 });
      if ('missing' in result) this.skip();
      if (!('outcome' in result)) return;
      expect(result.outcome.ok).to.equal(false);
      if (result.outcome.ok) return;
      expect(result.outcome.reason).to.match(/hung: still running after 2 s, killed/);
      expect(processesMentioning(result.workDir)).to.deep.equal([]);
    });
  });
});

describe('softflowd: a team options file is checked before anything runs', () => {
  const check = softflowd.checkConfig as NonNullable<typeof softflowd.checkConfig>;
  it('passes the sample, refuses an option the harness sets itself at its line and column', async () => {
    const sample = path.join(REPO, 'harness/monitors/softflowd/sample.conf');
    expect(() => check(sample, readFileSync(sample, 'utf8'))).to.not.throw();
    expect(() => check('o.conf', '-m 10\n  -r x.pcap\n')).to.throw(InputError, /^o\.conf:2:3: found option -r/);
  });
});
