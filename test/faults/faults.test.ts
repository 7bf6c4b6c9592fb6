import { expect } from 'chai';
import { execa } from 'execa';
import { randomUUID } from 'node:crypto';
import { access, chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Cell, RunResults } from '../../harness/core/results.js';
import { which } from '../../harness/executor/which.js';
import { bookkeeperKeys } from '../../harness/netflow/nfdump-bookkeeper.js';
import { BIN, harness, REPO, type CliResult, waitFor } from '../support/cli.js';

/**
 * Run-time faults, each with the FAKE monitor that causes it (test/faults/fake-*.sh, injected through the adapters'
 * HARNESS_<TOOL> variables) or with the real Debian monitors: after each, the fault is in its own cell (exit status,
 * stderr tail), the real monitor run beside it is intact, and no process of the run remains. Every process of a run
 * carries a unique marker in its environment, so what is left is found by the marker, never by a name.
 */
const FAKES = path.join(REPO, 'test/faults');
const SCENARIO = 'scenarios/burst-20min.yaml';
const MARK_VAR = 'HARNESS_FAULT_TEST_MARK';

/** Processes whose environment holds the marker: the harness and everything it started, at any depth, in any namespace. */
async function processesMarked(mark: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const environ = await readFile(`/proc/${pid}/environ`, 'latin1').catch(() => '');
    if (!environ.includes(`${MARK_VAR}=${mark}`)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'latin1').catch(() => '');
    found.push(`${pid}: ${cmdline.replace(/\0/g, ' ').trim()}`);
  }
  return found;
}

/** The marked processes still there once the kernel has had a moment to deliver the last kills. */
async function leftAfterRun(mark: string): Promise<string[]> {
  let left: string[] = [];
  for (let i = 0; i < 30; i += 1) {
    left = await processesMarked(mark);
    if (left.length === 0) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
  return left;
}

async function readResults(out: string): Promise<RunResults> {
  return JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as RunResults;
}

function cellOf(results: RunResults, column: string): Cell {
  const found = results.scenarios[0]?.cells.find((c) => c.column === column && c.setting.label === 'default');
  if (!found) throw new Error(`no cell ${column} @ default in ${results.scenarios[0]?.cells.map((c) => c.column).join(', ')}`);
  return found;
}

interface FaultRun { result: CliResult; results: RunResults; out: string; mark: string }

/** `harness run` with one fake in place of `monitor`'s binary, beside the real tshark. */
async function runWithFake(monitor: string, fake: string, extra: string[] = [], env: Record<string, string> = {}): Promise<FaultRun> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-fault-'));
  const out = path.join(dir, 'run');
  const mark = randomUUID();
  const result = await harness(['run', SCENARIO, '--monitors', `${monitor},tshark`, '--timeouts', 'default', '--out', out, ...extra], {
    env: { [`HARNESS_${monitor.toUpperCase()}`]: path.join(FAKES, fake), [MARK_VAR]: mark, ...env },
  });
  expect(result.exitCode, result.stderr).to.equal(0);
  return { result, results: await readResults(out), out, mark };
}

/** runWithFake with a fake that wraps the real tcptrace (REAL_TCPTRACE) and alters what it writes. */
async function runWithTcptraceWrapper(fake: string): Promise<FaultRun> {
  const tcptrace = await which('tcptrace');
  if (!tcptrace) throw new Error('tcptrace is installed by setup.sh');
  return runWithFake('tcptrace', fake, [], { REAL_TCPTRACE: tcptrace });
}

/** What every fault must leave: the real tshark's cell whole, and no process of the run. */
async function expectIsolated(run: FaultRun): Promise<void> {
  const tshark = cellOf(run.results, 'tshark');
  expect(tshark.status, tshark.reason).to.equal('ok');
  expect(tshark.verdict).to.equal('accurate');
  expect(await leftAfterRun(run.mark), 'no process of the run outlives it').to.deep.equal([]);
}

