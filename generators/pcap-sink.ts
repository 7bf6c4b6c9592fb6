import { KeptWorker } from '../harness/executor/kept-worker.js';
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

/** The sink worker, shared by every pcap being written; a reply names its job. */
const sink = new KeptWorker<SinkRequest, SinkReply>(new URL('./pcap-sink-worker.js', import.meta.url), (reply) => reply.job);

export function openSinkJob(fd: number, onChunk: (chunk: number) => void, onError: (error: Error) => void): SinkJob {
  let error: Error | undefined;
  /** Nothing more comes from the worker about this job: it ended, or the worker died. */
  let closed = false;
  let ended: ((sha256: string | undefined) => void) | undefined;
  const failWith = (e: Error): void => {
    error ??= e;
    onError(error);
  };
  const job = sink.openJob({
    message(m) {
      if (m.type === 'chunk') onChunk(m.chunk);
      else if (m.type === 'error') {
        // Kept an errno error (code, syscall): a full disk is then said in one line by the CLI, not as a crash.
        const error: NodeJS.ErrnoException = new Error(`writing the pcap: ${m.message}`);
        if (m.code !== undefined) error.code = m.code;
        if (m.syscall !== undefined) error.syscall = m.syscall;
        failWith(error);
      }
      else {
        closed = true;
        job.close();
        ended?.(m.sha256);
      }
    },
    lost(e) {
      closed = true;
      failWith(new Error(`pcap sink worker: ${e.message}`));
      ended?.(undefined);
    },
  });
  job.post({ type: 'open', job: job.id, fd });
  const known = new Set<number>();
  return {
    send(chunk, buffer, length) {
      if (known.has(chunk)) job.post({ type: 'chunk', job: job.id, chunk, length });
      else {
        known.add(chunk);
        job.post({ type: 'chunk', job: job.id, chunk, buffer, length });
      }
    },
    end() {
      return new Promise<string>((resolve, reject) => {
        ended = (sha256) => {
          if (sha256 !== undefined && error === undefined) resolve(sha256);
          else reject(error ?? new Error('pcap sink ended without a digest'));
        };
        if (closed) ended(undefined);
        else job.post({ type: 'end', job: job.id });
      });
    },
  };
}
