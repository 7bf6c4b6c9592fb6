import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_COMPARE_OPTIONS } from '../comparator/compare-cell.js';
import { exitStatusOf, type RunResults } from '../core/results.js';
import { runResults } from '../pipeline/cell-builder.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { writeReports } from '../../reports/write-reports.js';
import { detectAdapter, loadAdapters, sensorEnvironment } from '../monitors/registry.js';
import { refuseBadBinaryVariables } from '../monitors/named-binary.js';
import type { MonitorAdapter } from '../monitors/monitor-adapter.js';
import type { RunPipeline, SensorPlan } from '../pipeline/run-request.js';
import { baselinePathFor, buildBaseline, suiteFit, type BaselineFit } from './baseline.js';
import { readBaseline, writeBaseline } from './baseline-file.js';
import { isInputError } from '../core/input-error.js';
import { isConnectionId } from '../scenario/expand-connections.js';
import { exitCodeOf, failSkips, type SensorSkip } from './check-report.js';
import { evaluateSuite } from './evaluate-suite.js';
import { loadSuite, type LoadedSuite } from './load-suite.js';
import { renderCheckJunit } from './render-check-junit.js';
import { renderCheckMarkdown } from './render-check-markdown.js';
import { renderCheckText } from './render-check-text.js';
import { describeVersionRange, gatedBySuite, versionMismatch } from './version-range.js';
import { InputError } from '../core/input-error.js';
import { liveFormNeedsCompiler, missingLiveCapabilities, missingLiveTools } from '../live/capabilities.js';
import { fileSha256 } from '../io/file-hash.js';
import type { ShardSpec } from '../pipeline/shard-plan.js';
import { LIVE_UNSHARDED, shardSummary } from '../pipeline/shard-plan.js';
import type { Baseline } from './baseline.js';
import type { Suite } from './suite.js';
import { checkToolKnobs, userConfigExpected } from '../pipeline/monitor-model.js';
import { readInputText } from '../io/read-input.js';
import { notExecutable, which } from '../executor/which.js';
import { refuseFolderHoldingInputs, refuseOutputOverInput } from '../io/output-paths.js';

/**
 * `harness check`: load the suite, decide which sensors can run here (installed, version in range), run them on the
 * suite's scenarios through the pipeline, judge, print, write the JUnit / Markdown files asked for, and read or
 * record the baseline. Returns 0 or 1; bad input is thrown as InputError for the CLI to print (exit 2).
 */
export interface CheckArgs {
  suitePath: string;
  junit?: string;
  md?: string;
  updateBaseline: boolean;
  /** A skipped check fails: for a CI runner on which every sensor of the suite must really run. */
  failOnSkip?: boolean;
  /** Run folder; a new temporary folder when absent. */
  outDir?: string;
  /** --max-output: the largest file one monitor may write. */
  maxOutputBytes?: number;
  color: boolean;
  signal: AbortSignal;
  runPipeline: RunPipeline;
  /** Throws when the run folder (outDir) went during the run (RunRequest.checkRunFolder). */
  checkRunFolder?: () => void;
  /**
   * Called once the monitors are done (or none could run): a signal after it stops nothing, and is answered as
   * such ("the work is done"), not with "stopping the monitors" while the reports are written.
   */
  workDone?: () => void;
  /** Where the report goes (default process.stdout) and progress (default process.stderr). */
  stdout?: { write(text: string): unknown };
  stderr?: { write(text: string): unknown };
  /** Parallel cells (default: the pipeline's, the number of cores). */
  concurrency?: number;
  cellTimeLimitMs?: number;
  /** Run only this shard of the cells and write a partial for `harness merge` (which judges the suite). */
  shard?: ShardSpec;
}

const DEFAULT_CELL_LIMIT_MS = 10 * 60_000;

