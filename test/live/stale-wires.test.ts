import { expect } from 'chai';
import { execa } from 'execa';
import { mkdtemp, readlink, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cleanStaleWires, openPrivateWire } from '../../harness/live/private-wire.js';

describe('cleanStaleWires (root)', function () {
  const name = `harness-live-not-ours-${process.pid}`;
  let made = false;

  before(async function () {
    made = (await execa('ip', ['netns', 'add', name], { reject: false })).exitCode === 0;
    if (!made) this.skip();
  });

  after(async () => {
    if (made) await execa('ip', ['netns', 'delete', name], { reject: false });
  });

  it('leaves a named namespace alone, even one named like harness-live-*: the harness makes none, so it is someone else\'s', async () => {
    const found = await cleanStaleWires();
    expect(found.join('\n')).to.not.include(name);
    const list = await execa('ip', ['netns', 'list']);
    expect(String(list.stdout).split('\n').map((l) => l.split(/\s+/)[0])).to.include(name);
  });
});

describe('the private wire has its own IPC namespace (root)', function () {
  it('a tool entered into the wire sees another IPC namespace than the harness: SysV records a killed nfpcapd leaves die with the wire', async function () {
    if (process.getuid?.() !== 0) this.skip();
    const work = await mkdtemp(path.join(os.tmpdir(), 'wire-ipc-'));
    const wire = await openPrivateWire(work);
    try {
      const [command, ...args] = wire.inside(['readlink', '/proc/self/ns/ipc']);
      const inside = await execa(command as string, args);
      const host = await readlink('/proc/self/ns/ipc');
      expect(inside.stdout.trim()).to.match(/^ipc:\[\d+\]$/);
      expect(inside.stdout.trim()).to.not.equal(host);
    } finally {
      await wire.close();
      await rm(work, { recursive: true, force: true });
    }
  });
});
