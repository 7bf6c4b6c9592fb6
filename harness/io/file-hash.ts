import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** A file's sha256 in hex, read as a stream: a capture can be far larger than memory. */
export async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