export async function runCheck(args: CheckArgs): Promise<number> {
  const stdout = args.stdout ?? process.stdout;
  const stderr = args.stderr ?? process.stderr;
  const loaded = await loadSuite(args.suitePath);
  const { suite } = loaded;
  const baselineFile = baselinePathFor(args.suitePath);
  // Nothing the check writes may land on what it reads (--junit the suite) or on each other (--junit x --md x).
  await refuseOutputOverInput(checkOutputs('harness check', args, baselineFile), suiteInputs(args.suitePath, loaded, args.updateBaseline ? undefined : baselineFile));
  if (args.outDir !== undefined) await refuseFolderHoldingInputs('harness check --out', args.outDir, suiteInputs(args.suitePath, loaded, baselineFile));
  const adapters = new Map((await loadAdapters()).map((a) => [a.id, a]));
  // Read before running: a malformed baseline, or one that does not fit the suite, is an input error, better found
  // before minutes of monitors.
  const fit = loadedSuiteFit(loaded, adapters);
  const baseline = args.updateBaseline || args.shard !== undefined ? undefined : await readBaseline(baselineFile, fit);
  // Each team config is checked by its monitor's adapter before anything runs, installed or not.
  for (const sensor of suite.sensors) {
    const config = loaded.configFiles.get(sensor.name);
    const check = adapters.get(sensor.monitor)?.checkConfig;
    if (config !== undefined && check !== undefined) check(config, await readInputText(config, userConfigExpected(`${args.suitePath} sensor ${sensor.name}`)));
  }
  // A tool knob a sensor's setting names (zeek.services=4h) must be one its monitor takes, before anything runs.
  for (const sensor of suite.sensors) checkToolKnobs([sensor.setting], [...adapters.values()], sensor.settingAt ?? `${args.suitePath} sensor ${sensor.name}`, [sensor.monitor]);
  // A sensor without binary: is detected through its monitor's HARNESS_<ID>, a NetFlow exporter's collector through
  // HARNESS_NFCAPD / HARNESS_NFDUMP: one the user set to a binary that is not
  // there is refused before anything runs (named-binary.ts), not taken for a monitor this machine lacks.
  const runnable = (named: boolean): MonitorAdapter[] => suite.sensors.flatMap((sensor) => {
    const adapter = adapters.get(sensor.monitor);
    return sensor.skip === undefined && loaded.binaries.has(sensor.name) === named && adapter !== undefined ? [adapter] : [];
  });
  await refuseBadBinaryVariables(runnable(false));
  await refuseBadBinaryVariables(runnable(true), process.env, true);
  const sensorSkips = new Map<string, SensorSkip>();
  const plans: SensorPlan[] = [];
  // A sensor naming its binary is detected (and version-gated) on that binary, so two versions gate apart. Every
  // binary is probed at once: one after another, tshark's ~0.4 s probe came on top of every other's.
  // (loadSuite has already refused unknown monitors.)
  const probed = await Promise.all(suite.sensors.flatMap((sensor) => {
    const adapter = adapters.get(sensor.monitor);
    if (sensor.skip !== undefined || adapter === undefined) return [];
    const binary = loaded.binaries.get(sensor.name);
    return [detectAdapter(adapter, sensorEnvironment(adapter, binary)).then((detection) => ({ sensor, adapter, binary, detection }))];
  }));
  for (const { sensor, adapter, binary, detection } of probed) {
    if (!detection.found) {
      const what = binary === undefined ? adapter.displayName : `${adapter.displayName} binary ${binary}`;
      // The binary reaches detection as HARNESS_<ID>, which the user never set: the reason names the suite's field.
      const at = sensor.binaryAt ?? sensor.where;
      const reason = binary !== undefined && (await which(binary)) === undefined
        ? `${adapter.displayName} is not installed where sensor ${sensor.name} says (binary: ${sensor.binary ?? binary} at ${at.file}:${at.line}:${at.col}): ${await notExecutable(binary)}`
        : `${what} is not installed (${detection.reason})`;
      sensorSkips.set(sensor.name, { reason: `${reason}; install: ${detection.install}`, bySuite: false });
      continue;
    }
    const mismatch = sensor.requires ? versionMismatch(detection.version, sensor.requires) : undefined;
    if (mismatch && sensor.requires) {
      sensorSkips.set(sensor.name, { reason: `sensor requires ${adapter.id} ${describeVersionRange(sensor.requires)}: ${mismatch}`, bySuite: gatedBySuite(detection.version) });
      continue;
    }
    const plan: SensorPlan = { sensor: sensor.name, monitor: sensor.monitor, settings: [sensor.setting] };
    const config = loaded.configFiles.get(sensor.name);
    if (config !== undefined) plan.userConfig = config;
    if (binary !== undefined) plan.binary = binary;
    plans.push(plan);
  }

  const compare = { ...DEFAULT_COMPARE_OPTIONS };
  // The suite's own hunt thresholds join the defaults, so results.json and reports show them too.
  const suiteHunts = suite.expectations.flatMap((e) => e.checks.flatMap((c) => (c.kind === 'hunt' ? [c.thresholdS] : [])));
  compare.huntThresholdsS = [...new Set([...compare.huntThresholdsS, ...suiteHunts])].sort((a, b) => a - b);
  let results: RunResults;
  // A shard runs the pipeline even with no sensor, so that its partial still names the plan for the merge.
  if (plans.length === 0 && args.shard === undefined) {
    stderr.write('harness check: no sensor of the suite can run here; every expectation is skipped\n');
    results = emptyResults(['harness', 'check', args.suitePath], compare.huntThresholdsS);
    args.workDone?.();
  } else {
    const outDir = args.outDir ?? (await mkdtemp(path.join(os.tmpdir(), 'harness-check-')));
    const suiteSha256 = await fileSha256(args.suitePath);
    // live: true judges the sensors live on the private wire (needs root; refused in one line without it).
    const liveSpeedup = suite.live?.speedup;
    const speedupWhere = suite.live?.speedupWhere;
    const pipeline: RunPipeline = suite.live
      ? async (request) => (await import('../live/live-pipeline.js')).runLivePipeline(request, { speedup: liveSpeedup, liveOnly: true, ...(speedupWhere === undefined ? {} : { speedupWhere }) })
      : args.runPipeline;
    if (suite.live) {
      if (args.shard !== undefined) throw new InputError(suite.live.where, 'live: true with --shard', LIVE_UNSHARDED);
      const missing = await missingLiveCapabilities();
      if (missing.length > 0) throw new InputError(suite.live.where, `live: true without ${missing.join(', ')} (not root)`, 'root (or those capabilities) for the private network namespace a live check replays into');
      const needsCompiler = plans.some((p) => liveFormNeedsCompiler(p.monitor, adapters.get(p.monitor)?.live));
      const tools = await missingLiveTools(needsCompiler, (tool) => which(tool));
      if (tools !== undefined) throw new InputError(suite.live.where, `live: true without ${tools.tools.join(', ')} on PATH (nor in the sbin folders)`, `the programs a live check calls: ${tools.install}`);
    }
    results = await pipeline({
      scenarioPaths: loaded.scenarioFiles,
      sensors: plans,
      outDir,
      compare,
      cellTimeLimitMs: args.cellTimeLimitMs ?? DEFAULT_CELL_LIMIT_MS,
      ...(args.concurrency !== undefined ? { concurrency: args.concurrency } : {}),
      ...(args.maxOutputBytes !== undefined ? { maxOutputBytes: args.maxOutputBytes } : {}),
      signal: args.signal,
      command: ['harness', 'check', args.suitePath, ...(args.updateBaseline ? ['--update-baseline'] : [])],
      ...(args.shard !== undefined ? { shard: args.shard } : {}),
      suiteSha256,
      ...(args.checkRunFolder === undefined ? {} : { checkRunFolder: args.checkRunFolder }),
      onProgress: (event) => {
        if (event.kind === 'cell-done') stderr.write(`  [${event.done}/${event.total}] ${event.scenario} ${event.column} ${event.setting}: ${event.verdict}\n`);
        if (event.kind === 'live') stderr.write(`  ${event.line}\n`);
      },
    });
    args.workDone?.();
    if (results.plan !== undefined) {
      results.plan.check = {
        suite: args.suitePath,
        suiteSha256,
        failOnSkip: args.failOnSkip === true,
        updateBaseline: args.updateBaseline,
        sensorSkips: [...sensorSkips].map(([sensor, skip]) => ({ sensor, ...skip })),
      };
    }
    // The full evidence (every record, every score) stays beside the raw outputs, for `harness report` and CI artifacts.
    args.checkRunFolder?.();
    await writeReports(results, outDir, ['json']);
    if (results.plan?.shard !== undefined) {
      stdout.write(`${shardSummary(results.plan, path.relative(process.cwd(), path.join(outDir, 'results.json')), results.interrupted !== undefined)}\n`);
      return exitStatusOf(results, 0);
    }
    stderr.write(`harness check: evidence in ${path.join(outDir, 'results.json')}\n`);
  }
  const { updateBaseline, junit, md, color } = args;
  const code = await judgeCheck({ suite, results, sensorSkips, baselineFile, baseline, updateBaseline, failOnSkip: args.failOnSkip === true, junit, md, color, stdout, fit });
  return exitStatusOf(results, code);
}

