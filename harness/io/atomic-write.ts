import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../core/input-error.js';
import { kindOf } from './output-paths.js';

/**
 * Writes a file so that a reader (or a run stopped half-way by Ctrl-C) only ever sees the old content or the whole
 * new content: write a temporary file in the same folder, then rename over the target. The content may come in
 * pieces (results.json of a large sweep is hundreds of MB), written as they come, never joined.
 */
const WRITE_BATCH_CHARS = 1 << 20;

export async function writeFileAtomic(file: string, content: string | Uint8Array | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>): Promise<void> {
  // The rename below would replace a device or a FIFO (/dev/null, /dev/full) with a regular file: never.
  const existing = await stat(file).catch(() => undefined);
  if (existing !== undefined && !existing.isFile()) throw new InputError({ file, line: 0, col: 0 }, `${kindOf(existing)}`, 'a regular file or a new name to write');
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx');
    try {
      const writeAll = async (bytes: Uint8Array): Promise<void> => {
        for (let off = 0; off < bytes.length; ) off += (await fh.write(bytes, off, bytes.length - off)).bytesWritten;
      };
      if (typeof content === 'string' || content instanceof Uint8Array) {
        await writeAll(typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
      } else {
        // A million small pieces (one per connection) would be a million writes: gather them into about 1 MB.
        let batch: string[] = [];
        let batchLength = 0;
        const flush = async (): Promise<void> => {
          if (batchLength === 0) return;
          const bytes = Buffer.from(batch.join(''), 'utf8');
          batch = [];
          batchLength = 0;
          await writeAll(bytes);
        };
        const add = (piece: string): boolean => {
          batch.push(piece);
          batchLength += piece.length;
          return batchLength >= WRITE_BATCH_CHARS;
        };
        if (Symbol.asyncIterator in content) {
          for await (const piece of content) {
            if (typeof piece === 'string') {
              if (add(piece)) await flush();
            } else {
              await flush();
              await writeAll(piece);
            }
          }
        } else {
          // Not awaited piece by piece: a million microtasks cost more than the writes.
          for (const piece of content) {
            if (typeof piece === 'string') {
              if (add(piece)) await flush();
            } else {
              await flush();
              await writeAll(piece);
            }
          }
        }
        await flush();
      }
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    // A write through a descriptor (disk full, I/O error) names no file: say which one it was.
    const errno = error as NodeJS.ErrnoException;
    if (error instanceof Error && typeof errno.code === 'string' && errno.path === undefined) errno.path = file;
    throw error;
  }
}
