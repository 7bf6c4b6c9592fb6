import { expect } from 'chai';
import { execa } from 'execa';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { KeptWorker, type JobListener } from '../../harness/executor/kept-worker.js';

/**
 * A worker for these tests alone (not a monitor): answers `echo` with the job's id and text, and exits with code 7
 * on `exit`, as a worker that dies under its jobs.
 */
const ECHO_WORKER = `import { parentPort, threadId } from 'node:worker_threads';
parentPort.on('message', (m) => {
  if (m.kind === 'exit') process.exit(7);
  parentPort.postMessage({ job: m.job, text: m.text, thread: threadId });
});
`;

interface Request { kind: 'echo' | 'exit'; job: number; text?: string }
interface Reply { job: number; text: string; thread: number }

/** A job's listener that keeps what it heard. */
function recorder(): JobListener<Reply> & { replies: Reply[]; lostWith: Error[]; next(): Promise<Reply> } {
  const replies: Reply[] = [];
  const lostWith: Error[] = [];
  let wake: (() => void) | undefined;
  return {
    replies,
    lostWith,
    message(reply) {
      replies.push(reply);
      wake?.();
    },
    lost(error) {
      lostWith.push(error);
      wake?.();
    },
    async next() {
      const seen = replies.length + lostWith.length;
      while (replies.length + lostWith.length === seen) await new Promise<void>((resolve) => (wake = resolve));
      return replies.at(-1) as Reply;
    },
  };
}

describe('kept worker: one worker thread shared by jobs, for the life of the process', () => {
  let dir: string;
  let workerFile: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'harness-kept-worker-'));
    workerFile = path.join(dir, 'echo-worker.mjs');
    await writeFile(workerFile, ECHO_WORKER);
  });

  it('routes each reply to its own job, in one thread; a death reaches every open job once, and the next job gets a new thread', async () => {
    const kept = new KeptWorker<Request, Reply>(pathToFileURL(workerFile), (reply) => reply.job);
    const a = recorder();
    const b = recorder();
    const jobA = kept.openJob(a);
    const jobB = kept.openJob(b);
    jobB.post({ kind: 'echo', job: jobB.id, text: 'to b' });
    expect((await b.next()).text).to.equal('to b');
    jobA.post({ kind: 'echo', job: jobA.id, text: 'to a' });
    expect((await a.next()).text).to.equal('to a');
    expect(a.replies.map((r) => r.text)).to.deep.equal(['to a']);
    expect(b.replies.map((r) => r.text)).to.deep.equal(['to b']);
    const firstThread = (a.replies[0] as Reply).thread;
    expect((b.replies[0] as Reply).thread).to.equal(firstThread);

    // A closed job hears nothing more, not even of the worker's death.
    expect(jobB.close()).to.equal(true);
    expect(jobB.close()).to.equal(false);
    jobA.post({ kind: 'exit', job: jobA.id });
    await a.next();
    expect(a.lostWith.map((e) => e.message)).to.deep.equal(['exited with code 7 before finishing']);
    expect(b.lostWith).to.deep.equal([]);
    expect(jobA.close(), 'a lost job is closed already').to.equal(false);

    const c = recorder();
    const jobC = kept.openJob(c);
    jobC.post({ kind: 'echo', job: jobC.id, text: 'to c' });
    const reply = await c.next();
    expect(reply.text).to.equal('to c');
    expect(reply.thread).to.not.equal(firstThread);
    jobC.close();
  });

  it('keeps the process alive only while a job is open: a script whose jobs are closed exits on its own', async () => {
    const script = path.join(dir, 'use-and-leave.mjs');
    const module = new URL('../../harness/executor/kept-worker.js', import.meta.url).href;
    await writeFile(script, [
      `const { KeptWorker } = await import(${JSON.stringify(module)});`,
      `const kept = new KeptWorker(new URL(${JSON.stringify(pathToFileURL(workerFile).href)}), (r) => r.job);`,
      'const reply = await new Promise((resolve) => {',
      '  const job = kept.openJob({ message: (r) => { job.close(); resolve(r); }, lost: (e) => resolve({ text: e.message }) });',
      "  job.post({ kind: 'echo', job: job.id, text: 'done' });",
      '});',
      'console.log(reply.text);',
      '',
    ].join('\n'));
    const run = await execa(process.execPath, [script], { timeout: 30_000, reject: false });
    expect(run.timedOut, 'the script was still running after 30 s: the idle worker kept it alive').to.equal(false);
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.stdout.trim()).to.equal('done');
  });
});
