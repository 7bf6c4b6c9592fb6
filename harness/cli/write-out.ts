import { once } from 'node:events';

/**
 * Writes pieces of text to a stream (stdout), waiting whenever it asks to: `--json` of a 10,000-connection sweep is
 * hundreds of MB, which must flow through the pipe rather than queue in memory.
 */
export async function writeOut(stream: NodeJS.WritableStream, pieces: Iterable<string>): Promise<void> {
  for (const piece of pieces) {
    if (!stream.write(piece)) await once(stream, 'drain');
  }
}
