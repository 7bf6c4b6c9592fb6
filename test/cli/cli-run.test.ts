import { expect } from 'chai';
import { execa } from 'execa';
import { access, chmod, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunResults, Cell } from '../../harness/core/results.js';
import { BIN, harness, REPO, REAL_FIXTURES, waitForDescendant, waitForFile } from '../support/cli.js';

function cell(results: RunResults, column: string, setting: string): Cell {
  const found = results.scenarios[0]?.cells.find((c) => c.column === column && c.setting.label === setting);
  if (!found) throw new Error(`no cell ${column} @ ${setting}`);
  return found;
}

function mainScore(c: Cell) {
  const score = c.scores.find((s) => !s.background);
  if (!score) throw new Error(`cell ${c.column} has no score for the scenario connection`);
  return score;
}

describe('harness run scenarios/burst-20min.yaml (real monitors)', function () {
  this.timeout(600_000);
  let results: RunResults;
  let outDir: string;
  let stdout: string;

  before(async function () {
    outDir = await mkdtemp(path.join(os.tmpdir(), 'harness-run-'));
    const result = await harness(['run', 'scenarios/burst-20min.yaml', '--monitors', 'argus,tshark,softflowd', '--timeouts', 'default,1h', '--out', outDir]);
    expect(result.exitCode, result.stderr).to.equal(0);
    stdout = result.stdout;
    results = JSON.parse(await readFile(path.join(outDir, 'results.json'), 'utf8')) as RunResults;
  });

  it('writes every report atomically into --out', async () => {
    for (const file of ['results.json', 'report.md', 'report.html', 'junit.xml']) {
      await access(path.join(outDir, file));
      expect(stdout).to.include(file);
    }
    await access(path.join(outDir, 'burst-20min', 'burst-20min.pcap'));
    await access(path.join(outDir, 'burst-20min', 'burst-20min.truth.json'));
  });

  it('argus with its defaults fragments the connection, as the ideal model predicts', () => {
    const raw = cell(results, 'argus (raw)', 'default');
    const score = mainScore(raw);
    expect(raw.status).to.equal('ok');
    expect(score.verdict).to.equal('fragmented');
    const quiet = results.scenarios[0]?.truth.connections.find((c) => c.id === score.connectionId)?.quietPeriods.length ?? 0;
    expect(score.fragments).to.equal(quiet + 1);
    expect(score.predictedFragments).to.equal(score.fragments);
    expect(score.hunts.find((h) => h.thresholdS === 3600)?.byLongestRecord).to.equal(false);
  });

  it('argus at 1 h keeps it whole', () => {
    const score = mainScore(cell(results, 'argus (raw)', '1h'));
    expect(score.fragments).to.equal(1);
    expect(score.hunts.find((h) => h.thresholdS === 3600)?.byLongestRecord).to.equal(true);
  });

  it('tshark, the reference, reports one record of the true duration', () => {
    const score = mainScore(cell(results, 'tshark', 'default'));
    expect(score.fragments).to.equal(1);
    expect(score.verdict).to.equal('accurate');
    expect(Math.abs(score.longestRecordUs - score.trueDurationUs)).to.be.lessThan(1000);
  });

  it('softflowd is marked timeouts-not-honoured, not accurate', () => {
    const c = cell(results, 'softflowd', 'default');
    expect(c.honoursTimeoutsOffline).to.equal(false);
    expect(mainScore(c).verdict).to.equal('timeouts-not-honoured');
    expect(results.calibrations?.find((k) => k.monitor === 'softflowd')?.honoursTimeoutsOffline).to.equal(false);
  });

  it('prints a summary table and recommends an idle timeout', () => {
    expect(stdout).to.match(/argus \(raw\)\s+✗ fragmented/);
    expect(results.scenarios[0]?.recommendations.some((r) => r.monitor === 'argus' && r.protocol === 'tcp' && r.firstSufficientSetting === '1h')).to.equal(true);
  });

  it('renders again from results.json without rerunning', async () => {
    const md = await harness(['report', path.join(outDir, 'results.json'), '--format', 'md']);
    expect(md.exitCode).to.equal(0);
    expect(md.stdout).to.include('| argus (raw) |');
  });

  it('report --out never writes over the run\'s evidence (a truth replaced by a report was scored later); a new file or its own report is fine', async () => {
    const truth = path.join(outDir, 'burst-20min', 'burst-20min.truth.json');
    const before = await readFile(truth, 'utf8');
    const refused = await harness(['report', path.join(outDir, 'results.json'), '--format', 'md', '--out', truth]);
    expect(refused.exitCode, refused.stderr).to.equal(2);
    expect(refused.stderr).to.include('a file of the run being reported (burst-20min/burst-20min.truth.json)');
    expect(await readFile(truth, 'utf8')).to.equal(before);
    expect((await harness(['report', path.join(outDir, 'results.json'), '--format', 'md', '--out', path.join(outDir, 'summary.md')])).exitCode).to.equal(0);
  });

  it('writes every connection\'s score of each cell as JSON lines beside its raw outputs, and the same reports again', async () => {
    const scenario = results.scenarios[0]!;
    for (const c of scenario.cells.filter((x) => x.status === 'ok')) {
      expect(c.scoresFile, c.column).to.be.a('string');
      const lines = (await readFile(path.join(outDir, c.scoresFile as string), 'utf8')).trim().split('\n');
      expect(lines.map((l) => JSON.parse(l) as unknown)).to.deep.equal(c.scores);
      expect(lines).to.have.length(scenario.truth.connections.length);
    }
    const before = await readFile(path.join(outDir, 'report.md'), 'utf8');
    const html = await readFile(path.join(outDir, 'report.html'), 'utf8');
    expect((await harness(['report', path.join(outDir, 'results.json')])).exitCode).to.equal(0);
    expect(await readFile(path.join(outDir, 'report.md'), 'utf8')).to.equal(before);
    expect(await readFile(path.join(outDir, 'report.html'), 'utf8')).to.equal(html);
  });
});

