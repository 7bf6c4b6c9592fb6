import { constants } from 'node:fs';
import { access, open, readFile, stat } from 'node:fs/promises';
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
 * Checks, before any long work, that `file` is something to read: a regular file (or a pipe a shell handed over:
 * /dev/stdin, `<(...)`), not a folder, a device (/dev/zero never ends), a socket or a named pipe, and readable by
 * this user.
 */
export async function checkInputFile(file: string, expected: string): Promise<void> {
  let found: string | undefined;
  try {
    const info = await stat(file);
    if (info.isDirectory()) found = 'a directory';
    else if (info.isCharacterDevice() || info.isBlockDevice()) found = 'a device';
    else if (info.isSocket()) found = 'a socket';
    // Opening a named pipe waits for a writer, on a pool thread no signal reaches: a FIFO given as a suite or a
    // baseline hung the harness past Ctrl-C and SIGTERM. A pipe the shell opened already (/dev/fd/N) has one.
    else if (info.isFIFO() && !HANDED_OVER_PIPE.test(file)) found = 'a named pipe (FIFO), whose opening waits for a writer';
    else await access(file, constants.R_OK);
  } catch (error) {
    throw inputFileError(file, error, expected);
  }
  if (found !== undefined) throw new InputError({ file: displayPath(file), line: 0, col: 0 }, found, expected);
}

/** A descriptor the harness inherited, by the names shells and Linux give it. */
const HANDED_OVER_PIPE = /^\/(?:dev\/(?:stdin|fd\/\d+)|proc\/(?:self|\d+)\/fd\/\d+)$/;

/** The whole text of an input file, or an InputError saying why it cannot be read. */
export async function readInputText(file: string, expected: string): Promise<string> {
  await checkInputFile(file, expected);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw inputFileError(file, error, expected);
  }
  // Decoding replaces every byte that is not UTF-8 with U+FFFD, silently: a scenario saved as UTF-16 or Latin-1 then
  // failed as YAML of NUL-laced garbage, or passed with a mangled description. One native scan finds the rare file
  // that holds a U+FFFD at all; only that one is decoded again strictly, to tell a real U+FFFD from a bad byte.
  const at = text.indexOf('\uFFFD');
  if (at >= 0) await checkUtf8(file, text, at, expected);
  return text;
}

async function checkUtf8(file: string, text: string, first: number, expected: string): Promise<void> {
  const bytes = await readFile(file);
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return;
  } catch {
    // not UTF-8: say where, below
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    const mark = bytes[0] === 0xff ? 'FF FE' : 'FE FF';
    throw new InputError({ file: displayPath(file), line: 1, col: 1 }, `a file in UTF-16 (it starts with the byte-order mark ${mark})`, `UTF-8 text: ${expected}`);
  }
  const nul = bytes.subarray(0, 4096).indexOf(0);
  if (nul >= 0) {
    throw new InputError({ file: displayPath(file), line: 0, col: 0 }, `binary data, not text (a NUL byte at byte ${nul + 1}: a capture or another binary file?)`, `UTF-8 text: ${expected}`);
  }
  // Every character before the first U+FFFD was decoded from valid UTF-8, so it encodes back to the same bytes.
  const before = text.slice(0, first);
  const lineStart = before.lastIndexOf('\n') + 1;
  const line = before.split('\n').length;
  const byte = bytes[Buffer.byteLength(before, 'utf8')] ?? 0;
  throw new InputError(
    { file: displayPath(file), line, col: first - lineStart + 1 },
    `the byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')}, which is not UTF-8 (a file saved as Latin-1 or another encoding?)`,
    `UTF-8 text: ${expected}`,
  );
}

/** Magic numbers of the compressions logs are kept in: read as text, their bytes were quoted as the "found" line. */
const COMPRESSED: { magic: number[]; name: string; tool: string }[] = [
  { magic: [0x1f, 0x8b], name: 'gzip', tool: 'gunzip' },
  { magic: [0x42, 0x5a, 0x68], name: 'bzip2', tool: 'bunzip2' },
  { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], name: 'xz', tool: 'unxz' },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], name: 'zstd', tool: 'unzstd' },
];

/**
 * A log that is compressed, or starts with a byte-order mark, is refused by what it is: its parser would quote
 * binary bytes, or an invisible character, as the line it could not read.
 */
export async function refuseEncodedLog(file: string, expected: string): Promise<void> {
  const head = await readHead(file, 6);
  if (head === undefined) return;
  const starts = (magic: number[]): boolean => head.length >= magic.length && magic.every((b, i) => head[i] === b);
  const compressed = COMPRESSED.find((c) => starts(c.magic));
  if (compressed !== undefined) {
    throw new InputError({ file: displayPath(file), line: 1, col: 1 }, `a ${compressed.name}-compressed file`, `${expected}, as text: decompress it first (${compressed.tool} -k ${displayPath(file)})`);
  }
  if (starts([0xef, 0xbb, 0xbf])) {
    throw new InputError({ file: displayPath(file), line: 1, col: 1 }, 'a UTF-8 byte-order mark before the first line', `${expected}, as the tool wrote it (no byte-order mark)`);
  }
}

/**
 * The first `bytes` bytes of a file (fewer when it is shorter), for telling its kind by a magic number; undefined
 * when it cannot be opened or read (a folder opens but does not read): the caller's reader then says why.
 */
export async function readHead(file: string, bytes: number): Promise<Buffer | undefined> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (handle === undefined) return undefined;
  try {
    const head = Buffer.alloc(bytes);
    const read = await handle.read(head, 0, bytes, 0).catch(() => undefined);
    return read === undefined ? undefined : head.subarray(0, read.bytesRead);
  } finally {
    await handle.close();
  }
}
