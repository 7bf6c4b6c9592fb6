import type { FlowRecord } from '../core/flow-record.js';
import { checkRecords } from '../core/record-sanity.js';
import { recordLengthLimit } from '../monitors/record-length-limit.js';
import { lstat, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CommandRecord } from '../core/results.js';
import type { FlowRecordList } from '../core/flow-record-table.js';
import type { ToolState } from '../core/tool-state.js';
import { IncompleteInputError, isInputError } from '../core/input-error.js';
import type { TimeoutSetting } from '../core/timeout-setting.js';
import {
  MonitorFailure,
  type CellContext,
  type ExecOptions,
  type ExecResult,
  type MonitorAdapter,
  type MonitorOutput,
  type Service,
  type ServiceOptions,
} from '../monitors/monitor-adapter.js';
import { endedHow, runProcess, startProcess, type ChildHandle, type RunningService } from './process-runner.js';
import { formatByteSize } from '../core/byte-size.js';
import { freePort, waitUntilListening } from './ports.js';
import { which } from './which.js';

/**
 * Runs one adapter on one pcap under one setting in its own folder, and keeps everything it did: argv, config
 * files, exit status, wall time, peak RSS. Whatever the adapter does, every service it started is stopped.
 */
export interface CellRunRequest {
  adapter: MonitorAdapter;
  binary: string;
  version: string;
  pcap: string;
  setting: TimeoutSetting;
  knobValues: Record<string, number>;
  workDir: string;
  timeLimitMs: number;
  signal: AbortSignal;
  userConfig?: string;
  /** No file of the cell may grow past this (--max-output): the kernel stops the writer, the cell fails. */
  maxOutputBytes?: number;
  /** Records of one tuple that may overlap, from the truth (record-sanity.ts CheckOptions.mayOverlap). */
  mayOverlap?: (record: FlowRecord) => boolean;
  /**
   * Live runs: every process enters the private wire's namespaces through `wrap`, `netOfPid` shows its sockets,
   * and `run` replaces the adapter's offline run.
   */
  inside?: { wrap(argv: string[]): string[]; netOfPid: number; signalTool(wrapperPid: number | undefined, signal: NodeJS.Signals): Promise<unknown> };
  run?: (ctx: CellContext) => Promise<MonitorOutput>;
}

export type CellRunOutcome =
  | { ok: true; views: Record<string, FlowRecordList>; rawFiles: string[]; provenance: CellProvenance; toolState?: ToolState }
  | { ok: false; reason: string; provenance: CellProvenance };

export interface CellProvenance {
  commands: CommandRecord[];
  configFiles: { path: string; content: string }[];
  wallMs: number;
  notes: string[];
}

const SERVICE_READY_MS = 10_000;
/**
 * --max-output by default, per file: above the largest real output a bundled-size scenario gives (tshark writes a
 * line of about 120 bytes per packet: a count: 1000000 scenario of ~20 packets per connection is ~2.4 GB), and low
 * enough that a flooding monitor stops long before it fills a disk. Parsers stream, so the size of a file never
 * becomes the harness's memory.
 */
export const DEFAULT_MAX_OUTPUT_BYTES = 4e9;
const INSIDE_STOP_GRACE_MS = 5000;

