import { createHash, type Hash } from 'node:crypto';
import { writeSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

/**
 * The pcap writer's worker thread: for each job (one pcap), hashes the chunks it is sent, in order, writes them to
 * the job's file descriptor, and hands every chunk back. Moving sha256 and the write syscalls here leaves the main
 * thread only the encoding.
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
  fd: number;
  hash: Hash;
  failed: boolean;
  chunks: Uint8Array[];
}

const port = parentPort;
if (port === null) throw new Error('pcap-sink-worker must run as a worker thread');
const jobs = new Map<number, Job>();

port.on('message', (m: SinkRequest) => {
  if (m.type === 'open') {
    jobs.set(m.job, { fd: m.fd, hash: createHash('sha256'), failed: false, chunks: [] });
    return;
  }
  const job = jobs.get(m.job);
  if (m.type === 'chunk') {
    if (job !== undefined && m.buffer !== undefined) job.chunks[m.chunk] = new Uint8Array(m.buffer);
    if (job !== undefined && !job.failed) {
      try {
        const data = (job.chunks[m.chunk] as Uint8Array).subarray(0, m.length);
        job.hash.update(data);
        let off = 0;
        while (off < m.length) off += writeSync(job.fd, data, off, m.length - off);
      } catch (e) {
        job.failed = true;
        port.postMessage({ type: 'error', job: m.job, message: e instanceof Error ? e.message : String(e) } satisfies SinkReply);
      }
    }
    port.postMessage({ type: 'chunk', job: m.job, chunk: m.chunk } satisfies SinkReply);
    return;
  }
  jobs.delete(m.job);
  const reply: SinkReply = job === undefined || job.failed ? { type: 'ended', job: m.job } : { type: 'ended', job: m.job, sha256: job.hash.digest('hex') };
  port.postMessage(reply);
});
