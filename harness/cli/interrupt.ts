/** A signal this soon after the first is the same request delivered again, never a person's second Ctrl-C. */
const SAME_REQUEST_MS = 250;

/**
 * Ctrl-C (or SIGTERM) aborts the run: every child and collector is stopped through the shared signal, and what
 * finished is still written. A second Ctrl-C leaves at once (execa's cleanup still kills the children).
 */
export function interruptSignal(): { signal: AbortSignal; dispose: () => void; interrupted: () => boolean } {
  const controller = new AbortController();
  let count = 0;
  let firstAt = 0;
  const onSignal = (name: NodeJS.Signals): void => {
    // One request delivered twice is one request: `timeout -s INT` signals the harness and then its process group,
    // and the second, a few milliseconds later, quit at once with nothing written (4 runs in 19).
    if (count === 1 && performance.now() - firstAt < SAME_REQUEST_MS) return;
    count += 1;
    if (count === 1) {
      firstAt = performance.now();
      process.stderr.write(`\n${name}: stopping the monitors that are running (their cells are marked failed, "interrupted") and starting no other `
        + '(marked skipped, "not run"); what finished is kept and written. Press Ctrl-C again to quit at once, writing nothing.\n');
      controller.abort(new Error(`interrupted by ${name}`));
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
    interrupted: () => controller.signal.aborted,
  };
}
