import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { readFile } from 'node:fs/promises';
import { execa, type ResultPromise } from 'execa';
import type { ExecResult } from '../monitors/monitor-adapter.js';
import type { CommandRecord } from '../core/results.js';

/**
 * Every child process of a run goes through a ProcessRunner: argv only (never a shell), a wall-clock limit,
 * SIGKILL after a grace period for children that ignore SIGTERM (argus with a huge timeout does), peak RSS
 * sampled from /proc, and one abort signal that stops them all on Ctrl-C, so no child outlives the run.
 */
export interface RunOptions {
  cwd: string;
  env?: Record<string, string>;
  stdoutFile?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

const KILL_GRACE_MS = 2000;
const STDERR_TAIL_LINES = 20;
const RSS_SAMPLE_MS = 100;

/** How a process ended, for failure messages: `killed by SIGSEGV` or `exit status 139`. */
export function endedHow(exitCode: number | null | undefined, signal: string | null | undefined): string {
  return signal ? `killed by ${signal}` : `exit status ${String(exitCode)}`;
}

export function tail(text: string, lines = STDERR_TAIL_LINES): string {
  const all = text.trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}

/** VmHWM is the process's own high-water mark, so the last sample before exit is close to its peak. */
async function sampleHighWaterKb(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function watchPeakRss(child: ResultPromise): { stop: () => number | undefined } {
  let peak: number | undefined;
  const pid = child.pid;
  const timer = pid === undefined ? undefined : setInterval(() => {
    void sampleHighWaterKb(pid).then((kb) => {
      if (kb !== undefined && (peak === undefined || kb > peak)) peak = kb;
    });
  }, RSS_SAMPLE_MS);
  if (pid !== undefined) {
    void sampleHighWaterKb(pid).then((kb) => { if (kb !== undefined && (peak === undefined || kb > peak)) peak = kb; });
  }
  return {
    stop: () => {
      if (timer) clearInterval(timer);
      return peak;
    },
  };
}

/**
 * Each child runs in its own process group, so that whatever it forked (a shell's `sleep`, a tool's helper) goes
 * with it: once the leader has exited, anything left in the group is killed.
 */
function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already empty, the usual case.
  }
}

/** Pids of live process groups, killed if the harness itself exits unexpectedly. */
const liveGroups = new Set<number>();
process.once('exit', () => {
  for (const pid of liveGroups) signalGroup(pid, 'SIGKILL');
});

export interface FinishedProcess extends ExecResult {
  timedOut: boolean;
  record: CommandRecord;
}

/**
 * Spawns argv (never through a shell) as the leader of its own process group, registered so that the group is
 * killed if the harness exits first.
 */
function spawnInGroup(argv: string[], options: { cwd: string; env?: Record<string, string>; stdoutFile?: string; buffer: boolean }) {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('empty argv');
  const child = execa(file, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    stdout: options.stdoutFile ? { file: options.stdoutFile } : 'pipe',
    stderr: 'pipe',
    maxBuffer: 256 * 1024 * 1024,
    buffer: options.buffer,
    cleanup: true,
    detached: true,
  });
  if (child.pid !== undefined) liveGroups.add(child.pid);
  return child;
}

/** SIGTERM to the whole group, SIGKILL after the grace period for whatever ignores it. */
function stopGroup(pid: number | undefined): void {
  signalGroup(pid, 'SIGTERM');
  setTimeout(() => signalGroup(pid, 'SIGKILL'), KILL_GRACE_MS).unref();
}

/** After the leader has exited: nothing of the group may stay behind. */
function reapGroup(pid: number | undefined): void {
  signalGroup(pid, 'SIGKILL');
  if (pid !== undefined) liveGroups.delete(pid);
}

/**
 * Time-outs and Ctrl-C signal the whole process group: a grandchild holding our pipes open (a shell's `sleep`)
 * would otherwise keep the run waiting for ever. `release` after the leader exited.
 */
function supervise(pid: number | undefined, options: Pick<RunOptions, 'timeoutMs' | 'signal'>): { timedOut: () => boolean; release: () => void } {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stopGroup(pid);
  }, options.timeoutMs);
  const onAbort = (): void => stopGroup(pid);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) stopGroup(pid);
  return {
    timedOut: () => timedOut,
    release: () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      reapGroup(pid);
    },
  };
}

