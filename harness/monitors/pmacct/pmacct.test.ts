import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAdapterForTest } from '../../../test/support/run-adapter.js';
import { InputError } from '../../core/input-error.js';
import { parseTimeoutSetting } from '../../core/timeout-setting.js';
import type { GenerateResult } from '../../../generators/generate.js';
import type { FlowRecord } from '../../core/flow-record.js';
import { GAPS_600S_YAML, LONG_19H_YAML, fromEndpoint, generateScenario } from '../../netflow/netflow-test-support.js';
import pmacct from './index.js';
import { nfprobeTimeouts } from './adapter.js';
import { generatedPmacctdConfig, mergedPmacctdConfig } from './config.js';
import { readFileSync } from 'node:fs';
import { REPO } from '../../../test/support/cli.js';
import { compareCell, DEFAULT_COMPARE_OPTIONS } from '../../comparator/compare-cell.js';
import { monitorModel } from '../../pipeline/monitor-model.js';

const CLIENT = '192.0.2.10';
const SERVER = '198.51.100.20';
// The sample lives beside the sources; tests run from dist/.
const SAMPLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../harness/monitors/pmacct/sample.conf');

function pmacctdProcesses(): string[] {
  try {
    return execFileSync('pgrep', ['-af', '^pmacctd'], { encoding: 'utf8' }).split('\n').filter((l) => l.trim() !== '');
  } catch {
    return [];
  }
}

