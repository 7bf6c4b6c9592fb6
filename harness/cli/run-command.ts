import path from 'node:path';
import { detectAdapter } from '../monitors/registry.js';
import { parseTimeoutSweep, DEFAULT_SWEEP } from '../core/timeout-setting.js';
import { InputError } from '../core/input-error.js';
import { runPipeline } from '../pipeline/run-pipeline.js';
import type { SensorPlan } from '../pipeline/run-request.js';
import { writeReports } from '../../reports/write-reports.js';
import { renderTerminal } from '../../reports/terminal-report.js';
import { jsonChunks } from '../../reports/json-report.js';
import { writeOut } from './write-out.js';
import { boolFlag, parseFlags, stringFlag } from './flags.js';
import { COMPARE_FLAGS, compareOptionsFrom, defaultRunDir, durationFlag, MAX_PCAP_FLAG, MAX_PCAP_HELP, maxPcapBytesFrom, outputWidth, resolveMonitors, useColor } from './common-options.js';
import { interruptSignal } from './interrupt.js';
import { progressPrinter } from './progress.js';
import { checkOutputFolder } from '../io/output-paths.js';

export const RUN_HELP = `harness run <scenario.yaml>... [flags]

Generates each scenario's pcap and ground truth, runs every selected monitor on it under each timeout setting,
scores what they report against the truth, and writes results.json, report.md, report.html and junit.xml.

Flags:
  --monitors a,b,...   monitors to run (default: every installed one; see harness monitors)
  --timeouts SWEEP     settings to sweep (default ${DEFAULT_SWEEP}); a setting is \`default\`, a duration for
                       every protocol (5m, 1h), per protocol (tcp=1h,udp=10m,icmp=1m), an active timeout
                       (active=30m), or keys joined (tcp=1h,active=30m); \`;\` splits two keyed settings
  --out DIR            run folder (default: a new folder under runs/)
  --json               print results.json to stdout instead of the summary table
  --hunt LIST          long-connection hunt thresholds (default 1h,4h,8h)
  --tolerance DUR      duration error still counted accurate (default 2s, or 0.1% of the duration)
  --time-limit DUR     wall-clock limit for one monitor process (default 10m)
  --jobs N             cells run in parallel (default: number of cores)
${MAX_PCAP_HELP}
Exit status: 0 done (whatever the verdicts; use harness check to gate CI), 2 bad input, 130 interrupted.`;

export async function runCommand(argv: string[]): Promise<number> {
  const flags = parseFlags('run', argv, {
    monitors: { type: 'string' },
    timeouts: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
    'time-limit': { type: 'string' },
    jobs: { type: 'string' },
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
  const adapters = await resolveMonitors('run', monitorsText);
  const compare = compareOptionsFrom('run', flags);
  const timeLimitS = durationFlag('run', flags, 'time-limit', 600);
  const maxPcapBytes = maxPcapBytesFrom('run', flags);
  const jobsText = stringFlag(flags, 'jobs');
  const jobs = jobsText === undefined ? undefined : Number(jobsText);
  if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1)) {
    throw new InputError({ file: 'harness run --jobs', line: 0, col: 0 }, `"${jobsText}"`, 'a whole number of parallel cells, 1 or more');
  }
  // Without --monitors, monitors that are not installed are left out quietly; named ones are kept and skipped with their install command.
  let selected = adapters;
  if (monitorsText === undefined) {
    const found = await Promise.all(adapters.map(async (a) => ((await detectAdapter(a)).found ? a : undefined)));
    selected = found.filter((a): a is NonNullable<typeof a> => a !== undefined);
    const missing = adapters.filter((a) => !selected.includes(a));
    if (missing.length > 0) process.stderr.write(`not installed, left out: ${missing.map((a) => a.id).join(', ')} (harness monitors says how to install them)\n`);
  }
  const sensors: SensorPlan[] = selected.map((adapter) => ({ sensor: adapter.id, monitor: adapter.id, settings }));
  const outDir = await checkOutputFolder('harness run --out', stringFlag(flags, 'out') ?? defaultRunDir(path.basename(flags.positionals[0] ?? 'run', '.yaml')));
  const interrupt = interruptSignal();
  const progress = progressPrinter(process.stderr);
  try {
    const results = await runPipeline({
      scenarioPaths: flags.positionals,
      sensors,
      outDir,
      compare,
      cellTimeLimitMs: timeLimitS * 1000,
      maxPcapBytes,
      concurrency: jobs,
      signal: interrupt.signal,
      onProgress: progress.onProgress,
      command: ['harness', 'run', ...argv],
    });
    progress.finish();
    const written = await writeReports(results, outDir);
    if (boolFlag(flags, 'json')) await writeOut(process.stdout, jsonChunks(results));
    else {
      process.stdout.write(renderTerminal(results, { color: useColor(process.stdout), width: outputWidth(process.stdout) }));
      process.stdout.write(`\nwrote:\n${written.map((p) => `  ${path.relative(process.cwd(), p) || p}`).join('\n')}\n`);
    }
    return interrupt.interrupted() ? 130 : 0;
  } finally {
    progress.finish();
    interrupt.dispose();
  }
}