export interface JudgeArgs {
  suite: Suite;
  results: RunResults;
  sensorSkips: ReadonlyMap<string, SensorSkip>;
  baselineFile: string;
  baseline: Baseline | undefined;
  updateBaseline: boolean;
  failOnSkip: boolean;
  junit: string | undefined;
  md: string | undefined;
  color: boolean;
  stdout: { write(text: string): unknown };
  /** What the baseline must fit: an update keeps no earlier entry the next check would refuse (a connection since removed). */
  fit?: BaselineFit;
}

/**
 * Judges a suite on results, whether one machine ran them or `harness merge` joined shards: evaluate, compare with
 * (or record) the baseline, print, write JUnit and Markdown, and return the exit status (0 or 1).
 */
export async function judgeCheck(args: JudgeArgs): Promise<number> {
  const adapters = await loadAdapters();
  const report = evaluateSuite(args.suite, args.results, {
    ...(args.baseline ? { baseline: { file: args.baselineFile, content: args.baseline } } : {}),
    sensorSkips: args.sensorSkips,
    joinedBy: (monitor, view) => adapters.find((a) => a.id === monitor)?.joiningViews?.[view],
    protocolsOf: (monitor) => adapters.find((a) => a.id === monitor)?.protocols,
  });
  if (args.updateBaseline && args.results.interrupted !== undefined) {
    // What an interrupted run finished is not the suite's measure: written, it replaced the committed baseline (an
    // early Ctrl-C left it empty, and the next check passed with every gate gone).
    report.baseline = { file: args.baselineFile, status: 'interrupted', regressions: 0 };
  } else if (args.updateBaseline) {
    // The baseline being replaced gives back the entries of sensors not judged in this run; one that no longer
    // parses is what the update is for, so it gives nothing back.
    const previous = await readBaseline(args.baselineFile).catch((e: unknown) => {
      if (isInputError(e)) return undefined;
      throw e;
    });
    const { baseline, kept } = buildBaseline(args.suite, args.results, new Date().toISOString(), previous, args.fit);
    await writeBaseline(args.baselineFile, baseline);
    report.baseline = { file: args.baselineFile, status: 'updated', regressions: 0, ...(kept.length > 0 ? { kept } : {}) };
  } else if (!args.baseline) {
    report.baseline = { file: args.baselineFile, status: 'absent', regressions: 0 };
  }

  if (args.failOnSkip) failSkips(report);
  args.stdout.write(renderCheckText(report, { color: args.color }));
  if (args.junit !== undefined) await writeFileAtomic(args.junit, renderCheckJunit(report));
  if (args.md !== undefined) await writeFileAtomic(args.md, renderCheckMarkdown(report));
  return exitCodeOf(report);
}