describe('pmacct adapter', function () {
  this.timeout(300_000);

  it('translates to nfprobe_timeouts, active to maxlife', () => {
    const t = pmacct.translate(parseTimeoutSetting('udp=10m,active=1h'));
    expect(t.supported).to.equal(true);
    if (!t.supported) return;
    expect(nfprobeTimeouts(t.values)).to.equal('tcp=3600:udp=600:icmp=300:maxlife=3600');
  });

  it("merges a user's config: replaces the keys the harness owns, keeps the rest, refuses plugins without nfprobe", () => {
    const user = '! mine\ndaemonize: true\nplugins: nfprobe\npcap_interface: eth0\nnfprobe_timeouts: tcp=7200\nsnaplen: 700\nnfprobe_version: 5\n';
    const merged = mergedPmacctdConfig(user, 'my.conf', { source: { pcap: '/x.pcap' }, receiver: '127.0.0.1:9', timeouts: 'tcp=60' });
    const active = merged.text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('!'));
    expect(active).to.deep.equal(['plugins: nfprobe', 'snaplen: 700', 'daemonize: false', 'pcap_savefile: /x.pcap', 'nfprobe_receiver: 127.0.0.1:9', 'nfprobe_version: 10', 'nfprobe_timeouts: tcp=60']);
    // NetFlow v5 stamps flows by the exporter's uptime: from a capture every connection would be scored missed.
    expect(merged.text).to.match(/^! replaced by harness: nfprobe_version: 5$/m);
    expect(merged.notes.join(' ')).to.match(/replaced daemonize, pcap_interface, nfprobe_timeouts, nfprobe_version/);
    const keepsTimeouts = mergedPmacctdConfig(user, 'my.conf', { source: { pcap: '/x.pcap' }, receiver: '127.0.0.1:9' });
    expect(keepsTimeouts.text).to.match(/^nfprobe_timeouts: tcp=7200$/m);
    expect(() => mergedPmacctdConfig('plugins: memory\n', 'my.conf', { source: { pcap: '/x' }, receiver: 'r' })).to.throw(InputError, /^my\.conf:1:1: found "plugins: memory"/);
    expect(() => mergedPmacctdConfig('ok: 1\nthis is not a key\n', 'my.conf', { source: { pcap: '/x' }, receiver: 'r' })).to.throw(InputError, /^my\.conf:2:1:/);
  });

  it("keeps pmacctd up after the file and owns its pid files and log, replacing the user's", () => {
    const control = { pidFile: '/w/pmacctd.pid', logFile: '/w/pmacctd.log' };
    const user = 'plugins: nfprobe\npcap_savefile_wait: false\npidfile: /run/mine.pid\nlogfile: /var/log/mine.log\n';
    const merged = mergedPmacctdConfig(user, 'my.conf', { source: { pcap: '/x.pcap' }, receiver: '127.0.0.1:9', control });
    const active = merged.text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('!'));
    expect(active).to.deep.equal(['plugins: nfprobe', 'daemonize: false', 'pcap_savefile: /x.pcap', 'nfprobe_receiver: 127.0.0.1:9', 'nfprobe_version: 10',
      'pcap_savefile_wait: true', 'pidfile: /w/pmacctd.pid', 'logfile: /w/pmacctd.log']);
    expect(merged.notes.join(' ')).to.match(/replaced pcap_savefile_wait, pidfile, logfile/);
  });

  it("states a team config's nfprobe_timeouts under default and its nfprobe_maxflows unless a limit is swept", () => {
    const conf = { file: 'p.conf', text: 'plugins: nfprobe\nnfprobe_timeouts: tcp=14400:udp=3600\nnfprobe_maxflows: 1000\n' };
    const values = (setting: string): Record<string, number> => {
      const t = pmacct.translate(parseTimeoutSetting(setting));
      if (!t.supported) throw new Error(t.reason);
      return pmacct.knobValuesWith?.(parseTimeoutSetting(setting), t.values, conf) ?? {};
    };
    expect(values('default')).to.include({ 'nfprobe_timeouts tcp': 14400, 'nfprobe_timeouts udp': 3600, nfprobe_maxflows: 1000 });
    // A swept setting replaces nfprobe_timeouts whole; a swept limit replaces the config's.
    expect(values('tcp=1h,maxflows=50')).to.include({ 'nfprobe_timeouts tcp': 3600, 'nfprobe_timeouts udp': 300, nfprobe_maxflows: 50 });
  });

  it("models a team config's maxlife where the setting leaves the active timeout (it modelled 7 days beside knob values of 300)", () => {
    const conf = { file: 'pm.conf', text: 'plugins: nfprobe\nnfprobe_timeouts: tcp=3600:udp=3600:icmp=3600:maxlife=300\n' };
    expect(monitorModel(pmacct, parseTimeoutSetting('default'), false, conf).activeS).to.equal(300);
    // A swept active timeout wins; a swept setting replaces nfprobe_timeouts whole, back to the tool's maxlife.
    expect(monitorModel(pmacct, parseTimeoutSetting('active=600s'), false, conf).activeS).to.equal(600);
    expect(monitorModel(pmacct, parseTimeoutSetting('1h'), false, conf).activeS).to.equal(604800);
    expect(monitorModel(pmacct, parseTimeoutSetting('default'), false).activeS).to.equal(604800);
  });

  it('writes the same config live, reading the interface instead of a file (no pcap_savefile_wait)', () => {
    const input = { receiver: '127.0.0.1:9', timeouts: 'tcp=60:expint=1', maxFlows: 100, control: { pidFile: '/w/p.pid', logFile: '/w/p.log' } };
    const offline = generatedPmacctdConfig({ ...input, source: { pcap: '/x.pcap' } }).split('\n');
    const live = generatedPmacctdConfig({ ...input, source: { iface: 'rx' } }).split('\n');
    expect(offline.filter((l) => !l.startsWith('pcap_'))).to.deep.equal(live.filter((l) => !l.startsWith('pcap_')));
    expect(live.filter((l) => l.startsWith('pcap_'))).to.deep.equal(['pcap_interface: rx']);
    expect(offline.filter((l) => l.startsWith('pcap_'))).to.deep.equal(['pcap_savefile: /x.pcap', 'pcap_savefile_wait: true']);
    expect(live).to.include.members(['nfprobe_timeouts: tcp=60:expint=1', 'nfprobe_maxflows: 100', 'pidfile: /w/p.pid']);
  });

  describe('on real pmacctd and nfcapd', () => {
    let gaps: GenerateResult;
    let long: GenerateResult;
    before(async () => {
      gaps = await generateScenario(GAPS_600S_YAML, 'gaps-600s');
      long = await generateScenario(LONG_19H_YAML, 'long-19h');
    });

    async function records(pcap: string, setting: string, ctx: Mocha.Context, userConfig?: string) {
      const result = await runAdapterForTest(pmacct, pcap, setting, { userConfig });
      if ('missing' in result) ctx.skip();
      if (!('outcome' in result)) throw new Error('unreachable');
      if (!result.outcome.ok) throw new Error(result.outcome.reason);
      expect(pmacctdProcesses()).to.deep.equal([]);
      // The harness, not pmacctd's own end-of-file path, ended the run, and the plugin flushed (adapter.ts).
      const log = await readFile(path.join(result.workDir, 'pmacctd.log'), 'utf8');
      expect(log).to.include('finished reading PCAP capture file');
      expect(log).to.include('Shutting down on user request');
      expect(result.outcome.rawFiles).to.include('pmacctd.log');
      return Array.from(result.outcome.views.default ?? []);
    }

    /** Every packet of the capture, from the truth: what a complete export must add up to. */
    function truthPackets(generated: GenerateResult): number {
      return generated.truth.connections.reduce((sum, c) => sum + c.clientPkts + c.serverPkts, 0);
    }

    function exportedPackets(all: readonly FlowRecord[]): number {
      return all.reduce((sum, r) => sum + (r.origPkts ?? 0), 0);
    }

    for (const setting of ['default', '60s']) {
      it(`reports one record per direction whatever the idle setting: ${setting} (gaps of 600 s)`, async function () {
        const all = await records(gaps.pcapPath, setting, this);
        const conn = gaps.truth.connections.find((c) => c.id === 't');
        const up = fromEndpoint(all, CLIENT, 40000);
        expect(up).to.have.length(1);
        expect(fromEndpoint(all, SERVER, 9000)).to.have.length(1);
        expect(fromEndpoint(all, CLIENT, 40001)).to.have.length(1);
        expect(fromEndpoint(all, SERVER, 9001)).to.have.length(1);
        expect(up[0]?.origPkts).to.equal(conn?.clientPkts);
        expect(up[0]?.origBytes).to.equal(conn?.clientIpBytes);
        // Complete export: one record per direction per 5-tuple (clock and sentinel one-way), every packet counted.
        expect(all).to.have.length(6);
        expect(exportedPackets(all)).to.equal(truthPackets(gaps));
      });
    }

    it('a 60 s idle timeout leaves a 19 h session whole too; a 60 s maxlife cuts it, but into records far longer than 60 s', async function () {
      const idleAll = await records(long.pcapPath, '60s', this);
      const idle = fromEndpoint(idleAll, CLIENT, 40000);
      expect(idle).to.have.length(1);
      expect(idleAll).to.have.length(4);
      expect(exportedPackets(idleAll)).to.equal(truthPackets(long));
      const activeAll = await records(long.pcapPath, 'idle=60s,active=60s', this);
      const active = fromEndpoint(activeAll, CLIENT, 40000);
      expect(exportedPackets(activeAll)).to.equal(truthPackets(long));
      expect(active.length).to.be.greaterThan(1);
      // An active timeout of 60 s honoured on packet time would give one record per burst (58).
      expect(active.length).to.be.lessThan(58);
      // Measured: each record takes two bursts (~1197 s): maxlife is applied, but only after the next burst joins.
      // nfprobe evicts a flow marked for maxlife when it has caught up with the core, so a cut can fall inside a
      // burst; the record after such a cut is ended by the final flush, not by maxlife, and can be one packet long
      // (measured once in 12 loaded runs). Every record maxlife ended spans more than one burst gap.
      const inOrder = [...active].sort((a, b) => a.firstUs - b.firstUs);
      const cutByMaxlife = inOrder.slice(0, -1);
      expect(Math.min(...cutByMaxlife.map((r) => r.durationUs))).to.be.greaterThan(600 * 1e6);
      expect(exportedPackets(active)).to.equal(long.truth.connections.find((c) => c.id === 'c2')?.clientPkts);
    });

    it('cuts at maxlife only after a later check: active-stream at maxlife 300 s is within the model, where a cut at first packet + 300 s differs', async function () {
      // A TCP exchange every 5 s for 3 h and a clock every 30 s; idle 1 h, so only maxlife can cut (timer-rule.ts).
      const stream = await generateScenario(readFileSync(path.join(REPO, 'scenarios/active-stream.yaml'), 'utf8'), 'active-stream');
      const all = await records(stream.pcapPath, 'idle=1h,active=5m', this);
      const model = monitorModel(pmacct, parseTimeoutSetting('idle=1h,active=5m'), false);
      const { active: _late, ...exact } = model;
      const scores = compareCell(stream.truth, all, model, DEFAULT_COMPARE_OPTIONS).scores;
      const exactScores = compareCell(stream.truth, all, exact, DEFAULT_COMPARE_OPTIONS).scores;
      for (const id of ['stream', 'clock']) {
        const score = scores.find((c) => c.connectionId === id);
        const old = exactScores.find((c) => c.connectionId === id);
        // Cut, but later than 300 s (measured 33 and 29 records; the count varies with how far the plugin lags).
        expect(score?.fragments, id).to.be.within(2, 36);
        expect([score?.modelAgreement, score?.predictedRange?.min], id).to.deep.equal(['within-range', 1]);
        expect(score?.timerRules?.join(' '), id).to.match(/maxlife/);
        expect([old?.predictedFragments, old?.modelAgreement], id).to.deep.equal([37, 'differs']);
      }
    });

    it("runs with the user's config from sample.conf", async function () {
      const all = await records(gaps.pcapPath, 'default', this, SAMPLE);
      expect(fromEndpoint(all, CLIENT, 40000)).to.have.length(1);
      // The config pmacctd really read is the sample's, with the harness's own keys added.
      const run = await runAdapterForTest(pmacct, gaps.pcapPath, 'default', { userConfig: SAMPLE });
      if (!('outcome' in run)) throw new Error('pmacctd went missing between two runs');
      const used = run.outcome.provenance.configFiles.map((f) => f.content).join('\n');
      expect(used).to.include('aggregate: src_host, dst_host, src_port, dst_port, proto');
      expect(used).to.include('! Set by harness for this cell:');
    });

    it("states the timeouts pmacctd itself logs it runs with, for every nfprobe_timeouts spelling the check lets through", async function () {
      // results.json said maxlife 60 where pmacctd had logged "Invalid 'nfprobe_timeouts' value: '60 ! one minute'"
      // and run its 7-day default; pmacct's own units (1h30m) were refused although pmacctd reads them.
      const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-pmacct-units-'));
      for (const [text, maxlife] of [
        ['plugins: nfprobe\nnfprobe_timeouts: maxlife=1h30m:tcp=2h\n', 5400],
        ['plugins: nfprobe[a], print[p]\nNFPROBE_TIMEOUTS[a]: maxlife=90S\n', 90],
      ] as const) {
        const conf = path.join(dir, `p${maxlife}.conf`);
        await writeFile(conf, text);
        expect(() => (pmacct.checkConfig as NonNullable<typeof pmacct.checkConfig>)(conf, text)).to.not.throw();
        const run = await runAdapterForTest(pmacct, gaps.pcapPath, 'default', { userConfig: conf });
        if (!('outcome' in run)) { console.warn(run.missing); this.skip(); }
        const log = await readFile(path.join(run.workDir, 'pmacctd.log'), 'utf8');
        const logged = /Maximum lifetime: (\d+)s/.exec(log)?.[1];
        const t = pmacct.translate(parseTimeoutSetting('default'));
        if (!t.supported) throw new Error(t.reason);
        const stated = pmacct.knobValuesWith?.(parseTimeoutSetting('default'), t.values, { file: conf, text }) ?? {};
        expect([Number(logged), stated['nfprobe_timeouts maxlife']]).to.deep.equal([maxlife, maxlife]);
      }
    });
  });
});

