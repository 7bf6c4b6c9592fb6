import { captureFormat } from '../io/capture-file.js';
import path from 'node:path';
import { detectAdapter, loadAdapters } from '../monitors/registry.js';
import { parseTimeoutSweep, DEFAULT_SWEEP } from '../core/timeout-setting.js';
import { InputError } from '../core/input-error.js';
import { wholeFlagNumber } from '../core/number-text.js';
import { ONE_CELL_AT_A_TIME_FROM, runPipeline } from '../pipeline/run-pipeline.js';
import type { RunRequest, SensorPlan } from '../pipeline/run-request.js';
import { exitStatusOf, type RunResults } from '../core/results.js';
import { liveFormNeedsCompiler, missingLiveCapabilities, missingLiveTools } from '../live/capabilities.js';
import { which } from '../executor/which.js';
import { liveSpeedupOf, LIVE_SPEEDUP_EXPECTED } from '../live/time-scale.js';
import { writeReports } from '../../reports/write-reports.js';
import { renderTerminal } from '../../reports/terminal-report.js';
import { jsonChunks } from '../../reports/json-report.js';
import { writeOut } from './write-out.js';
import { boolFlag, parseFlags, stringFlag } from './flags.js';
import { COMPARE_FLAGS, compareOptionsFrom, defaultRunDir, durationFlag, MAX_OUTPUT_HELP, MAX_PCAP_FLAG, MAX_PCAP_HELP, maxOutputFlag, maxPcapBytesFrom, outputWidth, resolveMonitors, shardFlag, useColor } from './common-options.js';
import { claimRunFolder } from '../io/run-folder.js';
import { refuseFolderHoldingInputs } from '../io/output-paths.js';
import { interruptSignal } from './interrupt.js';
import { progressPrinter } from './progress.js';
import { checkOutputFolder } from '../io/output-paths.js';
import { LIVE_UNSHARDED, shardSummary } from '../pipeline/shard-plan.js';
import { checkToolKnobs } from '../pipeline/monitor-model.js';

export const RUN_HELP = `harness run <scenario.yaml | capture.pcap>... [flags]

Generates each scenario's pcap and ground truth, runs every selected monitor on it under each timeout setting,
scores what they report against the truth, and writes results.json, report.md, report.html and junit.xml.
A capture of your own (pcap or pcapng) runs the same sweep on real traffic: its truth is derived from the capture
with tshark (one connection per conversation, never split), and connections the capture cut are marked.

Flags:
  --monitors a,b,...   monitors to run (default: every installed one; see harness monitors); name a binary with
                       id@path to run versions side by side: zeek@/opt/zeek-6/bin/zeek,zeek@/opt/zeek-7/bin/zeek
  --shard i/n          run only shard i of n of the cells (balanced by expected cost; the same cell always in the
                       same shard) and write a partial results.json for harness merge; not with --live
  --timeouts SWEEP     settings to sweep (default ${DEFAULT_SWEEP}); a setting is \`default\`, a duration for
                       every protocol (5m, 1h), per protocol (tcp=1h,udp=10m,icmp=1m), an active timeout
                       (active=30m), or keys joined (tcp=1h,active=30m); \`;\` splits two keyed settings
  --out DIR            run folder (default: a new folder under runs/)
  --json               print results.json to stdout instead of the summary table
  --hunt LIST          long-connection hunt thresholds (default 1h,4h,8h)
  --tolerance DUR      duration error still counted accurate (default 2s, or 0.1% of the duration); shorter
                       than the longest connection, or it is refused
  --time-limit DUR     wall-clock limit for one monitor process (default 10m)
  --jobs N             cells run in parallel (default: number of cores; one at a time for a scenario of
                       ${ONE_CELL_AT_A_TIME_FROM.toLocaleString('en')} connections or more, whose cells each hold their records while scored)
  ${MAX_OUTPUT_HELP}
${MAX_PCAP_HELP}
  --live               also run every monitor that has a live form on a private veth (needs root), fed the
                       scenario by tcpreplay, time scaled; live cells are extra columns beside the offline ones
  --speedup K          with --live: divide every time of the scenario and every timeout by K, a whole number 1 to
                       1000000 (default: per monitor, a replay of about 300 s, never a scaled timeout below the
                       monitor's live floor)
A run folder belongs to one harness at a time (another run into it is refused) and to the harness alone: a new
run into the folder of an earlier one replaces it completely; a non-empty folder harness did not make is refused.
Exit status: 0 done (whatever the verdicts; use harness check to gate CI), 1 the machine failed the run (disk full,
an I/O error: the file being written is named), 2 bad input, 130 interrupted.`;

