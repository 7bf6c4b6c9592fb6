/** Runs tasks with at most `limit` in flight; results keep the tasks' order. Stops starting new ones once aborted. */
export async function runPool<T>(tasks: (() => Promise<T>)[], limit: number, signal?: AbortSignal): Promise<(T | undefined)[]> {
  const results: (T | undefined)[] = new Array(tasks.length).fill(undefined);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length && !signal?.aborted) {
      const index = next;
      next += 1;
      const task = tasks[index];
      if (task) results[index] = await task();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, worker));
  return results;
}
