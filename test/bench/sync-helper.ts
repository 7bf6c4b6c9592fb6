import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/**
 * Runs `sync` (write back every dirty page) on request, from one helper process started once, so that the process
 * being measured does not fork between its timed tasks.
 *
 * Why not spawn `sync` each time: a fork write-protects every page of the parent for copy-on-write, and the parent
 * then takes one page fault on the first write to each page it touches afterwards, even once the child has exec'd.
 * Measured on a 1 M-packet generation (10 runs each, same process): after spawning `true` before each run, ~5,000
 * extra minor faults a run, main-thread CPU 210 ms instead of 145 and wall 220-230 ms instead of 160-170; the
 * write + sha256 baseline, which touches one 4 MB buffer, barely changed. A bench that forked before every task
 * measured how much memory each task touches after a fork, not its speed.
 */
export class SyncHelper {
  private readonly child: ChildProcessWithoutNullStreams;
  private waiting: { resolve: () => void; reject: (e: Error) => void } | undefined;
  private exited: Error | undefined;

  constructor() {
    // One line in, `sync`, one line out. The shell forks `sync`; this process never does.
    this.child = spawn('sh', ['-c', 'while read -r _; do sync; echo synced; done'], { stdio: 'pipe' });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (text: string) => {
      // Each answer is one line; a read may hold part of one.
      if (!text.includes('\n')) return;
      const waiting = this.waiting;
      this.waiting = undefined;
      waiting?.resolve();
    });
    const gone = (why: string): void => {
      this.exited ??= new Error(`sync helper ${why}`);
      this.waiting?.reject(this.exited);
      this.waiting = undefined;
    };
    this.child.on('error', (e) => gone(`failed: ${e.message}`));
    this.child.on('exit', (code, signal) => gone(`exited (${signal ?? `status ${code}`})`));
  }

  /** Resolves once every dirty page of the machine is written back. One call at a time. */
  sync(): Promise<void> {
    if (this.exited !== undefined) return Promise.reject(this.exited);
    if (this.waiting !== undefined) return Promise.reject(new Error('sync helper: one sync at a time'));
    return new Promise<void>((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.child.stdin.write('\n');
    });
  }

  /** Ends the helper; it never outlives the bench. */
  close(): void {
    this.child.stdin.end();
    this.child.kill();
  }
}
