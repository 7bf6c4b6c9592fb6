import { expect } from 'chai';
import { chmod, lchown, lstat, mkdir, mkdtemp, open, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../../harness/io/atomic-write.js';
import { machineFailureText } from '../../harness/cli.js';
import { checkOutputFile } from '../../harness/io/output-paths.js';

/** A failure of the machine while writing (disk full) as a descriptor write reports it: no file named. */
function diskFull(): NodeJS.ErrnoException {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
}

describe('writeFileAtomic', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'atomic-write-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps the old content and no temporary file when a write fails, and names the file it was writing', async () => {
    const file = path.join(dir, 'scores.jsonl');
    await writeFile(file, 'old\n');
    function* pieces(): Generator<string> {
      yield 'x'.repeat(2 << 20);
      throw diskFull();
    }
    const error = await writeFileAtomic(file, pieces()).then(() => undefined, (e: unknown) => e as NodeJS.ErrnoException);
    expect(error?.code).to.equal('ENOSPC');
    expect(error?.path).to.equal(file);
    expect(await readFile(file, 'utf8')).to.equal('old\n');
    expect(await readdir(dir)).to.deep.equal(['scores.jsonl']);
  });

  it('the CLI prints such a failure in one line with the file it was writing', () => {
    const file = path.join(dir, 'report.md');
    expect(machineFailureText(Object.assign(diskFull(), { path: file }))).to.equal(`harness: ENOSPC: no space left on device, write (${file})`);
    // A message that names its file already is not repeated.
    const open = Object.assign(new Error(`EIO: i/o error, open '${file}'`), { code: 'EIO', syscall: 'open', path: file });
    expect(machineFailureText(open)).to.equal(`harness: EIO: i/o error, open '${file}'`);
  });

  it('writes pieces of text and bytes, from a plain or an async iterable, in order, whatever their sizes', async () => {
    const big = `${'ü'.repeat(400_000)}😀`; // more than a 1 MB chunk once encoded
    const pieces: (string | Uint8Array)[] = ['a', 'é€', Buffer.from('[bytes]'), big, '', 'tail 😀', Buffer.from('end')];
    for (let i = 0; i < 3000; i++) pieces.splice(2, 0, `line ${i} ${'x'.repeat(i % 500)}\n`);
    const whole = Buffer.concat(pieces.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
    const plain = path.join(dir, 'plain.txt');
    await writeFileAtomic(plain, pieces);
    expect((await readFile(plain)).equals(whole)).to.equal(true);
    const fromAsync = path.join(dir, 'async.txt');
    await writeFileAtomic(fromAsync, (async function* () {
      yield* pieces;
    })());
    expect((await readFile(fromAsync)).equals(whole)).to.equal(true);
  });
  it('writes through a symbolic link into the file it names, beside it, and keeps the link', async () => {
    await mkdir(path.join(dir, 'target'));
    const real = path.join(dir, 'target', 'real.md');
    await writeFile(real, 'old');
    const link = path.join(dir, 'link.md');
    await symlink('target/real.md', link);
    const chained = path.join(dir, 'latest.md');
    await symlink(link, chained);
    expect(await checkOutputFile('--out', chained)).to.equal(chained);
    await writeFileAtomic(chained, 'new');
    expect((await lstat(link)).isSymbolicLink(), 'the link is still a link').to.equal(true);
    expect((await lstat(chained)).isSymbolicLink()).to.equal(true);
    expect(await readlink(link)).to.equal('target/real.md');
    expect(await readFile(real, 'utf8')).to.equal('new');
    expect((await readdir(path.join(dir, 'target'))).sort()).to.deep.equal(['real.md']);
  });

  it('in a folder every user may write to, follows no other user\'s link (a planted /tmp/junit.xml -> /etc/shadow)', async function () {
    if (process.geteuid?.() !== 0) this.skip(); // lchown to another user needs root
    const shared = path.join(dir, 'shared');
    await mkdir(shared);
    await chmod(shared, 0o1777);
    const victim = path.join(dir, 'victim.conf');
    await writeFile(victim, 'precious');
    const planted = path.join(shared, 'junit.xml');
    await symlink(victim, planted);
    await lchown(planted, 65534, 65534);
    let error: Error | undefined;
    try {
      await writeFileAtomic(planted, 'report');
    } catch (caught) {
      error = caught as Error;
    }
    expect(error?.message).to.contain(`a symbolic link of another user (uid 65534) in ${shared}, a folder every user may write to`);
    expect(await readFile(victim, 'utf8')).to.equal('precious');
    expect((await lstat(planted)).isSymbolicLink()).to.equal(true);
    // This user's own link there is followed, as the kernel would.
    await lchown(planted, 0, 0);
    await writeFileAtomic(planted, 'report');
    expect(await readFile(victim, 'utf8')).to.equal('report');
  });

  it('refuses a link to nothing, and creates nothing where it points', async () => {
    const link = path.join(dir, 'dangling.md');
    await symlink(path.join(dir, 'gone', 'x.md'), link);
    for (const attempt of [checkOutputFile('--out', link), writeFileAtomic(link, 'x')]) {
      const error = await attempt.then(() => undefined, (e: unknown) => e as Error & { exitCode?: number });
      expect(error?.exitCode).to.equal(2);
      expect(error?.message).to.contain(`a symbolic link to ${path.join(dir, 'gone', 'x.md')}, which does not exist`);
    }
    expect((await readdir(dir)).sort()).to.deep.equal(['dangling.md']);
    expect((await lstat(link)).isSymbolicLink()).to.equal(true);
  });

  it('refuses a link into /proc (as /dev/stdout is, to /proc/self/fd/1) and leaves the link in place', async () => {
    // Standard output redirected to a file: /dev/stdout led to a regular file, and the rename replaced the machine's
    // /dev/stdout link. The same shape here, made in this test's own folder: a link to an open file's descriptor.
    const handle = await open(path.join(dir, 'redirected.md'), 'w');
    try {
      const link = path.join(dir, 'stdout');
      await symlink(`/proc/self/fd/${handle.fd}`, link);
      for (const attempt of [checkOutputFile('--out', link), writeFileAtomic(link, 'report')]) {
        const error = await attempt.then(() => undefined, (e: unknown) => e as Error & { exitCode?: number });
        expect(error?.exitCode).to.equal(2);
        expect(error?.message).to.contain(`found "${link}", a link to /proc/`);
        expect(error?.message).to.contain('a process\'s open file');
      }
      expect((await lstat(link)).isSymbolicLink()).to.equal(true);
      expect(await readFile(path.join(dir, 'redirected.md'), 'utf8')).to.equal('');
    } finally {
      await handle.close();
    }
  });
});