export async function runCell(request: CellRunRequest): Promise<CellRunOutcome> {
  const started = performance.now();
  const maxOutputBytes = request.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  // A cell reads only what its own processes wrote in this run: whatever an earlier run left in its folder goes first.
  await rm(request.workDir, { recursive: true, force: true });
  await mkdir(request.workDir, { recursive: true });
  const provenance: CellProvenance = { commands: [], configFiles: [], wallMs: 0, notes: [] };
  const services: { running: RunningService; record?: CommandRecord }[] = [];
  const running = new Set<ChildHandle>();
  let serviceCount = 0;
  const wrap = (argv: string[]): string[] => (request.inside ? request.inside.wrap(argv) : argv);

  const exec = async (argv: string[], options: ExecOptions = {}): Promise<ExecResult> => {
    let handle: ChildHandle | undefined;
    const finished = await runProcess(wrap(argv), {
      cwd: options.cwd ?? request.workDir,
      env: options.env,
      stdoutFile: options.stdoutFile ? path.resolve(request.workDir, options.stdoutFile) : undefined,
      stderrFile: options.stderrFile ? path.resolve(request.workDir, options.stderrFile) : undefined,
      timeoutMs: options.timeoutMs ?? request.timeLimitMs,
      signal: request.signal,
      maxOutputBytes: maxOutputBytes,
      accounted: true,
      ownPidNamespace: request.inside !== undefined,
    }, (started) => { handle = started; running.add(started); }).finally(() => { if (handle) running.delete(handle); });
    if (options.readsOutput) finished.record.readsOutput = true;
    provenance.commands.push(finished.record);
    const okCodes = options.okExitCodes ?? [0];
    const oversized = finished.stdoutCut ? 'its standard output' : await oversizedFile(request.workDir, maxOutputBytes) ?? (finished.signal === 'SIGXFSZ' ? 'a file outside its folder' : undefined);
    if (oversized !== undefined) {
      // Whatever the tool did when the kernel refused its write (died of SIGXFSZ, or went on without it), its output is cut.
      const which = ` (${oversized})`;
      throw new MonitorFailure(
        `${path.basename(argv[0] ?? '')} wrote more than the output limit of ${formatByteSize(maxOutputBytes)} for one file${which}, stopped: raise --max-output to allow it`,
        finished.exitCode, finished.signal, finished.record.stderrTail, false);
    }
    if (finished.timedOut) {
      throw new MonitorFailure(
        `${path.basename(argv[0] ?? '')} hung: still running after ${Math.round((options.timeoutMs ?? request.timeLimitMs) / 1000)} s, killed`,
        finished.exitCode, finished.signal, finished.record.stderrTail, true);
    }
    if (request.signal.aborted) {
      throw new MonitorFailure('interrupted', finished.exitCode, finished.signal, finished.record.stderrTail, false);
    }
    if (finished.signal || finished.exitCode === null || !okCodes.includes(finished.exitCode)) {
      const how = endedHow(finished.exitCode, finished.signal);
      throw new MonitorFailure(`${path.basename(argv[0] ?? '')} failed: ${how}`, finished.exitCode, finished.signal, finished.record.stderrTail, false);
    }
    return finished;
  };

  const startService = async (argv: string[], options: ServiceOptions = {}): Promise<Service> => {
    serviceCount += 1;
    const logFile = path.join(request.workDir, `service-${serviceCount}.log`);
    const service = await startProcess(wrap(argv), { cwd: options.cwd ?? request.workDir, env: options.env, signal: request.signal, logFile, maxOutputBytes: maxOutputBytes, ownPidNamespace: request.inside !== undefined, accounted: true });
    const entry: { running: RunningService; record?: CommandRecord } = { running: service };
    services.push(entry);
    running.add(service);
    let exited = false;
    if (options.readyPort) {
      const pid = service.pid;
      const alive = (): boolean => {
        if (pid === undefined || exited) return false;
        try { process.kill(pid, 0); return true; } catch { exited = true; return false; }
      };
      const ready = await waitUntilListening(options.readyPort.proto, options.readyPort.port, SERVICE_READY_MS, alive, request.inside?.netOfPid);
      if (!ready) {
        const finished = await service.stop();
        entry.record = finished.record;
        throw new MonitorFailure(`${path.basename(argv[0] ?? '')} did not listen on ${options.readyPort.proto} port ${options.readyPort.port}`,
          finished.exitCode, finished.signal, finished.record.stderrTail, false);
      }
    }
    return {
      pid: service.pid,
      stop: async () => {
        // Inside a namespace the wrapper (nsenter) would die of SIGTERM at once, and the group's SIGKILL that follows
        // could catch the tool before it has flushed: the tool gets SIGTERM first, and the wrapper exits with it.
        if (request.inside) {
          await request.inside.signalTool(service.pid, 'SIGTERM');
          await Promise.race([service.wait(), new Promise((r) => setTimeout(r, INSIDE_STOP_GRACE_MS))]);
        }
        const finished = await service.stop();
        running.delete(service);
        entry.record = finished.record;
        return finished;
      },
      wait: async (timeoutMs: number) => {
        let timer: NodeJS.Timeout | undefined;
        const gaveUp = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), timeoutMs); });
        const finished = await Promise.race([service.wait(), gaveUp]);
        clearTimeout(timer);
        if (finished) entry.record = finished.record;
        return finished;
      },
    };
  };

  const ctx: CellContext = {
    pcap: request.pcap,
    workDir: request.workDir,
    binary: request.binary,
    version: request.version,
    setting: request.setting,
    knobValues: request.knobValues,
    userConfig: request.userConfig,
    exec,
    startService,
    freePort,
    writeConfig: async (name: string, content: string) => {
      const file = path.join(request.workDir, name);
      await writeFile(file, content);
      provenance.configFiles.push({ path: name, content });
      return file;
    },
    which: (command: string) => which(command),
    hostPid: async (pid: number) => {
      for (const child of running) {
        const found = await child.outerPid(pid);
        if (found !== undefined) return found;
      }
      return undefined;
    },
    signal: request.signal,
    netOfPid: request.inside?.netOfPid,
  };

  try {
    const output = await (request.run ?? request.adapter.run)(ctx);
    // A record no capture can give (ends before it starts, an address that is none) fails the cell as unreadable
    // output, like a line its parser cannot read: scored, it was a wrong answer at exit 0.
    const limit = recordLengthLimit(request.adapter);
    for (const [view, records] of Object.entries(output.views)) checkRecords(records, { limit, joinedView: request.adapter.joiningViews?.[view] !== undefined, icmpKeyShown: request.adapter.icmpKeyShown === true, ...(request.mayOverlap ? { mayOverlap: request.mayOverlap } : {}) });
    provenance.notes.push(...output.notes);
    return { ok: true, views: output.views, rawFiles: output.rawFiles, provenance, ...(output.toolState ? { toolState: output.toolState } : {}) };
  } catch (error) {
    return { ok: false, reason: describeFailure(error), provenance };
  } finally {
    for (const entry of services) {
      const finished = await entry.running.stop();
      entry.record ??= finished.record;
      provenance.commands.push(entry.record);
    }
    provenance.wallMs = Math.round(performance.now() - started);
  }
}

/** The first file under `dir` that reached `limit` bytes (the kernel's file size limit stops a writer there), if any. */
async function oversizedFile(dir: string, limit: number): Promise<string | undefined> {
  const names = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  for (const name of names) {
    // lstat: a link to the pcap (argus reads one) is not output.
    const info = await lstat(path.join(dir, name)).catch(() => undefined);
    if (info?.isFile() && info.size >= limit) return name;
  }
  return undefined;
}

function describeFailure(error: unknown): string {
  if (error instanceof MonitorFailure) {
    return error.stderrTail ? `${error.message}\n--- stderr (tail) ---\n${error.stderrTail}` : error.message;
  }
  if (error instanceof IncompleteInputError) return `output incomplete: ${error.message}`;
  if (isInputError(error)) return `unreadable output: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
