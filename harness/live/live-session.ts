import { setMaxListeners } from 'node:events';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { runCell, type CellRunOutcome } from '../executor/cell-runner.js';
import type { TimeoutSetting } from '../core/timeout-setting.js';
import { MonitorFailure, type LiveCellContext, type LiveOutput, type MonitorAdapter, type Service } from '../monitors/monitor-adapter.js';
import { buildImmediateModeShim } from './immediate-mode.js';
import { captureSocketsOn, openPrivateWire, type PrivateWire } from './private-wire.js';
import { readPcapTimestamps } from './pcap-timestamps.js';
import { startReferenceCapture } from './reference-capture.js';
import { replay, replayProblem } from './replay.js';
import { signalInside } from './signal-inside.js';
import { timingError, type TimingError } from './timing-error.js';

/**
 * One replay of a live run: the private wire, every planned monitor instance listening on its rx end at once (one
 * per monitor and setting, each in its own folder), a reference capture, tcpreplay into tx, then every instance
 * stopped so that it flushes. A sweep costs one replay. Whatever happens, the wire and everything in it go away.
 */
export interface LiveCellPlan {
  adapter: MonitorAdapter;
  binary: string;
  version: string;
  /** The setting as the user swept it (scenario time) and as the monitor runs it (divided by K). */
  setting: TimeoutSetting;
  replaySetting: TimeoutSetting;
  knobValues: Record<string, number>;
  workDir: string;
  userConfig?: string;
}

export interface LiveCellResult {
  plan: LiveCellPlan;
  outcome: CellRunOutcome;
  output?: LiveOutput;
}

export interface ReplayRun {
  cells: LiveCellResult[];
  referenceCapture: string;
  packetsScheduled: number;
  packetsOnWire: number;
  /** Absent when no replay ran (interrupted before it). */
  timing?: TimingError;
  /** The replay or the reference failed: every cell of it fails with this. */
  problem?: string;
  /** The wire's setup and the shim, for provenance. */
  notes: string[];
  wallMs: number;
}

export interface ReplayRequest {
  pcap: string;
  dir: string;
  plans: LiveCellPlan[];
  timeLimitMs: number;
  signal: AbortSignal;
}

/** A process a live cell started, with the program it runs (to name it when it ends too early). */
interface StartedService {
  service: Service;
  program: string;
}

/** The first process of a cell that has ended, as the cell's failure: `when` says when that was wrong. */
async function refuseEndedService(services: readonly StartedService[], plan: LiveCellPlan, when: string): Promise<void> {
  for (const { service, program } of services) {
    const ended = await service.wait(0);
    if (ended === undefined) continue;
    const how = ended.signal !== undefined ? `killed by ${ended.signal}` : `exit status ${ended.exitCode}`;
    // A collector (softflowd's nfcapd) is named as itself: "softflowd ended" would send the reader to the wrong log.
    const which = program === plan.binary ? plan.adapter.displayName : `${plan.adapter.displayName}'s ${path.basename(program)}`;
    throw new MonitorFailure(`${which} ended (${how}) ${when}`, ended.exitCode, ended.signal, ended.stderr.slice(-2000), false);
  }
}

/** How long a monitor may take to open its capture: Zeek needs 25-40 s (docs/measured/live.md). */
const LISTEN_READY_MS = 90_000;
/** After the last packet: a moment for the capture buffers to hand over the last frames before anyone is stopped. */
const SETTLE_AFTER_REPLAY_MS = 1000;

export async function runReplay(request: ReplayRequest): Promise<ReplayRun> {
  const started = performance.now();
  // Every instance of every monitor listens to the one abort signal, with its processes: more than Node's 10 by design.
  setMaxListeners(Math.max(64, request.plans.length * 8), request.signal);
  await mkdir(request.dir, { recursive: true });
  const scheduled = await readPcapTimestamps(request.pcap);
  const wire = await openPrivateWire(request.dir);
  try {
    return await runOnWire(wire, request, scheduled, started);
  } finally {
    await wire.close();
  }
}

