import { expect } from 'chai';
import { execa } from 'execa';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Cell, RunResults } from '../../harness/core/results.js';
import { missingLiveCapabilities } from '../../harness/live/capabilities.js';
import { which } from '../../harness/executor/which.js';
import { BIN, REPO, harness } from '../support/cli.js';

/**
 * harness run --live on the real tools, as root: the private wire, one replay for every monitor and setting, the
 * reference capture as truth. Short scaled scenarios (test/fixtures/live/*.yaml): each run is under a minute.
 */
const BELOW_ABOVE = path.join(REPO, 'test/fixtures/live/gap-below-above.yaml');
const FIVE_TWENTY = path.join(REPO, 'test/fixtures/live/gap-five-twenty.yaml');
const ARGUS_STOPS = path.join(REPO, 'test/fixtures/live/argus-stops.yaml');
const DEFAULTS_LIMITS = path.join(REPO, 'test/fixtures/live/defaults-and-limits.yaml');
const ARGUS_UDP_BUSY = path.join(REPO, 'test/fixtures/live/argus-udp-busy.yaml');
const TIGHT = path.join(REPO, 'test/fixtures/live/tight.yaml');

async function whyNotLive(tools: string[]): Promise<string | undefined> {
  const missing = await missingLiveCapabilities();
  if (missing.length > 0) return `not root (no ${missing.join(', ')})`;
  for (const tool of ['tcpreplay', 'tcpdump', 'ethtool', 'ip', 'cc', 'tshark', 'nfcapd', ...tools]) {
    if (!(await which(tool))) return `${tool} not installed`;
  }
  return undefined;
}

function liveCells(results: RunResults, column: string, setting: string): Cell[] {
  return results.scenarios.flatMap((s) => s.cells).filter((c) => c.live && c.column === column && c.setting.label === setting);
}

function liveCell(results: RunResults, column: string, setting: string): Cell {
  const [cell] = liveCells(results, column, setting);
  if (!cell) throw new Error(`no live cell ${column} @ ${setting}`);
  return cell;
}

function scoreOf(cell: Cell, id: string): { verdict: string; fragments: number } {
  const score = cell.scores.find((s) => s.connectionId === id);
  if (!score) throw new Error(`${cell.column}: no score for ${id} (${cell.status}: ${cell.reason ?? ''})`);
  return score;
}

/** A connection's score from the cell's score lines: results.json keeps only the worst of a large scenario's. */
async function scoreInFile(dir: string, cell: Cell, id: string): Promise<{ verdict: string; fragments: number; likelyReason?: string }> {
  if (cell.scoresFile === undefined) throw new Error(`${cell.column}: no score lines (${cell.status}: ${cell.reason ?? ''})`);
  const lines = (await readFile(path.join(dir, cell.scoresFile), 'utf8')).trim().split('\n');
  const score = lines.map((l) => JSON.parse(l) as { connectionId: string; verdict: string; fragments: number; likelyReason?: string }).find((x) => x.connectionId === id);
  if (!score) throw new Error(`${cell.column}: no score for ${id} in ${cell.scoresFile}`);
  return score;
}

async function readResults(dir: string): Promise<RunResults> {
  return JSON.parse(await readFile(path.join(dir, 'results.json'), 'utf8')) as RunResults;
}

/**
 * Whether a process is a wire holder (HARNESS_LIVE_WIRE=<harness pid> in its environment) of this run: its harness
 * is gone (left behind) or names the run folder. Another live run on the machine at the same time (a CI run, another
 * checkout's tests) holds a wire of its own, whose harness is alive and names another folder.
 */
async function isThisRunsHolder(environ: string, runDir: string): Promise<boolean> {
  const mark = environ.split('\0').find((v) => v.startsWith('HARNESS_LIVE_WIRE='));
  if (!mark) return false;
  const owner = await readFile(`/proc/${mark.slice('HARNESS_LIVE_WIRE='.length)}/cmdline`, 'utf8').catch(() => undefined);
  return owner === undefined || owner.includes(runDir);
}

/** Processes a live run must never leave: its wire holder, and anything that names its run folder. */
async function leftovers(runDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).replace(/\0/g, ' ');
    const environ = await readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '');
    if (cmdline.includes(runDir) || (await isThisRunsHolder(environ, runDir))) found.push(`${entry}: ${cmdline}`);
  }
  const netns = await execa('ip', ['netns', 'list'], { reject: false });
  for (const line of String(netns.stdout).split('\n')) if (line.startsWith('harness-live')) found.push(`netns ${line}`);
  return found;
}