describe('pmacct: a team pmacctd config is checked before anything runs', () => {
  const check = pmacct.checkConfig as NonNullable<typeof pmacct.checkConfig>;
  it('passes the sample, refuses a line that is not key: value and plugins without nfprobe', async () => {
    const sample = path.join(REPO, 'harness/monitors/pmacct/sample.conf');
    expect(() => check(sample, readFileSync(sample, 'utf8'))).to.not.throw();
    expect(() => check('p.conf', '! mine\nplugins nfprobe\n')).to.throw(InputError, /^p\.conf:2:1: found "plugins nfprobe"; expected a pmacctd config line/);
    expect(() => check('p.conf', 'plugins: print\n')).to.throw(InputError, /^p\.conf:1:1: found "plugins: print"; expected plugins to include nfprobe/);
  });

  it('refuses the values pmacctd would reject and then run on its defaults, and near misses of nfprobe keys, at their place', () => {
    expect(() => check('p.conf', 'plugins: nfprobe\nnfprobe_timeouts: tcp=-5\n')).to.throw(InputError, /^p\.conf:2:19: found "tcp=-5" in nfprobe_timeouts; expected key=time items/);
    expect(() => check('p.conf', 'nfprobe_timeouts: tcp=3600:udp:icmp=60\n')).to.throw(InputError, /found "udp" in nfprobe_timeouts/);
    expect(() => check('p.conf', 'nfprobe_timeouts: tcp=3600:tpc=60\n')).to.throw(InputError, /found "tpc=60" in nfprobe_timeouts/);
    expect(() => check('p.conf', 'nfprobe_maxflows: abc\n')).to.throw(InputError, /^p\.conf:1:19: found nfprobe_maxflows "abc"; expected a whole number of flows from 1 to 2147483647/);
    expect(() => check('p.conf', 'nfprobe_maxflows: 99999999999\n')).to.throw(InputError, /nfprobe_maxflows "99999999999"/);
    expect(() => check('p.conf', 'nfprobe_timeoutz: tcp=60\n')).to.throw(InputError, /^p\.conf:1:1: found nfprobe_timeoutz, a key pmacctd does not read .*; expected nfprobe_timeouts$/);
    expect(() => check('p.conf', 'nfprobe_timeouts: tcp=3600:tcp.rst=10:maxlife=86400:expint=60\nnfprobe_maxflows: 8192\n')).to.not.throw();
  });

  it('refuses what pmacctd reads otherwise than the text says: a comment or blank inside nfprobe_timeouts, a key for no nfprobe plugin, a plugin type it does not know', () => {
    // Measured on pmacctd 1.7.7: each of these ran maxlife 604800 s (its log: "Invalid 'nfprobe_timeouts' value:
    // '60 ! one minute'", "Invalid nfprobe_timeouts option: 'maxlife '"), while results.json stated maxlife 60.
    expect(() => check('p.conf', 'plugins: nfprobe\nnfprobe_timeouts: maxlife=60 ! one minute\n')).to.throw(InputError, /^p\.conf:2:19: found "maxlife=60 ! one minute" in nfprobe_timeouts \(pmacctd reads no blank or comment inside this value/);
    expect(() => check('p.conf', 'nfprobe_timeouts: tcp=3600 : maxlife=60\n')).to.throw(InputError, /^p\.conf:1:19: found "tcp=3600 " in nfprobe_timeouts/);
    expect(() => check('p.conf', 'nfprobe_timeouts: tcp=3600:maxlife = 60\n')).to.throw(InputError, /^p\.conf:1:28: found "maxlife = 60" in nfprobe_timeouts/);
    expect(() => check('p.conf', 'nfprobe_timeouts: maxlife=1y\n')).to.throw(InputError, /found "maxlife=1y" in nfprobe_timeouts/);
    // `key[name]` applies to the plugin of that exact name (1.7.7: [A] and [ a ] for nfprobe[a] ran the default).
    expect(() => check('p.conf', 'plugins: nfprobe[a]\nnfprobe_timeouts[A]: maxlife=60\n')).to.throw(InputError, /^p\.conf:2:18: found nfprobe_timeouts\[A\], for a plugin named "A", which is no nfprobe plugin here .*; expected .*one of a /);
    expect(() => check('p.conf', 'nfprobe_timeouts[x]: maxlife=60\n')).to.throw(InputError, /one of default_nfprobe/);
    expect(() => check('p.conf', 'plugins: nfprobe[a]\nnfprobe_timeouts[a]: maxlife=60\n')).to.not.throw();
    // "Unknown plugin type: nfprobe ! mine. Ignoring." and then an in-memory table: no export at all.
    expect(() => check('p.conf', 'plugins: nfprobe ! mine\n')).to.throw(InputError, /^p\.conf:1:1: found "plugins: nfprobe ! mine"; expected plugins to include nfprobe/);

    // pmacctd's plugins line is the first whose key is exactly "plugins" (parse_plugin_names): a plugins[x] line is
    // none, so the error names the line pmacctd reads, and a config with only such a line gets the harness's own.
    expect(() => check('p.conf', 'plugins[x]: nfprobe\nplugins: print\n')).to.throw(InputError, /^p\.conf:2:1: found "plugins: print"; expected plugins to include nfprobe/);
    const merged = mergedPmacctdConfig('plugins[x]: print\n', 'p.conf', { source: { pcap: '/x' }, receiver: 'r' });
    expect(merged.text).to.match(/^plugins: nfprobe$/m);
  });

  it('refuses a config whose records could not be scored: two nfprobe plugins, an aggregate without the 5-tuple', () => {
    // Measured: two nfprobe plugins sent every record twice (the cell failed: "a record that overlaps the record of
    // the same connection"); aggregate src_host, dst_host gave port-0 records (failed as "unrelated output").
    expect(() => check('p.conf', 'plugins: nfprobe[a], nfprobe[b]\n')).to.throw(InputError, /^p\.conf:1:1: found "plugins: nfprobe\[a\], nfprobe\[b\]", 2 nfprobe plugins \(a, b\); expected one nfprobe plugin/);
    expect(() => check('p.conf', 'plugins: nfprobe\naggregate: src_host, dst_host\n')).to.throw(InputError, /^p\.conf:2:12: found aggregate "src_host, dst_host", without src_port, dst_port, proto; expected an aggregate of nfprobe/);
    expect(() => check('p.conf', 'plugins: nfprobe[n], print[p]\naggregate[p]: src_host\naggregate[n]: SRC_HOST,dst_host, src_port, dst_port, proto, tos\n')).to.not.throw();
  });
});
