import { open, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import { InputError } from '../../core/input-error.js';
import { asError } from '../../core/thread-outcome.js';
import { nextShare, type Pace } from '../../core/balanced-share.js';
import { KeptWorker, type JobListener } from '../../executor/kept-worker.js';
import type { ConnColumnBatch, ConnColumnsConsumer } from './conn-columns.js';

/**
 * A large conn.log read by several threads: the file is cut at line boundaries into one byte range per thread; the
 * calling thread parses the first range itself, and each worker (parse-worker.ts) reads the header lines, then its
 * range, with the same parser, and sends columns back while the calling thread consumes them (builds FlowRecords,
 * sums pairs...). The workers are kept for the life of the process, one per extra thread, like the pcap sink: a new
 * worker cost ~0.2 s of CPU to start and then parsed its range with cold (interpreted, then freshly compiled) code,
 * so it finished well after the calling thread on every log a run parses (a sweep parses one per cell). The rows, their lines
 * and the first error (file, line, column) are exactly those of reading the file in one thread:
 * - a worker numbers its lines from its range's start; the main thread adds the lines of the ranges before;
 * - the first error in file order wins (each worker stops at its own first);
 * - a header line that changes how rows read (a second #fields in a concatenated log) anywhere but the last range
 *   makes the later ranges' reading wrong, so the file is then read again in one thread (undefined is returned).
 */
export interface WorkerTask {
  path: string;
  label: string;
  start: number;
  end: number;
  prefixEnd: number;
}

/**
 * How the calling thread parses its own range: parseConnLogRange, passed in (parser.ts imports this module). Its
 * range comes first, so each of its batches is consumed during `onBatch`: `lend` says it may be refilled after.
 */
export type ParseRange = (task: WorkerTask, onBatch: (batch: ConnColumnBatch) => void, lend: boolean) => Promise<{ lines: number; headerChangedAfterData: boolean }>;

export type WorkerMessage =
  | { kind: 'batch'; batch: ConnColumnBatch }
  | { kind: 'done'; lines: number; headerChangedAfterData: boolean }
  | { kind: 'input-error'; line: number; col: number; found: string; expected: string }
  | { kind: 'failure'; message: string };

type RangeEnd = Exclude<WorkerMessage, { kind: 'batch' }>;

/** What a kept worker is sent: a range to parse (`id` tags every message about it), or that one is no longer wanted. */
export type WorkerRequest = { kind: 'parse'; id: number; task: WorkerTask } | { kind: 'cancel'; id: number };

/** One kept worker per extra thread, like the pcap sink; a message names its range's request by `id`. */
const keptWorkers: KeptWorker<WorkerRequest, WorkerMessage & { id: number }>[] = [];

function keptWorker(slot: number): KeptWorker<WorkerRequest, WorkerMessage & { id: number }> {
  return (keptWorkers[slot] ??= new KeptWorker(new URL('./parse-worker.js', import.meta.url), (message) => message.id));
}

/** A range sent to a kept worker, until it ends. */
interface SentRange {
  /** Once its end (done or an error) has been received: the worker has nothing more to say about it. */
  ended(): void;
  /** Not wanted any more (an earlier range failed): the worker drops it, and nothing more is heard of it. */
  cancel(): void;
}

function sendRange(slot: number, task: WorkerTask, listener: JobListener<WorkerMessage>): SentRange {
  const job = keptWorker(slot).openJob(listener);
  job.post({ kind: 'parse', id: job.id, task });
  return {
    ended: () => void job.close(),
    cancel: () => {
      if (job.close()) job.post({ kind: 'cancel', id: job.id });
    },
  };
}

/**
 * The first range's share of the file (the one this thread parses), learned from the last read by as many threads
 * for a consumer of the same kind: this thread parses while it takes in every range's batches, a worker only parses,
 * and yet equal ranges left this thread waiting 80-150 ms for the worker's on a 1 M-line log (2-core VM). A consumer
 * that keeps the batches (a cell's record table) costs this thread fresh memory for each, one that copies from a
 * lent batch (a sum per pair) does not: learned from each other, each read set the other's split wrong. The ranges
 * after the first share the rest equally.
 */
const firstRangeShares = new Map<string, number>();

/** Which reads learn from each other: as many threads, batches kept or lent. */
function readKind(count: number, consumer: ConnColumnsConsumer): string {
  return `${count} ${consumer.keepsBatches === true ? 'kept' : 'lent'}`;
}

function firstRangeShare(count: number, kind: string): number {
  return firstRangeShares.get(kind) ?? 1 / count;
}

/** After a read that went through: each range's bytes and when it ended, from when they were sent. */
function learnFirstRangeShare(kind: string, tasks: readonly WorkerTask[], endedMs: readonly number[]): void {
  const count = tasks.length;
  const bytes = (task: WorkerTask): number => task.end - task.start;
  const first: Pace = { units: bytes(tasks[0] as WorkerTask), ms: endedMs[0] as number };
  // The workers as one side: all their bytes, done when the last of them is.
  const rest: Pace = { units: tasks.slice(1).reduce((sum, task) => sum + bytes(task), 0), ms: Math.max(...endedMs.slice(1)) };
  firstRangeShares.set(kind, nextShare(firstRangeShare(count, kind), first, rest, 0.6 / count, 1.4 / count));
}

/** Below this, starting workers costs more than it saves. */
export const PARALLEL_MIN_BYTES = 8 << 20;
/** How far from a cut point we look for the end of a line; a longer line makes us read in one thread. */
const CUT_SEARCH_BYTES = 1 << 16;
/** How much of the file's start we look at for its header lines. */
const HEADER_SEARCH_BYTES = 1 << 20;

/**
 * `path` read by `threads` workers (by default one per core, for files of PARALLEL_MIN_BYTES or more), its batches
 * handed to one consumer in file order; or undefined when it is better or necessary to read it in one thread.
 */
export async function readConnLogInParallel<T extends ConnColumnsConsumer>(
  path: string, label: string, makeConsumer: () => T, parseHere: ParseRange, threads?: number,
): Promise<T | undefined> {
  const count = threads ?? os.availableParallelism();
  if (count <= 1) return undefined;
  const handle = await open(path, 'r');
  let read: { tasks: WorkerTask[] | undefined; consumer: T; kind: string };
  try {
    const { size } = await handle.stat();
    if (threads === undefined && size < PARALLEL_MIN_BYTES) return undefined;
    // Made before the cut, which depends on its kind; only for a read that may be parallel (a table costs ~300 KB).
    const consumer = makeConsumer();
    const kind = readKind(count, consumer);
    read = { tasks: await cutIntoRanges(handle, size, count, firstRangeShare(count, kind), path, label), consumer, kind };
  } finally {
    await handle.close();
  }
  const { tasks, consumer, kind } = read;
  if (!tasks || tasks.length < 2) return undefined;
  return (await new InOrderDelivery(tasks, label, consumer, parseHere, kind).finished) ? consumer : undefined;
}

/**
 * Runs a worker per range and hands their batches to the consumer in file order: the current range's batches at
 * once, a later range's when every range before it has ended well (then its line offset is known too). Settles
 * true when all went through, false when the ranges must be read again in one thread, or rejects with the first
 * error in file order.
 */
class InOrderDelivery {
  readonly finished: Promise<boolean>;
  private current = 0;
  private lineOffset = 0;
  private readonly pending: ConnColumnBatch[][];
  private readonly ends: (RangeEnd | undefined)[];
  /** When each range ended, in ms from when they were sent. */
  private readonly endedMs: number[];
  private readonly startedAt = performance.now();
  /** Ranges 1.. as sent to the kept workers (range 0 is parsed here). */
  private readonly sent: SentRange[];
  private settled = false;
  private settle!: (ok: boolean) => void;
  private fail!: (error: Error) => void;

  constructor(
    private readonly tasks: WorkerTask[], private readonly label: string, private readonly consumer: ConnColumnsConsumer, parseHere: ParseRange,
    /** Whose split this read's timings teach (readKind). */
    private readonly kind: string,
  ) {
    this.pending = tasks.map(() => []);
    this.ends = tasks.map(() => undefined);
    this.endedMs = tasks.map(() => Number.NaN);
    this.finished = new Promise<boolean>((resolve, reject) => {
      this.settle = resolve;
      this.fail = reject;
    });
    this.sent = tasks.slice(1).map((task, index) => {
      const range = index + 1;
      return sendRange(index, task, {
        message: (message) => this.guard(() => this.received(range, message)),
        lost: (error) => this.stop(() => this.fail(new Error(`zeek conn.log parse worker for ${label} failed: ${error.message}`))),
      });
    });
    parseHere(tasks[0] as WorkerTask, (batch) => this.guard(() => this.received(0, { kind: 'batch', batch })), consumer.keepsBatches !== true).then(
      (outcome) => this.guard(() => this.received(0, { kind: 'done', ...outcome })),
      (error: unknown) => this.guard(() => {
        if (!(error instanceof InputError)) throw error;
        this.received(0, { kind: 'input-error', line: error.where.line, col: error.where.col, found: error.found, expected: error.expected });
      }),
    );
  }

  private received(range: number, message: WorkerMessage): void {
    if (this.settled) return;
    if (message.kind === 'batch') {
      if (range === this.current) this.consumer.add(message.batch, { range, lineOffset: this.lineOffset });
      else (this.pending[range] as ConnColumnBatch[]).push(message.batch);
      return;
    }
    this.ends[range] = message;
    this.endedMs[range] = performance.now() - this.startedAt;
    if (range > 0) (this.sent[range - 1] as SentRange).ended();
    this.advance();
  }

  /** Moves past every ended range from the current one on, delivering what waited. */
  private advance(): void {
    for (;;) {
      const end = this.ends[this.current];
      if (!end) return;
      if (end.kind === 'failure') {
        this.stop(() => this.fail(new Error(`zeek conn.log parse worker failed on ${this.label}: ${end.message}`)));
        return;
      }
      if (end.kind === 'input-error') {
        const where = { file: this.label, line: this.lineOffset + end.line, col: end.col };
        this.stop(() => this.fail(new InputError(where, end.found, end.expected)));
        return;
      }
      const last = this.current === this.ends.length - 1;
      if (last) {
        learnFirstRangeShare(this.kind, this.tasks, this.endedMs);
        this.stop(() => this.settle(true));
        return;
      }
      if (end.headerChangedAfterData) {
        this.stop(() => this.settle(false));
        return;
      }
      this.lineOffset += end.lines;
      this.current += 1;
      const waiting = this.pending[this.current] as ConnColumnBatch[];
      this.pending[this.current] = [];
      for (const batch of waiting) this.consumer.add(batch, { range: this.current, lineOffset: this.lineOffset });
    }
  }

  private guard(step: () => void): void {
    try {
      step();
    } catch (error) {
      this.stop(() => this.fail(asError(error)));
    }
  }

  /** Settles once and cancels the ranges still being parsed (a range past an earlier error has nothing to say). */
  private stop(settle: () => void): void {
    if (this.settled) return;
    this.settled = true;
    for (const sent of this.sent) sent.cancel();
    settle();
  }
}

/**
 * Ranges after the header lines, the first `firstShare` of the bytes and the others equal parts of the rest, each
 * starting at a line's first byte; undefined when the header's end or a line end near a cut cannot be found in a few
 * reads (a file no worker should split).
 */
export async function cutIntoRanges(handle: FileHandle, size: number, count: number, firstShare: number, path: string, label: string): Promise<WorkerTask[] | undefined> {
  const head = Buffer.allocUnsafe(Math.min(size, HEADER_SEARCH_BYTES));
  const { bytesRead } = await handle.read(head, 0, head.length, 0);
  const prefixEnd = firstDataLine(head.subarray(0, bytesRead));
  if (prefixEnd === undefined) return undefined;
  const cuts = [0];
  const probe = Buffer.allocUnsafe(CUT_SEARCH_BYTES);
  for (let k = 1; k < count; k += 1) {
    const target = prefixEnd + Math.floor((size - prefixEnd) * (firstShare + ((1 - firstShare) * (k - 1)) / (count - 1)));
    const from = Math.max(target - 1, cuts.at(-1) as number, prefixEnd);
    const { bytesRead: read } = await handle.read(probe, 0, probe.length, from);
    const nl = probe.subarray(0, read).indexOf(10);
    if (nl < 0) return undefined;
    const cut = from + nl + 1;
    if (cut < size && cut > (cuts.at(-1) as number)) cuts.push(cut);
  }
  return cuts.map((start, i) => ({ path, label, start, end: cuts[i + 1] ?? size, prefixEnd }));
}

/** The offset of the first line that is neither a `#` header nor blank; undefined if `head` holds none whole. */
function firstDataLine(head: Buffer): number | undefined {
  let pos = 0;
  while (pos < head.length) {
    const nl = head.indexOf(10, pos);
    if (nl < 0) return undefined;
    const c = head[pos];
    if (c !== 35 /* # */ && c !== 10 && !(c === 13 && nl === pos + 1)) return pos;
    pos = nl + 1;
  }
  return undefined;
}
