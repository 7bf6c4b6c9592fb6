import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { InputError } from '../core/input-error.js';

/**
 * A file the user names as input (a scenario, a suite, a truth, a log, results.json) may be missing, a folder, a
 * device, unreadable or have a name too long for the file system: each is their mistake to fix, so one InputError
 * naming the path and what was expected (exit 2), never a raw ENOENT / EISDIR / ENAMETOOLONG (exit 1).
 */

/** What a file-system error code means for a path the user gave, in words; undefined when it is not about the path. */
export function pathProblem(code: string | undefined): string | undefined {
  switch (code) {
    case 'ENOENT': return 'no such file';
    case 'EISDIR': return 'a directory';
    case 'ENOTDIR': return 'a path through something that is not a folder';
    case 'EACCES':
    case 'EPERM': return 'a file this user may not open';
    case 'ENAMETOOLONG': return 'a name too long for the file system';
    case 'ELOOP': return 'a loop of symbolic links';
    case 'EROFS': return 'a place on a read-only file system';
    case 'ENXIO':
    case 'ENODEV': return 'a device that cannot be opened';
    case 'EINVAL': return 'a name the file system refuses';
    default: return undefined;
  }
}

/** A path short enough for a one-line message (a name too long to open is often thousands of characters). */
export function displayPath(file: string): string {
  return file.length <= 160 ? file : `${file.slice(0, 60)}...(${file.length} characters)...${file.slice(-60)}`;
}

export function inputFileError(file: string, error: unknown, expected: string): InputError {
  const code = (error as NodeJS.ErrnoException).code;
  const found = pathProblem(code) ?? (code === 'ERR_STRING_TOO_LONG' ? 'a file too large for Node to read as one text (over 512 MB)' : `a file that cannot be read (${code ?? (error instanceof Error ? error.message : String(error))})`);
  return new InputError({ file: displayPath(file), line: 0, col: 0 }, found, expected);
}

/**
 * Checks, before any long work, that `file` is something to read: a regular file (or a pipe such as /dev/stdin),
 * not a folder, a device (/dev/zero never ends) or a socket, and readable by this user.
 */
export async function checkInputFile(file: string, expected: string): Promise<void> {
  let found: string | undefined;
  try {
    const info = await stat(file);
    if (info.isDirectory()) found = 'a directory';
    else if (info.isCharacterDevice() || info.isBlockDevice()) found = 'a device';
    else if (info.isSocket()) found = 'a socket';
    else await access(file, constants.R_OK);
  } catch (error) {
    throw inputFileError(file, error, expected);
  }
  if (found !== undefined) throw new InputError({ file: displayPath(file), line: 0, col: 0 }, found, expected);
}

/** The whole text of an input file, or an InputError saying why it cannot be read. */
export async function readInputText(file: string, expected: string): Promise<string> {
  await checkInputFile(file, expected);
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw inputFileError(file, error, expected);
  }
}