describe('harness score on real Zeek output (real fixtures in the repo)', function () {
  this.timeout(120_000);
  const fixture = path.join(REAL_FIXTURES, 'zeek/longconn-42');

  async function score(log: string, setting: string): Promise<RunResults> {
    const result = await harness(['score', '--pcap', path.join(fixture, 'capture.pcap'), '--monitor', 'zeek', '--log', path.join(fixture, log), '--setting', setting, '--json']);
    expect(result.exitCode, result.stderr).to.equal(0);
    return JSON.parse(result.stdout) as RunResults;
  }

  it('default timeouts: 42 fragments, S1 then OTH, a 1 h hunt misses it', async () => {
    const results = await score('conn.default.log', 'default');
    const tcp = results.scenarios[0]?.cells[0]?.scores.find((s) => s.connectionId.startsWith('tcp-'));
    expect(tcp?.fragments).to.equal(42);
    expect(tcp?.verdict).to.equal('fragmented');
    expect(tcp?.fragmentList[0]?.state).to.equal('S1');
    expect(tcp?.fragmentList.slice(1).every((f) => f.state === 'OTH')).to.equal(true);
    const hunt = tcp?.hunts.find((h) => h.thresholdS === 3600);
    expect(hunt?.byLongestRecord).to.equal(false);
    expect(hunt?.bySum).to.equal(false);
  });

  it('60-minute timeouts: one accurate record, a 1 h hunt finds it', async () => {
    const results = await score('conn.timeouts-60min.log', 'tcp=60m,udp=60m');
    const tcp = results.scenarios[0]?.cells[0]?.scores.find((s) => s.connectionId.startsWith('tcp-'));
    expect(tcp?.fragments).to.equal(1);
    expect(tcp?.verdict).to.equal('accurate');
    expect(tcp?.hunts.find((h) => h.thresholdS === 3600)?.byLongestRecord).to.equal(true);
  });

  it('recommends the idle timeout the truth calls for, from the one setting it judged', async () => {
    const fragmented = (await score('conn.default.log', 'default')).scenarios[0]?.recommendations ?? [];
    const tcp = fragmented.find((r) => r.protocol === 'tcp');
    expect(tcp?.advice).to.match(/^tcp_inactivity_timeout = \d+m\d+s$/);
    expect(tcp?.minimumIdleS).to.be.greaterThan(20 * 60).and.lessThan(60 * 60);
    expect(tcp?.firstSufficientSetting, 'the default cut it: not sufficient').to.equal(undefined);
    const whole = (await score('conn.timeouts-60min.log', 'tcp=60m,udp=60m')).scenarios[0]?.recommendations ?? [];
    expect(whole.find((r) => r.protocol === 'tcp')?.firstSufficientSetting).to.equal('tcp=60m,udp=60m');
  });

  it('--out is a run folder: an earlier one is replaced whole, a user\'s own folder and one holding the log are refused (exit 2)', async () => {
    const args = ['score', '--pcap', path.join(fixture, 'capture.pcap'), '--monitor', 'zeek', '--log', path.join(fixture, 'conn.default.log'), '--out'];
    const dir = await mkdtemp(path.join(os.tmpdir(), 'score-out-'));
    const earlier = path.join(dir, 'earlier');
    expect((await harness([...args, earlier])).exitCode).to.equal(0);
    // What an earlier run left beside its results (a cell folder) is not mixed with the new results.
    await writeFile(path.join(earlier, 'stale-cell-output.log'), 'from an earlier run\n');
    expect((await harness([...args, earlier])).exitCode).to.equal(0);
    expect((await readdir(earlier)).sort()).to.deep.equal(['.harness-run', 'junit.xml', 'report.html', 'report.md', 'results.json']);
    const mine = path.join(dir, 'mine');
    await harness(['generate', path.join(REPO, 'scenarios/burst-20min.yaml'), '--out', mine]);
    const refused = await harness([...args, mine]);
    expect(refused.exitCode, refused.stderr).to.equal(2);
    expect(refused.stderr).to.include('a folder that holds files harness did not write');
    const holding = await harness([...args, fixture]);
    expect(holding.exitCode, holding.stderr).to.equal(2);
    expect(holding.stderr).to.match(/holds the (log being scored|capture)/);
  });

  it('takes file paths relative to where it is run (the capture is read by tshark in its own folder)', async () => {
    const result = await harness(['score', '--pcap', 'capture.pcap', '--monitor', 'zeek', '--log', 'conn.default.log'], { cwd: fixture });
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/zeek|Zeek/);
    expect(result.stdout).to.include('tcp_inactivity_timeout = ');
  });
});

