import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection at the points where a large run has just let go of a phase's memory (the generator's
 * state, a cell's parse, a cell's tables). Measured: V8 lets its old space grow to several times what is live
 * while a phase allocates quickly (a 1 M-connection softflowd cell: 242 MB of heap at its end, of which ~30 MB
 * live; after generation 1,093 MB of heap, mostly garbage), and the typed-array tables a finished cell dropped
 * stay mapped until the next full collection, so the next cell's tables came on top of them. The cost, a
 * collection of a small live heap, is milliseconds beside a cell of a large scenario; small scenarios skip it.
 *
 * Node exposes no collector call unless started with --expose-gc, so the flag is set at run time and the
 * function taken from a fresh context (which is created with it); if that fails, nothing is collected early.
 */
export const RELEASE_HEAP_FROM = 50_000;

let collect: (() => void) | null | undefined;

function collector(): (() => void) | null {
  if (collect !== undefined) return collect;
  const global = (globalThis as { gc?: unknown }).gc;
  if (typeof global === 'function') return (collect = global as () => void);
  try {
    v8.setFlagsFromString('--expose-gc');
    const fn: unknown = runInNewContext('gc');
    collect = typeof fn === 'function' ? (fn as () => void) : null;
  } catch {
    collect = null;
  }
  return collect;
}

/** Collects garbage now when `connections` (the scenario's size) makes it worth it. */
export function releaseHeap(connections: number): void {
  if (connections >= RELEASE_HEAP_FROM) collector()?.();
}
