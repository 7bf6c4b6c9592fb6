import { existsSync, lstatSync, mkdtempSync, readdirSync, rmdirSync, rmSync, unlinkSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { execa, type Options, type ResultPromise } from 'execa';
import type { ExecResult } from '../monitors/monitor-adapter.js';
import type { CommandRecord } from '../core/results.js';
import { addsPidNamespace, chainStillThere, confinedArgv, confinement, outerPid, processTree, procText, type Confinement } from './confinement.js';
import { orUndefined } from '../core/or-undefined.js';

/**
 * Every child process of a run goes through a ProcessRunner: argv only (never a shell), confined so that it dies
 * with the harness and cannot write a file past the run's output limit (confinement.ts), a wall-clock limit,
 * SIGKILL after a grace period for children that ignore SIGTERM (argus with a huge timeout does), peak RSS
 * sampled from /proc, bounded memory whatever it prints, and one abort signal that stops them all on Ctrl-C.
 *
 * A monitor's cost (CPU time and peak RSS) is measured exactly when `accounted` is set: the monitor runs under GNU
 * time, innermost (inside the confinement wrappers, right around the monitor's argv, so the rusage is the monitor's
 * and whatever it waited for), which reads the kernel's rusage when it exits; /proc can no longer be read then, and
 * sampling it would miss the last interval of a short run. GNU time's peak RSS is then the one figure recorded;
 * without /usr/bin/time (Debian package `time`) peak RSS is sampled from /proc and CPU time is left unknown.
 */
export interface RunOptions {
  cwd: string;
  env?: Record<string, string>;
  /** stdout goes straight to this file (the child writes it, under the file size limit). */
  stdoutFile?: string;
  /** stderr goes straight to this file (a debug log, written by the child under the file size limit); its tail is still recorded. */
  stderrFile?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** No file the child writes may grow past this; stdout kept in memory is cut here too. */
  maxOutputBytes?: number;
  /** Measure CPU time and peak RSS exactly (under GNU time): for the processes whose cost a report shows. */
  accounted?: boolean;
  /**
   * The child brings its own PID namespace (the live wire's holder, or a tool entered into it with nsenter -p), so
   * the runner adds none: a second one would hide the tool from the signals meant for it.
   */
  ownPidNamespace?: boolean;
}

const KILL_GRACE_MS = 2000;
const STDERR_TAIL_LINES = 20;
/** What is kept of a child's stderr: its end, which is where a tool says why it stopped. */
const STDERR_KEEP_BYTES = 64 * 1024;
/** stdout kept in memory (version probes, tshark for `score --pcap`) when no smaller limit is given. */
const STDOUT_MEMORY_BYTES = 256 * 1024 * 1024;
const RSS_SAMPLE_MS = 100;

/** How a process ended, for failure messages: `killed by SIGSEGV` or `exit status 139`. */
export function endedHow(exitCode: number | null | undefined, signal: string | null | undefined): string {
  return signal ? `killed by ${signal}` : `exit status ${String(exitCode)}`;
}

export function tail(text: string, lines = STDERR_TAIL_LINES): string {
  const all = text.trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}

/** Keeps the last `keep` bytes of a stream and counts the rest, so a child printing gigabytes costs nothing. */
function tailOf(stream: Readable | null | undefined, keep = STDERR_KEEP_BYTES): { text: () => string; bytes: () => number } {
  let kept = Buffer.alloc(0);
  let total = 0;
  stream?.on('data', (chunk: Buffer) => {
    total += chunk.length;
    kept = Buffer.concat([kept, chunk]);
    if (kept.length > keep) kept = kept.subarray(kept.length - keep);
  });
  return {
    text: () => {
      const text = kept.toString('utf8');
      return total > kept.length ? `[${total - kept.length} earlier bytes not kept]\n${text.slice(text.indexOf('\n') + 1)}` : text;
    },
    bytes: () => total,
  };
}

/** VmHWM is a process's own high-water mark, so the last sample before exit is close to its peak. */
function sampleHighWaterKb(pid: number): number | undefined {
  return highWaterKbOf(procText(`/proc/${pid}/status`));
}

/** VmHWM in kB from the text of /proc/<pid>/status: the memory of the process's own exec, not its parent's. */
export function highWaterKbOf(status: string): number | undefined {
  const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) : undefined;
}

