import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, statSync, unlinkSync } from 'node:fs';
import { link, mkdir, readdir, readFile, rename, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../core/input-error.js';
import { orUndefined } from '../core/or-undefined.js';

/**
 * A run folder (`--out`) belongs to one harness process at a time and to the harness alone:
 * - a lock file holds the owner's pid and its start time (from /proc), so a lock whose owner died, even by SIGKILL,
 *   is recognised as stale and taken over, and a recycled pid is not mistaken for the owner;
 * - a marker file says the harness made the folder. A re-run into a marked folder replaces everything in it, so no
 *   cell ever reads an earlier run's output; a folder that is not empty and not marked is the user's and is refused.
 * The contents are replaced only once the run's inputs have been read (replaceRunFolderContents), so a typo in a
 * scenario does not cost the previous results.
 */
export const RUN_MARKER = '.harness-run';
export const RUN_LOCK = '.harness-lock';

export interface RunFolder {
  dir: string;
  /** Removes the lock (and the folder, when this run made it and wrote nothing into it). */
  release(): Promise<void>;
  /**
   * Throws RunFolderGone when the folder was removed or replaced since it was claimed (another folder at its path,
   * or the lock no longer this run's): nothing more may be written there, nor the folder made again.
   */
  verify(): void;
}

/**
 * The run folder went during the run (`rm -rf` of --out, a cleanup job): every later cell failed with a misleading
 * reason (the pcap "doesn't exist", a monitor "wrote no output"), the folder was made again without its marker or
 * lock, and the run ended at exit 0. A machine fault: one line, exit 1.
 */
export class RunFolderGone extends Error {
  constructor(readonly dir: string, why: string) {
    super(`run folder ${dir} was ${why} during the run: stopped, nothing more written (what finished went with it)`);
    this.name = 'RunFolderGone';
  }
}

interface Owner { pid: number; startTicks: string }

/** A process's start time in clock ticks since boot: with the pid, it names one process for good. */
function startTicksOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function parseOwner(text: string): Owner | undefined {
  const m = /^(\d+) (\d+)\s*$/.exec(text);
  return m ? { pid: Number(m[1]), startTicks: m[2] as string } : undefined;
}

function alive(owner: Owner): boolean {
  return startTicksOf(owner.pid) === owner.startTicks;
}

/**
 * Takes `dir` (from `--out`, named by `flag` in messages) for this process, or throws an InputError: in use by a
 * running harness, or holding files the harness did not write. Made when missing.
 */
export async function claimRunFolder(flag: string, dir: string): Promise<RunFolder> {
  refuseInsideRunFolder(flag, dir);
  refuseSharedFolder(flag, dir);
  const made = await mkdir(dir, { recursive: true });
  const me: Owner = { pid: process.pid, startTicks: startTicksOf(process.pid) ?? '0' };
  const lockFile = path.join(dir, RUN_LOCK);
  await takeLock(flag, dir, lockFile, me);
  const releaseSync = (): void => {
    try {
      if (parseOwner(readFileSync(lockFile, 'utf8'))?.pid === me.pid) unlinkSync(lockFile);
    } catch {
      // Already gone.
    }
  };
  process.once('exit', releaseSync);
  const claimed = statSync(dir);
  /** How the folder went since it was claimed, or undefined while it is still this run's. */
  const goneHow = (): string | undefined => {
    const now = orUndefined(() => statSync(dir));
    if (now === undefined) return 'removed';
    if (now.dev !== claimed.dev || now.ino !== claimed.ino) return 'removed and made again (another folder is at its path now)';
    const owner = orUndefined(() => parseOwner(readFileSync(lockFile, 'utf8')));
    // A folder made again at the path may get the same inode number back: its missing lock tells then.
    if (owner === undefined) return `removed or emptied (its lock ${RUN_LOCK} is gone)`;
    if (owner.pid !== me.pid || owner.startTicks !== me.startTicks) return `taken by another harness (pid ${owner.pid} holds its lock ${RUN_LOCK})`;
    return undefined;
  };
  const verify = (): void => {
    const how = goneHow();
    if (how !== undefined) throw new RunFolderGone(dir, how);
  };
  const release = async (): Promise<void> => {
    process.off('exit', releaseSync);
    // A folder this run made and wrote nothing into goes, while the lock is still ours: removed after it, it could
    // take with it the lock and marker of a run that claimed the folder in between (two runs then wrote into one
    // folder, both at exit 0). rmdir removes only an empty folder: a lock taken after ours went stays, folder and all.
    // A folder at its path that is not the one claimed (ours was removed during the run) is another's: left alone.
    if (made !== undefined && goneHow() === undefined) {
      const left = await readdir(dir).catch(() => ['?']);
      if (left.every((name) => name === RUN_MARKER || name === RUN_LOCK)) {
        await unlink(path.join(dir, RUN_MARKER)).catch(() => undefined);
        releaseSync();
        await rmdir(dir).catch(() => undefined);
        // And the folders made to hold it (the default runs/), when empty: a check refused for bad input left an
        // empty runs/ in the user's folder. rmdir again: a folder another run writes into now stays.
        for (let up = path.dirname(dir); up.length >= made.length && up.startsWith(made); up = path.dirname(up)) {
          if (!(await rmdir(up).then(() => true, () => false))) break;
        }
        return;
      }
    }
    releaseSync();
  };
  try {
    // Another run starting at the same moment has its own lock candidate here (.harness-lock.<pid>.<hex>): not a
    // user's file (counted as one, it made the lock's holder refuse itself and hand the folder to the next).
    const entries = (await readdir(dir)).filter((name) => name !== RUN_LOCK && !name.startsWith(`${RUN_LOCK}.`));
    if (entries.length > 0 && !entries.includes(RUN_MARKER)) {
      throw new InputError({ file: flag, line: 0, col: 0 }, `"${dir}", a folder that holds files harness did not write (${preview(entries)}) and no ${RUN_MARKER} marker`,
        'a new or empty folder, or the folder of an earlier harness run (which is then replaced)');
    }
    await writeFile(path.join(dir, RUN_MARKER), `${JSON.stringify({ tool: 'harness', note: 'a harness run folder: a new run into it replaces everything here' })}\n`);
  } catch (error) {
    await release();
    throw error;
  }
  return { dir, release, verify };
}

/**
 * A folder inside another run's folder (one of its scenario or cell folders, or a new one there) is that run's: the
 * next run into it replaces everything, this run's files with it. Its scenario folder was refused as "a folder that
 * holds files harness did not write", which harness had written.
 */
/**
 * A shared folder (/tmp, /dev/shm: sticky, or writable by everyone and another user's) is no run folder: empty, it
 * was taken and marked, and the next run into it deleted the files other users had put there since (the harness runs
 * as root). Refused when sticky (the harness never makes such a folder) or world-writable and owned by another user,
 * marked as a run's or not (anyone can write the marker there). A world-writable folder of this user's own is taken:
 * it is what mkdir gives under umask 0 (some CI runners), and what the harness itself makes then.
 */
function refuseSharedFolder(flag: string, dir: string): void {
  const found = orUndefined(() => statSync(dir));
  if (found === undefined || !found.isDirectory()) return;
  const sticky = (found.mode & 0o1000) !== 0;
  const everyone = (found.mode & 0o002) !== 0;
  const me = process.geteuid?.();
  if (sticky || (everyone && me !== undefined && found.uid !== me)) {
    throw new InputError({ file: flag, line: 0, col: 0 }, `"${dir}", a shared folder (${sticky ? 'sticky' : `writable by every user, owned by uid ${found.uid}`}, mode ${(found.mode & 0o7777).toString(8)}): a run replaces everything in its folder, other users' files too`,
      `a folder of its own (e.g. ${path.join(dir, 'run1')})`);
  }
}

/**
 * A folder for files that are no run's (harness generate --out) must be no run folder and lie in none: generate into
 * a run's folder (or a scenario folder in one) replaced that run's pcap and truth at exit 0, and its report went on
 * showing the old results beside captures that no longer matched; the next run into the folder deleted the generated
 * files without a word. Looked at as written and through its realpath.
 */
export function refuseRunFolderForOtherFiles(flag: string, dir: string): void {
  const absolute = path.resolve(dir);
  const real = orUndefined(() => realpathSync(absolute)) ?? absolute;
  for (const at of new Set([absolute, real])) {
    if (existsSync(path.join(at, RUN_MARKER))) {
      throw new InputError({ file: flag, line: 0, col: 0 }, `"${dir}", a run folder (it holds ${RUN_MARKER}): writing there would replace that run's files, and the next run into it replaces everything in it`,
        'a folder of its own, outside any run folder');
    }
    refuseInsideRunFolder(flag, at, dir);
  }
}

function refuseInsideRunFolder(flag: string, dir: string, given = dir): void {
  const absolute = path.resolve(dir);
  for (let up = path.dirname(absolute); ; up = path.dirname(up)) {
    if (existsSync(path.join(up, RUN_MARKER))) {
      throw new InputError({ file: flag, line: 0, col: 0 }, `"${given}", inside the run folder ${up} (it holds ${RUN_MARKER}), which the next run into it replaces whole`,
        'a folder of its own, outside any run folder');
    }
    if (path.dirname(up) === up) return;
  }
}

async function takeLock(flag: string, dir: string, lockFile: string, me: Owner): Promise<void> {
  const mine = path.join(dir, `${RUN_LOCK}.${process.pid}.${randomBytes(4).toString('hex')}`);
  await writeFile(mine, `${me.pid} ${me.startTicks}\n`);
  try {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      // link() fails if the lock exists: of two runs starting at once, exactly one creates it.
      const created = await link(mine, lockFile).then(() => true, (error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST') return false;
        throw error;
      });
      if (created) return;
      const holder = parseOwner(await readFile(lockFile, 'utf8').catch(() => ''));
      if (holder && alive(holder)) {
        throw new InputError({ file: flag, line: 0, col: 0 }, `"${dir}", a run folder in use by another harness (pid ${holder.pid})`,
          'a folder no running harness writes into: wait for that run to end, or give another --out');
      }
      // The owner is gone (killed, even by SIGKILL): its lock is stale. Taken away by rename, which moves exactly the
      // file that is there: read then unlinked by name, the lock a live run had made in between was removed, and two
      // runs held the folder. One that turns out to be a live owner's is put back.
      const moved = `${lockFile}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
      if (await rename(lockFile, moved).then(() => true, () => false)) {
        const owner = parseOwner(await readFile(moved, 'utf8').catch(() => ''));
        if (owner && alive(owner)) await link(moved, lockFile).catch(() => undefined);
        await unlink(moved).catch(() => undefined);
      }
    }
    throw new InputError({ file: flag, line: 0, col: 0 }, `"${dir}", a run folder whose lock ${RUN_LOCK} could not be taken`, 'a folder no other harness is starting in at the same moment');
  } finally {
    await unlink(mine).catch(() => undefined);
  }
}

/**
 * Called once the run's inputs are read, before its first write: a marked folder is emptied of the earlier run
 * (everything but the lock and the marker); a folder never claimed is only made. Nothing unmarked is ever removed.
 */
export async function replaceRunFolderContents(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const entries = await readdir(dir);
  if (!entries.includes(RUN_MARKER)) return;
  for (const name of entries) {
    if (name === RUN_MARKER || name === RUN_LOCK || name.startsWith(`${RUN_LOCK}.`)) continue;
    await rm(path.join(dir, name), { recursive: true, force: true });
  }
}

function preview(entries: string[]): string {
  const shown = entries.slice(0, 3).join(', ');
  return entries.length > 3 ? `${shown} and ${entries.length - 3} more` : shown;
}
