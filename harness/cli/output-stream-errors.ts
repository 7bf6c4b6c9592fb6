import { closeSync } from 'node:fs';
import { isatty } from 'node:tty';

/**
 * What happens when standard output or error cannot take what we write. A reader that stopped reading
 * (`harness monitors | head -1`) is normal use: end at once and quietly, with the status a command killed by SIGPIPE
 * has (141), as command-line tools do, so that a cut `harness check` is never taken for a passed one. Anything else
 * (`> /dev/full`: ENOSPC, EIO) is one line on standard error and exit 2, never Node's unhandled-error stack.
 */
export const EXIT_BROKEN_PIPE = 141;

/** Set once the terminal hung up (SIGHUP): standard output and error may be gone, the run is not. */
let hungUp = false;

/**
 * After a hangup (the terminal closed, ssh dropped) writes to the terminal fail (EIO), as do writes to a pipe whose
 * reader died with it (EPIPE): the run goes on, writing its files and reports, and says nothing more there.
 */
export function ignoreTerminalGone(): void {
  hungUp = true;
}

export function terminalGone(): boolean {
  return hungUp;
}

/** `stream.write` that never throws: what cannot be written after a hangup is dropped. */
export function writeQuietly(stream: NodeJS.WritableStream, text: string): void {
  try {
    stream.write(text);
  } catch {
    // The stream is gone (a hung-up terminal): nothing to tell there.
  }
}

export function handleOutputStreamErrors(): void {
  // At exit Node puts back the terminal modes of the standard streams that were terminals at its start, and aborts
  // (SIGABRT, "Assertion failed" in ResetStdio) when the terminal hung up and refuses (EIO): a descriptor closed is
  // left alone, so after a hangup ours are closed last.
  const terminals = [0, 1, 2].filter((fd) => isatty(fd));
  process.on('exit', () => {
    if (!hungUp) return;
    for (const fd of terminals) {
      try {
        closeSync(fd);
      } catch {
        // Already closed.
      }
    }
  });
  const streams: [NodeJS.WriteStream, string][] = [[process.stdout, 'standard output'], [process.stderr, 'standard error']];
  for (const [stream, name] of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (hungUp && (error.code === 'EIO' || error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED')) return;
      if (error.code === 'EPIPE') process.exit(EXIT_BROKEN_PIPE);
      if (stream !== process.stderr) {
        const why = error.code === 'ENOSPC' ? 'no space left on the device' : error.message;
        try {
          process.stderr.write(`harness: cannot write to ${name}: ${why} (${error.code ?? 'error'}); expected a stream or file with room to write\n`);
        } catch {
          // Standard error is gone too: the exit status must say it alone.
        }
      }
      process.exit(2);
    });
  }
}