/** The largest high-water mark in the child's process tree: the monitor sits below its confinement wrappers. */
function watchPeakRss(child: ResultPromise): { stop: () => number | undefined } {
  let peak: number | undefined;
  const pid = child.pid;
  const sample = (): void => {
    if (pid === undefined) return;
    for (const kb of processTree(pid).map(sampleHighWaterKb)) if (kb !== undefined && (peak === undefined || kb > peak)) peak = kb;
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

/**
 * argv under GNU time, writing the rusage to `file`; the child's own stdout and stderr are untouched. GNU time forks
 * the monitor, and a parent-death signal is not inherited across fork: the monitor gets its own (setpriv execs it,
 * so the rusage is still the monitor's), or it would outlive a SIGKILLed harness where no PID namespace holds it.
 */
function accountedArgv(argv: string[], file: string, tools: Confinement, namespaced: boolean): string[] {
  // In its own PID namespace GNU time is the init: its end ends the monitor. Without one, its child checks that GNU
  // time is still its parent once the signal is set (GNU time may have died with the harness in between).
  const dieWithTime = tools.setpriv ? [tools.setpriv, '--pdeathsig', 'KILL', '--', ...(namespaced ? [] : chainStillThere(tools))] : [];
  return [RUSAGE_WRAPPER, '-o', file, '-f', `${RUSAGE_MARK} %U %S %M`, '--', ...dieWithTime, ...argv];
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

function newRusageFile(accounted: boolean | undefined, ownPidNamespace: boolean | undefined): string | undefined {
  // A tool entered into the live wire (nsenter -p) gets its flush signal as the wrapper's child: GNU time between
  // them would take it instead. Live cells keep the sampled peak RSS and no CPU figure.
  if (!accounted || ownPidNamespace === true || !rusageAvailable()) return undefined;
  // No folder for them (a missing or full tmpdir): the process runs unaccounted, with its sampled peak RSS.
  const folder = orUndefined(rusageFolder);
  if (folder === undefined) return undefined;
  rusageFiles += 1;
  return path.join(folder, String(rusageFiles));
}

let ownRusageFolder: string | undefined;

/**
 * The rusage files live in a folder of this process, made once by mkdtemp (mode 0700, a name no one can take first)
 * and removed at its exit. GNU time opens `-o` with fopen(…, "w"), which follows a symlink: in a shared /tmp, a
 * predictable name (`harness-rusage-<pid>-<n>`) let any local user plant a link there and have the harness, as root,
 * truncate and overwrite the file it pointed to. The folder's name carries the pid, so that the folders of a
 * SIGKILLed harness can be told from those of a live one and removed by the next run.
 */
function rusageFolder(): string {
  if (ownRusageFolder !== undefined) return ownRusageFolder;
  removeStaleRusageFiles(os.tmpdir());
  const folder = mkdtempSync(path.join(os.tmpdir(), `harness-rusage-${process.pid}-`));
  process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
  ownRusageFolder = folder;
  return folder;
}

/**
 * A harness killed with SIGKILL cannot remove the rusage folder of the monitors it was running: each run's first
 * accounted process removes those of harness processes that are gone (their pid no longer exists), so that killed
 * runs do not pile folders up in /tmp. One of a live process (another harness running now) is left alone, and so is
 * one this user does not own (in a sticky /tmp, another user's: theirs to remove, and never followed or emptied
 * here). The loose `harness-rusage-<pid>-<n>` files of earlier versions go the same way (unlink removes a link, never
 * what it points to).
 */
export function removeStaleRusageFiles(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^harness-rusage-(\d+)-[A-Za-z0-9]+$/.exec(name);
    if (!m || Number(m[1]) === process.pid || isAlive(Number(m[1]))) continue;
    try {
      removeStale(path.join(dir, name));
    } catch {
      // Another user's file in a sticky /tmp (EPERM), or a folder not of our making: never a reason to fail a run.
    }
  }
}

/** Unlinks a stale file or link, or empties and removes a stale folder this user owns, following no link. */
function removeStale(entry: string): void {
  const stat = lstatSync(entry);
  if (!stat.isDirectory()) {
    unlinkSync(entry);
    return;
  }
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) return;
  // A harness in another pid namespace sharing this /tmp (containers) looks dead from here: its folder is left
  // while it may still be in use (a monitor's run writes into it), and taken once it has been still for hours.
  if (Date.now() - stat.mtimeMs < STALE_AFTER_MS) return;
  for (const file of readdirSync(entry)) unlinkSync(path.join(entry, file));
  rmdirSync(entry);
}

const STALE_AFTER_MS = 6 * 3600 * 1000;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, as another user's process.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readRusage(file: string | undefined): Promise<Rusage | undefined> {
  if (file === undefined) return undefined;
  const text = await readFile(file, 'utf8').catch(() => '');
  await rm(file, { force: true });
  return parseRusage(text);
}