export async function runCommand(argv: string[]): Promise<number> {
  const flags = parseFlags('run', argv, {
    monitors: { type: 'string' },
    timeouts: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
    'time-limit': { type: 'string' },
    jobs: { type: 'string' },
    live: { type: 'boolean' },
    speedup: { type: 'string' },
    shard: { type: 'string' },
    'max-output': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    ...COMPARE_FLAGS,
    ...MAX_PCAP_FLAG,
  });
  if (boolFlag(flags, 'help')) {
    process.stdout.write(`${RUN_HELP}\n`);
    return 0;
  }
  if (flags.positionals.length === 0) {
    throw new InputError({ file: 'harness run', line: 0, col: 0 }, 'no scenario file', 'harness run <scenario.yaml>..., e.g. harness run scenarios/burst-20min.yaml');
  }
  const settings = parseTimeoutSweep(stringFlag(flags, 'timeouts') ?? DEFAULT_SWEEP, 'harness run --timeouts');
  const monitorsText = stringFlag(flags, 'monitors');
  const choices = await resolveMonitors('run', monitorsText);
  const shard = shardFlag('run', flags);
  // Without --monitors the run's monitors are every installed one, found later: any monitor's knob is taken here.
  checkToolKnobs(settings, await loadAdapters(), 'harness run --timeouts', monitorsText === undefined ? undefined : choices.map((c) => c.adapter.id));
  const compare = compareOptionsFrom('run', flags);
  const timeLimitS = durationFlag('run', flags, 'time-limit', 600);
  const maxOutputBytes = maxOutputFlag('run', flags);
  const maxPcapBytes = maxPcapBytesFrom('run', flags);
  const jobsText = stringFlag(flags, 'jobs');
  // Read as every number flag is (flagNumber): Number() also took "0x10" (16) and " 2". Above a thousand, a number
  // is a typo: no machine runs that many monitors at once.
  const jobs = jobsText === undefined ? undefined : wholeFlagNumber(jobsText, 1, 1000);
  if (jobsText !== undefined && jobs === undefined) {
    throw new InputError({ file: 'harness run --jobs', line: 0, col: 0 }, `"${jobsText}"`, 'a whole number of parallel cells from 1 to 1000');
  }
  const live = boolFlag(flags, 'live');
  if (live && shard !== undefined) {
    // Each shard replayed every live monitor (the plan splits offline cells only), and merge then refused every partial.
    throw new InputError({ file: 'harness run --shard', line: 0, col: 0 }, `"${stringFlag(flags, 'shard') as string}" with --live`, LIVE_UNSHARDED);
  }
  const speedupText = stringFlag(flags, 'speedup');
  const speedup = speedupText === undefined ? undefined : liveSpeedupOf(speedupText);
  if (speedupText !== undefined && (!live || speedup === undefined)) {
    throw new InputError({ file: 'harness run --speedup', line: 0, col: 0 }, `"${speedupText}"${live ? '' : ' without --live'}`, LIVE_SPEEDUP_EXPECTED);
  }
  if (live) {
    // A team's own capture has no scenario to divide by K: its live cells could only ever be "unsupported".
    for (const file of flags.positionals) {
      const format = await captureFormat(file);
      if (format !== undefined) {
        throw new InputError({ file, line: 0, col: 0 }, `a ${format} capture with --live`, 'scenarios only with --live (live mode replays a synthesized scenario, time scaled); run a capture of your own without --live');
      }
    }
    const missing = await missingLiveCapabilities();
    if (missing.length > 0) {
      throw new InputError({ file: 'harness run --live', line: 0, col: 0 }, `no ${missing.join(', ')} (not root)`, 'root (or those capabilities) to build the private network namespace and veth a live run replays into');
    }
  }
  // Without --monitors, monitors that are not installed are left out quietly; named ones are kept and skipped with their install command.
  let selected = choices;
  if (monitorsText === undefined) {
    const found = await Promise.all(choices.map(async (c) => ((await detectAdapter(c.adapter)).found ? c : undefined)));
    selected = found.filter((c): c is NonNullable<typeof c> => c !== undefined);
    const missing = choices.filter((c) => !selected.includes(c));
    if (missing.length > 0) process.stderr.write(`not installed, left out: ${missing.map((c) => c.adapter.id).join(', ')} (harness monitors says how to install them)\n`);
  }
  // A sensor naming its binary is called by both, so two versions of one monitor are two rows.
  const sensors: SensorPlan[] = selected.map(({ adapter, binary }) => ({
    sensor: binary === undefined ? adapter.id : `${adapter.id}@${binary}`,
    monitor: adapter.id,
    settings,
    ...(binary === undefined ? {} : { binary }),
  }));
  if (live) {
    // Before anything runs: a missing tcpreplay was found after the whole offline run, as a stack trace at exit 1.
    const missing = await missingLiveTools(selected.some((c) => liveFormNeedsCompiler(c.adapter.id, c.adapter.live)), (tool) => which(tool));
    if (missing !== undefined) {
      throw new InputError({ file: 'harness run --live', line: 0, col: 0 }, `no ${missing.tools.join(', ')} on PATH (nor in the sbin folders)`, `the programs a live run calls: ${missing.install}`);
    }
  }
  const outDir = await checkOutputFolder('harness run --out', stringFlag(flags, 'out') ?? defaultRunDir(path.basename(flags.positionals[0] ?? 'run', '.yaml')));
  await refuseFolderHoldingInputs('harness run --out', outDir, flags.positionals.map((file) => ({ file, what: 'a scenario or capture of this run' })));
  const folder = await claimRunFolder('harness run --out', outDir);
  const interrupt = interruptSignal();
  const progress = progressPrinter(process.stderr);
  try {
    // Loaded only for --live: an offline run (and every other command) starts no slower for it.
    const pipeline = live ? await livePipeline(speedup) : runPipeline;
    const results = await pipeline({
      scenarioPaths: flags.positionals,
      sensors,
      outDir,
      compare,
      ...(stringFlag(flags, 'tolerance') !== undefined ? { toleranceFlag: stringFlag(flags, 'tolerance') as string } : {}),
      cellTimeLimitMs: timeLimitS * 1000,
      maxPcapBytes,
      concurrency: jobs,
      maxOutputBytes,
      signal: interrupt.signal,
      onProgress: progress.onProgress,
      command: ['harness', 'run', ...argv],
      // The live pipeline compares every offline score with its live one, and --json prints every score; otherwise a
      // run needs only what results.json keeps.
      summarizeCellsInMemory: !live && !boolFlag(flags, 'json'),
      ...(shard === undefined ? {} : { shard }),
      checkRunFolder: () => folder.verify(),
    });
    progress.finish();
    // Every cell is done (or stopped): a signal from here on stops nothing, and the exit status follows results (see
    // interrupt.ts), not a signal that came while the reports were written.
    interrupt.dispose();
    // Reports into a folder that went during the run would make it again, without its marker, as if complete.
    folder.verify();
    if (results.plan?.shard !== undefined) {
      // A partial: its reports would show a share of the cells as if it were all; harness merge writes them.
      const [written] = await writeReports(results, outDir, ['json']);
      if (boolFlag(flags, 'json')) await writeOut(process.stdout, jsonChunks(results));
      else process.stdout.write(`${shardSummary(results.plan, path.relative(process.cwd(), written ?? outDir), results.interrupted !== undefined)}\n`);
      return exitStatusOf(results, 0);
    }
    const written = await writeReports(results, outDir);
    if (boolFlag(flags, 'json')) await writeOut(process.stdout, jsonChunks(results));
    else {
      process.stdout.write(renderTerminal(results, { color: useColor(process.stdout), width: outputWidth(process.stdout) }));
      process.stdout.write(`\nwrote:\n${written.map((p) => `  ${path.relative(process.cwd(), p) || p}`).join('\n')}\n`);
    }
    // The exit status says what the reports say: a Ctrl-C that came once every cell was done (while the reports were
    // written) stopped nothing, and complete reports beside exit 130 disagreed.
    return exitStatusOf(results, 0);
  } finally {
    progress.finish();
    interrupt.dispose();
    await folder.release();
  }
}

async function livePipeline(speedup: number | undefined): Promise<(request: RunRequest) => Promise<RunResults>> {
  const { runLivePipeline } = await import('../live/live-pipeline.js');
  return (request) => runLivePipeline(request, { speedup });
}
