import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseRusage, removeStaleRusageFiles, runProcess, rusageAvailable, startProcess } from '../../harness/executor/process-runner.js';
import { harness, REPO } from '../support/cli.js';

/** The cost of a command, measured exactly under GNU time; its exit and signal reported as the command's own. */
describe('process runner: cost accounting', function () {
  this.timeout(60_000);
  const cwd = os.tmpdir();

  before(function () {
    if (!rusageAvailable()) this.skip(); // apt-get install -y --no-install-recommends time
  });

  it('reads GNU time\'s rusage line, and a signal it reports', () => {
    expect(parseRusage('harness-rusage 0.12 0.03 5120\n')).to.deep.equal({ cpuUserMs: 120, cpuSystemMs: 30, peakRssKb: 5120 });
    expect(parseRusage('Command terminated by signal 11\nharness-rusage 0.00 0.01 1592\n')).to.deep.equal({ cpuUserMs: 0, cpuSystemMs: 10, peakRssKb: 1592, signal: 'SIGSEGV' });
    expect(parseRusage('')).to.equal(undefined);
  });

  it('removes the rusage files and folders a SIGKILLed harness left (its pid gone), never those of a live process', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rusage-'));
    const gone = spawnSync('/bin/true').pid as number; // exited: its pid names no process now
    const files = [`harness-rusage-${gone}-1`, `harness-rusage-${gone}-17`, `harness-rusage-${process.pid}-3`, `harness-rusage-1-2`, 'harness-rusage-notes', 'other'];
    for (const name of files) await writeFile(path.join(dir, name), '');
    // A killed harness's private folder, with a rusage file in it, goes; a link in it is removed, not followed.
    const victim = path.join(dir, 'victim');
    await writeFile(victim, 'kept');
    await mkdir(path.join(dir, `harness-rusage-${gone}-Ab12Cd`));
    await writeFile(path.join(dir, `harness-rusage-${gone}-Ab12Cd`, '1'), '');
    await symlink(victim, path.join(dir, `harness-rusage-${gone}-Ab12Cd`, '2'));
    // ... once it has been still for hours: one touched just now may be a live harness's in another pid namespace
    // sharing this /tmp (containers), which looks dead from here, and is left.
    const hoursAgo = new Date(Date.now() - 7 * 3600 * 1000);
    await utimes(path.join(dir, `harness-rusage-${gone}-Ab12Cd`), hoursAgo, hoursAgo);
    await mkdir(path.join(dir, `harness-rusage-${gone}-Fresh1`));
    await writeFile(path.join(dir, `harness-rusage-${gone}-Fresh1`, '1'), '');
    // One it cannot remove (here a folder not of its making; in a sticky /tmp another user's file, EPERM) is left,
    // never thrown: that failed every cell of a harness run as nobody after a root harness had been killed.
    await mkdir(path.join(dir, `harness-rusage-${gone}-2`, 'x'), { recursive: true });
    expect(() => removeStaleRusageFiles(dir)).to.not.throw();
    expect(await readdir(dir)).to.have.members([`harness-rusage-${gone}-2`, `harness-rusage-${gone}-Fresh1`, `harness-rusage-${process.pid}-3`, 'harness-rusage-1-2', 'harness-rusage-notes', 'other', 'victim']);
    expect(await readFile(victim, 'utf8')).to.equal('kept');
  });

  it('never writes the rusage through a name planted in the shared temp folder: a link there overwrote any file as root', async () => {
    const own = await mkdtemp(path.join(os.tmpdir(), 'rusage-plant-'));
    const victim = path.join(own, 'victim');
    await writeFile(victim, 'precious');
    // The names the runner used to take, in turn, in the shared folder: harness-rusage-<pid>-<n>.
    const planted = Array.from({ length: 300 }, (_, i) => path.join(os.tmpdir(), `harness-rusage-${process.pid}-${i + 1}`));
    try {
      for (const link of planted) await symlink(victim, link);
      const run = await runProcess(['/bin/true'], { cwd, timeoutMs: 10_000, accounted: true });
      expect(run.exitCode).to.equal(0);
      expect(run.record.cpuUserMs, 'the rusage was read, from a file of its own').to.be.a('number');
      expect(await readFile(victim, 'utf8')).to.equal('precious');
      const folders = (await readdir(os.tmpdir())).filter((n) => n.startsWith(`harness-rusage-${process.pid}-`) && !planted.includes(path.join(os.tmpdir(), n)));
      expect(folders).to.have.length(1);
      expect((await lstat(path.join(os.tmpdir(), folders[0]))).mode & 0o7777).to.equal(0o700);
    } finally {
      for (const link of planted) await rm(link, { force: true });
    }
  });

  it('a harness run removes them: each killed run left one file per running monitor in /tmp, for ever', async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'rusage-run-'));
    const gone = spawnSync('/bin/true').pid as number;
    await writeFile(path.join(tmp, `harness-rusage-${gone}-1`), '');
    const result = await harness(['run', path.join(REPO, 'test/corpus/cases/baseline/unknown-key/quiet-300s.yaml'), '--monitors', 'tshark', '--timeouts', 'default', '--out', path.join(tmp, 'run')], { env: { TMPDIR: tmp } });
    expect(result.exitCode, result.stderr).to.equal(0);
    expect((await readdir(tmp)).filter((n) => n.startsWith('harness-rusage-'))).to.deep.equal([]);
  });

  it('measures CPU time and peak RSS of a busy command, not of the wrapper', async () => {
    const busy = await runProcess(['/bin/sh', '-c', 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done'], { cwd, timeoutMs: 50_000, accounted: true });
    expect(busy.exitCode).to.equal(0);
    expect((busy.record.cpuUserMs ?? 0) + (busy.record.cpuSystemMs ?? 0)).to.be.greaterThan(0);
    expect(busy.record.peakRssKb).to.be.greaterThan(0);
    expect(busy.record.argv[0], 'the command as given, not the wrapper').to.equal('/bin/sh');
  });

  it('reports a fake crashing command\'s signal and a failing one\'s exit status as their own', async () => {
    const crashed = await runProcess(['/bin/sh', '-c', 'kill -SEGV $$'], { cwd, timeoutMs: 10_000, accounted: true });
    expect(crashed.signal).to.equal('SIGSEGV');
    expect(crashed.exitCode).to.equal(null);
    const failed = await runProcess(['/bin/sh', '-c', 'echo oops >&2; exit 3'], { cwd, timeoutMs: 10_000, accounted: true });
    expect(failed.exitCode).to.equal(3);
    expect(failed.record.stderrTail).to.equal('oops');
    expect(failed.record.cpuUserMs).to.be.a('number');
  });

  it('stops a service with SIGTERM and still gets its rusage; a time-out still kills the whole group', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-runner-'));
    const service = await startProcess(['sleep', '30'], { cwd, logFile: path.join(dir, 'service.log'), accounted: true });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const ended = await service.stop();
    expect(ended.signal).to.equal('SIGTERM');
    expect(ended.record.cpuSystemMs).to.be.a('number');
    const hung = await runProcess(['/bin/sh', '-c', 'sleep 30 & wait'], { cwd, timeoutMs: 500, accounted: true });
    expect(hung.timedOut).to.equal(true);
    expect(hung.wallMs).to.be.lessThan(20_000);
  });
});

/** Nothing a command started is left running once it is done: it needs no GNU time. */
describe('process runner: process groups', function () {
  this.timeout(30_000);
  const cwd = os.tmpdir();

  it('a command that exits at once leaving a child in its group: the child is gone when the command is done', async () => {
    // A forked tool's starter (pmacctd) leaves its core running this way. Without a PID namespace of the harness's
    // making (as a user; `ownPidNamespace`: none added, nor GNU time), whose end would take the child anyway.
    const left = await runProcess(['/bin/sh', '-c', 'sleep 29.123 >/dev/null 2>&1 & echo $!'], { cwd, timeoutMs: 10_000, ownPidNamespace: true });
    expect(left.exitCode).to.equal(0);
    const child = Number(String(left.stdout).trim());
    expect(child, String(left.stdout)).to.be.greaterThan(0);
    const state = await readFile(`/proc/${child}/stat`, 'utf8').then((stat) => stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3), () => 'gone');
    expect(state, `the child ${child} is still there`).to.be.oneOf(['gone', 'Z']);
  });
});
