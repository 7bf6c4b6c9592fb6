import { readdirSync, readFileSync } from 'node:fs';

/**
 * How long this process's threads have waited, runnable, for a CPU: the sum over /proc/self/task/<tid>/schedstat of
 * the second field (ns spent on a run queue), in ms. Undefined where the kernel does not say (not Linux, no
 * schedstats).
 *
 * Why a bench needs it: a ratio measured in the same run cancels a machine's noise only for tasks that use the same
 * number of threads. The generator encodes on one thread while another hashes and writes; the baseline it is held
 * to (write + sha256 from one buffer) runs on one. Another process taking one of two cores halves the first and
 * barely touches the second (measured: round ratios 0.51-1.17 in one loaded run), so a loaded round says how busy
 * the machine was, not how fast the generator is. Run-queue delay tells those rounds apart without guessing: on a
 * quiet machine a generation's threads wait 13-31 ms of its ~150 (its own helper threads: GC, the pool), under a
 * competing process 55-210 ms.
 */
export function runQueueDelayMs(): number | undefined {
  let total = 0;
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return undefined;
  }
  for (const tid of tasks) {
    let fields: string[];
    try {
      fields = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ');
    } catch {
      continue; // the thread ended between the listing and the read: its waits are no longer counted anywhere
    }
    const waitedNs = Number(fields[1]);
    if (!Number.isFinite(waitedNs)) return undefined;
    total += waitedNs;
  }
  return total / 1e6;
}
