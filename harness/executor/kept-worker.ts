import { Worker } from 'node:worker_threads';

/**
 * A worker thread kept for the life of the process and shared by every job sent to it (the pcap sink, the conn.log
 * parse workers): starting one costs ~0.1-0.2 s of CPU and its first job runs cold code, more than a small job
 * takes. It starts on first use; it keeps the process alive only while a job is open (ref'd while any is, unref'd
 * after); if it dies, every open job hears so once, and the next job starts a new one.
 */
export interface JobListener<Reply> {
  /** A message the worker sent about this job. */
  message(reply: Reply): void;
  /** The worker died (an error it could not report, or its exit) while this job was open. */
  lost(error: Error): void;
}

export interface OpenedJob<Request> {
  /** The job's number, for the worker's messages about it. */
  readonly id: number;
  post(request: Request): void;
  /** Nothing more will be heard of the job: true if it was still open. */
  close(): boolean;
}

export class KeptWorker<Request, Reply> {
  private worker: Worker | undefined;
  private readonly open = new Map<number, JobListener<Reply>>();
  private nextId = 1;

  /** `jobOf`: the job number a worker's message is about. */
  constructor(private readonly url: URL, private readonly jobOf: (reply: Reply) => number) {}

  /** Opens a job: the worker (started if needed) is ref'd until every job is closed. */
  openJob(listener: JobListener<Reply>): OpenedJob<Request> {
    const worker = this.started();
    const id = this.nextId++;
    this.open.set(id, listener);
    if (this.open.size === 1) worker.ref();
    return {
      id,
      post: (request) => worker.postMessage(request),
      close: () => {
        if (!this.open.delete(id)) return false;
        if (this.open.size === 0 && this.worker === worker) worker.unref();
        return true;
      },
    };
  }

  private started(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = new Worker(this.url);
    const lose = (error: Error): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      const listeners = [...this.open.values()];
      this.open.clear();
      for (const listener of listeners) listener.lost(error);
    };
    worker.on('message', (reply: Reply) => this.open.get(this.jobOf(reply))?.message(reply));
    worker.once('error', (error) => lose(error));
    worker.once('exit', (code) => lose(new Error(`exited with code ${code} before finishing`)));
    worker.unref();
    this.worker = worker;
    return worker;
  }
}
