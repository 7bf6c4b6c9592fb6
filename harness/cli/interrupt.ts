import { ignoreTerminalGone, writeQuietly } from './output-stream-errors.js';

/** A signal this soon after the first is the same request delivered again, never a person's second Ctrl-C. */
const SAME_REQUEST_MS = 250;

/**
 * Ctrl-C (or SIGTERM, or SIGHUP: the terminal closed, ssh dropped) aborts the run: every child and collector is
 * stopped through the shared signal, and what finished is still written, exit 130 whichever signal it was. A second
 * Ctrl-C leaves at once (execa's cleanup still kills the children). A hangup is never that second request (the
 * kernel and the shell each send one), and after it writes to the terminal that fail are ignored.
 */
export function interruptSignal(): { signal: AbortSignal; dispose: () => void; interrupted: () => boolean } {
  const controller = new AbortController();
  let count = 0;
  let firstAt = 0;
  const onSignal = (name: NodeJS.Signals): void => {
    // One request delivered twice is one request: `timeout -s INT` signals the harness and then its process group,
    // and the second, a few milliseconds later, quit at once with nothing written (4 runs in 19).
    if (name === 'SIGHUP') ignoreTerminalGone();
    if (count === 1 && (name === 'SIGHUP' || performance.now() - firstAt < SAME_REQUEST_MS)) return;
    count += 1;
    if (count === 1) {
      firstAt = performance.now();
      writeQuietly(process.stderr, `\n${name}: stopping the monitors that are running (their cells are marked failed, "interrupted") and starting no other `
        + '(marked skipped, "not run"); what finished is kept and written. Press Ctrl-C again to quit at once, writing nothing.\n');
      controller.abort(new Error(`interrupted by ${name}`));
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('SIGHUP', onSignal);
    },
    interrupted: () => controller.signal.aborted,
  };
}