describe('harness score of a log a sensor wrote while tcpreplay replayed the capture (real Zeek output, re-stamped)', function () {
  this.timeout(120_000);
  const fixture = path.join(REAL_FIXTURES, 'zeek/longconn-42');
  const firstPacketS = 1_700_000_000;
  // 2026-11-30 09:00:00 UTC: when the sensor saw the replay's first packet.
  const replayStartS = 1_796_029_200;

  /**
   * Real Zeek's conn.log as a sensor fed the replay would have stamped it: every start moved to the replay's clock
   * (K times closer together) and every duration K times shorter. The ts column keeps Zeek's six decimals.
   */
  async function replayedLog(dir: string, log: string, k: number): Promise<string> {
    const lines = (await readFile(path.join(fixture, log), 'utf8')).split('\n');
    const fields = (lines.find((l) => l.startsWith('#fields')) ?? '').split('\t').slice(1);
    const ts = fields.indexOf('ts');
    const duration = fields.indexOf('duration');
    const out = lines.map((line) => {
      if (line === '' || line.startsWith('#')) return line;
      const cells = line.split('\t');
      const micros = Math.round(Number(cells[ts]) * 1e6) - firstPacketS * 1e6;
      cells[ts] = ((replayStartS * 1e6 + Math.round(micros / k)) / 1e6).toFixed(6);
      if (cells[duration] !== '-') cells[duration] = (Math.round((Number(cells[duration]) * 1e6) / k) / 1e6).toFixed(6);
      return cells.join('\t');
    });
    const file = path.join(dir, `replayed-x${k}-${log}`);
    await writeFile(file, out.join('\n'));
    return file;
  }

  async function scoreJson(args: string[]): Promise<RunResults> {
    const result = await harness(['score', '--pcap', path.join(fixture, 'capture.pcap'), '--monitor', 'zeek', ...args, '--json']);
    expect(result.exitCode, result.stderr).to.equal(0);
    return JSON.parse(result.stdout) as RunResults;
  }

  it('at the capture\'s pace: refused without --replayed-at (naming the flag), scored as the original with it, given or auto', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'replayed-'));
    const log = await replayedLog(dir, 'conn.default.log', 1);
    const unaligned = await harness(['score', '--pcap', path.join(fixture, 'capture.pcap'), '--monitor', 'zeek', '--log', log]);
    expect(unaligned.exitCode).to.equal(2);
    expect(unaligned.stderr).to.match(/not one connection of .* if the sensor was fed it by tcpreplay, say when with --replayed-at/);
    const original = (await scoreJson(['--log', path.join(fixture, 'conn.default.log')])).scenarios[0]?.cells[0];
    for (const at of ['2026-11-30T09:00:00.000000Z', 'auto']) {
      const cell = (await scoreJson(['--log', log, '--replayed-at', at])).scenarios[0]?.cells[0];
      const tcp = cell?.scores.find((s) => s.connectionId.startsWith('tcp-'));
      expect(tcp?.fragments, at).to.equal(42);
      expect(cell?.scores.map((s) => [s.connectionId, s.verdict, s.fragments, s.modelAgreement]), at)
        .to.deep.equal(original?.scores.map((s) => [s.connectionId, s.verdict, s.fragments, s.modelAgreement]));
      expect(cell?.provenance.notes.join(' '), at).to.include('2026-11-30 09:00:00.000000 UTC is the capture\'s first packet');
    }
  });

  it('4 times faster: the sensor\'s timeouts act as 4 times themselves; the 42 fragments of a 75 s timeout are the model\'s, 15 min keeps it whole', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'replayed-'));
    // Zeek's 5 min default, replayed 4 times faster, is what a 75 s timeout does: the same 42 records.
    const cut = (await scoreJson(['--log', await replayedLog(dir, 'conn.default.log', 4), '--replayed-at', 'auto', '--speedup', '4', '--setting', 'tcp=75s,udp=15s,icmp=15s'])).scenarios[0];
    const cutTcp = cut?.cells[0]?.scores.find((s) => s.connectionId.startsWith('tcp-'));
    expect(cut?.cells[0]?.setting.label).to.equal('tcp=75s,udp=15s,icmp=15s replayed 4x');
    expect(cutTcp?.fragments).to.equal(42);
    expect(cutTcp?.verdict).to.equal('fragmented');
    expect(cutTcp?.modelAgreement).to.equal('as-predicted');
    // Durations come back in the capture's time: the records' sum is the original's (~4 s), not a quarter of it.
    const original = (await scoreJson(['--log', path.join(fixture, 'conn.default.log')])).scenarios[0]?.cells[0]?.scores.find((s) => s.connectionId.startsWith('tcp-'));
    // Each record's start and duration were rounded to the microsecond on the replay's clock: 4 us each at most.
    expect(Math.abs((cutTcp?.sumDurationUs ?? 0) - (original?.sumDurationUs ?? Number.NaN))).to.be.at.most(4 * 42);
    const whole = (await scoreJson(['--log', await replayedLog(dir, 'conn.timeouts-60min.log', 4), '--replayed-at', 'auto', '--speedup', '4', '--setting', 'tcp=15m,udp=15m'])).scenarios[0];
    const wholeTcp = whole?.cells[0]?.scores.find((s) => s.connectionId.startsWith('tcp-'));
    expect(wholeTcp?.fragments).to.equal(1);
    expect(wholeTcp?.verdict).to.equal('accurate');
    // The model agrees only in capture time: 15 min read unscaled would have predicted the 20-minute gaps cut.
    expect(wholeTcp?.modelAgreement).to.equal('as-predicted');
    expect(wholeTcp?.predictedFragments).to.equal(1);
  });

  it('refuses --speedup without --replayed-at, a speedup below 1 and a start that is not a time, each in one line with exit 2', async () => {
    const base = ['score', '--pcap', path.join(fixture, 'capture.pcap'), '--monitor', 'zeek', '--log', path.join(fixture, 'conn.default.log')];
    const cases: [string[], RegExp][] = [
      [['--speedup', '4'], /^harness: harness score --speedup: found "4" without --replayed-at; expected/],
      [['--replayed-at', 'auto', '--speedup', '0.5'], /^harness: harness score --speedup: found "0\.5"; expected tcpreplay's multiplier/],
      [['--replayed-at', '2026-02-30T09:00:00Z'], /^harness: harness score --replayed-at: found "2026-02-30T09:00:00Z"; expected when the sensor saw/],
    ];
    for (const [flags, message] of cases) {
      const result = await harness([...base, ...flags]);
      expect(result.exitCode, flags.join(' ')).to.equal(2);
      expect(result.stderr.trim().split('\n'), flags.join(' ')).to.have.length(1);
      expect(result.stderr, flags.join(' ')).to.match(message);
    }
  });
});

