import { expect } from 'chai';
import { execa } from 'execa';
import { readlink } from 'node:fs/promises';
import { confinedArgv, confinement } from '../../harness/executor/confinement.js';

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
