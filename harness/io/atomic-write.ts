import { randomBytes } from 'node:crypto';
import { close, openSync, write } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import path from 'node:path';
import { InputError } from '../core/input-error.js';
import { kindOf, outputTarget } from './output-paths.js';
import { trackTempFile } from './temp-files.js';
import { Utf8Chunks } from './utf8-chunks.js';

/**
 * Writes a file so that a reader (or a run stopped half-way by Ctrl-C) only ever sees the old content or the whole
 * new content: write a temporary file in the same folder, then rename over the target. The content may come in
 * pieces (results.json of a large sweep is hundreds of MB), written as they come, never joined.
 */
export async function writeFileAtomic(file: string, content: string | Uint8Array | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>): Promise<void> {
  // A symbolic link is written through, beside the file it names: renamed over, the link itself was replaced by a
  // regular file and its target kept the old content (outputTarget refuses a link to nothing, and /proc).
  const target = await outputTarget(file, file);
  // The rename below would replace a device or a FIFO (/dev/null, /dev/full) with a regular file: never.
  const existing = await stat(target).catch(() => undefined);
  if (existing !== undefined && !existing.isFile()) throw new InputError({ file, line: 0, col: 0 }, `${kindOf(existing)}`, 'a regular file or a new name to write');
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(4).toString('hex')}.tmp`);
  const untrack = trackTempFile(tmp);
  try {
    // Opened synchronously: an open still pending on the thread pool when a second Ctrl-C exited the process created
    // the file after the exit handler had removed the temporaries it knew of, and left it in the run folder.
    const fh = fdHandle(openSync(tmp, 'wx'));
    try {
      const writeAll = async (bytes: Uint8Array): Promise<void> => {
        for (let off = 0; off < bytes.length; ) off += (await fh.write(bytes, off, bytes.length - off)).bytesWritten;
      };
      if (typeof content === 'string' || content instanceof Uint8Array) {
        await writeAll(typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
      } else {
        // A million small pieces (one per connection) would be a million writes: encoded into chunks of about 1 MB.
        const chunks = new Utf8Chunks();
        const writeChunks = async (list: readonly Uint8Array[]): Promise<void> => {
          for (const chunk of list) await writeAll(chunk);
          chunks.reuse(list);
        };
        // A promise only when there is something to write: a million microtasks cost more than the writes.
        const put = (piece: string | Uint8Array): Promise<void> | undefined => {
          if (typeof piece !== 'string') return writeChunks([...chunks.end(), piece]);
          chunks.add(piece);
          return chunks.ready ? writeChunks(chunks.take()) : undefined;
        };
        if (Symbol.asyncIterator in content) {
          for await (const piece of content) await put(piece);
        } else {
          for (const piece of content) {
            const writing = put(piece);
            if (writing !== undefined) await writing;
          }
        }
        await writeChunks(chunks.end());
      }
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
    untrack();
  } catch (error) {
    await rm(tmp, { force: true });
    untrack();
    // A write through a descriptor (disk full, I/O error) names no file: say which one it was.
    const errno = error as NodeJS.ErrnoException;
    // A failed rename (an immutable or root-owned target) names the hidden temporary file: the user named the target.
    if (error instanceof Error && typeof errno.code === 'string' && (errno.path === undefined || errno.path === tmp)) errno.path = file;
    throw error;
  }
}

const writeFd = promisify(write);
const closeFd = promisify(close);

/** A file opened synchronously (see writeFileAtomic), written and closed as a FileHandle is. */
export interface FdHandle {
  readonly fd: number;
  write(bytes: Uint8Array, offset: number, length: number): Promise<{ bytesWritten: number }>;
  close(): Promise<void>;
}

export function fdHandle(fd: number): FdHandle {
  // Closed once only, as a FileHandle is: a second close(fd) could close a file opened since under the same number.
  let closing: Promise<void> | undefined;
  return {
    fd,
    write: async (bytes, offset, length) => ({ bytesWritten: (await writeFd(fd, bytes, offset, length, null)).bytesWritten }),
    close: () => (closing ??= closeFd(fd)),
  };
}
