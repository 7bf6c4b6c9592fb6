/**
 * What one thread hands another about work it did: a failure as an Error (or, across a thread, as text with its
 * stack), a promise settled either way (a failure elsewhere is this thread's to handle once its own part is done),
 * and the moment it finished on the clock every thread of the process shares (each thread's performance.now()
 * counts from its own start).
 */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** An error as a worker sends it back: its stack when it has one. */
export function errorText(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

export function settled<T>(promise: Promise<T>): Promise<{ value: T } | { error: Error }> {
  return promise.then((value) => ({ value }), (error: unknown) => ({ error: asError(error) }));
}

/** Now, in milliseconds, on the clock every thread of the process shares. */
export function processClock(): number {
  return performance.timeOrigin + performance.now();
}
