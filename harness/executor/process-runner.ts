import { createWriteStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { open, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import type { ExecResult } from '../monitors/monitor-adapter.js';
import type { CommandRecord } from '../core/results.js';

/**
 * Every child process of a run goes through a ProcessRunner: argv only (never a shell), a wall-clock limit,
 * SIGKILL after a grace period for children that ignore SIGTERM (argus with a huge timeout does), peak RSS
 * sampled from /proc, and one abort signal that stops them all on Ctrl-C, so no child outlives the run.
 *
 * A monitor's cost (CPU time and peak RSS) is measured exactly when `accounted` is set: the child runs under GNU
 * time, which reads the kernel's rusage of the child and whatever it waited for (wait4) when it exits; /proc can no
 * longer be read then, and sampling it would miss the last interval of a short run. Without /usr/bin/time (Debian
 * package `time`) peak RSS is sampled from /proc and CPU time is left unknown.
 */
export interface RunOptions {
  cwd: string;
  env?: Record<string, string>;
  stdoutFile?: string;
  /** Write stderr to this file instead of keeping it in memory (a debug log); its tail is still recorded. */
  stderrFile?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Measure CPU time and peak RSS exactly (under GNU time): for the processes whose cost a report shows. */
  accounted?: boolean;
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

const RUSAGE_WRAPPER = '/usr/bin/time';
const RUSAGE_MARK = 'harness-rusage';
let rusageFiles = 0;

/** Whether exact accounting is available on this machine (GNU time installed). */
export function rusageAvailable(): boolean {
  return existsSync(RUSAGE_WRAPPER);
}

/** What GNU time measured of one child: the kernel's rusage, at its 10 ms resolution for CPU. */
interface Rusage {
  cpuUserMs: number;
  cpuSystemMs: number;
  peakRssKb: number;
  /** Set when the child was killed by a signal (GNU time then exits 128 + N itself). */
  signal?: string;
}

/** argv under GNU time, writing the rusage to `file`; the child's own stdout and stderr are untouched. */
function accountedArgv(argv: string[], file: string): string[] {
  return [RUSAGE_WRAPPER, '-o', file, '-f', `${RUSAGE_MARK} %U %S %M`, '--', ...argv];
}

function signalName(n: number): string | undefined {
  return Object.entries(os.constants.signals).find(([, v]) => v === n)?.[0];
}

export function parseRusage(text: string): Rusage | undefined {
  const m = new RegExp(`^${RUSAGE_MARK} (\\d+(?:\\.\\d+)?) (\\d+(?:\\.\\d+)?) (\\d+)$`, 'm').exec(text);
  if (!m) return undefined;
  const usage: Rusage = { cpuUserMs: Math.round(Number(m[1]) * 1000), cpuSystemMs: Math.round(Number(m[2]) * 1000), peakRssKb: Number(m[3]) };
  const killed = /^Command terminated by signal (\d+)$/m.exec(text);
  if (killed) usage.signal = signalName(Number(killed[1])) ?? `signal ${killed[1]}`;
  return usage;
}

const STDERR_FILE_TAIL_BYTES = 16 * 1024;

/** The end of a file a child wrote its stderr to: enough for the tail lines, never the whole of a debug log. */
async function fileTail(file: string): Promise<string> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return '';
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, STDERR_FILE_TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

async function readRusage(file: string): Promise<Rusage | undefined> {
  const text = await readFile(file, 'utf8').catch(() => '');
  await rm(file, { force: true });
  return parseRusage(text);
}

/** Direct children of a process (the monitor GNU time runs), from /proc. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function watchPeakRss(child: ResultPromise, sampleChildren: boolean): { stop: () => number | undefined } {
  let peak: number | undefined;
  const pid = child.pid;
  const sample = (): void => {
    if (pid === undefined) return;
    for (const target of sampleChildren ? childrenOf(pid) : [pid]) {
      void sampleHighWaterKb(target).then((kb) => { if (kb !== undefined && (peak === undefined || kb > peak)) peak = kb; });
    }
  };
  const timer = pid === undefined ? undefined : setInterval(sample, RSS_SAMPLE_MS);
  sample();
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

/** Live members of a process group other than its leader, from /proc (stat: state, ppid, pgrp; zombies are done). */
function groupMembersBesidesLeader(leader: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === leader) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === leader && fields[0] !== 'Z') members.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return members;
}

/**
 * The polite signal of a stop: to the whole group, except an accounting leader (GNU time), which must outlive its
 * child to write the rusage; it exits by itself once the child has. The SIGKILL after the grace period takes all.
 */
function signalToStop(pid: number | undefined, accounted: boolean, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  if (!accounted) return signalGroup(pid, signal);
  const members = groupMembersBesidesLeader(pid);
  if (members.length === 0) return signalGroup(pid, signal);
  for (const member of members) {
    try { process.kill(member, signal); } catch { /* exited meanwhile */ }
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
function spawnInGroup(argv: string[], options: { cwd: string; env?: Record<string, string>; stdoutFile?: string; stderrFile?: string; buffer: boolean; rusageFile?: string }) {
  if (options.rusageFile !== undefined) argv = accountedArgv(argv, options.rusageFile);
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('empty argv');
  const child = execa(file, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    stdout: options.stdoutFile ? { file: options.stdoutFile } : 'pipe',
    stderr: options.stderrFile ? { file: options.stderrFile } : 'pipe',
    maxBuffer: 256 * 1024 * 1024,
    buffer: options.buffer,
    cleanup: true,
    detached: true,
  });
  if (child.pid !== undefined) liveGroups.add(child.pid);
  return child;
}

/** SIGTERM to the whole group, SIGKILL after the grace period for whatever ignores it. */
function stopGroup(pid: number | undefined, accounted = false): void {
  signalToStop(pid, accounted, 'SIGTERM');
  setTimeout(() => signalGroup(pid, 'SIGKILL'), KILL_GRACE_MS).unref();
}

function newRusageFile(accounted: boolean | undefined): string | undefined {
  if (!accounted || !rusageAvailable()) return undefined;
  rusageFiles += 1;
  return path.join(os.tmpdir(), `harness-rusage-${process.pid}-${rusageFiles}`);
}

/** The child's own ending and cost, whether or not GNU time stood between. */
function cost(usage: Rusage | undefined, sampledRssKb: number | undefined, exitCode: number | null, signal: string | undefined):
  { exitCode: number | null; signal: string | undefined; peakRssKb: number | undefined; cpuUserMs?: number; cpuSystemMs?: number } {
  if (!usage) return { exitCode, signal, peakRssKb: sampledRssKb };
  return {
    exitCode: usage.signal ? null : exitCode,
    signal: usage.signal ?? signal,
    peakRssKb: usage.peakRssKb,
    cpuUserMs: usage.cpuUserMs,
    cpuSystemMs: usage.cpuSystemMs,
  };
}

const REAP_WAIT_MS = 2000;

/**
 * After the leader has exited: nothing of the group may stay behind, and nothing does once this resolves (a tool
 * that forked its working process, as pmacctd's core, may still be running when its starter exits; SIGKILL takes a
 * moment to land).
 */
async function reapGroup(pid: number | undefined): Promise<void> {
  signalGroup(pid, 'SIGKILL');
  if (pid === undefined) return;
  liveGroups.delete(pid);
  const until = Date.now() + REAP_WAIT_MS;
  while (groupMembersBesidesLeader(pid).length > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
}

/**
 * Time-outs and Ctrl-C signal the whole process group: a grandchild holding our pipes open (a shell's `sleep`)
 * would otherwise keep the run waiting for ever. `release` after the leader exited.
 */
function supervise(pid: number | undefined, options: Pick<RunOptions, 'timeoutMs' | 'signal'>, accounted = false): { timedOut: () => boolean; release: () => Promise<void> } {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stopGroup(pid, accounted);
  }, options.timeoutMs);
  const onAbort = (): void => stopGroup(pid, accounted);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) stopGroup(pid, accounted);
  return {
    timedOut: () => timedOut,
    release: async () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      await reapGroup(pid);
    },
  };
}