async function runOnWire(wire: PrivateWire, request: ReplayRequest, scheduled: number[], started: number): Promise<ReplayRun> {
  const notes = wire.setup.map((line) => `private wire: ${line}`);
  const immediateModeEnv = request.plans.some((p) => p.adapter.live?.needsImmediateMode) ? await buildImmediateModeShim(request.dir) : {};
  const reference = await startReferenceCapture(wire, request.dir);
  let referenceStopped = false;
  const stopReference = async (): Promise<Awaited<ReturnType<typeof reference.stop>>> => {
    referenceStopped = true;
    return reference.stop();
  };
  let releaseListeners: () => void = () => undefined;
  const replayOver = new Promise<void>((resolve) => { releaseListeners = resolve; });
  const running: Promise<LiveCellResult>[] = [];
  try {
    for (const plan of request.plans) {
      if (request.signal.aborted) break;
      const form = plan.adapter.live;
      if (!form) continue;
      let markReady: () => void = () => undefined;
      const ready = new Promise<void>((resolve) => { markReady = resolve; });
      const before = await captureSocketsOn(wire.nsPid, wire.rxIndex);
      let output: LiveOutput | undefined;
      const cell = runCell({
        adapter: plan.adapter,
        binary: plan.binary,
        version: plan.version,
        pcap: request.pcap,
        setting: plan.replaySetting,
        knobValues: plan.knobValues,
        workDir: plan.workDir,
        timeLimitMs: request.timeLimitMs,
        signal: request.signal,
        userConfig: plan.userConfig,
        inside: { wrap: wire.inside, netOfPid: wire.nsPid, signalTool: signalInside },
        run: async (ctx) => {
          // What the cell starts, watched while it is awaited: a monitor that exits at start (a bad option, a crash)
          // was polled for a capture for 90 s, and every other monitor of the replay waited with it.
          const started: StartedService[] = [];
          const liveCtx: LiveCellContext = {
            ...ctx,
            startService: async (argv, options) => {
              const service = await ctx.startService(argv, options);
              started.push({ service, program: argv[0] ?? '' });
              return service;
            },
            iface: wire.rx,
            immediateModeEnv: form.needsImmediateMode ? immediateModeEnv : {},
            listenThroughReplay: async () => {
              const deadline = Date.now() + LISTEN_READY_MS;
              while ((await captureSocketsOn(wire.nsPid, wire.rxIndex)) <= before) {
                await refuseEndedService(started, plan, `before it opened a capture on ${wire.rx}`);
                if (Date.now() > deadline || ctx.signal.aborted) {
                  throw new MonitorFailure(`${plan.adapter.displayName} opened no capture on ${wire.rx} within ${LISTEN_READY_MS / 1000} s`, null, undefined, '', true);
                }
                await new Promise((r) => setTimeout(r, 20));
              }
              markReady();
              await replayOver;
              // A monitor (or its collector) that ended while the replay ran saw, or exported, part of it only: its
              // records scored as the tool's view read "inaccurate" or "missed" at exit 0 (pmacctd and argus count
              // no packets, so nothing else tells). Nobody has been stopped yet: any process ended is a fault.
              if (!ctx.signal.aborted) await refuseEndedService(started, plan, 'during the replay, before it was stopped: its records cover part of the replay only');
            },
            signalService: async (service, signal) => { await signalInside(service.pid, signal); },
          };
          output = await form.run(liveCtx);
          return output;
        },
      }).then((outcome): LiveCellResult => ({ plan, outcome, output }));
      running.push(cell);
      // One at a time, so that each new capture socket on rx is this monitor's: that is how readiness is known.
      await Promise.race([ready, cell]);
    }
    await new Promise((r) => setTimeout(r, 300));
    let problem: string | undefined;
    const replayed = !request.signal.aborted;
    if (replayed) {
      const outcome = await replay(wire, request.pcap, request.dir, request.timeLimitMs, request.signal);
      problem = replayProblem(outcome, scheduled.length);
      notes.push(`replay: ${outcome.finished.record.argv.slice(outcome.finished.record.argv.indexOf('--') + 1).map((a) => path.basename(a)).join(' ')} in ${(outcome.finished.wallMs / 1000).toFixed(1)} s`);
      await new Promise((r) => setTimeout(r, SETTLE_AFTER_REPLAY_MS));
    } else {
      problem = 'interrupted before the replay';
    }
    const ref = await stopReference();
    releaseListeners();
    const cells = await Promise.all(running);
    const arrived = await readPcapTimestamps(reference.file).catch(() => [] as number[]);
    if (!problem && ref.droppedByKernel) problem = `the reference capture dropped ${ref.droppedByKernel} packets`;
    if (!problem && arrived.length !== scheduled.length) problem = `the reference capture saw ${arrived.length} of ${scheduled.length} packets sent`;
    return {
      cells,
      referenceCapture: reference.file,
      packetsScheduled: scheduled.length,
      packetsOnWire: arrived.length,
      ...(replayed ? { timing: timingError(scheduled, arrived) } : {}),
      problem,
      notes,
      wallMs: Math.round(performance.now() - started),
    };
  } finally {
    releaseListeners();
    if (!referenceStopped) await reference.stop().catch(() => undefined);
    await Promise.allSettled(running);
  }
}
