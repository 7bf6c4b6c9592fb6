import { once } from 'node:events';
import { terminalGone } from './output-stream-errors.js';

/**
 * Writes pieces of text to a stream (stdout), waiting whenever it asks to: `--json` of a 10,000-connection sweep is
 * hundreds of MB, which must flow through the pipe rather than queue in memory.
 */
export async function writeOut(stream: NodeJS.WritableStream, pieces: Iterable<string>): Promise<void> {
  for (const piece of pieces) {
    // After a hangup the terminal is gone: what is left to print is dropped, the run's files are what it writes.
    if (terminalGone() && (stream as { destroyed?: boolean }).destroyed === true) return;
    if (stream.write(piece)) continue;
    try {
      // A stream destroyed by a failed write never drains: its close ends the wait.
      await Promise.race([once(stream, 'drain'), once(stream, 'close')]);
    } catch (error) {
      if (!terminalGone()) throw error;
      return;
    }
  }
}