/** How a process ended, with its record for provenance. */
function finishedProcess(
  argv: string[],
  cwd: string,
  result: Awaited<ResultPromise>,
  output: { stdout: string; stderr: string },
  timing: { started: number; startMs: number; timedOut: boolean; peakRssKb?: number; usage?: Rusage },
): FinishedProcess {
  const wallMs = Math.round(performance.now() - timing.started);
  const ended = cost(timing.usage, timing.peakRssKb, result.exitCode ?? null, result.signal ?? undefined);
  const { exitCode, signal, peakRssKb } = ended;
  let stderrTail = tail(output.stderr);
  if (result.failed && result.exitCode === undefined && result.signal === undefined && result.message) {
    // Spawn failures (ENOENT, EACCES) carry their reason only in the message.
    stderrTail = tail(`${stderrTail}\n${result.shortMessage ?? result.message}`.trim());
  }
  const { timedOut, startMs } = timing;
  return {
    exitCode,
    signal,
    stdout: output.stdout,
    stderr: output.stderr,
    wallMs,
    peakRssKb,
    timedOut,
    record: { argv, cwd, exitCode, signal, startMs, wallMs, peakRssKb, ...cpuOf(ended), timedOut, stderrTail, service: false },
  };
}

function cpuOf(ended: { cpuUserMs?: number; cpuSystemMs?: number }): { cpuUserMs?: number; cpuSystemMs?: number } {
  return ended.cpuUserMs === undefined ? {} : { cpuUserMs: ended.cpuUserMs, cpuSystemMs: ended.cpuSystemMs };
}