async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/** Pid of a process (not the nsenter wrapper) whose argv starts with `binary` and names the run folder. */
async function pidOf(binaryName: string, runDir: string): Promise<number | undefined> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (path.basename(argv[0] ?? '') === binaryName && argv.some((a) => a.includes(runDir))) return Number(entry);
  }
  return undefined;
}

/** Starts a live run of the CLI on the 5 min / 20 min scenario and waits until its replay is under way. */
async function startLiveRun(monitors: string, out: string): Promise<{ run: ReturnType<typeof execa> }> {
  // bin/harness is a node script run through its shebang (no wrapper shell): a signal reaches the harness itself.
  const run = execa(BIN, ['run', FIVE_TWENTY, '--monitors', monitors, '--timeouts', '10m', '--live', '--speedup', '60', '--out', out], { reject: false, env: { NO_COLOR: '1' } });
  expect(await waitUntil(async () => (await pidOf('tcpreplay', out)) !== undefined, 60_000)).to.equal(true);
  // Wrapped: an async function returning the subprocess itself would wait for it to end.
  return { run };
}

describe('harness run --live (real tools, root)', function () {
  this.timeout(240_000);
  let tmp: string;
  before(async () => { tmp = await mkdtemp(path.join(os.tmpdir(), 'harness-live-')); });
  after(async () => { await rm(tmp, { recursive: true, force: true }); });

  it('refuses a --speedup that breaks a live floor in one line, exit 2, before running anything', async () => {
    const out = path.join(tmp, 'refused');
    const result = await harness(['run', FIVE_TWENTY, '--monitors', 'nfpcapd', '--timeouts', '1h', '--live', '--speedup', '100', '--out', out]);
    if ((await missingLiveCapabilities()).length > 0) {
      expect(result.exitCode).to.equal(2);
      expect(result.stderr).to.match(/--live: found no CAP_/);
      return;
    }
    expect(result.exitCode).to.equal(2);
    expect(result.stderr.trim().split('\n')).to.have.length(1);
    expect(result.stderr).to.include("nfpcapd's 1h a 36 s timeout, below its live floor of 100 s");
    expect(await readdir(out).catch(() => [])).to.deep.equal([]);
  });

  it('refuses a --speedup above what the scenario\'s own timing allows, at the connection\'s line:col, before running anything', async function () {
    if ((await missingLiveCapabilities()).length > 0) this.skip();
    // Regression (probe-live #2a): at K = 60 the event at 1 s fell inside the unscaled 22 ms handshake; the generator
    // threw after the offline run (a stack trace at exit 1, no results). 1 s / 22 ms allows 45.
    const scenario = TIGHT;
    const out = path.join(tmp, 'tight');
    const result = await harness(['run', scenario, '--monitors', 'softflowd', '--timeouts', '10m', '--live', '--speedup', '60', '--out', out]);
    expect(result.exitCode, result.stderr).to.equal(2);
    expect(result.stderr.trim().split('\n')).to.have.length(1);
    expect(result.stderr).to.include(`${scenario}:12:17: found --speedup 60 for connection t: its first event at 1s, after a TCP handshake of 0.022s`);
    expect(result.stderr).to.include('expected a speedup of at most 45 for this scenario');
    expect(await readdir(out).catch(() => [])).to.deep.equal([]);
  });

  it('a suite\'s speedup: that breaks a floor is named at the suite\'s line, not as harness run --speedup', async function () {
    if ((await missingLiveCapabilities()).length > 0) this.skip();
    const suite = path.join(tmp, 'floor.suite.yaml');
    await writeFile(suite, ['live: true', 'speedup: 1000', 'sensors:', '  sf: { monitor: softflowd, timeouts: 60s }', 'scenarios:', `  - ${BELOW_ABOVE}`, 'expect:', '  - { scenario: gap-below-above, sensor: sf, max_fragments: 1 }', ''].join('\n'));
    const result = await harness(['check', suite, '--out', path.join(tmp, 'floor-check')]);
    expect(result.exitCode, result.stderr).to.equal(2);
    expect(result.stderr).to.include(`${suite}:2:10: found 1000, which makes sf's 60s a 0.06 s timeout, below its live floor of 2 s`);
    expect(result.stderr).not.to.include('harness run --speedup');
  });

  it('a live tool that is not installed is refused in one line with its install command, exit 2, before running anything', async function () {
    if ((await missingLiveCapabilities()).length > 0) this.skip();
    // Regression (probe-live #3): without tcpreplay the offline run went ahead, the wire was built and the monitors
    // started, then a LiveSetupError stack trace at exit 1 with no results. A PATH with every tool but tcpreplay:
    const bin = path.join(tmp, 'no-tcpreplay-bin');
    await mkdir(bin);
    for (const tool of ['node', 'tcpdump', 'ip', 'ethtool', 'setpriv', 'unshare', 'nsenter', 'sysctl', 'cc']) {
      const found = await which(tool);
      if (found) await symlink(found, path.join(bin, tool));
    }
    const out = path.join(tmp, 'no-tcpreplay');
    const result = await harness(['run', BELOW_ABOVE, '--monitors', 'softflowd', '--timeouts', '3m', '--live', '--speedup', '60', '--out', out], { env: { PATH: bin } });
    expect(result.exitCode, result.stderr).to.equal(2);
    expect(result.stderr.trim().split('\n')).to.have.length(1);
    expect(result.stderr, result.stderr).to.match(/^harness: harness run --live: found no tcpreplay on PATH \(nor in the sbin folders\); expected the programs a live run calls: apt-get install -y --no-install-recommends tcpreplay$/);
    expect(await readdir(out).catch(() => [])).to.deep.equal([]);
  });

  it('a live setup that fails (the immediate-mode shim does not compile) fails the live cells with the reason; the offline results are written; the plan is printed first', async function () {
    const why = await whyNotLive(['softflowd']);
    if (why) this.skip();
    // Regression (probe-live #3): a LiveSetupError was caught nowhere: exit 1, a stack trace, no results.json.
    const bin = path.join(tmp, 'broken-cc-bin');
    await mkdir(bin);
    await writeFile(path.join(bin, 'cc'), '#!/bin/sh\necho "cc: fatal error: broken on purpose" >&2\nexit 1\n', { mode: 0o755 });
    const out = path.join(tmp, 'broken-cc');
    const result = await harness(['run', BELOW_ABOVE, '--monitors', 'softflowd', '--timeouts', '3m', '--live', '--speedup', '60', '--out', out], { env: { PATH: `${bin}:${process.env.PATH ?? ''}` } });
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(result.stderr).not.to.match(/\n\s+at /);
    const results = await readResults(out);
    const offline = results.scenarios[0]?.cells.find((c) => !c.live && c.column === 'softflowd');
    expect(offline?.status).to.equal('ok');
    // No replay ran: the cell has no live measurements (as a live cell of a monitor not installed has none).
    const cell = results.scenarios[0]?.cells.find((c) => c.column === 'softflowd (live)' && c.setting.label === '3m');
    expect(cell?.status).to.equal('failed');
    expect(cell?.reason).to.match(/^live setup failed, nothing replayed: could not compile the .*broken on purpose/);
    // Regression (probe-live #6): a live run said nothing between the offline part and its end. One line for the
    // plan and one per replay, before it runs.
    const lines = result.stderr.split('\n');
    const plan = lines.findIndex((l) => /^live gap-below-above: 1 replay, about \S+ in all: K=60 for softflowd \(\S+\)$/.test(l));
    const starting = lines.findIndex((l) => /^live gap-below-above: replay 1\/1 starting: K=60 for softflowd, about \S+$/.test(l));
    expect(plan, result.stderr).to.be.greaterThan(-1);
    expect(starting).to.be.greaterThan(plan);
    expect(await leftovers(out)).to.deep.equal([]);
  });

  it('softflowd, pmacctd and ndpiReader live: a gap below the scaled timeout stays whole, one above splits; nDPI\'s deleted idle flow is a scored loss', async function () {
    const why = await whyNotLive(['softflowd', 'softflowctl', 'pmacctd', 'ndpiReader']);
    if (why) this.skip();
    // A long --out folder: softflowd's control socket lives in the cell folder, and a Unix socket path over 107
    // bytes failed live softflowd ("Control socket path too long") until it was given relative to the cell.
    const out = path.join(tmp, `exporters-${'long-out-folder-'.repeat(6)}`);
    const result = await harness(['run', BELOW_ABOVE, '--monitors', 'softflowd,pmacct,ndpi', '--timeouts', 'default,3m', '--live', '--speedup', '60', '--out', out]);
    expect(result.exitCode, result.stderr).to.equal(0);
    const results = await readResults(out);
    for (const column of ['softflowd (live)', 'pmacct (live)']) {
      const cell = liveCell(results, column, '3m');
      expect(cell.status, cell.reason).to.equal('ok');
      expect(cell.live?.speedup).to.equal(60);
      expect(cell.live?.replaySetting.idle.tcp).to.equal(3);
      expect(cell.live?.packetsOnWire).to.equal(cell.live?.packetsScheduled);
      expect(cell.live?.immediateMode).to.match(/immediate mode applied/);
      expect(scoreOf(cell, 'tcp-gap-90s')).to.include({ verdict: 'accurate', fragments: 1 });
      expect(scoreOf(cell, 'tcp-gap-360s')).to.include({ verdict: 'fragmented', fragments: 2 });
      expect(scoreOf(cell, 'tcp-gap-2400s').fragments).to.equal(2);
      // Offline the same tool ignores its timeouts: side by side, one record.
      const offline = results.scenarios[0]?.cells.find((c) => !c.live && c.monitor === cell.monitor && c.setting.label === '3m');
      expect(offline?.verdict).to.equal('timeouts-not-honoured');
    }
    const softflowd = liveCell(results, 'softflowd (live)', '3m');
    expect(softflowd.live?.packetsSeen).to.equal(softflowd.live?.packetsOnWire);
    const ndpi = liveCell(results, 'ndpi (live)', 'default');
    expect(ndpi.status, ndpi.reason).to.equal('ok');
    expect(ndpi.live?.packetsSeen).to.equal(ndpi.live?.packetsOnWire);
    // The clock keeps ndpiReader scanning: a connection over for more than 30 s of real time is deleted unwritten,
    // and so is the first burst before 2400 s / 60 = 40 s of real silence. Both are scored losses, with the reason.
    const short = ndpi.scores.find((s) => s.connectionId === 'tcp-gap-90s');
    expect(short?.verdict).to.equal('missed');
    expect(short?.toolLosses?.[0]?.reason).to.match(/deletes a flow idle 30 s .*still idle/);
    const long = ndpi.scores.find((s) => s.connectionId === 'tcp-gap-2400s');
    expect(long?.toolLosses?.[0]?.confirmed, JSON.stringify(long)).to.equal(true);
    expect(long?.toolLosses?.[0]?.reason).to.match(/deletes a flow idle 30 s .*x K=60/);
    expect(long?.fragments).to.equal(1);
    expect(ndpi.provenance.notes.join('\n')).to.include('= 1800 s of scenario time');
    expect(await leftovers(out)).to.deep.equal([]);
  });

  it('argus live at two speedups: the same verdicts as offline unscaled (scale invariance), 5 min whole and 20 min split', async function () {
    const why = await whyNotLive(['argus', 'ra', 'racluster']);
    if (why) this.skip();
    const verdicts: string[] = [];
    for (const k of ['60', '30']) {
      const out = path.join(tmp, `argus-${k}`);
      const result = await harness(['run', FIVE_TWENTY, '--monitors', 'argus', '--timeouts', '10m', '--live', '--speedup', k, '--out', out]);
      expect(result.exitCode, result.stderr).to.equal(0);
      const cell = liveCell(await readResults(out), 'argus (live) (raw)', '10m');
      expect(cell.status, cell.reason).to.equal('ok');
      expect(scoreOf(cell, 'tcp-gap-5m')).to.include({ verdict: 'accurate', fragments: 1 });
      expect(scoreOf(cell, 'tcp-gap-20m')).to.include({ verdict: 'fragmented', fragments: 2 });
      expect(cell.live?.invariance?.agrees, cell.live?.invariance?.detail).to.equal(true);
      verdicts.push(cell.scores.map((s) => `${s.connectionId}=${s.verdict}/${s.fragments}`).join(' '));
    }
    expect(verdicts[0]).to.equal(verdicts[1]);
  });

  it('a dozen argus instances stopped on one replay all exit cleanly: the ordered-shutdown shim closes argus 3.0.8.2\'s shutdown race', async function () {
    // Regression, issue #9: argus 3.0.8.2 stopped by a signal on a live interface frees its source tasks from its
    // capture thread while its main thread still wakes every second to use them, and dies of SIGSEGV after
    // "interface rx is up": without the shim 2 and 3 of these 12 instances died (twice in a row), with it none.
    const why = await whyNotLive(['argus', 'ra', 'racluster']);
    if (why) this.skip();
    const out = path.join(tmp, 'argus-stops');
    const settings = Array.from({ length: 12 }, (_, i) => `${10 + i}m`);
    const result = await harness(['run', ARGUS_STOPS, '--monitors', 'argus', '--timeouts', settings.join(','), '--live', '--speedup', '60', '--out', out]);
    expect(result.exitCode, result.stderr).to.equal(0);
    const results = await readResults(out);
    for (const setting of settings) {
      const cell = liveCell(results, 'argus (live) (raw)', setting);
      expect(cell.status, `${setting}: ${cell.reason ?? ''}`).to.equal('ok');
      const argus = cell.provenance.commands.find((c) => c.service);
      expect(argus?.exitCode, `${setting}: ${argus?.stderrTail ?? ''}`).to.equal(0);
      expect(cell.provenance.notes).to.include.members(['ordered shutdown applied (LD_PRELOAD shim: the stop signal handed to argus from its main thread, which then stays out of the shutdown)']);
      expect(scoreOf(cell, 'tcp-gap-2m')).to.include({ verdict: 'accurate', fragments: 1 });
    }
    expect(await leftovers(out)).to.deep.equal([]);
  });

  it('argus live: its unscaled 30 s constant for busy UDP flows parts the replay from a sensor; those connections are not judged', async function () {
    const why = await whyNotLive(['argus']);
    if (why) this.skip();
    const out = path.join(tmp, 'argus-udp-busy');
    const result = await harness(['run', ARGUS_UDP_BUSY, '--monitors', 'argus', '--timeouts', '10m', '--live', '--speedup', '10', '--out', out]);
    expect(result.exitCode, result.stderr).to.equal(0);
    const results = await readResults(out);
    // Offline, argus cut the 100 s silence at its 30 s constant.
    const offline = results.scenarios[0]?.cells.find((c) => !c.live && c.column === 'argus (raw)');
    expect(offline?.scores.find((s) => s.connectionId === 'udp-busy-100')?.fragments).to.be.greaterThan(1);
    const live = liveCell(results, 'argus (live) (raw)', '10m');
    for (const id of ['udp-busy-100', 'udp-busy-40']) {
      const score = scoreOf(live, id) as { verdict: string; likelyReason?: string };
      expect(score.verdict, id).to.equal('unsupported');
      expect(score.likelyReason).to.match(/^not judged: replayed 10 times faster, .*compiled-in 30 s timeout.*; its rule predicts 1 record\(s\) for the replay and 1-3 on a sensor/);
    }
    expect(live.verdict).to.equal('unsupported');
    expect(result.stdout).not.to.match(/argus \(live\) \(raw\): 10m keeps every connection whole/);
  });

  it('nfpcapd live at its 100 s floor keeps gaps below the timeout whole', async function () {
    const why = await whyNotLive(['nfpcapd', 'nfdump']);
    if (why) this.skip();
    const out = path.join(tmp, 'nfpcapd');
    const result = await harness(['run', FIVE_TWENTY, '--monitors', 'nfpcapd', '--timeouts', '1h', '--live', '--speedup', '36', '--out', out]);
    expect(result.exitCode, result.stderr).to.equal(0);
    const cell = liveCell(await readResults(out), 'nfpcapd (live)', '1h');
    expect(cell.status, cell.reason).to.equal('ok');
    expect(cell.live?.replaySetting.idle.tcp).to.equal(100);
    // Offline, 1h gives nfpcapd an active timeout of 1 h too (max of its 300 s default and the idle timeout): live,
    // that is 100 s. Left to nfpcapd's max(300, 100) it would be 300 s, three hours of scenario time.
    expect(cell.live?.replaySetting.active).to.equal(100);
    expect(cell.knobValues).to.deep.include({ '-e active': 100, '-e inactive': 100 });
    expect(scoreOf(cell, 'tcp-gap-5m')).to.include({ verdict: 'accurate', fragments: 1 });
    expect(scoreOf(cell, 'tcp-gap-20m')).to.include({ verdict: 'accurate', fragments: 1 });
  });

  it('softflowd and pmacctd live run the whole setting scaled: a timeout left at its default, and the table limit', async function () {
    const why = await whyNotLive(['softflowd', 'softflowctl', 'pmacctd']);
    if (why) this.skip();
    const out = path.join(tmp, 'defaults-limits');
    const result = await harness(['run', DEFAULTS_LIMITS, '--monitors', 'softflowd,pmacct', '--timeouts', 'tcp=1h,maxflows=100', '--live', '--speedup', '60', '--out', out]);
    expect(result.exitCode, result.stderr).to.equal(0);
    const results = await readResults(out);
    const knobs = {
      'softflowd (live)': { tcp: 60, udp: 5, maxlife: 10080, '-m': 100 },
      'pmacct (live)': { 'nfprobe_timeouts tcp': 60, 'nfprobe_timeouts udp': 5, 'nfprobe_timeouts maxlife': 10080, nfprobe_maxflows: 100 },
    };
    for (const [column, knobValues] of Object.entries(knobs)) {
      const cell = liveCell(results, column, 'tcp=1h,maxflows=100');
      expect(cell.status, cell.reason).to.equal('ok');
      // No connection uses ICMP: its default is left to the tool, and sets no limit on K.
      expect(cell.live?.replaySetting, column).to.deep.include({ idle: { tcp: 60, udp: 5 }, active: 10080, limits: { maxFlows: 100 } });
      expect(cell.knobValues, column).to.deep.include(knobValues);
      // UDP's default 300 s, scaled with the rest: the 10 min silence splits, as on a sensor in production.
      expect((await scoreInFile(out, cell, 'udp-gap-10m')).fragments, column).to.equal(2);
      // Only a full table cuts the C2 session: its 10 min silences are far below the 1 h timeout.
      expect((await scoreInFile(out, cell, 'c2')).fragments, column).to.be.greaterThan(1);
    }
    // softflowd's own counters (softflowctl statistics) say why: the cut is scored as pressure, not a timeout.
    const softflowd = liveCell(results, 'softflowd (live)', 'tcp=1h,maxflows=100');
    expect(softflowd.cost?.toolState?.evictedFlows).to.be.greaterThan(0);
    expect(await scoreInFile(out, softflowd, 'c2')).to.include({ likelyReason: 'evicted: table full' });
    expect(await leftovers(out)).to.deep.equal([]);
  });

  for (const monitor of ['zeek', 'suricata']) {
    it(`${monitor} live (when a binary is present): 5 min whole, 20 min split at 10 min`, async function () {
      const envVar = `HARNESS_${monitor.toUpperCase()}`;
      const why = (await whyNotLive([])) ?? ((process.env[envVar] ?? (await which(monitor))) ? undefined : `${monitor} not installed (set ${envVar})`);
      if (why) this.skip();
      const out = path.join(tmp, monitor);
      const result = await harness(['run', FIVE_TWENTY, '--monitors', monitor, '--timeouts', '10m', '--live', '--speedup', '60', '--out', out]);
      expect(result.exitCode, result.stderr).to.equal(0);
      const cell = liveCell(await readResults(out), `${monitor} (live)`, '10m');
      expect(cell.status, cell.reason).to.equal('ok');
      expect(scoreOf(cell, 'tcp-gap-5m')).to.include({ verdict: 'accurate', fragments: 1 });
      expect(scoreOf(cell, 'tcp-gap-20m').fragments).to.equal(2);
    });
  }

  it('harness check with live: true judges the sensor live: a kept expectation passes, a broken one fails (exit 1)', async function () {
    const why = await whyNotLive(['softflowd', 'softflowctl']);
    if (why) this.skip();
    const suite = path.join(tmp, 'live.suite.yaml');
    await writeFile(suite, [
      '# A live regression check: softflowd at tcp=3m on the private wire, speedup 60.',
      'live: true',
      'speedup: 60',
      'sensors:',
      '  softflowd-3m:',
      '    monitor: softflowd',
      '    timeouts: tcp=3m',
      'scenarios:',
      `  - ${BELOW_ABOVE}`,
      'expect:',
      '  - scenario: gap-below-above',
      '    sensor: softflowd-3m',
      '    connection: tcp-gap-90s',
      '    max_fragments: 1',
      '  - scenario: gap-below-above',
      '    sensor: softflowd-3m',
      '    connection: tcp-gap-360s',
      '    max_fragments: 1',
      '',
    ].join('\n'));
    const junit = path.join(tmp, 'live-check.junit.xml');
    const out = path.join(tmp, 'live-check');
    const result = await harness(['check', suite, '--out', out, '--junit', junit]);
    // Offline softflowd ignores its timeouts and would keep both whole: only a live judgement fails the second.
    expect(result.exitCode, result.stderr).to.equal(1);
    const results = await readResults(out);
    const cell = results.scenarios[0]?.cells.find((c) => c.live && c.monitor === 'softflowd');
    expect(cell?.status, cell?.reason).to.equal('ok');
    expect(cell?.live?.speedup).to.equal(60);
    expect(scoreOf(cell as Cell, 'tcp-gap-360s').fragments).to.equal(2);
    const report = await readFile(junit, 'utf8');
    expect(report).to.match(/<testcase [^>]*name="tcp-gap-360s: [^"]*">\s*<failure/);
    expect(report).to.match(/<testcase [^>]*name="tcp-gap-90s: [^"]*"\/>/);
    expect((report.match(/<failure/g) ?? []).length).to.equal(1);
    expect(await leftovers(out)).to.deep.equal([]);
  });

  it('tcptrace has no live form: its live cells say so', async function () {
    const why = await whyNotLive(['tcptrace', 'softflowd']);
    if (why) this.skip();
    const out = path.join(tmp, 'tcptrace');
    const result = await harness(['run', FIVE_TWENTY, '--monitors', 'tcptrace,softflowd', '--timeouts', '10m', '--live', '--speedup', '120', '--out', out]);
    expect(result.exitCode, result.stderr).to.equal(0);
    const cell = (await readResults(out)).scenarios[0]?.cells.find((c) => c.column === 'tcptrace (live)');
    expect(cell?.verdict).to.equal('unsupported');
    expect(cell?.reason).to.match(/no live form/);
    // One tcptrace ran: its unsupported live cell is not a second version ("6.6.7 vs unknown: verdict changed").
    expect(await readFile(path.join(out, 'report.md'), 'utf8')).not.to.include('Versions side by side');
  });

  it('a run folder whose path holds a space and a colon still loads the LD_PRELOAD shims (the loader splits at both): softflowd and pmacctd run in immediate mode', async function () {
    const why = await whyNotLive(['softflowd', 'pmacctd']);
    if (why) this.skip();
    const out = path.join(tmp, 'my runs:live');
    const result = await harness(['run', FIVE_TWENTY, '--monitors', 'softflowd,pmacct', '--timeouts', '10m', '--live', '--speedup', '120', '--out', out]);
    expect(result.exitCode, result.stderr).to.equal(0);
    const results = await readResults(out);
    for (const column of ['softflowd (live)', 'pmacct (live)']) {
      const cell = liveCell(results, column, '10m');
      expect(cell.status, `${column}: ${cell.reason ?? ''}`).to.equal('ok');
      expect(cell.provenance.notes.join('\n'), column).to.include('immediate mode applied');
    }
    expect(await leftovers(out)).to.deep.equal([]);
  });

  it('a monitor that exits at start (fake-softflowd-exits-at-start) fails its cell with its status and stderr at once, not after 90 s of waiting for a capture', async function () {
    const why = await whyNotLive(['softflowd']);
    if (why) this.skip();
    const fake = path.join(tmp, 'fake-softflowd-exits-at-start');
    // Offline (-r) it is the real softflowd; live (-i) it exits 3, as a bad option or a missing interface makes it.
    await writeFile(fake, '#!/bin/sh\nfor a in "$@"; do [ "$a" = "-i" ] && { echo "fake softflowd: no such interface" >&2; exit 3; }; done\nexec /usr/sbin/softflowd "$@"\n', { mode: 0o755 });
    const out = path.join(tmp, 'exits-at-start');
    const result = await harness(['run', FIVE_TWENTY, '--monitors', 'softflowd', '--timeouts', '10m', '--live', '--speedup', '120', '--out', out], { env: { HARNESS_SOFTFLOWD: fake } });
    expect(result.exitCode, result.stderr).to.equal(0);
    const cell = liveCell(await readResults(out), 'softflowd (live)', '10m');
    expect(cell.status).to.equal('failed');
    expect(cell.reason).to.match(/^softflowd \(IPFIX via nfcapd\) ended \(exit status 3\) before it opened a capture on rx\n--- stderr \(tail\) ---\nfake softflowd: no such interface/);
    expect(await leftovers(out)).to.deep.equal([]);
  });

  it('a monitor that crashes mid-replay fails its own cell; the others are judged and nothing is left behind', async function () {
    const why = await whyNotLive(['softflowd', 'argus']);
    if (why) this.skip();
    const out = path.join(tmp, 'crash');
    const { run } = await startLiveRun('argus,softflowd', out);
    const victim = await pidOf('softflowd', out);
    expect(victim).to.be.a('number');
    process.kill(victim as number, 'SIGSEGV');
    const result = await run;
    expect(result.exitCode, String(result.stderr)).to.equal(0);
    const results = await readResults(out);
    const crashed = liveCell(results, 'softflowd (live)', '10m');
    expect(crashed.status).to.equal('failed');
    expect(crashed.reason).to.match(/SIGSEGV|softflowctl|shutdown/);
    expect(liveCell(results, 'argus (live) (raw)', '10m').status).to.equal('ok');
    expect(await leftovers(out)).to.deep.equal([]);
  });

  it('a monitor that ends cleanly mid-replay (argus stopped by SIGTERM flushes and exits) fails its cell: its records cover part of the replay only', async function () {
    const why = await whyNotLive(['softflowd', 'argus']);
    if (why) this.skip();
    const out = path.join(tmp, 'ends-mid-replay');
    const { run } = await startLiveRun('argus,softflowd', out);
    const victim = await pidOf('argus', out);
    expect(victim).to.be.a('number');
    // argus (as pmacctd on SIGINT) writes what it has and exits: scored as the tool's view, its cells read
    // "inaccurate" at exit 0. Neither counts packets, so only its early end tells.
    process.kill(victim as number, 'SIGTERM');
    const result = await run;
    expect(result.exitCode, String(result.stderr)).to.equal(0);
    const results = await readResults(out);
    for (const view of ['raw', 'merged']) {
      const ended = liveCell(results, `argus (live) (${view})`, '10m');
      expect(ended.status, ended.reason).to.equal('failed');
      expect(ended.reason).to.match(/^argus ended \((exit status \d+|killed by SIGTERM)\) during the replay, before it was stopped: its records cover part of the replay only/);
    }
    expect(liveCell(results, 'softflowd (live)', '10m').status).to.equal('ok');
    expect(await leftovers(out)).to.deep.equal([]);
  });

  it('Ctrl-C mid-replay: exit 130, no namespace, veth, tcpreplay or monitor process remains', async function () {
    const why = await whyNotLive(['softflowd']);
    if (why) this.skip();
    const out = path.join(tmp, 'interrupted');
    const { run } = await startLiveRun('softflowd', out);
    run.kill('SIGINT');
    const result = await run;
    expect(result.exitCode).to.equal(130);
    expect(await waitUntil(async () => (await leftovers(out)).length === 0, 10_000), (await leftovers(out)).join('\n')).to.equal(true);
    // The reports say first that the run was stopped, as an offline run's do (they said nothing of it live).
    const results = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as { interrupted?: unknown };
    expect(results.interrupted).to.not.equal(undefined);
    expect(await readFile(path.join(out, 'report.md'), 'utf8')).to.match(/interrupted/i);
  });

  it('SIGKILL of the harness mid-replay leaves nothing once the kernel has reaped it, and the next run works', async function () {
    const why = await whyNotLive(['softflowd']);
    if (why) this.skip();
    const out = path.join(tmp, 'killed');
    const { run } = await startLiveRun('softflowd', out);
    run.kill('SIGKILL');
    await run;
    expect(await waitUntil(async () => (await leftovers(out)).length === 0, 10_000), (await leftovers(out)).join('\n')).to.equal(true);
    const next = path.join(tmp, 'after-kill');
    const result = await harness(['run', FIVE_TWENTY, '--monitors', 'softflowd', '--timeouts', '10m', '--live', '--speedup', '120', '--out', next]);
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(liveCell(await readResults(next), 'softflowd (live)', '10m').status).to.equal('ok');
  });
});
