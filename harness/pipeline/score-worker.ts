import { closeSync, openSync, writeSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { scoreRange } from '../comparator/compare-cell.js';
import { matchRange } from '../comparator/match.js';
import { errorText, processClock } from '../core/thread-outcome.js';
import { TruthTable } from '../core/truth-table.js';
import { jsonLines } from '../io/json-lines.js';
import type { MonitorAdapter } from '../monitors/monitor-adapter.js';
import { loadAdapters } from '../monitors/registry.js';
import { cellModel } from './monitor-model.js';
import type { MatchWorkerRequest, ScoreWorkerReply, ScoreWorkerRequest, WorkerRequest } from './parallel-scoring.js';

/**
 * A kept score worker (parallel-scoring.ts keeps one for the life of the process). Asked to match rows of a cell's
 * record table (matchRange), it matches them into the asker's shared array. For each range of a cell it is sent, it makes the cell's model again from its source, scores the range (scoreRange), writes each score's JSON
 * line to the file it was given (a new one), and sends back the fold of the range. Ranges are taken one at a time, in
 * the order they came. The truth of the last range is kept: a sweep scores every cell against one truth.
 */
const port = parentPort;
if (!port) throw new Error('score-worker.js runs only as a worker thread');
const post = (reply: ScoreWorkerReply): void => port.postMessage(reply);

let adapters: Promise<MonitorAdapter[]> | undefined;
let kept: { key: number; table: TruthTable } | undefined;
let queue: Promise<void> = Promise.resolve();

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
}

async function score(request: ScoreWorkerRequest): Promise<void> {
  const { id, input, model: source, linesFile } = request;
  let fd: number | undefined;
  try {
    const adapter = (await (adapters ??= loadAdapters())).find((a) => a.id === source.monitor);
    if (adapter === undefined) throw new Error(`no monitor adapter ${source.monitor}`);
    const model = cellModel(adapter, source);
    // Rows are only ever added to a truth, never changed: the same key and length is the same truth.
    const truth = kept?.key === input.truthKey && kept.table.length === input.truth.rows ? kept.table : TruthTable.fromShared(input.truth);
    kept = { key: input.truthKey, table: truth };
    const range = scoreRange(input, truth, model);
    if (linesFile === undefined) {
      for (const s of range.scores) void s;
    } else {
      fd = openSync(linesFile, 'wx');
      // About 1 MB a chunk: one write each.
      for (const chunk of jsonLines(range.scores)) writeAll(fd, chunk);
      closeSync(fd);
      fd = undefined;
    }
    post({ id, kind: 'done', part: range.part(), finishedAt: processClock() });
  } catch (error) {
    post({ id, kind: 'failure', message: errorText(error) });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Rows of a record table matched into the asker's shared array; the records that merge connections sent back. */
function match(request: MatchWorkerRequest): void {
  try {
    post({ id: request.id, kind: 'matched', rows: matchRange(request.match) });
  } catch (error) {
    post({ id: request.id, kind: 'failure', message: errorText(error) });
  }
}

port.on('message', (request: WorkerRequest) => {
  queue = queue.then(() => ('match' in request ? match(request) : score(request)));
});
