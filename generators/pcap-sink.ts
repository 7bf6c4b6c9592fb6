import { Worker } from 'node:worker_threads';
import type { SinkReply, SinkRequest } from './pcap-sink-worker.js';

/**
 * The process-wide pcap sink: one worker thread (./pcap-sink-worker.ts), started on first use and kept for the
 * life of the process (starting a worker costs ~100 ms on a loaded machine, more than a small pcap takes), that
 * hashes and writes the chunks of every pcap being written. It keeps the process alive only while a job is open.
 */
export interface SinkJob {
  /**
   * Hands the filled chunk number `chunk` over (the same number always names the same buffer); `onChunk` gets the
   * number back once its first `length` bytes are hashed and written. The caller must not touch it until then.
   */
  send(chunk: number, buffer: SharedArrayBuffer, length: number): void;
  /**
   * After the last chunk: resolves, once the worker is done with every chunk sent, to the sha256 of everything
   * sent, or rejects with the write error. Also the way to stop early: the descriptor is free once it settles.
   */
  end(): Promise<string>;
}

interface OpenJob {
  onChunk(chunk: number): void;
  onError(error: Error): void;
  error?: Error;
  ended?: (sha256: string | undefined) => void;
}

let worker: Worker | undefined;
let nextJob = 1;
const open = new Map<number, OpenJob>();

function fail(error: Error): void {
  const jobs = [...open.values()];
  open.clear();
  worker = undefined;
  for (const j of jobs) {
    j.error ??= error;
    j.onError(error);
    j.ended?.(undefined);
  }
}

function sink(): Worker {
  if (worker !== undefined) return worker;
  const w = new Worker(new URL('./pcap-sink-worker.js', import.meta.url));
  w.on('message', (m: SinkReply) => {
    const job = open.get(m.job);
    if (job === undefined) return;
    if (m.type === 'chunk') job.onChunk(m.chunk);
    else if (m.type === 'error') {
      job.error ??= new Error(`writing the pcap: ${m.message}`);
      job.onError(job.error);
    } else {
      open.delete(m.job);
      if (open.size === 0) w.unref();
      job.ended?.(m.sha256);
    }
  });
  w.on('error', (e) => fail(e));
  w.on('exit', (code) => {
    if (worker === w) fail(new Error(`pcap sink worker exited with code ${code}`));
  });
  worker = w;
  return w;
}

export function openSinkJob(fd: number, onChunk: (chunk: number) => void, onError: (error: Error) => void): SinkJob {
  const w = sink();
  const id = nextJob++;
  const job: OpenJob = { onChunk, onError };
  open.set(id, job);
  w.ref();
  const post = (m: SinkRequest): void => w.postMessage(m);
  post({ type: 'open', job: id, fd });
  const known = new Set<number>();
  return {
    send(chunk, buffer, length) {
      if (known.has(chunk)) post({ type: 'chunk', job: id, chunk, length });
      else {
        known.add(chunk);
        post({ type: 'chunk', job: id, chunk, buffer, length });
      }
    },
    end() {
      return new Promise<string>((resolve, reject) => {
        job.ended = (sha256) => {
          if (sha256 !== undefined && job.error === undefined) resolve(sha256);
          else reject(job.error ?? new Error('pcap sink ended without a digest'));
        };
        if (!open.has(id)) job.ended(undefined);
        else post({ type: 'end', job: id });
      });
    },
  };
}