const isRoot = process.getuid?.() === 0;

describe('faults: fake monitors that crash, hang, flood, say nothing or lie', function () {
  this.timeout(300_000);

  it('a crashing monitor fails its own cell with its exit status and stderr tail', async () => {
    const run = await runWithFake('tcptrace', 'fake-crashing-monitor.sh');
    const cell = cellOf(run.results, 'tcptrace');
    expect(cell.status).to.equal('failed');
    expect(cell.reason).to.include('exit status 139');
    expect(cell.reason).to.include('Segmentation fault (core dumped)');
    await expectIsolated(run);
  });

  it('a hanging monitor is stopped at the time limit', async () => {
    const run = await runWithFake('tcptrace', 'fake-hanging-monitor.sh', ['--time-limit', '20s']);
    const cell = cellOf(run.results, 'tcptrace');
    expect(cell.status).to.equal('failed');
    expect(cell.reason).to.match(/hung: still running after 20 s, killed/);
    await expectIsolated(run);
  });

  it('a monitor that ignores SIGTERM is killed after the grace period', async () => {
    const run = await runWithFake('tcptrace', 'fake-sigterm-ignoring-monitor.sh', ['--time-limit', '20s']);
    const cell = cellOf(run.results, 'tcptrace');
    expect(cell.status).to.equal('failed');
    expect(cell.reason).to.match(/hung/);
    expect(cell.provenance.commands.at(-1)?.signal).to.equal('SIGKILL');
    await expectIsolated(run);
  });

  it('a flooding monitor is stopped at --max-output and fails only its cell; memory stays bounded', async () => {
    const run = await runWithFake('tcptrace', 'fake-flooding-monitor.sh', ['--max-output', '1MB']);
    const cell = cellOf(run.results, 'tcptrace');
    expect(cell.status).to.equal('failed');
    expect(cell.reason).to.match(/wrote more than the output limit of 1 MB for one file \(tcptrace\.csv\)/);
    // 300 MB on stderr first: only its tail was kept (the whole of it would once have been held in memory).
    expect(cell.provenance.commands.at(-1)?.stderrTail).to.match(/fake-flooding-monitor: stderr line\n/);
    const csv = path.join(run.out, cell.provenance.dir, 'tcptrace.csv');
    expect((await readFile(csv)).length).to.equal(1e6);
    await expectIsolated(run);
  });

  it('--max-output is validated like every flag', async () => {
    for (const bad of ['lots', '0', '12XB', '100']) {
      const result = await harness(['run', SCENARIO, '--monitors', 'tshark', '--max-output', bad]);
      expect(result.exitCode, bad).to.equal(2);
      expect(result.stderr.trim().split('\n')).to.have.length(1);
      expect(result.stderr).to.include('harness run --max-output: found');
    }
  });

  it('a monitor that exits 0 and writes nothing, while the capture holds connections, failed: "no output", not "missed"', async () => {
    const run = await runWithFake('nfpcapd', 'fake-silent-monitor.sh');
    const cell = cellOf(run.results, 'nfpcapd');
    expect(cell.status).to.equal('failed');
    expect(cell.verdict).to.equal('failed');
    expect(cell.reason).to.match(/^no output: fake-silent-monitor\.sh ended with exit status 0 but reported no record, while the capture holds \d+ connection/);
    expect(run.results.scenarios[0]?.recommendations.some((r) => r.monitor === 'nfpcapd'), 'no recommendation from a failed monitor').to.equal(false);
    await expectIsolated(run);
  });

  it('a monitor writing garbage fails its cell as unreadable output, naming the file and line', async () => {
    const run = await runWithFake('tcptrace', 'fake-garbage-monitor.sh');
    const cell = cellOf(run.results, 'tcptrace');
    expect(cell.status).to.equal('failed');
    expect(cell.reason).to.match(/^unreadable output: tcptrace\.csv:1:1: found "this is not a record"/);
    await expectIsolated(run);
  });

  it('a monitor that read another capture (exit 0) fails its cell as unrelated output, not "missed"', async () => {
    const run = await runWithTcptraceWrapper('fake-other-capture-monitor.sh');
    const cell = cellOf(run.results, 'tcptrace');
    expect(cell.status).to.equal('failed');
    expect(cell.verdict).to.equal('failed');
    expect(cell.reason).to.match(/^unrelated output: \d+ record\(s\) and not one connection of burst-20min among them \(\d+ belong to no connection; the first: tcp 203\.0\.113\.7:\d+ -> 203\.0\.113\.8:\d+ at .*\), while burst-20min\.pcap holds \d+ scenario connection\(s\) .*did the monitor read another capture\?$/);
    expect(cell.aggregate).to.equal(undefined);
    expect(cell.spurious.length).to.be.greaterThan(0);
    // Its records stay as the evidence; its scores (every connection "missed") are not left in the folder unnamed.
    const cellDir = path.join(run.out, 'burst-20min', 'tcptrace', 'default');
    expect(cell.recordsFile).to.be.a('string');
    expect(cell.scoresFile).to.equal(undefined);
    const files = await readdir(cellDir);
    expect(files.filter((f) => f.startsWith('scores.'))).to.deep.equal([]);
    expect(files.filter((f) => f.startsWith('records.'))).to.have.length(1);
    expect(run.results.scenarios[0]?.recommendations.some((r) => r.monitor === 'tcptrace'), 'no recommendation from a failed monitor').to.equal(false);
    await expectIsolated(run);
  });

  it('a monitor whose output lost its last rows (exit 0, a full disk) fails its cell as output incomplete, not "missed"', async () => {
    const run = await runWithTcptraceWrapper('fake-row-dropping-monitor.sh');
    const cell = cellOf(run.results, 'tcptrace');
    expect(cell.status).to.equal('failed');
    expect(cell.reason).to.match(/^output incomplete: tcptrace\.csv:\d+:1: found (\d+) connection row\(s\) at the end of the file, while line \d+ says "\d+ TCP connections traced"/);
    await expectIsolated(run);
  });

  it('a monitor that starts a detached child (setsid): the child dies with the cell', async function () {
    if (!isRoot) this.skip(); // Without root there is no PID namespace: a setsid'ed grandchild can outlive its cell (README).
    const run = await runWithFake('tcptrace', 'fake-detaching-monitor.sh', ['--time-limit', '20s']);
    const cell = cellOf(run.results, 'tcptrace');
    expect(cell.status).to.equal('failed');
    await expectIsolated(run);
  });

  it('a version that cannot be read is a warning in results.json and every report, not a silent "unknown"', async () => {
    const tshark = await which('tshark');
    if (!tshark) throw new Error('tshark is installed by setup.sh');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-fault-'));
    const out = path.join(dir, 'run');
    const result = await harness(['run', SCENARIO, '--monitors', 'tshark', '--timeouts', 'default', '--out', out], {
      env: { HARNESS_TSHARK: path.join(FAKES, 'fake-versionless-monitor.sh'), REAL_TSHARK: tshark },
    });
    expect(result.exitCode, result.stderr).to.equal(0);
    const results = await readResults(out);
    expect(cellOf(results, 'tshark').version).to.equal('unreadable');
    expect(results.warnings?.[0]).to.match(/^tshark \(reference\): version unreadable: `.*fake-versionless-monitor\.sh --version` printed "a build without a version string"/);
    expect(result.stdout).to.include('Warning: tshark (reference): version unreadable');
    expect(await readFile(path.join(out, 'report.md'), 'utf8')).to.include('Warning: tshark (reference): version unreadable');
    expect(await readFile(path.join(out, 'report.html'), 'utf8')).to.include('Warning: tshark (reference): version unreadable');
  });

  it('a version probe that prints terminal escapes reaches the terminal as escaped text, never as codes', async () => {
    const tshark = await which('tshark');
    if (!tshark) throw new Error('tshark is installed by setup.sh');
    const env = { HARNESS_TSHARK: path.join(FAKES, 'fake-escaping-version-monitor.sh'), REAL_TSHARK: tshark };
    const listed = await harness(['monitors'], { env });
    expect(listed.exitCode, listed.stderr).to.equal(0);
    expect(listed.stdout).to.include('printed "\\u001b]0;TITLE-HIJACK\\u0007\\u001b[2J');
    expect(listed.stdout + listed.stderr).to.not.include('\u001b]0;');
    expect(listed.stdout + listed.stderr).to.not.include('\u001b[2J');
  });

  it('a monitor whose --version hangs is found, its version "unreadable (timed out)", not missing', async () => {
    const tshark = await which('tshark');
    if (!tshark) throw new Error('tshark is installed by setup.sh');
    const mark = randomUUID();
    const env = { HARNESS_TSHARK: path.join(FAKES, 'fake-version-hanging-monitor.sh'), REAL_TSHARK: tshark, [MARK_VAR]: mark };
    const listed = await harness(['monitors', '--json'], { env });
    expect(listed.exitCode, listed.stderr).to.equal(0);
    const row = (JSON.parse(listed.stdout) as { id: string; detection: { found: boolean; version?: string; versionWarning?: string } }[]).find((r) => r.id === 'tshark');
    expect(row?.detection.found).to.equal(true);
    expect(row?.detection.version).to.equal('unreadable (timed out)');
    expect(row?.detection.versionWarning).to.match(/gave no answer in 15 s/);
    expect(await leftAfterRun(mark), 'the hung probe is killed').to.deep.equal([]);
  });
});

