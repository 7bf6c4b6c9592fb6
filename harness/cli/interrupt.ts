import { ignoreTerminalGone, writeQuietly } from './output-stream-errors.js';

/** A signal this soon after the first is the same request delivered again, never a person's second Ctrl-C. */
const SAME_REQUEST_MS = 250;

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Signals counted as a person's requests. One request delivered twice is one request: `timeout -s INT` signals the
 * harness and then its process group, and the second, a few milliseconds later, quit at once with nothing written
 * (4 runs in 19); a hangup is never a second request (the kernel and the shell each send one).
 */
class Requests {
  count = 0;
  private firstAt = 0;

  /** Counts `name` unless it repeats the first request; the count it makes, or undefined for a repeat. */
  take(name: NodeJS.Signals): number | undefined {
    if (this.count === 1 && (name === 'SIGHUP' || performance.now() - this.firstAt < SAME_REQUEST_MS)) return undefined;
    this.count += 1;
    if (this.count === 1) this.firstAt = performance.now();
    return this.count;
  }

  /** The request already made in `earlier` (the work it stopped) is this one's first, not a new one. */
  continue(earlier: Requests): void {
    if (earlier.count === 0) return;
    this.count = 1;
    this.firstAt = earlier.firstAt;
  }
}

/**
 * What a signal does outside a command's working phase, once main() has installed the handlers (first thing, for the
 * whole life of the process): without them, a SIGTERM or SIGHUP while the monitors' versions were probed or the
 * scenarios read killed the harness silently with 143 or 129 (the README promises 130), and one that came after the
 * last report was written (the working phase's handler gone) gave 130 beside complete reports marked nowhere as
 * interrupted.
 * - before the work (`starting`): nothing of the command's results is written yet: one line, exit 130; the exit
 *   handlers still remove any temporary file and the run folder's lock, and an earlier run in --out stays as it was;
 * - after it (`finished`): what the command wrote is complete and its exit status already decided by it: the
 *   signal is noted and ignored (the process ends in milliseconds); a second request leaves at once, as in the work.
 */
let phase: 'none' | 'starting' | 'finished' = 'none';
let working: ((name: NodeJS.Signals) => void) | undefined;
const lateRequests = new Requests();

function onSignal(name: NodeJS.Signals): void {
  if (name === 'SIGHUP') ignoreTerminalGone();
  if (working !== undefined) {
    working(name);
    return;
  }
  if (phase === 'finished') {
    const count = lateRequests.take(name);
    if (count === undefined) return;
    if (count > 1) process.exit(130);
    writeQuietly(process.stderr, `\n${name}: the work is done; finishing what it writes, with the exit status its results give (again to quit at once)\n`);
    return;
  }
  writeQuietly(process.stderr, `\n${name}: stopped before the work began; nothing of it was written\n`);
  process.exit(130);
}

/** main()'s first statement: every signal handled from then on, whatever the command and its phase. */
export function installSignalHandlers(): void {
  if (phase !== 'none') return;
  phase = 'starting';
  for (const name of SIGNALS) process.on(name, onSignal);
}

/**
 * Ctrl-C (or SIGTERM, or SIGHUP: the terminal closed, ssh dropped) aborts the run: every child and collector is
 * stopped through the shared signal, and what finished is still written, exit 130 whichever signal it was. A second
 * Ctrl-C leaves at once (execa's cleanup still kills the children). A hangup is never that second request (the
 * kernel and the shell each send one), and after it writes to the terminal that fail are ignored. Once disposed
 * (the command's results written), a signal is ignored once (see onSignal); called where main() installed no
 * handlers (a test calling a command), the handlers are this function's alone and go with dispose.
 */
export function interruptSignal(): { signal: AbortSignal; dispose: () => void; interrupted: () => boolean } {
  const controller = new AbortController();
  const requests = new Requests();
  const onWorkingSignal = (name: NodeJS.Signals): void => {
    const count = requests.take(name);
    if (count === undefined) return;
    if (count === 1) {
      writeQuietly(process.stderr, `\n${name}: stopping the monitors that are running (their cells are marked failed, "interrupted") and starting no other `
        + '(marked skipped, "not run"); what finished is kept and written. Press Ctrl-C again to quit at once, writing nothing.\n');
      controller.abort(new Error(`interrupted by ${name}`));
    } else {
      process.exit(130);
    }
  };
  const own = phase === 'none';
  if (own) for (const name of SIGNALS) process.on(name, onSignal);
  working = onWorkingSignal;
  return {
    signal: controller.signal,
    // Idempotent: a command may end the working phase before its finally block does.
    dispose: () => {
      if (working === onWorkingSignal) working = undefined;
      if (own) {
        for (const name of SIGNALS) process.off(name, onSignal);
      } else {
        phase = 'finished';
        lateRequests.continue(requests);
      }
    },
    interrupted: () => controller.signal.aborted,
  };
}