/** How a process ended, with its record for provenance. */
function finishedProcess(
  argv: string[],
  cwd: string,
  result: Awaited<ResultPromise>,
  output: { stdout: string; stderr: string },
  timing: { started: number; startMs: number; timedOut: boolean; peakRssKb?: number },
): FinishedProcess {
  const wallMs = Math.round(performance.now() - timing.started);
  const exitCode = result.exitCode ?? null;
  const signal = result.signal ?? undefined;
  let stderrTail = tail(output.stderr);
  if (result.failed && result.exitCode === undefined && result.signal === undefined && result.message) {
    // Spawn failures (ENOENT, EACCES) carry their reason only in the message.
    stderrTail = tail(`${stderrTail}\n${result.shortMessage ?? result.message}`.trim());
  }
  const { timedOut, peakRssKb, startMs } = timing;
  return {
    exitCode,
    signal,
    stdout: output.stdout,
    stderr: output.stderr,
    wallMs,
    peakRssKb,
    timedOut,
    record: { argv, cwd, exitCode, signal, startMs, wallMs, peakRssKb, timedOut, stderrTail, service: false },
  };
}

/** Runs argv to completion. Never rejects: the caller decides what a non-zero exit means. */
export async function runProcess(argv: string[], options: RunOptions): Promise<FinishedProcess> {
  const started = performance.now();
  const startMs = Date.now();
  const child = spawnInGroup(argv, { cwd: options.cwd, env: options.env, stdoutFile: options.stdoutFile, buffer: true });
  const supervised = supervise(child.pid, options);
  const rss = watchPeakRss(child);
  const result = await child;
  supervised.release();
  const peakRssKb = rss.stop();
  const stdout = typeof result.stdout === 'string' ? result.stdout : '';
  const stderr = typeof result.stderr === 'string' ? result.stderr : '';
  return finishedProcess(argv, options.cwd, result, { stdout, stderr }, { started, startMs, timedOut: supervised.timedOut(), peakRssKb });
}

const STDERR_KEEP_CHARS = 64 * 1024;

/**
 * Runs argv to completion handing each line of its stdout to `onLine` as it arrives, never holding the whole of it:
 * for tools whose output is as large as their input (tshark over a capture of millions of packets). Stderr keeps
 * only its last 64 KB. Never rejects for the process's own failure; an `onLine` that throws stops the process and
 * rejects with that error.
 */
export async function runProcessLines(argv: string[], options: Omit<RunOptions, 'stdoutFile'>, onLine: (line: string) => void): Promise<FinishedProcess> {
  const started = performance.now();
  const startMs = Date.now();
  const child = spawnInGroup(argv, { cwd: options.cwd, env: options.env, buffer: false });
  const supervised = supervise(child.pid, options);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEEP_CHARS);
  });
  let failure: unknown;
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream, crlfDelay: Infinity });
  try {
    for await (const line of lines) onLine(line);
  } catch (error) {
    failure = error;
    stopGroup(child.pid);
  }
  const result = await child;
  supervised.release();
  if (failure !== undefined) throw failure;
  return finishedProcess(argv, options.cwd, result, { stdout: '', stderr }, { started, startMs, timedOut: supervised.timedOut() });
}

export interface RunningService {
  pid: number | undefined;
  /** SIGTERM, then SIGKILL after the grace period; resolves when it has exited. */
  stop(): Promise<FinishedProcess>;
}

/** Starts a long-running child (a collector) whose stderr goes to a file so a chatty one never blocks. */
export function startProcess(argv: string[], options: Omit<RunOptions, 'timeoutMs' | 'stdoutFile'> & { logFile: string }): RunningService {
  const started = performance.now();
  const startMs = Date.now();
  const log = createWriteStream(options.logFile);
  const child = spawnInGroup(argv, { cwd: options.cwd, env: options.env, buffer: false });
  const onAbort = (): void => stopGroup(child.pid);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const rss = watchPeakRss(child);
  let finished: Promise<FinishedProcess> | undefined;
  const finish = async (): Promise<FinishedProcess> => {
    const result = await child;
    options.signal?.removeEventListener('abort', onAbort);
    reapGroup(child.pid);
    const peakRssKb = rss.stop();
    await new Promise<void>((resolve) => log.end(resolve));
    const stderr = await readFile(options.logFile, 'utf8').catch(() => '');
    const wallMs = Math.round(performance.now() - started);
    const exitCode = result.exitCode ?? null;
    const signal = result.signal ?? undefined;
    return {
      exitCode,
      signal,
      stdout: '',
      stderr,
      wallMs,
      peakRssKb,
      timedOut: false,
      record: { argv, cwd: options.cwd, exitCode, signal, startMs, wallMs, peakRssKb, timedOut: false, stderrTail: tail(stderr), service: true },
    };
  };
  return {
    pid: child.pid,
    stop: () => {
      if (!finished) {
        onAbort();
        finished = finish();
      }
      return finished;
    },
  };
}