describe('faults: the harness itself killed with SIGKILL', function () {
  this.timeout(300_000);

  /** Starts a run (marked), waits until `ready` holds, SIGKILLs the harness and returns what is left of the run. */
  async function killMidRun(monitors: string, env: Record<string, string>, ready: (mark: string) => Promise<boolean>, asUser?: string[]): Promise<string[]> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-sigkill-'));
    await chmod(dir, 0o777);
    const mark = randomUUID();
    const argv = [BIN, 'run', SCENARIO, '--monitors', monitors, '--timeouts', 'default,1h', '--jobs', '4', '--out', path.join(dir, 'run')];
    const [file, ...args] = asUser ? [...asUser, ...argv] : argv;
    const child = execa(file as string, args, { cwd: REPO, env: { NO_COLOR: '1', [MARK_VAR]: mark, ...env }, reject: false, stdin: 'ignore' });
    let exited = false;
    void child.then(() => { exited = true; });
    try {
      await waitFor('the run to reach its monitors', async () => {
        if (await ready(mark)) return true;
        if (exited) throw new Error(`the run ended before reaching its monitors: ${(await child).stderr.slice(-2000)}`);
        return false;
      });
    } finally {
      // The harness is the wrapper's process when running as another user: kill whichever is the node process.
      const harnessPids = (await processesMarked(mark)).filter((p) => /node .*bin\/harness run/.test(p)).map((p) => Number(p.split(':')[0]));
      for (const pid of harnessPids) process.kill(pid, 'SIGKILL');
      child.kill('SIGKILL');
      await child;
    }
    const left = await leftAfterRun(mark);
    // Without namespaces a killed collector leaves its bookkeeper (System V shared memory and a semaphore, keyed on
    // its folder) on the machine: nfcapd takes it over next time (its pid is gone), but the test removes its own.
    if (asUser) {
      for (const monitor of monitors.split(',')) {
        // The cells' collectors, and calibration's (the kill may come while it runs).
        const folders = [...['default', '1h'].map((setting) => path.join('burst-20min', monitor, setting)), path.join('calibration', monitor, 'run')];
        for (const folder of folders) {
          for (const collector of ['nfcapd', 'flows']) {
            const keys = bookkeeperKeys(path.join(dir, 'run', folder, collector));
            await execa('ipcrm', ['-M', keys.shm], { reject: false, stdin: 'ignore' });
            await execa('ipcrm', ['-S', keys.sem], { reject: false, stdin: 'ignore' });
          }
        }
      }
    }
    return left;
  }

  const collectorRunning = async (mark: string): Promise<boolean> => (await processesMarked(mark)).some((p) => /\bnfcapd\b/.test(p));

  it('as root: no collector, monitor or setsid-detached grandchild survives', async function () {
    if (!isRoot) this.skip();
    const env = { HARNESS_TCPTRACE: path.join(FAKES, 'fake-detaching-monitor.sh') };
    const detachedAndCollecting = async (mark: string): Promise<boolean> => {
      const procs = await processesMarked(mark);
      return procs.some((p) => /\bnfcapd\b/.test(p)) && procs.some((p) => /^\d+: sleep 3600$/.test(p));
    };
    expect(await killMidRun('softflowd,pmacct,tcptrace', env, detachedAndCollecting)).to.deep.equal([]);
  });

  it('as root: an nfpcapd killed with the harness leaves no bookkeeper behind; the next run into the folder reads it', async function () {
    if (!isRoot) this.skip();
    // nfpcapd keeps a SysV segment keyed on its flow folder's path, recording its pid (2, in its PID namespace), and
    // removes it only on a clean exit: every later nfpcapd on that folder said "Another collector with pid 2".
    const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'harness-nfpcapd-kill-')), 'run');
    const args = ['run', SCENARIO, '--monitors', 'nfpcapd', '--timeouts', 'default', '--out', out];
    const mark = randomUUID();
    const child = execa(BIN, args, { cwd: REPO, env: { NO_COLOR: '1', [MARK_VAR]: mark }, reject: false, stdin: 'ignore' });
    let exited = false;
    void child.then(() => { exited = true; });
    const nfpcapdOf = async (): Promise<number[]> => (await processesMarked(mark)).filter((p) => /^\d+: \S*nfpcapd -r .* -w \S*\/burst-20min\/nfpcapd\/default\/flows /.test(p)).map((p) => Number(p.split(':')[0]));
    try {
      // Polled closely: nfpcapd reads this capture in under a second.
      await waitFor('nfpcapd to run', async () => {
        if ((await nfpcapdOf()).length > 0) return true;
        if (exited) throw new Error(`the run ended before nfpcapd was seen: ${(await child).stderr.slice(-2000)}`);
        return false;
      }, 6000);
    } finally {
      child.kill('SIGKILL');
      await child;
    }
    expect(await leftAfterRun(mark)).to.deep.equal([]);
    const next = await harness(args);
    expect(next.exitCode, next.stderr).to.equal(0);
    const cell = cellOf(await readResults(out), 'nfpcapd');
    expect(cell.status, cell.reason).to.equal('ok');
  });

  it('without root (no PID namespace): the monitors and collectors still die with the harness', async function () {
    if (!isRoot) this.skip(); // Needs root to become another user; as a normal user the suite itself runs this case.
    const nobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'];
    // A clone under a private home (or mktemp's 0700 folder) cannot be read by nobody: that says nothing of the harness.
    const readable = await execa(nobody[0] as string, [...nobody.slice(1), 'test', '-r', BIN], { reject: false });
    if (readable.exitCode !== 0) {
      console.log(`      (skipped: uid 65534 cannot read ${BIN}; .ci/run makes its copy world-readable for this case)`);
      this.skip();
    }
    const hang = path.join(FAKES, 'fake-hanging-monitor.sh');
    const env = { HARNESS_TCPTRACE: hang, HOME: '/tmp' };
    const fakeRunning = async (mark: string): Promise<boolean> => (await processesMarked(mark)).some((p) => /^\d+: sleep 3600$/.test(p));
    // Both up: the collector of softflowd's cell and the fake (one process: a shell's own children, which the harness
    // did not start, can outlive it without a namespace, as the README says).
    const left = await killMidRun('softflowd,tcptrace', env, async (mark) => (await collectorRunning(mark)) && fakeRunning(mark), nobody);
    expect(left).to.deep.equal([]);
  });
});

