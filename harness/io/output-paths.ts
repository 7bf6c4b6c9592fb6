import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { lstat, mkdir, readlink, realpath, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../core/input-error.js';
import { displayPath } from './read-input.js';
import { isInside, pathInside } from './path-inside.js';

/**
 * Where the user asks us to write (`--out DIR`, `--junit FILE`, ...) is input too: checked before any work, so a
 * folder that is a file, a read-only place or a typo'd device path costs one clear line and exit 2, not a stack
 * trace after minutes of monitor runs.
 */

/**
 * Checks that `dir` is, or can become, a folder we can write into, leaving nothing behind: an existing folder gets
 * a file created and removed in it, a missing one has its first missing level created and removed. `flag` names
 * the input, e.g. `harness run --out`. The caller creates the folder when it has something to put there, so a bad
 * scenario given with it leaves no empty folder.
 */
export async function checkOutputFolder(flag: string, dir: string): Promise<string> {
  const absolute = path.resolve(dir);
  let at = absolute;
  let firstMissing: string | undefined;
  for (;;) {
    // ENOTDIR: a file somewhere above; walking up finds it and says so.
    const found = await stat(at).catch((error: NodeJS.ErrnoException) =>
      error.code === 'ENOENT' || error.code === 'ENOTDIR' ? undefined : Promise.reject(refusal(flag, dir, error)));
    if (found !== undefined) {
      if (!found.isDirectory()) {
        const what = at === absolute ? `"${dir}", ${kindOf(found)}` : `"${dir}", under ${at}, which is ${kindOf(found)}`;
        throw new InputError({ file: flag, line: 0, col: 0 }, what, EXPECTED_FOLDER);
      }
      break;
    }
    // A symbolic link to nothing is no missing folder: making one there fails (EEXIST), which said nothing of the link.
    const link = await lstat(at).catch(() => undefined);
    if (link?.isSymbolicLink()) {
      const target = await readlink(at).catch(() => '?');
      const what = at === absolute ? `"${dir}", a symbolic link to ${target}, which does not exist` : `"${dir}", under ${at}, a symbolic link to ${target}, which does not exist`;
      throw new InputError({ file: flag, line: 0, col: 0 }, what, `${EXPECTED_FOLDER}: make the link's target, or give another path`);
    }
    firstMissing = at;
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  // Not mkdir({ recursive: true }): on Node 20 it never returns for a path under /proc.
  try {
    if (firstMissing !== undefined) {
      await mkdir(firstMissing);
      await rmdir(firstMissing);
    } else {
      const probe = path.join(absolute, `.harness-write-test-${randomBytes(4).toString('hex')}`);
      await writeFile(probe, '');
      await rm(probe, { force: true });
    }
  } catch (error) {
    throw refusal(flag, dir, error);
  }
  return absolute;
}

/**
 * Checks that `file` can be written: a new name or an existing regular file, in a folder that exists or can be made.
 * Anything else is refused: a folder, and above all a device, FIFO or socket (/dev/null, /dev/full), which the
 * atomic writer's rename would replace with a regular file. A symbolic link is written through (see outputTarget).
 */
export async function checkOutputFile(flag: string, file: string): Promise<string> {
  const absolute = path.resolve(file);
  const target = await outputTarget(flag, file);
  const existing = await stat(target).catch((error: NodeJS.ErrnoException) =>
    error.code === 'ENOENT' || error.code === 'ENOTDIR' ? undefined : Promise.reject(refusal(flag, file, error, 'a file name to write')));
  if (existing !== undefined && !existing.isFile()) {
    throw new InputError({ file: flag, line: 0, col: 0 }, `"${file}", ${kindOf(existing)}`, 'a file name to write (a new name or an existing regular file)');
  }
  await checkOutputFolder(flag, path.dirname(target));
  return absolute;
}

const MAX_LINK_HOPS = 40;

/**
 * The file a write to `file` must land in. The atomic writer renames a new file over its target: renamed over a
 * symbolic link, that replaced the link (`latest.md -> runs/x/report.md`) with a regular file and left its target as
 * it was, exit 0, and `--out /dev/stdout` with standard output redirected to a file replaced the machine's
 * /dev/stdout link. So the links are followed here, hop by hop, each folder on the way through its realpath, to the
 * file they name, which is written instead. Refused (exit 2, the path named):
 * - a link to nothing: its target would be created wherever the link points, which in a shared folder is wherever
 *   whoever planted the link chose (the harness runs as root), and a typo'd link deserves a word anyway;
 * - anything reached through /proc (/dev/stdout and /dev/fd/N are links to /proc/self/fd/N): a process's open file
 *   or a kernel setting is no file to replace, and standard output is written by leaving --out out.
 */
export async function outputTarget(flag: string, file: string): Promise<string> {
  let at = path.resolve(file);
  for (let hop = 0; ; hop++) {
    const folder = path.dirname(at);
    at = path.join(await realpath(folder).catch(() => folder), path.basename(at));
    if (isInside('/proc', at)) {
      const shown = at === path.resolve(file) ? `"${file}"` : `"${file}", a link to ${at}`;
      throw new InputError({ file: flag, line: 0, col: 0 }, `${shown}, a process's open file or a kernel setting (/proc)`,
        'a file name to write (standard output is written by leaving this flag out, where the command allows it)');
    }
    const found = await lstat(at).catch(() => undefined);
    if (found === undefined && hop > 0) {
      throw new InputError({ file: flag, line: 0, col: 0 }, `"${file}", a symbolic link to ${at}, which does not exist`,
        'a file name to write: make the link\'s target, or give another path (a link to nothing is not followed)');
    }
    if (found === undefined || !found.isSymbolicLink()) return at;
    if (hop >= MAX_LINK_HOPS) throw new InputError({ file: flag, line: 0, col: 0 }, `"${file}", a loop of symbolic links`, 'a file name to write');
    // The kernel's fs.protected_symlinks rule, which readlink + rename would bypass: in a folder every user may write
    // to, a link is followed only when it is this user's or the folder owner's. Followed regardless, a link planted
    // as /tmp/junit.xml -> /etc/shadow had the harness, as root, replace /etc/shadow.
    const holder = await stat(path.dirname(at));
    const me = process.geteuid?.();
    if (me !== undefined && (holder.mode & 0o002) !== 0 && found.uid !== me && found.uid !== holder.uid) {
      throw new InputError({ file: flag, line: 0, col: 0 },
        `"${file}", ${at === path.resolve(file) ? 'a symbolic link' : `reached through a symbolic link at ${at}`} of another user (uid ${found.uid}) in ${path.dirname(at)}, a folder every user may write to`,
        'a file name to write that is no other user\'s link in a shared folder: remove the link, or write elsewhere');
    }
    at = path.resolve(path.dirname(at), await readlink(at));
  }
}

/**
 * A report file (--junit, --md) must lie outside the run folder --out names: that folder is the harness's, replaced
 * whole by the next run, and a report written into it overwrote results.json or the run's marker at exit 0.
 */
export async function refuseFileInRunFolder(flag: string, file: string, outDir: string): Promise<void> {
  // Compared through links (the folder and every folder above the file by realpath, a link that is the file followed
  // to what it names): `--junit c1link/results.json` with `--out c1`, or the other way round, wrote the JUnit over
  // the run's results.json at exit 0. The folder itself is not a file in it (checkOutputFile refuses a folder).
  const inside = pathInside(await realpathOfExisting(outDir), await realpathOfExisting(file));
  if (inside === undefined || inside === '') return;
  throw new InputError(
    { file: flag, line: 0, col: 0 },
    `"${file}", inside the run folder ${outDir} (--out)`,
    'a file outside the run folder, which holds the run\'s own files and is replaced whole by the next run',
  );
}

/**
 * `file` with every link on its way followed, as far as the path exists: the realpath of its deepest existing
 * ancestor, a link to nothing followed to what it names, and the levels still to be made appended as written.
 */
async function realpathOfExisting(file: string, hops = 0): Promise<string> {
  const absolute = path.resolve(file);
  const real = await realpath(absolute).catch(() => undefined);
  if (real !== undefined) return real;
  const parent = path.dirname(absolute);
  if (parent === absolute) return absolute;
  const at = path.join(await realpathOfExisting(parent, hops), path.basename(absolute));
  const link = await lstat(at).catch(() => undefined);
  if (link?.isSymbolicLink() && hops < MAX_LINK_HOPS) return realpathOfExisting(path.resolve(path.dirname(at), await readlink(at)), hops + 1);
  return at;
}

/** What a path names, in words, for a message. */
export function kindOf(found: Stats): string {
  return found.isDirectory() ? 'a folder'
    : found.isCharacterDevice() || found.isBlockDevice() ? 'a device'
      : found.isFIFO() ? 'a FIFO (named pipe)'
        : found.isSocket() ? 'a socket'
          : found.isSymbolicLink() ? 'a symbolic link'
            : 'a file';
}

const EXPECTED_FOLDER = 'a folder to write into (or a path where one can be made)';

function refusal(flag: string, given: string, error: unknown, expected = EXPECTED_FOLDER): InputError {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'EACCES' || code === 'EPERM' ? 'a place this user may not write to'
    : code === 'EROFS' ? 'a place on a read-only file system'
    : code === 'ENOENT' ? 'a place where no folder can be made'
    : code === 'ENOSPC' ? 'a place on a full disk'
    : code === 'ENAMETOOLONG' ? 'a name too long for the file system'
    : `a place that cannot be written (${code ?? (error instanceof Error ? error.message : String(error))})`;
  return new InputError({ file: flag, line: 0, col: 0 }, `"${displayPath(given)}", ${why}`, expected);
}

/**
 * Output files that would overwrite an input of the same command (`--junit` naming the suite, `--md` a scenario) or
 * each other (`--junit x --md x`, the JUnit lost under the Markdown) are refused before anything runs: every name
 * is checked as a path and, for a file that exists, by its inode, so a link or a second path to it is caught too.
 */
export async function refuseOutputOverInput(outputs: readonly { flag: string; file: string }[], inputs: readonly { file: string; what: string }[]): Promise<void> {
  const identity = async (file: string): Promise<string> => {
    const absolute = path.resolve(file);
    const found = await stat(absolute).catch(() => undefined);
    return found === undefined ? absolute : `${found.dev}:${found.ino}`;
  };
  const inputIds = await Promise.all(inputs.map(async (input) => ({ ...input, id: await identity(input.file) })));
  const seen: { flag: string; id: string }[] = [];
  for (const output of outputs) {
    const id = await identity(output.file);
    const input = inputIds.find((i) => i.id === id);
    if (input !== undefined) {
      throw new InputError({ file: output.flag, line: 0, col: 0 }, `"${output.file}", which is ${input.what} (${input.file}): writing there would destroy it`, 'a file of its own for this output');
    }
    const twin = seen.find((s) => s.id === id);
    if (twin !== undefined) {
      throw new InputError({ file: output.flag, line: 0, col: 0 }, `"${output.file}", the file ${twin.flag} writes too`, 'a file of its own for each output (one would overwrite the other)');
    }
    seen.push({ flag: output.flag, id });
  }
}

/**
 * A run folder's contents are replaced by each run into it, so an input inside it (a scenario copied into an earlier
 * run's folder, that run's own pcap run again) would be deleted by the run that reads it. Refused before anything
 * runs; paths are compared through links.
 */
export async function refuseFolderHoldingInputs(flag: string, dir: string, inputs: readonly { file: string; what: string }[]): Promise<void> {
  const real = async (file: string): Promise<string> => realpath(file).catch(() => path.resolve(file));
  const root = await real(dir);
  for (const input of inputs) {
    if (isInside(root, await real(input.file))) {
      throw new InputError({ file: flag, line: 0, col: 0 }, `"${dir}", which holds ${input.what} (${input.file}): a run replaces everything in its folder, so the input would be deleted`, 'a run folder that holds none of the inputs');
    }
  }
}
