import { createHash, type Hash } from 'node:crypto';
import { write } from 'node:fs';
import { parentPort } from 'node:worker_threads';

/**
 * The pcap writer's worker thread: for each job (one pcap), hashes the chunks it is sent, in order, writes them to
 * the job's file descriptor, and hands every chunk back. Moving sha256 and the write syscalls here leaves the main
 * thread only the encoding.
 *
 * A chunk's write is started (positional, on libuv's thread pool) before it is hashed, so the kernel's copy into
 * the page cache runs beside the hash instead of after it: this thread's part of a 1 M-packet pcap is the hash
 * alone. The chunk goes back once both are done.
 *
 * Chunks are shared memory, named by a small number: a chunk's buffer comes with its first message only, later
 * messages carry its number. Transferring a 256 KB ArrayBuffer each way cost the main thread ~170 us a chunk
 * (measured: 140-165 ms of a 1 M-packet generation), a plain message a few microseconds.
 */
export type SinkRequest =
  | { type: 'open'; job: number; fd: number }
  | { type: 'chunk'; job: number; chunk: number; buffer?: SharedArrayBuffer; length: number }
  | { type: 'end'; job: number };

export type SinkReply =
  | { type: 'chunk'; job: number; chunk: number }
  | { type: 'error'; job: number; message: string }
  /** The answer to `end`, after every chunk before it: the digest, or none when a write failed. */
  | { type: 'ended'; job: number; sha256?: string };

interface Job {
  id: number;
  fd: number;
  hash: Hash;
  failed: boolean;
  chunks: Uint8Array[];
  /** File offset of the next chunk. */
  position: number;
  /** Writes started and not finished. */
  writing: number;
  /** `end` arrived: answered once `writing` is 0. */
  ending: boolean;
}

const port = parentPort;
if (port === null) throw new Error('pcap-sink-worker must run as a worker thread');
const jobs = new Map<number, Job>();

function reply(m: SinkReply): void {
  (port as NonNullable<typeof port>).postMessage(m);
}

function failJob(job: Job, e: unknown): void {
  if (job.failed) return;
  job.failed = true;
  reply({ type: 'error', job: job.id, message: e instanceof Error ? e.message : String(e) });
}

function finish(job: Job): void {
  jobs.delete(job.id);
  reply(job.failed ? { type: 'ended', job: job.id } : { type: 'ended', job: job.id, sha256: job.hash.digest('hex') });
}

/** Writes data[off, end) at `at`, continuing after short writes, then gives the chunk back. */
function writeChunk(job: Job, chunk: number, data: Uint8Array, off: number, end: number, at: number): void {
  write(job.fd, data, off, end - off, at, (e, n) => {
    if (e === null && n > 0 && off + n < end) {
      writeChunk(job, chunk, data, off + n, end, at + n);
      return;
    }
    if (e !== null) failJob(job, e);
    else if (n <= 0) failJob(job, new Error(`write of ${end - off} bytes wrote nothing`));
    job.writing -= 1;
    reply({ type: 'chunk', job: job.id, chunk });
    if (job.ending && job.writing === 0) finish(job);
  });
}

port.on('message', (m: SinkRequest) => {
  if (m.type === 'open') {
    jobs.set(m.job, { id: m.job, fd: m.fd, hash: createHash('sha256'), failed: false, chunks: [], position: 0, writing: 0, ending: false });
    return;
  }
  const job = jobs.get(m.job);
  if (m.type === 'chunk') {
    if (job !== undefined && m.buffer !== undefined) job.chunks[m.chunk] = new Uint8Array(m.buffer);
    if (job === undefined || job.failed) {
      reply({ type: 'chunk', job: m.job, chunk: m.chunk });
      return;
    }
    const data = job.chunks[m.chunk] as Uint8Array;
    const at = job.position;
    job.position += m.length;
    job.writing += 1;
    writeChunk(job, m.chunk, data, 0, m.length, at);
    try {
      job.hash.update(data.subarray(0, m.length));
    } catch (e) {
      failJob(job, e);
    }
    return;
  }
  if (job === undefined) reply({ type: 'ended', job: m.job });
  else if (job.writing === 0) finish(job);
  else job.ending = true;
});