/** Runs argv to completion. Never rejects: the caller decides what a non-zero exit means. */
export async function runProcess(argv: string[], options: RunOptions): Promise<FinishedProcess> {
  const started = performance.now();
  const startMs = Date.now();
  const rusageFile = newRusageFile(options.accounted);
  const accounted = rusageFile !== undefined;
  const child = spawnInGroup(argv, { cwd: options.cwd, env: options.env, stdoutFile: options.stdoutFile, stderrFile: options.stderrFile, buffer: true, rusageFile });
  const supervised = supervise(child.pid, options, accounted);
  const rss = watchPeakRss(child, accounted);
  const result = await child;
  await supervised.release();
  const peakRssKb = rss.stop();
  const stdout = typeof result.stdout === 'string' ? result.stdout : '';
  const stderr = options.stderrFile ? await fileTail(options.stderrFile) : typeof result.stderr === 'string' ? result.stderr : '';
  const usage = rusageFile ? await readRusage(rusageFile) : undefined;
  return finishedProcess(argv, options.cwd, result, { stdout, stderr }, { started, startMs, timedOut: supervised.timedOut(), peakRssKb, usage });
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
  await supervised.release();
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
  const rusageFile = newRusageFile(options.accounted);
  const accounted = rusageFile !== undefined;
  const child = spawnInGroup(argv, { cwd: options.cwd, env: options.env, buffer: false, rusageFile });
  const onAbort = (): void => stopGroup(child.pid, accounted);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const rss = watchPeakRss(child, accounted);
  let finished: Promise<FinishedProcess> | undefined;
  const finish = async (): Promise<FinishedProcess> => {
    const result = await child;
    options.signal?.removeEventListener('abort', onAbort);
    await reapGroup(child.pid);
    const sampledRssKb = rss.stop();
    await new Promise<void>((resolve) => log.end(resolve));
    const stderr = await readFile(options.logFile, 'utf8').catch(() => '');
    const wallMs = Math.round(performance.now() - started);
    const ended = cost(rusageFile ? await readRusage(rusageFile) : undefined, sampledRssKb, result.exitCode ?? null, result.signal ?? undefined);
    const { exitCode, signal, peakRssKb } = ended;
    return {
      exitCode,
      signal,
      stdout: '',
      stderr,
      wallMs,
      peakRssKb,
      timedOut: false,
      record: { argv, cwd: options.cwd, exitCode, signal, startMs, wallMs, peakRssKb, ...cpuOf(ended), timedOut: false, stderrTail: tail(stderr), service: true },
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
