import { expect } from 'chai';
import { execa } from 'execa';
import { mkdtemp, readFile, readlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chainStillThere, confinedArgv, confinement } from '../../harness/executor/confinement.js';
import { runProcess } from '../../harness/executor/process-runner.js';

describe('confinement: a child whose harness died before its parent-death signal was set', () => {
  it('runs the command while the harness is its parent, and ends (137) without running it once it is not', async function () {
    const tools = await confinement();
    if (!tools.setpriv || !tools.sh) this.skip();
    const command = ['sh', '-c', 'echo ran'];
    const [file, ...args] = confinedArgv(command, tools, { parentPid: process.pid }) as [string, ...string[]];
    const ok = await execa(file, args, { reject: false, stdin: 'ignore' });
    expect(ok.exitCode, ok.stderr).to.equal(0);
    expect(ok.stdout).to.equal('ran');
    // The same chain told that its harness is another process: as when the harness was killed and the child
    // reparented to init before setpriv's prctl, the command must not start.
    const [orphanFile, ...orphanArgs] = confinedArgv(command, tools, { parentPid: 1 }) as [string, ...string[]];
    const orphan = await execa(orphanFile, orphanArgs, { reject: false, stdin: 'ignore' });
    expect(orphan.exitCode).to.equal(137);
    expect(orphan.stdout).to.equal('');
  });

  it('keeps every argument of the command as it is (no shell word splitting or globbing)', async function () {
    const tools = await confinement();
    if (!tools.setpriv || !tools.sh) this.skip();
    const [file, ...args] = confinedArgv(['printf', '%s|', 'a b', '*', '$HOME', ''], tools, { parentPid: process.pid }) as [string, ...string[]];
    const run = await execa(file, args, { reject: false, stdin: 'ignore' });
    expect(run.stdout).to.equal('a b|*|$HOME||');
  });
});

describe('confinement: a process that a process of the chain forked (GNU time\'s child, unshare\'s child)', () => {
  /**
   * A wrapper standing for GNU time: it forks a child that starts the check only after `delayS`, and either waits for
   * it or exits at once, as GNU time killed with the harness between its fork and its child's prctl. The check's
   * complaint goes to a file: an orphan's exit status reaches nobody.
   */
  async function forkedChild(waits: boolean): Promise<{ ran: string; complaint: string }> {
    const tools = await confinement();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-confinement-'));
    const ran = path.join(dir, 'ran');
    const complaint = path.join(dir, 'complaint');
    const wrapper = `( sleep 0.3; exec "$@" ) 2>"${complaint}" & ${waits ? 'wait' : 'exit 0'}`;
    const monitor = ['sh', '-c', 'echo "${HARNESS_CONFINED_CHAIN_PID-unset}" > "$0"', ran];
    // ownPidNamespace: no namespace of the runner's, so the orphan is not killed with one and meets the check itself.
    const [file, ...args] = confinedArgv(['sh', '-c', wrapper, 'wrapper', ...chainStillThere(tools), ...monitor], tools, { parentPid: process.pid, ownPidNamespace: true }) as [string, ...string[]];
    const run = await execa(file, args, { reject: false, stdin: 'ignore' });
    expect(run.exitCode, run.stderr).to.equal(0);
    // The orphan starts 0.3 s after the fork, on a loaded machine later: wait until it has either run the monitor or
    // complained (each writes a line), for as long as a slow CI machine may need, not for a fixed guess.
    const read = async (): Promise<{ ran: string; complaint: string }> => ({ ran: await readFile(ran, 'utf8').catch(() => ''), complaint: await readFile(complaint, 'utf8').catch(() => '') });
    for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
      const seen = await read();
      if (seen.ran.endsWith('\n') || seen.complaint.endsWith('\n')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return read();
  }

  it('runs the command while the wrapper is its parent, with no trace of the check in its environment', async function () {
    const tools = await confinement();
    if (!tools.setpriv || !tools.sh) this.skip();
    const { ran, complaint } = await forkedChild(true);
    expect(complaint).to.equal('');
    expect(ran).to.equal('unset\n');
  });

  it('ends (137) without running it once the wrapper is gone (it died with the harness before the signal was set)', async function () {
    const tools = await confinement();
    if (!tools.setpriv || !tools.sh) this.skip();
    const { ran, complaint } = await forkedChild(false);
    expect(ran, 'the monitor must not start').to.equal('');
    expect(complaint).to.match(/^harness confinement: parent \d+ is not the chain \d+: the harness is gone$/m);
  });

  it('a monitor run accounted (under GNU time) and one run plain both start, and neither sees the chain\'s variable', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-confinement-'));
    for (const accounted of [false, true]) {
      const run = await runProcess(['sh', '-c', 'echo "${HARNESS_CONFINED_CHAIN_PID-unset}"'], { cwd: dir, timeoutMs: 20_000, accounted });
      expect(run.exitCode, `accounted ${accounted}: ${run.stderr}`).to.equal(0);
      expect(run.stdout.trim()).to.equal('unset');
    }
  });
});

describe('confinement: each confined process its own IPC namespace (as root)', () => {
  it('a System V segment a monitor leaves goes with it (nfpcapd\'s bookkeeper of a killed run broke every later run)', async function () {
    const tools = await confinement();
    if (!tools.unshare) this.skip(); // Without root or namespaces: README, "Faults and limits".
    expect(tools.ipcNamespace, 'unshare --ipc works wherever unshare --pid does').to.equal(true);
    const own = await readlink('/proc/self/ns/ipc');
    // The segment is made inside and never removed, as a SIGKILLed nfpcapd leaves its bookkeeper.
    const [file, ...args] = confinedArgv(['sh', '-c', 'readlink /proc/self/ns/ipc; ipcmk -M 64 | grep -o "[0-9]*$"'], tools, { parentPid: process.pid }) as [string, ...string[]];
    const run = await execa(file, args, { reject: false, stdin: 'ignore' });
    expect(run.exitCode, run.stderr).to.equal(0);
    const [inside, id] = run.stdout.split('\n');
    expect(inside).to.match(/^ipc:\[\d+\]$/);
    expect(inside).to.not.equal(own);
    expect(id).to.match(/^\d+$/);
    // Gone with its namespace: the host has no segment of that id, or (ids are per namespace) not one made just now by it.
    const host = await execa('ipcs', ['-m', '-i', id as string], { reject: false, stdin: 'ignore' });
    if (host.exitCode === 0) expect(host.stdout).to.not.match(/cpid=\s*[12]\b/);
  });
});