describe('harness run with failing monitors (fakes)', function () {
  this.timeout(300_000);

  // A sleep this run alone would start: the shell's child, which must not outlive the run either.
  const uniqueSleep = (): string => `sleep 600.${process.pid}${Math.floor(Math.random() * 1e6)}`;

  async function fakeMonitor(dir: string, name: string, body: string): Promise<string> {
    const file = path.join(dir, name);
    // Answers the version probe like the real tool, then misbehaves on a real run.
    await writeFile(file, `#!/bin/sh\ncase "$1" in -v|-h|-V|--version) echo "tcptrace version 6.6.7 (${name})"; exit 0;; esac\n${body}\n`);
    await chmod(file, 0o755);
    return file;
  }

  it('a crashing monitor becomes a failed cell with its exit status and stderr; the others go on', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-fault-'));
    const fake = await fakeMonitor(dir, 'fake-tcptrace-crash', 'echo "segfault in fake tcptrace" >&2; exit 139');
    const out = path.join(dir, 'run');
    const result = await harness(['run', 'scenarios/burst-20min.yaml', '--monitors', 'tcptrace,tshark', '--timeouts', 'default', '--out', out], { env: { HARNESS_TCPTRACE: fake } });
    expect(result.exitCode, result.stderr).to.equal(0);
    const results = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as RunResults;
    const failed = cell(results, 'tcptrace', 'default');
    expect(failed.status).to.equal('failed');
    expect(failed.reason).to.include('exit status 139');
    expect(failed.reason).to.include('segfault in fake tcptrace');
    expect(cell(results, 'tshark', 'default').status).to.equal('ok');
  });

  it('a hanging monitor is killed at the time limit and reported', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-fault-'));
    const nap = uniqueSleep();
    const fake = await fakeMonitor(dir, 'fake-tcptrace-hang', `trap "" TERM; ${nap}`);
    const out = path.join(dir, 'run');
    const result = await harness(['run', 'scenarios/burst-20min.yaml', '--monitors', 'tcptrace', '--timeouts', 'default', '--time-limit', '3s', '--out', out], { env: { HARNESS_TCPTRACE: fake } });
    expect(result.exitCode, result.stderr).to.equal(0);
    const results = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as RunResults;
    const failed = cell(results, 'tcptrace', 'default');
    expect(failed.status).to.equal('failed');
    expect(failed.reason).to.match(/hung/);
    const left = await execa('pgrep', ['-f', `${dir}|${nap}`], { reject: false });
    expect(left.stdout.trim(), 'no fake process outlives the run').to.equal('');
  });

  it('Ctrl-C stops every child, keeps what finished, and exits 130', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-fault-'));
    const marker = path.join(dir, 'started');
    // Calibration pcaps are left alone, so that the interrupt lands in a real cell.
    const nap = uniqueSleep();
    const fake = await fakeMonitor(dir, 'fake-tcptrace-sigint', `case "$*" in *calibration*) exit 0;; esac\ntouch ${marker}\n${nap}`);
    const out = path.join(dir, 'run');
    const child = execa(BIN, ['run', 'scenarios/burst-20min.yaml', '--monitors', 'tshark,tcptrace', '--timeouts', 'default', '--jobs', '1', '--out', out], {
      cwd: REPO, env: { NO_COLOR: '1', HARNESS_TCPTRACE: fake }, reject: false, stdin: 'ignore',
    });
    await waitForFile(marker);
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode, String(result.stderr)).to.equal(130);
    const results = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as RunResults;
    const interrupted = results.scenarios[0]?.cells.find((c) => c.monitor === 'tcptrace');
    expect(interrupted?.status).to.equal('failed');
    expect(interrupted?.reason).to.match(/interrupt/);
    const left = await execa('pgrep', ['-f', `${dir}|${nap}`], { reject: false });
    expect(left.stdout.trim(), 'no fake process outlives the run').to.equal('');
  });
  it('a hangup (the terminal closed, ssh dropped) is an interrupt: what finished is written, exit 130, no crash on the gone terminal', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-hangup-'));
    const marker = path.join(dir, 'started');
    const rcFile = path.join(dir, 'rc');
    const nap = uniqueSleep();
    const fake = await fakeMonitor(dir, 'fake-tcptrace-hangup', `case "$*" in *calibration*) exit 0;; esac\ntouch ${marker}\n${nap}`);
    const out = path.join(dir, 'run');
    const quote = (word: string): string => `'${word.replaceAll("'", "'\\''")}'`;
    const run = [BIN, 'run', 'scenarios/burst-20min.yaml', '--monitors', 'tshark,tcptrace', '--timeouts', 'default', '--jobs', '1', '--out', out].map(quote).join(' ');
    // script(1) gives the run a terminal. Closing it (script killed) hangs up the session: its leader, the shell,
    // dies of SIGHUP and the kernel sends SIGHUP to the run's process group; every later write to the terminal fails
    // (EIO), and Node's own reset of the terminal at exit aborted (SIGABRT) on it. The subshell that waits for the
    // run ignores SIGHUP to record its exit status; the harness sets its own handler.
    const script = execa('script', ['-qc', `(trap '' HUP; ${run}; echo $? > ${quote(rcFile)}) & wait`, '/dev/null'], {
      cwd: REPO, env: { NO_COLOR: '1', HARNESS_TCPTRACE: fake }, reject: false, stdin: 'ignore',
    });
    await waitForFile(marker);
    script.kill('SIGKILL');
    await script;
    let rc = '';
    for (let i = 0; i < 600 && rc === ''; i += 1) {
      rc = (await readFile(rcFile, 'utf8').catch(() => '')).trim();
      if (rc === '') await new Promise((r) => setTimeout(r, 100));
    }
    expect(rc, 'the exit status of the hung-up run').to.equal('130');
    const results = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as RunResults;
    expect(results.interrupted).to.not.equal(undefined);
    expect(cell(results, 'tshark', 'default').status).to.equal('ok');
    const interrupted = cell(results, 'tcptrace', 'default');
    expect(interrupted.status).to.equal('failed');
    expect(interrupted.reason).to.match(/interrupt/);
    expect((await readdir(out)).sort()).to.include.members(['report.html', 'report.md', 'results.json']);
    expect((await readdir(out)).filter((name) => name.endsWith('.tmp') || name === '.harness-lock')).to.deep.equal([]);
    const left = await execa('pgrep', ['-f', `${dir}|${nap}`], { reject: false });
    expect(left.stdout.trim(), 'no fake process outlives the run').to.equal('');
  });
});

