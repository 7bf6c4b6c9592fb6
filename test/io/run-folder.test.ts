import { expect } from 'chai';
import { access, mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { claimRunFolder, replaceRunFolderContents, RUN_LOCK, RUN_MARKER } from '../../harness/io/run-folder.js';
import { InputError } from '../../harness/core/input-error.js';

async function refusal(promise: Promise<unknown>): Promise<string> {
  try { await promise; } catch (e) { expect(e).to.be.instanceOf(InputError); return (e as Error).message; }
  throw new Error('not refused');
}

describe('run folders: one harness at a time, replaced only when the harness made them', () => {
  it('a new folder is made and marked; the lock goes on release, and the folder too when nothing was written', async () => {
    const dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'rf-')), 'run');
    const folder = await claimRunFolder('--out', dir);
    expect((await readdir(dir)).sort()).to.deep.equal([RUN_LOCK, RUN_MARKER]);
    await folder.release();
    expect(await access(dir).then(() => true, () => false)).to.equal(false);
  });

  it('a folder held by a live process is refused; one held by a dead process is taken over', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rf-'));
    const first = await claimRunFolder('--out', dir);
    expect(await refusal(claimRunFolder('--out', dir))).to.match(/a run folder in use by another harness \(pid \d+\)/);
    await first.release();
    // A pid that cannot be running with that start time: the owner is gone.
    await writeFile(path.join(dir, RUN_LOCK), '999999999 12345\n');
    const second = await claimRunFolder('--out', dir);
    await second.release();
  });

  it('a re-run empties a marked folder of the earlier run, and never touches an unmarked one', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rf-'));
    const folder = await claimRunFolder('--out', dir);
    await mkdir(path.join(dir, 'scenario', 'cell'), { recursive: true });
    await writeFile(path.join(dir, 'scenario', 'cell', 'old.log'), 'earlier run');
    await writeFile(path.join(dir, 'results.json'), '{}');
    await replaceRunFolderContents(dir);
    expect((await readdir(dir)).sort()).to.deep.equal([RUN_LOCK, RUN_MARKER]);
    await folder.release();

    const theirs = await mkdtemp(path.join(os.tmpdir(), 'rf-'));
    await writeFile(path.join(theirs, 'notes.txt'), 'mine');
    expect(await refusal(claimRunFolder('--out', theirs))).to.match(/holds files harness did not write \(notes\.txt\)/);
    await replaceRunFolderContents(theirs);
    expect(await readdir(theirs)).to.deep.equal(['notes.txt']);
  });
});
