import { expect } from 'chai';
import { execa } from 'execa';
import { cleanStaleWires } from '../../harness/live/private-wire.js';

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