describe('Ctrl-C while a large pcap is being generated', function () {
  this.timeout(300_000);

  // About 12 M packets (several seconds): the interrupt lands while this one is being written.
  const LARGE = `name: large
description: two thousand busy connections, only here to be interrupted
seed: 1
connections:
  - id: bulk
    protocol: tcp
    client: 192.0.2.1-192.0.2.200:20000-20009
    server: 198.51.100.80:443
    count: 2000
    stagger: 10ms
    activity:
      pattern: { bursts: 2000, gap: 10s, request: 100, response: 200 }
`;

  async function twoScenarios(): Promise<{ dir: string; files: string[] }> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-interrupt-'));
    const large = path.join(dir, 'large.yaml');
    await writeFile(large, LARGE);
    return { dir, files: [path.join(REPO, 'scenarios/burst-20min.yaml'), large] };
  }

  /** Starts the CLI and sends SIGINT as soon as `ready` shows in its output. */
  async function interruptWhen(args: string[], ready: RegExp, signal: NodeJS.Signals = 'SIGINT'): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> {
    const child = execa(BIN, args, { cwd: REPO, env: { NO_COLOR: '1' }, reject: false, stdin: 'ignore', timeout: 240_000 });
    let seen = '';
    let sent = false;
    // Once only: a second Ctrl-C means "quit now" and would skip writing what finished.
    const watch = (chunk: Buffer): void => {
      seen += chunk.toString();
      if (!sent && ready.test(seen)) {
        sent = true;
        child.kill(signal);
      }
    };
    child.stdout?.on('data', watch);
    child.stderr?.on('data', watch);
    const result = await child;
    return { exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
  }

  it('harness generate keeps the finished scenario, leaves nothing of the interrupted one, exits 130', async () => {
    const { dir, files } = await twoScenarios();
    const out = path.join(dir, 'out');
    const result = await interruptWhen(['generate', ...files, '--out', out], /sha256 {2,}[0-9a-f]{64}/);
    expect(result.exitCode, result.stderr).to.equal(130);
    expect(result.stderr).to.include('generation of large interrupted');
    expect((await readdir(out)).sort()).to.deep.equal(['burst-20min.pcap', 'burst-20min.truth.conn.log', 'burst-20min.truth.json']);
  });

  it('harness generate hung up (SIGHUP) does as interrupted: the finished scenario kept, no partial pcap, exit 130', async () => {
    const { dir, files } = await twoScenarios();
    const out = path.join(dir, 'out');
    const result = await interruptWhen(['generate', ...files, '--out', out], /sha256 {2,}[0-9a-f]{64}/, 'SIGHUP');
    expect(result.exitCode, result.stderr).to.equal(130);
    expect(result.stderr).to.include('SIGHUP: stopping');
    expect(result.stderr).to.include('generation of large interrupted: its partial pcap was removed');
    expect((await readdir(out)).sort()).to.deep.equal(['burst-20min.pcap', 'burst-20min.truth.conn.log', 'burst-20min.truth.json']);
  });

  it('harness run writes results for the scenario generated before the interrupt, its cells marked interrupted', async () => {
    const { dir, files } = await twoScenarios();
    const out = path.join(dir, 'run');
    const result = await interruptWhen(['run', ...files, '--monitors', 'tshark', '--timeouts', 'default', '--out', out], /generated burst-20min/);
    expect(result.exitCode, result.stderr).to.equal(130);
    const results = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as RunResults;
    expect(results.scenarios.map((s) => s.name)).to.deep.equal(['burst-20min']);
    const cells = results.scenarios[0]?.cells ?? [];
    expect(cells.length).to.be.greaterThan(0);
    for (const c of cells) expect(c.reason ?? '', c.column).to.match(/interrupt/);
    expect(results.interrupted?.scenariosNotGenerated).to.deep.equal(['large']);
    expect(result.stdout).to.include('never generated (large)');
    expect(await readdir(path.join(out, 'large')).catch(() => [])).to.not.include('large.pcap');
  });

  /**
   * Runs the bundled state-pressure scenario (100,000 connections: the encoder, slower than the sink, always finds a
   * free chunk, so no flush waits on the event loop) and sends SIGINT `times` times once its pcap is being written.
   */
  async function interruptGeneration(times: 1 | 2 | 'delivered twice'): Promise<{ exitCode: number | undefined; signal: string | undefined; out: string; stderr: string }> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-interrupt-'));
    const out = path.join(dir, 'run');
    const child = execa(BIN, ['run', 'scenarios/state-pressure.yaml', '--monitors', 'tshark', '--timeouts', 'default', '--out', out], { cwd: REPO, env: { NO_COLOR: '1' }, reject: false, stdin: 'ignore', timeout: 240_000 });
    const tmp = path.join(out, 'state-pressure', 'state-pressure.pcap.tmp');
    // Well into the pcap (60 of its 178 MB), where the encoder runs steadily: the moment the handler was not run.
    while (((await stat(tmp).catch(() => undefined))?.size ?? 0) < 60e6) {
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGINT');
    if (times === 'delivered twice') child.kill('SIGINT');
    if (times === 2) {
      // A person's second Ctrl-C: one within 250 ms is the same request delivered twice (timeout(1) signals the
      // process and its group).
      await new Promise((r) => setTimeout(r, 400));
      child.kill('SIGINT');
    }
    const result = await child;
    return { exitCode: result.exitCode, signal: result.signal, out, stderr: String(result.stderr) };
  }

  it('Ctrl-C while a pcap is generated stops it there (the pcap was written whole first): nothing of it is left', async () => {
    const { exitCode, out, stderr } = await interruptGeneration(1);
    expect(exitCode, stderr).to.equal(130);
    expect(await readdir(path.join(out, 'state-pressure')).catch(() => [])).to.deep.equal([]);
    const results = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as RunResults;
    expect(results.interrupted?.scenariosNotGenerated).to.deep.equal(['state-pressure']);
  });

  it('one SIGINT delivered twice at once (timeout(1) signals the process and its group) is one request: what finished is written', async () => {
    const { exitCode, out, stderr } = await interruptGeneration('delivered twice');
    expect(exitCode, stderr).to.equal(130);
    const results = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as RunResults;
    expect(results.interrupted?.scenariosNotGenerated).to.deep.equal(['state-pressure']);
  });

  it('a second Ctrl-C quits at once and still leaves no temporary file behind', async () => {
    const { exitCode, signal, out, stderr } = await interruptGeneration(2);
    // The second one may land once the run is over and its handler gone: then SIGINT's own default ends it.
    expect(exitCode === 130 || signal === 'SIGINT', `${exitCode} ${signal} ${stderr}`).to.equal(true);
    const left = await readdir(out, { recursive: true });
    expect(left.filter((name) => String(name).endsWith('.tmp')), `exit ${exitCode} ${signal}: ${stderr}`).to.deep.equal([]);
  });
});

