import { expect } from 'chai';
import { execa } from 'execa';
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
