import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CellScoring, ScoreRangeInput } from '../comparator/compare-cell.js';
import type { FoldPart } from '../core/score-fold.js';
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

export type ScoreWorkerReply = { id: number; kind: 'done'; part: FoldPart } | { id: number; kind: 'failure'; message: string };

/** Below this many connections a second thread costs more than it saves (its messages, its first, cold, run). */
export const PARALLEL_MIN_CONNECTIONS = 50_000;

/** How a cell was scored, for its notes: by two threads, or one (and why). */
export type ScoredBy = { threads: 2 } | { threads: 1; why: string; workerFailed: boolean };

let worker: KeptWorker<ScoreWorkerRequest, ScoreWorkerReply> | undefined;

function scoreElsewhere(input: ScoreRangeInput, model: CellModelSource, linesFile: string | undefined): Promise<FoldPart> {
  worker ??= new KeptWorker(new URL('./score-worker.js', import.meta.url), (reply) => reply.id);
  const kept = worker;
  return new Promise<FoldPart>((resolve, reject) => {
    const job = kept.openJob({
      message: (reply) => {
        job.close();
        if (reply.kind === 'done') resolve(reply.part);
        else reject(new Error(reply.message));
      },
      lost: (error) => reject(error),
    });
    job.post({ id: job.id, input, model, linesFile });
  });
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
  const mid = Math.ceil(count / 2);
  const input = count >= Math.max(2, minConnections) && os.availableParallelism() >= 2 ? scoring.shareFrom(mid) : undefined;
  if (input === undefined) {
    if (linesFile === undefined) drain(scoring.scores());
    else await writeFileAtomic(linesFile, jsonLines(scoring.scores()));
    const why = count < minConnections ? `${count} connections, fewer than ${minConnections}` : os.availableParallelism() < 2 ? 'one core' : 'its truth or records are not in shared columns';
    return { threads: 1, why, workerFailed: false };
  }
  const partFile = linesFile === undefined ? undefined : path.join(path.dirname(linesFile), `.${path.basename(linesFile)}.${randomBytes(4).toString('hex')}.part`);
  // Settled either way: a failure is this thread's to handle once its own half is done.
  const elsewhere = scoreElsewhere(input, model, partFile).then((part) => ({ part }), (error: unknown) => ({ error: error instanceof Error ? error : new Error(String(error)) }));
  let scoredBy: ScoredBy = { threads: 2 };
  const rest = async function* (): AsyncGenerator<string | Uint8Array> {
    const outcome = await elsewhere;
    if ('part' in outcome) {
      scoring.merge(outcome.part);
      if (partFile !== undefined) yield* createReadStream(partFile) as AsyncIterable<Buffer>;
      return;
    }
    scoredBy = { threads: 1, why: `the score worker failed (${outcome.error.message.split('\n')[0]}), so this thread scored its half too`, workerFailed: true };
    yield* jsonLines(scoring.scores(mid, count));
  };
  try {
    if (linesFile === undefined) {
      drain(scoring.scores(0, mid));
      for await (const piece of rest()) void piece;
    } else {
      await writeFileAtomic(linesFile, (async function* () {
        yield* jsonLines(scoring.scores(0, mid));
        yield* rest();
      })());
    }
  } finally {
    // Waited for even when this thread's half failed: the worker may not have made its file yet, and would leave it.
    await elsewhere;
    if (partFile !== undefined) await rm(partFile, { force: true });
  }
  return scoredBy;
}
