import { expect } from 'chai';
import { access, chmod, chown, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { claimRunFolder, replaceRunFolderContents, RUN_LOCK, RUN_MARKER, RunFolderGone } from '../../harness/io/run-folder.js';
import { InputError } from '../../harness/core/input-error.js';
import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const RUN_FOLDER_MODULE = fileURLToPath(new URL('../../harness/io/run-folder.js', import.meta.url));

/**
 * One process claiming `dir` as a run would: on success it appends "start <pid> <t>", holds the folder a while,
 * appends "end <pid> <t>" and releases; refused, it appends "refused".
 */
const CLAIMANT = `
const { claimRunFolder } = await import(process.argv[1]);
const { appendFile, writeFile } = await import('node:fs/promises');
const [dir, log] = process.argv.slice(2);
let folder;
try { folder = await claimRunFolder('--out', dir); } catch (e) { await appendFile(log, 'refused\\n'); process.exit(e.exitCode === 2 ? 0 : 1); }
await appendFile(log, 'start ' + process.pid + '\\n');
await writeFile(dir + '/results-' + process.pid, 'x');
await new Promise((r) => setTimeout(r, 40));
await appendFile(log, 'end ' + process.pid + '\\n');
await folder.release();
`;

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

  it('of runs starting at once on one new folder, one at a time holds it (each round: never two holders)', async function () {
    this.timeout(120_000);
    const root = await mkdtemp(path.join(os.tmpdir(), 'rf-race-'));
    for (let round = 0; round < 8; round += 1) {
      const dir = path.join(root, `run-${round}`);
      const log = path.join(root, `log-${round}`);
      await writeFile(log, '');
      const claimants = Array.from({ length: 5 }, () => execa(process.execPath, ['--input-type=module', '-e', CLAIMANT, RUN_FOLDER_MODULE, dir, log], { reject: false }));
      for (const c of await Promise.all(claimants)) expect(c.exitCode, c.stderr).to.equal(0);
      const lines = (await readFile(log, 'utf8')).trim().split('\n');
      // Holders in the order they logged: each one's end comes before the next one's start.
      let holding: string | undefined;
      for (const line of lines) {
        const [what, pid] = line.split(' ');
        if (what === 'start') {
          expect(holding, `round ${round}: ${pid} started while ${holding} held the folder\n${lines.join('\n')}`).to.equal(undefined);
          holding = pid;
        } else if (what === 'end') holding = undefined;
      }
      expect(lines.filter((l) => l.startsWith('start')).length, lines.join('\n')).to.be.greaterThan(0);
    }
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

  it('a folder inside another run\'s folder (its scenario folder, or a new one there) is refused, named as inside it', async () => {
    const run = path.join(await mkdtemp(path.join(os.tmpdir(), 'rf-')), 'run');
    const folder = await claimRunFolder('--out', run);
    await mkdir(path.join(run, 'burst-20min'));
    await writeFile(path.join(run, 'burst-20min', 'burst-20min.pcap'), 'x');
    await folder.release();
    for (const inner of [path.join(run, 'burst-20min'), path.join(run, 'new', 'deeper')]) {
      expect(await refusal(claimRunFolder('--out', inner))).to.equal(
        `--out: found "${inner}", inside the run folder ${run} (it holds ${RUN_MARKER}), which the next run into it replaces whole; expected a folder of its own, outside any run folder`);
    }
    expect(await readdir(run)).to.not.include('new');
  });

  it('a shared folder (sticky as /tmp and /dev/shm, or writable by all and another user\'s) is refused: a later run deleted other users\' files there', async () => {
    const parent = await mkdtemp(path.join(os.tmpdir(), 'rf-'));
    const shm = path.join(parent, 'shm');
    await mkdir(shm);
    await chmod(shm, 0o1777);
    expect(await refusal(claimRunFolder('--out', shm))).to.equal(
      `--out: found "${shm}", a shared folder (sticky, mode 1777): a run replaces everything in its folder, other users' files too; expected a folder of its own (e.g. ${path.join(shm, 'run1')})`);
    expect(await readdir(shm), 'not marked, nothing written').to.deep.equal([]);
    // Once marked by an earlier harness (the first run into /dev/shm was accepted), still refused.
    await writeFile(path.join(shm, RUN_MARKER), '');
    expect(await refusal(claimRunFolder('--out', shm))).to.contain('a shared folder (sticky');
    // A world-writable folder of this user's own: what mkdir (and the harness) make under umask 0, as some CI
    // runners have it.
    const open = path.join(parent, 'open');
    await mkdir(open);
    await chmod(open, 0o777);
    const folder = await claimRunFolder('--out', open);
    await folder.release();
    // Another user's, marked as a run's or not (anyone may write the marker there): refused. Needs root to chown.
    if (process.geteuid?.() === 0) {
      const others = path.join(parent, 'others');
      await mkdir(others);
      await chmod(others, 0o777);
      await chown(others, 65534, 65534);
      expect(await refusal(claimRunFolder('--out', others))).to.contain('a shared folder (writable by every user, owned by uid 65534, mode 777)');
      await writeFile(path.join(others, RUN_MARKER), '');
      expect(await refusal(claimRunFolder('--out', others))).to.contain('a shared folder (writable by every user, owned by uid 65534');
    }
    // A folder of its own inside the shared one is fine.
    await rm(path.join(shm, RUN_MARKER));
    const own = await claimRunFolder('--out', path.join(shm, 'run1'));
    await own.release();
  });

  it('verify: the folder removed, replaced, or its lock gone during the run throws RunFolderGone', async () => {
    const base = await mkdtemp(path.join(os.tmpdir(), 'rf-'));
    const dir = path.join(base, 'run');
    const folder = await claimRunFolder('--out', dir);
    folder.verify();
    await rm(path.join(dir, RUN_LOCK));
    expect(() => folder.verify()).to.throw(RunFolderGone, `run folder ${dir} was removed or emptied (its lock ${RUN_LOCK} is gone) during the run`);
    await rm(dir, { recursive: true });
    expect(() => folder.verify()).to.throw(RunFolderGone, `run folder ${dir} was removed during the run`);
    // Made again at the path: another inode, or the same number reused and no lock of this run in it.
    await mkdir(dir);
    expect(() => folder.verify()).to.throw(RunFolderGone, /was (removed and made again \(another folder is at its path now\)|removed or emptied \(its lock \.harness-lock is gone\)) during the run/);
    await folder.release();
    expect(await readdir(base), 'release leaves a folder that is not the one claimed').to.deep.equal(['run']);
  });
});