describe('harness monitors --calibrate (real monitors)', function () {
  this.timeout(300_000);

  it('measures on a one-gap pcap which installed monitors apply their timeouts when reading a pcap', async () => {
    const result = await harness(['monitors', '--calibrate', '--json']);
    expect(result.exitCode, result.stderr).to.equal(0);
    const rows = JSON.parse(result.stdout) as { id: string; detection: { found: boolean }; measuredHonoursTimeoutsOffline?: boolean; calibration?: string }[];
    const row = (id: string) => rows.find((r) => r.id === id);
    // What the adapters' tests establish on these tools: argus cuts at its idle timeout, softflowd never does on a pcap.
    expect(row('argus')?.measuredHonoursTimeoutsOffline, row('argus')?.calibration).to.equal(true);
    expect(row('softflowd')?.measuredHonoursTimeoutsOffline, row('softflowd')?.calibration).to.equal(false);
    expect(row('tshark')?.calibration).to.match(/keeps no state timeouts/);
  });

  it('Ctrl-C during calibration exits 130, still lists every monitor, and marks the ones not calibrated', async () => {
    const child = execa(BIN, ['monitors', '--calibrate'], { cwd: REPO, env: { NO_COLOR: '1' }, reject: false, stdin: 'ignore' });
    // Once a calibration run is under way: a fixed delay lands before Node's handler is installed on a loaded machine.
    await waitForDescendant(child.pid as number, /calibration/);
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode, String(result.stderr)).to.equal(130);
    expect(String(result.stderr)).to.not.match(/\n\s+at /);
    for (const id of ['argus', 'nfpcapd', 'softflowd', 'tshark', 'zeek']) expect(String(result.stdout)).to.match(new RegExp(`^${id} — `, 'm'));
    expect(String(result.stdout)).to.include('not calibrated: interrupted');
  });
});
