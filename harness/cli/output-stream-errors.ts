/**
 * What happens when standard output or error cannot take what we write. A reader that stopped reading
 * (`harness monitors | head -1`) is normal use: end at once and quietly, with the status a command killed by SIGPIPE
 * has (141), as command-line tools do, so that a cut `harness check` is never taken for a passed one. Anything else
 * (`> /dev/full`: ENOSPC, EIO) is one line on standard error and exit 2, never Node's unhandled-error stack.
 */
export const EXIT_BROKEN_PIPE = 141;

export function handleOutputStreamErrors(): void {
  const streams: [NodeJS.WriteStream, string][] = [[process.stdout, 'standard output'], [process.stderr, 'standard error']];
  for (const [stream, name] of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
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