describe('faults: one run folder, used again or by two runs at once', function () {
  this.timeout(600_000);

  function verdicts(results: RunResults): string[] {
    return results.scenarios.flatMap((s) => s.cells.map((c) => `${c.column}@${c.setting.label}: ${c.status} ${c.verdict} ${c.recordCount}`));
  }

  it('harness run twice into one --out gives the verdicts of once (nfpcapd, softflowd keep files across runs)', async () => {
    const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'harness-rerun-')), 'run');
    const args = ['run', SCENARIO, '--monitors', 'nfpcapd,softflowd,argus', '--timeouts', 'default', '--out', out];
    const first = await harness(args);
    expect(first.exitCode, first.stderr).to.equal(0);
    const once = verdicts(await readResults(out));
    await writeFile(path.join(out, 'burst-20min', 'nfpcapd', 'default', 'flows', 'nfcapd.200001010000'), 'left by an earlier run');
    const second = await harness(args);
    expect(second.exitCode, second.stderr).to.equal(0);
    expect(verdicts(await readResults(out))).to.deep.equal(once);
    await access(path.join(out, '.harness-run'));
  });

  it('harness check twice into one --out (as docs/ci-workflow.md does) gives the same exit status and report', async () => {
    const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'harness-recheck-')), 'run');
    const suite = 'examples/netflow-exporters.suite.yaml';
    const first = await harness(['check', suite, '--out', out]);
    const second = await harness(['check', suite, '--out', out]);
    expect(first.exitCode, first.stderr + first.stdout).to.equal(0);
    expect(second.exitCode, second.stderr + second.stdout).to.equal(first.exitCode);
    expect(second.stdout).to.equal(first.stdout);
  });

  it('a non-empty folder harness did not write is refused with one line, exit 2, and left as it was', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'harness-theirs-'));
    await writeFile(path.join(out, 'thesis.tex'), 'mine');
    const result = await harness(['run', SCENARIO, '--monitors', 'tshark', '--out', out]);
    expect(result.exitCode).to.equal(2);
    expect(result.stderr.trim().split('\n')).to.have.length(1);
    expect(result.stderr).to.match(/a folder that holds files harness did not write \(thesis\.tex\)/);
    expect(await readdir(out)).to.deep.equal(['thesis.tex']);
  });

  it('two runs into one folder at once: one runs, the other is refused with one line (exit 2)', async () => {
    const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'harness-twice-')), 'run');
    const mark = randomUUID();
    const first = execa(BIN, ['run', SCENARIO, '--monitors', 'tcptrace,tshark', '--timeouts', 'default', '--time-limit', '20s', '--out', out], {
      cwd: REPO, env: { NO_COLOR: '1', HARNESS_TCPTRACE: path.join(FAKES, 'fake-hanging-monitor.sh'), [MARK_VAR]: mark }, reject: false, stdin: 'ignore',
    });
    await waitFor('the first run to hold the folder', () => access(path.join(out, '.harness-lock')).then(() => true, () => false));
    const second = await harness(['run', SCENARIO, '--monitors', 'tshark', '--out', out]);
    expect(second.exitCode).to.equal(2);
    expect(second.stderr.trim().split('\n')).to.have.length(1);
    expect(second.stderr).to.match(/a run folder in use by another harness \(pid \d+\)/);
    const done = await first;
    expect(done.exitCode, String(done.stderr)).to.equal(0);
    expect(cellOf(await readResults(out), 'tshark').status).to.equal('ok');
    expect(await leftAfterRun(mark)).to.deep.equal([]);
  });

  it('a lock left by a SIGKILLed harness is stale: the next run takes the folder', async () => {
    const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'harness-stale-')), 'run');
    const mark = randomUUID();
    const child = execa(BIN, ['run', SCENARIO, '--monitors', 'tcptrace', '--timeouts', 'default', '--out', out], {
      cwd: REPO, env: { NO_COLOR: '1', HARNESS_TCPTRACE: path.join(FAKES, 'fake-hanging-monitor.sh'), [MARK_VAR]: mark }, reject: false, stdin: 'ignore',
    });
    await waitFor('the run to hold the folder', () => access(path.join(out, '.harness-lock')).then(() => true, () => false));
    child.kill('SIGKILL');
    await child;
    await access(path.join(out, '.harness-lock'));
    const next = await harness(['run', SCENARIO, '--monitors', 'tshark', '--timeouts', 'default', '--out', out]);
    expect(next.exitCode, next.stderr).to.equal(0);
    expect(await leftAfterRun(mark)).to.deep.equal([]);
  });
  for (const how of ['removed', 'replaced'] as const) {
    it(`the run folder ${how} while a monitor runs: the run stops with one line, exit 1, and does not make the folder again`, async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-gone-'));
      const out = path.join(dir, 'run');
      const mark = randomUUID();
      // The fake hangs for an hour: the run must notice the folder went by itself, not at the cell's end.
      const child = execa(BIN, ['run', SCENARIO, '--monitors', 'tcptrace,tshark', '--timeouts', 'default', '--jobs', '1', '--out', out], {
        cwd: REPO, env: { NO_COLOR: '1', HARNESS_TCPTRACE: path.join(FAKES, 'fake-hanging-monitor.sh'), [MARK_VAR]: mark }, reject: false, stdin: 'ignore',
      });
      await waitFor('the fake to run', async () => (await processesMarked(mark)).some((p) => /^\d+: sleep 3600$/.test(p)));
      await rm(out, { recursive: true, force: true });
      if (how === 'replaced') await mkdir(out);
      const started = Date.now();
      const result = await child;
      expect(Date.now() - started, 'noticed within seconds, not at the time limit').to.be.lessThan(30_000);
      expect(result.exitCode, String(result.stderr)).to.equal(1);
      const lines = String(result.stderr).trim().split('\n');
      // A folder made again may get the same inode number back: then its missing lock tells.
      expect(lines.at(-1)).to.match(new RegExp(`^harness: run folder .*run was ${how === 'removed' ? 'removed' : '(removed and made again \\(another folder is at its path now\\)|removed or emptied \\(its lock \\.harness-lock is gone\\))'} during the run: stopped, nothing more written`));
      expect(String(result.stderr)).to.not.match(/\n\s+at /);
      if (how === 'removed') expect(await readdir(dir), 'not made again').to.deep.equal([]);
      else expect(await readdir(out), 'the new folder is left as it was').to.deep.equal([]);
      expect(await leftAfterRun(mark)).to.deep.equal([]);
    });
  }
});

describe('faults: paths with spaces, every Debian monitor for real', function () {
  this.timeout(600_000);

  it('a run folder (and so the pcap) with spaces in its path: every monitor reads it', async () => {
    const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'harness space ')), 'my run folder');
    const monitors = 'argus,nfpcapd,softflowd,pmacct,ndpi,tcptrace,tshark';
    const result = await harness(['run', SCENARIO, '--monitors', monitors, '--timeouts', 'default', '--out', out]);
    expect(result.exitCode, result.stderr).to.equal(0);
    const results = await readResults(out);
    expect(results.scenarios[0]?.pcapFile).to.equal('burst-20min/burst-20min.pcap');
    for (const cell of results.scenarios[0]?.cells ?? []) {
      expect(cell.status, `${cell.column}: ${cell.reason ?? ''}`).to.equal('ok');
      expect(cell.recordCount, cell.column).to.be.greaterThan(0);
    }
    expect(results.scenarios[0]?.cells.map((c) => c.monitor)).to.include.members(monitors.split(','));
  });
});
