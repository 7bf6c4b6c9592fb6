/**
 * Ctrl-C (or SIGTERM) aborts the run: every child and collector is stopped through the shared signal, and what
 * finished is still written. A second Ctrl-C leaves at once (execa's cleanup still kills the children).
 */
export function interruptSignal(): { signal: AbortSignal; dispose: () => void; interrupted: () => boolean } {
  const controller = new AbortController();
  let count = 0;
  const onSignal = (name: NodeJS.Signals): void => {
    count += 1;
    if (count === 1) {
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
