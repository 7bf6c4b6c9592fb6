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
export async function writeFileAtomic(file: string, content: string | Uint8Array | Iterable<string>): Promise<void> {
  // The rename below would replace a device or a FIFO (/dev/null, /dev/full) with a regular file: never.
  const existing = await stat(file).catch(() => undefined);
  if (existing !== undefined && !existing.isFile()) throw new InputError({ file, line: 0, col: 0 }, `${kindOf(existing)}`, 'a regular file or a new name to write');
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx');
    try {
      const pieces = typeof content === 'string' || content instanceof Uint8Array ? [content] : content;
      for (const piece of pieces) {
        const bytes = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece;
        for (let off = 0; off < bytes.length; ) off += (await fh.write(bytes, off, bytes.length - off)).bytesWritten;
      }
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
