import { parentPort } from 'node:worker_threads';
import { InputError } from '../../core/input-error.js';
import { errorText } from '../../core/thread-outcome.js';
import { parseConnLogRange, type ConnLogRange } from './parser.js';
import type { WorkerMessage, WorkerRequest, WorkerTask } from './parallel-read.js';

/**
 * A kept parse worker (parallel-read.ts keeps one per extra core for the life of the process): for each range it
 * is sent, it parses the lines with the same parser as the main thread's, sends batches of columns back as they
 * fill (in shared memory: nothing is copied), then the range's line count, or its first error with the line counted from the
 * range's start (the main thread, which knows the lines before, makes it the file's line). Every message carries
 * its request's id. Ranges are taken one at a time, in the order they came.
 */
const port = parentPort;
if (!port) throw new Error('parse-worker.js runs only as a worker thread');
const post = (message: WorkerMessage & { id: number }): void => port.postMessage(message);

let queue: Promise<void> = Promise.resolve();
/** Ranges queued or being parsed. */
const open = new Set<number>();
/**
 * Open ranges cancelled (their ids are never reused). A cancel that comes after its range ended is not kept: it
 * would stay here for good.
 */
const cancelled = new Set<number>();

/** Thrown out of a cancelled range's parse (from its batch callback) to stop it at its next batch. */
class RangeCancelled extends Error {}

async function parse(id: number, task: WorkerTask): Promise<void> {
  const range: ConnLogRange = { start: task.start, end: task.end, prefixEnd: task.prefixEnd };
  try {
    if (cancelled.has(id)) return;
    const outcome = await parseConnLogRange(task.path, task.label, range, (batch) => {
      if (cancelled.has(id)) throw new RangeCancelled();
      post({ id, kind: 'batch', batch });
    });
    if (!cancelled.has(id)) post({ id, kind: 'done', ...outcome });
  } catch (error) {
    if (cancelled.has(id)) return;
    if (error instanceof InputError) {
      post({ id, kind: 'input-error', line: error.where.line, col: error.where.col, found: error.found, expected: error.expected });
    } else {
      post({ id, kind: 'failure', message: errorText(error) });
    }
  } finally {
    open.delete(id);
    cancelled.delete(id);
  }
}

port.on('message', (request: WorkerRequest) => {
  if (request.kind === 'cancel') {
    if (open.has(request.id)) cancelled.add(request.id);
  } else {
    open.add(request.id);
    queue = queue.then(() => parse(request.id, request.task));
  }
});