/** How the monitor itself ended and what it cost: GNU time's figures when it stood between, else the sampled peak. */
interface Ended {
  exitCode: number | null;
  signal: string | undefined;
  peakRssKb: number | undefined;
  cpuUserMs?: number;
  cpuSystemMs?: number;
}

function ended(usage: Rusage | undefined, sampledRssKb: number | undefined, exitCode: number | null, signal: string | undefined): Ended {
  if (!usage) return { exitCode, signal, peakRssKb: sampledRssKb };
  return {
    exitCode: usage.signal ? null : exitCode,
    signal: usage.signal ?? signal,
    peakRssKb: usage.peakRssKb,
    cpuUserMs: usage.cpuUserMs,
    cpuSystemMs: usage.cpuSystemMs,
  };
}

function cpuOf(end: Ended): { cpuUserMs?: number; cpuSystemMs?: number } {
  return end.cpuUserMs === undefined ? {} : { cpuUserMs: end.cpuUserMs, cpuSystemMs: end.cpuSystemMs };
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
    const stat = procText(`/proc/${entry}/stat`);
    if (stat === '') continue; // gone meanwhile
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === leader && fields[0] !== 'Z') members.push(Number(entry));
  }
  return members;
}

/**
 * The polite signal of a stop: to the whole group, except, when accounted and not namespaced, GNU time as the
 * group's leader (setpriv and prlimit exec it), which must outlive its child to write the rusage; it exits by itself
 * once the child has. In a PID namespace GNU time is the namespace's init, which ignores SIGTERM without a handler,
 * and unshare ignores it too: the whole group may be signalled. The SIGKILL after the grace period takes all.
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

/** Pids of live process groups, killed if the harness exits unexpectedly (SIGKILL is left to the parent-death signal). */
const liveGroups = new Set<number>();
process.once('exit', () => {
  for (const pid of liveGroups) signalGroup(pid, 'SIGKILL');
});

export interface FinishedProcess extends ExecResult {
  timedOut: boolean;
  /** stdout kept in memory was cut at the output limit. */
  stdoutCut: boolean;
  record: CommandRecord;
}

interface SpawnOptions {
  cwd: string;
  env?: Record<string, string>;
  stdout: 'pipe' | number;
  /** GNU time writes the monitor's rusage here (the monitor runs under it, inside the confinement). */
  rusageFile?: string;
  /** A file descriptor (a service's log) or 'pipe' (only its tail is kept). */
  stderr: 'pipe' | number;
  maxOutputBytes?: number;
  /** A piped stdout is read as it arrives (runProcessLines), not gathered. */
  streamStdout?: boolean;
  ownPidNamespace?: boolean;
}

/**
 * Spawns argv (never through a shell), confined, as the leader of its own process group, registered so that the
 * group is killed if the harness exits first.
 */
function spawnInGroup(argv: string[], tools: Confinement, options: SpawnOptions): ResultPromise {
  if (argv[0] === undefined) throw new Error('empty argv');
  const inner = options.rusageFile !== undefined ? accountedArgv(argv, options.rusageFile, tools, addsPidNamespace(tools, options.ownPidNamespace)) : argv;
  const [file, ...args] = confinedArgv(inner, tools, { maxFileBytes: options.maxOutputBytes, ownPidNamespace: options.ownPidNamespace, parentPid: process.pid }) as [string, ...string[]];
  const execaOptions: Options = {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    stdout: options.stdout as Options['stdout'],
    stderr: options.stderr as Options['stderr'],
    maxBuffer: Math.min(options.maxOutputBytes ?? STDOUT_MEMORY_BYTES, STDOUT_MEMORY_BYTES),
    buffer: { stdout: options.stdout === 'pipe' && options.streamStdout !== true, stderr: false },
    cleanup: true,
    detached: true,
  };
  const child = execa(file, args, execaOptions) as ResultPromise;
  if (child.pid !== undefined) liveGroups.add(child.pid);
  return child;
}

