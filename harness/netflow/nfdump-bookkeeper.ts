import { realpath } from 'node:fs/promises';
import { MonitorFailure } from '../monitors/monitor-adapter.js';

/**
 * nfpcapd and nfcapd (nfdump 1.6/1.7) keep a "bookkeeper" for their flow folder in System V IPC: a shared memory
 * segment recording the collector's pid, and a semaphore, keyed on a hash of the folder's real path (bookkeeper.c:
 * h = 37 * h + byte over the path; the semaphore's key hashes one more 'R'). It is removed only on a clean exit. A
 * collector killed (time limit, interrupt, a SIGKILLed harness) leaves it, and the next one on that folder refuses
 * to start while the recorded pid is alive: "Another collector with pid N is already running". As root every
 * monitor runs in its own IPC namespace (confinement.ts), so its segments go with it; without one, a stale record
 * whose pid was taken by another process is named here, with the command that removes it.
 */
export function bookkeeperKeys(realPath: string): { shm: string; sem: string } {
  let h = 0;
  for (const byte of Buffer.from(realPath)) h = (Math.imul(h, 37) + byte) >>> 0;
  const sem = (Math.imul(h, 37) + 'R'.charCodeAt(0)) >>> 0;
  const hex = (key: number): string => `0x${key.toString(16).padStart(8, '0')}`;
  return { shm: hex(h), sem: hex(sem) };
}

const ANOTHER_COLLECTOR = /Another collector with pid (\d+)(?: but different user ID)? is already running/;

/**
 * A collector's failure as it is, or, when its stderr says another collector holds the folder's bookkeeper, a
 * failure that names the stale record and the `ipcrm` command: no collector of this run shares a folder.
 */
export async function withStaleBookkeeperHint(error: unknown, tool: string, dir: string): Promise<unknown> {
  if (!(error instanceof MonitorFailure)) return error;
  const held = ANOTHER_COLLECTOR.exec(error.stderrTail);
  if (!held) return error;
  const keys = bookkeeperKeys(await realpath(dir).catch(() => dir));
  const message = `${error.message}: ${tool}'s bookkeeping record for ${dir} (System V shared memory key ${keys.shm}, `
    + `semaphore key ${keys.sem}) names pid ${held[1]}, which is no collector of this run: a record left by a collector `
    + `killed earlier (without an IPC namespace of its own, as without root). Remove it with \`ipcrm -M ${keys.shm} -S ${keys.sem}\``;
  return new MonitorFailure(message, error.exitCode, error.signalName, error.stderrTail, error.timedOut);
}