/** What a check reads of its suite: the suite, its scenarios, each sensor's config, and the baseline when given. */
export function suiteInputs(suitePath: string, loaded: LoadedSuite, baselineFile?: string): { file: string; what: string }[] {
  return [
    { file: suitePath, what: 'the suite' },
    ...loaded.scenarioFiles.map((file) => ({ file, what: 'a scenario of the suite' })),
    ...[...loaded.configFiles].map(([sensor, file]) => ({ file, what: `sensor ${sensor}'s config` })),
    ...(baselineFile !== undefined ? [{ file: baselineFile, what: "the suite's baseline" }] : []),
  ];
}

/** The files a check (or a merge that judges one) writes besides its run folder, by the flag that names each. */
export function checkOutputs(
  command: string, flags: { junit?: string; md?: string; updateBaseline: boolean }, baselineFile: string,
): { flag: string; file: string }[] {
  return [
    ...(flags.junit !== undefined ? [{ flag: `${command} --junit`, file: flags.junit }] : []),
    ...(flags.md !== undefined ? [{ flag: `${command} --md`, file: flags.md }] : []),
    ...(flags.updateBaseline ? [{ flag: `${command} --update-baseline`, file: baselineFile }] : []),
  ];
}

/** What the suite's baseline must fit: the suite's file, its scenarios and each sensor's views. */
export function loadedSuiteFit(loaded: LoadedSuite, adapters: ReadonlyMap<string, { views: readonly string[] }>): BaselineFit {
  const specs = new Map(loaded.scenarios.map((s) => [s.name, s.connections]));
  return suiteFit(loaded.suite, loaded.scenarios.map((s) => s.name), (monitor) => adapters.get(monitor)?.views ?? [], (scenario, connection) => isConnectionId(specs.get(scenario) ?? [], connection));
}

function emptyResults(command: string[], huntThresholdsS: number[]): RunResults {
  return runResults(command, '', { ...DEFAULT_COMPARE_OPTIONS, huntThresholdsS }, []);
}
