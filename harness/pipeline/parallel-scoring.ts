import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CellScoring, type CompareOptions, type MonitorModel, type ScoreRangeInput } from '../comparator/compare-cell.js';
import type { MatchRangeInput, MergedRows } from '../comparator/match.js';
import { FlowRecordTable, type FlowRecordList } from '../core/flow-record-table.js';
import type { GroundTruth } from '../core/ground-truth.js';
import type { FoldPart } from '../core/score-fold.js';
import { processClock, settled } from '../core/thread-outcome.js';
import { nextShare } from '../core/balanced-share.js';
import { KeptWorker } from '../executor/kept-worker.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { jsonLines } from '../io/json-lines.js';
import type { CellModelSource } from './monitor-model.js';

/**
 * A large cell scored by two threads: this one scores the first half of the truth's connections while a kept worker
 * (score-worker.ts) scores the second, reading the same truth, records and match from shared memory; the worker's
 * fold is then merged, and its lines follow this thread's in the scores file. Scoring a million connections took
 * ~0.6 s of one thread while the other core idled. The scores, the fold and the file are those of one thread, byte
 * for byte (tested so); if the worker fails, this thread scores its half too.
 */
export interface ScoreWorkerRequest {
  id: number;
  input: ScoreRangeInput;
  model: CellModelSource;
  /** A new file for the range's JSON lines; none: the scores are only folded. */
  linesFile?: string;
}

/** Rows of a cell's record table for the worker to match (matchRange) while this thread matches the others. */
export interface MatchWorkerRequest {
  id: number;
  match: MatchRangeInput;
}

export type WorkerRequest = ScoreWorkerRequest | MatchWorkerRequest;

export type ScoreWorkerReply =
  /** finishedAt: when the worker was done, on the process's clock (performance.timeOrigin + now()). */
  | { id: number; kind: 'done'; part: FoldPart; finishedAt: number }
  | { id: number; kind: 'matched'; rows: MergedRows }
  | { id: number; kind: 'failure'; message: string };

/** Below this many connections a second thread costs more than it saves (its messages, its first, cold, run). */
export const PARALLEL_MIN_CONNECTIONS = 50_000;

/** How a cell was scored, for its notes: by two threads, or one (and why). */
export type ScoredBy = { threads: 2 } | { threads: 1; why: string; workerFailed: boolean };

let worker: KeptWorker<WorkerRequest, ScoreWorkerReply> | undefined;

/** One request to the kept worker: its reply's value (`take`), or its failure as an error. */
function askWorker<T>(request: (id: number) => WorkerRequest, take: (reply: ScoreWorkerReply) => T | undefined): Promise<T> {
  worker ??= new KeptWorker(new URL('./score-worker.js', import.meta.url), (reply) => reply.id);
  const kept = worker;
  return new Promise<T>((resolve, reject) => {
    const job = kept.openJob({
      message: (reply) => {
        job.close();
        const value = take(reply);
        if (value !== undefined) resolve(value);
        else reject(new Error(reply.kind === 'failure' ? reply.message : `the score worker answered ${reply.kind}`));
      },
      lost: (error) => reject(error),
    });
    job.post(request(job.id));
  });
}

function scoreElsewhere(input: ScoreRangeInput, model: CellModelSource, linesFile: string | undefined): Promise<{ part: FoldPart; finishedAt: number }> {
  return askWorker((id) => ({ id, input, model, linesFile }), (reply) => (reply.kind === 'done' ? { part: reply.part, finishedAt: reply.finishedAt } : undefined));
}

/** Why this thread did the worker's half too: the first line of the worker's failure. */
function workerFailedWhy(error: Error, did: 'matched' | 'scored'): string {
  return `the score worker failed (${error.message.split('\n')[0]}), so this thread ${did} its half too`;
}

function matchElsewhere(match: MatchRangeInput): Promise<MergedRows> {
  return askWorker((id) => ({ id, match }), (reply) => (reply.kind === 'matched' ? reply.rows : undefined));
}

/**
 * A cell's scoring, its records matched to the truth: by two threads (the kept worker matches the second half of
 * the rows) when the records are a table in shared memory of at least `minRows` rows, else by this one. `note` says
 * when the worker failed and this thread matched its half too.
 */