/** SIGTERM to the whole group, SIGKILL after the grace period for whatever ignores it (a namespace's init ignores SIGTERM without a handler). */
function stopGroup(pid: number | undefined, accounted = false): void {
  signalToStop(pid, accounted, 'SIGTERM');
  setTimeout(() => signalGroup(pid, 'SIGKILL'), KILL_GRACE_MS).unref();
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
  // Most groups are empty once their leader is reaped (isAlive of the group: any member, a zombie too): the kernel
  // says so at once, where reading every process's stat in /proc took 5-10 ms a command between two commands.
  while (isAlive(-pid) && groupMembersBesidesLeader(pid).length > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Spawn failures (ENOENT, EACCES) carry their reason only in execa's message. */
function spawnFailure(result: { failed: boolean; exitCode?: number; signal?: string; shortMessage?: string; message?: string }): string | undefined {
  if (result.failed && result.exitCode === undefined && result.signal === undefined && !/maxBuffer/i.test(result.message ?? '')) {
    return result.shortMessage ?? result.message;
  }
  return undefined;
}

/** A running child: its pid as the harness sees it, and the pid of a process inside it as the harness sees it. */
export interface ChildHandle {
  /** Pids written by the child (a pid file) are those of its own namespace; this gives the harness's. */
  outerPid(innerPid: number): Promise<number | undefined>;
}

function handleOf(pid: number | undefined, namespaced: boolean): ChildHandle {
  return {
    outerPid: async (innerPid) => {
      if (!namespaced) return innerPid;
      return pid === undefined ? undefined : outerPid(pid, innerPid);
    },
  };
}

/** Runs argv to completion. Never rejects: the caller decides what a non-zero exit means. */
export async function runProcess(argv: string[], options: RunOptions, onStart?: (handle: ChildHandle) => void): Promise<FinishedProcess> {
  const started = performance.now();
  const startMs = Date.now();
  const tools = await confinement();
  const rusageFile = newRusageFile(options.accounted, options.ownPidNamespace);
  const stdoutFd = options.stdoutFile ? await open(options.stdoutFile, 'w') : undefined;
  const stderrFd = options.stderrFile ? await open(options.stderrFile, 'w') : undefined;
  let child: ResultPromise;
  let stderrTail: ReturnType<typeof tailOf> | undefined;
  try {
    child = spawnInGroup(argv, tools, {
      cwd: options.cwd,
      env: options.env,
      stdout: stdoutFd ? stdoutFd.fd : 'pipe',
      stderr: stderrFd ? stderrFd.fd : 'pipe',
      maxOutputBytes: options.maxOutputBytes,
      rusageFile,
      ownPidNamespace: options.ownPidNamespace,
    });
    // Listened to before any await: execa reads stderr too, and what a child wrote while the descriptors below were
    // closed went to execa's reader alone (a fake monitor's "segfault" line was missing from its cell's reason once).
    stderrTail = stderrFd ? undefined : tailOf(child.stderr);
  } finally {
    // The child holds its own copies of the descriptors.
    await stdoutFd?.close();
    await stderrFd?.close();
  }
  const pid = child.pid;
  onStart?.(handleOf(pid, tools.unshare !== undefined));
  const supervised = supervise(pid, options, rusageFile !== undefined);
  const rss = watchPeakRss(child);
  const result = await child;
  await supervised.release();
  const stderr = options.stderrFile ? await readTail(options.stderrFile) : (stderrTail?.text() ?? '');
  const usage = await readRusage(rusageFile);
  return finishedProcess(argv, options.cwd, result, stderr, { started, startMs, timedOut: supervised.timedOut(), peakRssKb: rss.stop(), usage });
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
  stderr: string,
  timing: { started: number; startMs: number; timedOut: boolean; peakRssKb?: number; usage?: Rusage },
): FinishedProcess {
  const { timedOut, startMs } = timing;
  const wallMs = Math.round(performance.now() - timing.started);
  const stdout = typeof result.stdout === 'string' ? result.stdout : '';
  const end = ended(timing.usage, timing.peakRssKb, result.exitCode ?? null, result.signal ?? undefined);
  const { exitCode, signal, peakRssKb } = end;
  const failure = spawnFailure(result);
  const stderrLines = tail(failure ? `${stderr}\n${failure}`.trim() : stderr);
  return {
    exitCode,
    signal,
    stdout,
    stderr,
    wallMs,
    peakRssKb,
    timedOut,
    stdoutCut: result.isMaxBuffer === true,
    record: { argv, cwd, exitCode, signal, startMs, wallMs, peakRssKb, ...cpuOf(end), timedOut, stderrTail: stderrLines, service: false },
  };
}

/**
 * Runs argv to completion handing each line of its stdout to `onLine` as it arrives, never holding the whole of it:
 * for tools whose output is as large as their input (tshark over a capture of millions of packets). Stderr keeps
 * only its tail. Never rejects for the process's own failure; an `onLine` that throws stops the process and
 * rejects with that error.
 */
export async function runProcessLines(argv: string[], options: Omit<RunOptions, 'stdoutFile'>, onLine: (line: string) => void): Promise<FinishedProcess> {
  const started = performance.now();
  const startMs = Date.now();
  const tools = await confinement();
  const child = spawnInGroup(argv, tools, { cwd: options.cwd, env: options.env, stdout: 'pipe', stderr: 'pipe', maxOutputBytes: options.maxOutputBytes, streamStdout: true, ownPidNamespace: options.ownPidNamespace });
  const supervised = supervise(child.pid, options);
  const stderrTail = tailOf(child.stderr);
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
  return finishedProcess(argv, options.cwd, result, stderrTail.text(), { started, startMs, timedOut: supervised.timedOut() });
}

export interface RunningService extends ChildHandle {
  pid: number | undefined;
  /** SIGTERM, then SIGKILL after the grace period; resolves when it has exited. */
  stop(): Promise<FinishedProcess>;
  /** Resolves when it exits by itself (a daemon told to shut down through its control socket); sends nothing. */
  wait(): Promise<FinishedProcess>;
}

/** Starts a long-running child (a collector) whose stderr goes to a file so a chatty one never blocks. */
export async function startProcess(argv: string[], options: Omit<RunOptions, 'timeoutMs' | 'stdoutFile'> & { logFile: string }): Promise<RunningService> {
  const started = performance.now();
  const startMs = Date.now();
  const tools = await confinement();
  const rusageFile = newRusageFile(options.accounted, options.ownPidNamespace);
  const accounted = rusageFile !== undefined;
  const log = await open(options.logFile, 'w');
  let child: ResultPromise;
  try {
    // The collector writes its log itself, under the file size limit; the child holds its own copy of the descriptor.
    child = spawnInGroup(argv, tools, { cwd: options.cwd, env: options.env, stdout: log.fd, stderr: log.fd, maxOutputBytes: options.maxOutputBytes, rusageFile, ownPidNamespace: options.ownPidNamespace });
  } finally {
    await log.close();
  }
  const onAbort = (): void => stopGroup(child.pid, accounted);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const rss = watchPeakRss(child);
  const handle = handleOf(child.pid, tools.unshare !== undefined);
  let finished: Promise<FinishedProcess> | undefined;
  const finish = async (): Promise<FinishedProcess> => {
    const result = await child;
    options.signal?.removeEventListener('abort', onAbort);
    await reapGroup(child.pid);
    const sampledRssKb = rss.stop();
    const stderr = await readTail(options.logFile);
    const wallMs = Math.round(performance.now() - started);
    const end = ended(await readRusage(rusageFile), sampledRssKb, result.exitCode ?? null, result.signal ?? undefined);
    const { exitCode, signal, peakRssKb } = end;
    return {
      exitCode,
      signal,
      stdout: '',
      stderr,
      wallMs,
      peakRssKb,
      timedOut: false,
      stdoutCut: false,
      record: { argv, cwd: options.cwd, exitCode, signal, startMs, wallMs, peakRssKb, ...cpuOf(end), timedOut: false, stderrTail: tail(stderr), service: true },
    };
  };
  return {
    pid: child.pid,
    outerPid: handle.outerPid,
    stop: () => {
      // Also after wait(): a process still running when the waiter gives up is stopped all the same.
      if (child.exitCode === null && child.signalCode === null) onAbort();
      finished ??= finish();
      return finished;
    },
    wait: () => {
      finished ??= finish();
      return finished;
    },
  };
}

/** The end of a log file, never the whole of a flood. */
async function readTail(file: string, keep = STDERR_KEEP_BYTES): Promise<string> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return '';
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, keep);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}
