import { createHash, type Hash } from 'node:crypto';
import { writeSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

/**
 * The pcap writer's worker thread: for each job (one pcap), hashes the chunks it is sent, in order, writes them to
 * the job's file descriptor, and hands every chunk back. Moving sha256 and the write syscalls here leaves the main
 * thread only the encoding.
 *
 * A chunk is hashed, then written by a synchronous positional write on this thread, then handed back. The write
 * used to run on libuv's pool beside the hash: on a 2-core machine that was a third busy thread (a pool thread
 * woken per chunk) competing with the encoder and the hash for two cores. Written here, the threads other than
 * the main one used a median 177 ms of CPU a 1 M-packet generation against 193, and the wall time fell from a
 * median of 243 ms to 227 (8 alternating rounds of 6 generations each). This thread's part (hash + copy into the
 * page cache, ~150 ms) stays below the encoder's, so the encoder still sets the pace.
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
  /** A write or hash that failed: the error's words, and its errno code and syscall when it has them (ENOSPC, write). */
  | { type: 'error'; job: number; message: string; code?: string; syscall?: string }
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
  const errno = e as NodeJS.ErrnoException;
  reply({
    type: 'error',
    job: job.id,
    message: e instanceof Error ? e.message : String(e),
    ...(typeof errno?.code === 'string' ? { code: errno.code } : {}),
    ...(typeof errno?.syscall === 'string' ? { syscall: errno.syscall } : {}),
  });
}

function finish(job: Job): void {
  jobs.delete(job.id);
  reply(job.failed ? { type: 'ended', job: job.id } : { type: 'ended', job: job.id, sha256: job.hash.digest('hex') });
}

/** Writes data[0, length) at `at`, continuing after short writes. */
function writeChunk(fd: number, data: Uint8Array, length: number, at: number): void {
  for (let off = 0; off < length; ) {
    const n = writeSync(fd, data, off, length - off, at + off);
    if (n <= 0) throw new Error(`write of ${length - off} bytes wrote nothing`);
    off += n;
  }
}

port.on('message', (m: SinkRequest) => {
  if (m.type === 'open') {
    jobs.set(m.job, { id: m.job, fd: m.fd, hash: createHash('sha256'), failed: false, chunks: [], position: 0 });
    return;
  }
  const job = jobs.get(m.job);
  if (m.type === 'chunk') {
    if (job !== undefined && m.buffer !== undefined) job.chunks[m.chunk] = new Uint8Array(m.buffer);
    if (job !== undefined && !job.failed) {
      const data = job.chunks[m.chunk] as Uint8Array;
      const at = job.position;
      job.position += m.length;
      try {
        job.hash.update(data.subarray(0, m.length));
        writeChunk(job.fd, data, m.length, at);
      } catch (e) {
        failJob(job, e);
      }
    }
    reply({ type: 'chunk', job: m.job, chunk: m.chunk });
    return;
  }
  if (job === undefined) reply({ type: 'ended', job: m.job });
  else finish(job);
});