export async function startCellScoring(
  truth: GroundTruth, records: FlowRecordList, model: MonitorModel, options: CompareOptions, worstKept: number, minRows = PARALLEL_MIN_CONNECTIONS,
): Promise<{ scoring: CellScoring; note?: string }> {
  if (records instanceof FlowRecordTable && records.length >= Math.max(2, minRows) && os.availableParallelism() >= 2) {
    const inTwo = await CellScoring.matchedInTwo(truth, records, model, options, worstKept, matchElsewhere);
    if (inTwo !== undefined) {
      const failed = inTwo.elsewhereFailed;
      return failed === undefined ? { scoring: inTwo.scoring } : { scoring: inTwo.scoring, note: `matched by one thread: ${workerFailedWhy(failed, 'matched')}` };
    }
  }
  return { scoring: new CellScoring(truth, records, model, options, worstKept) };
}

/**
 * The share of a cell's connections the worker scores. It starts at half and follows what the last two-thread cell
 * measured, either way: on a million connections this thread has finished its half 70-130 ms before the worker (which
 * starts later and reads the truth through shared views), and, with the parse balanced, 50-150 ms after it (this
 * thread also takes in and merges the worker's part). Where the split falls changes nothing in the result (the
 * scores file and fold are one thread's, byte for byte), only who waits.
 */
let workerShare = 0.5;
const MIN_WORKER_SHARE = 0.3;
const MAX_WORKER_SHARE = 0.7;

/**
 * The worker's share for the next cell, from this one's: each thread's connections a millisecond, each side's share
 * by its speed, moved a third of the way there, 0.1 at most (nextShare), within MIN_WORKER_SHARE ..
 * MAX_WORKER_SHARE.
 */
export function nextWorkerShare(share: number, mainConnections: number, mainMs: number, workerConnections: number, workerMs: number): number {
  return nextShare(share, { units: workerConnections, ms: workerMs }, { units: mainConnections, ms: mainMs }, MIN_WORKER_SHARE, MAX_WORKER_SHARE);
}

function drain(scores: Iterable<unknown>): void {
  for (const score of scores) void score;
}

/**
 * Every connection of `scoring` scored and folded into its fold, each score's JSON line written to `linesFile` (when
 * given: atomically, in truth order). `model` is the source of the model `scoring` was made with.
 */
export async function scoreCell(scoring: CellScoring, model: CellModelSource, linesFile: string | undefined, minConnections = PARALLEL_MIN_CONNECTIONS): Promise<ScoredBy> {
  const count = scoring.connectionCount;
  const mid = Math.min(count - 1, count - Math.floor(count * workerShare));
  const input = count >= Math.max(2, minConnections) && os.availableParallelism() >= 2 ? scoring.shareFrom(mid) : undefined;
  if (input === undefined) {
    if (linesFile === undefined) drain(scoring.scores());
    else await writeFileAtomic(linesFile, jsonLines(scoring.scores()));
    const why = count < minConnections ? `${count} connections, fewer than ${minConnections}` : os.availableParallelism() < 2 ? 'one core' : 'its truth or records are not in shared columns';
    return { threads: 1, why, workerFailed: false };
  }
  const partFile = linesFile === undefined ? undefined : path.join(path.dirname(linesFile), `.${path.basename(linesFile)}.${randomBytes(4).toString('hex')}.part`);
  const started = processClock();
  const elsewhere = settled(scoreElsewhere(input, model, partFile));
  let mainMs = 0;
  let scoredBy: ScoredBy = { threads: 2 };
  const rest = async function* (): AsyncGenerator<string | Uint8Array> {
    const outcome = await elsewhere;
    if ('value' in outcome) {
      scoring.merge(outcome.value.part);
      if (partFile !== undefined) yield* createReadStream(partFile) as AsyncIterable<Buffer>;
      return;
    }
    scoredBy = { threads: 1, why: workerFailedWhy(outcome.error, 'scored'), workerFailed: true };
    yield* jsonLines(scoring.scores(mid, count));
  };
  try {
    if (linesFile === undefined) {
      drain(scoring.scores(0, mid));
      mainMs = processClock() - started;
      for await (const piece of rest()) void piece;
    } else {
      await writeFileAtomic(linesFile, (async function* () {
        yield* jsonLines(scoring.scores(0, mid));
        mainMs = processClock() - started;
        yield* rest();
      })());
    }
    // The worker says when it finished: its reply waits while this thread scores, so its arrival would not.
    const outcome = await elsewhere;
    if ('value' in outcome) workerShare = nextWorkerShare(workerShare, mid, mainMs, count - mid, outcome.value.finishedAt - started);
  } finally {
    // Waited for even when this thread's half failed: the worker may not have made its file yet, and would leave it.
    await elsewhere;
    if (partFile !== undefined) await rm(partFile, { force: true });
  }
  return scoredBy;
}
