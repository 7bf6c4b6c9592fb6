import { parentPort, workerData } from 'node:worker_threads';
import { InputError } from '../../core/input-error.js';
import { batchBuffers } from './conn-columns.js';
import { parseConnLogRange, type ConnLogRange } from './parser.js';
import type { WorkerMessage, WorkerTask } from './parallel-read.js';

/**
 * One range of a conn.log, parsed in a worker thread by the same parser as the main thread's: batches of columns go
 * back as they fill (their buffers transferred), then the range's line count, or its first error with the line
 * counted from the range's start (the main thread, which knows the lines before, makes it the file's line).
 */
const task = workerData as WorkerTask;
const port = parentPort;
if (!port) throw new Error('parse-worker.js runs only as a worker thread');
const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);
const range: ConnLogRange = { start: task.start, end: task.end, prefixEnd: task.prefixEnd };
try {
  const outcome = await parseConnLogRange(task.path, task.label, range, (batch) => post({ kind: 'batch', batch }, batchBuffers(batch)));
  post({ kind: 'done', ...outcome });
} catch (error) {
  if (error instanceof InputError) {
    post({ kind: 'input-error', line: error.where.line, col: error.where.col, found: error.found, expected: error.expected });
  } else {
    post({ kind: 'failure', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
}
