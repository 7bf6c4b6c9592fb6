import { indistinctInTruth } from '../core/record-overlap.js';
import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { compareCell } from '../comparator/compare-cell.js';
import { unrelatedCellReason, unrelatedOutput } from '../comparator/unrelated-output.js';
import { generate, GenerationInterrupted, type GenerateResult } from '../../generators/generate.js';
import type { FlowRecordList } from '../core/flow-record-table.js';
import type { Cell, PlanRecord, RunResults, ScenarioResult } from '../core/results.js';
import type { GroundTruth } from '../core/ground-truth.js';
import { tableFullOf } from '../core/tool-state.js';
import type { TimeoutSetting } from '../core/timeout-setting.js';
import { runCell, type CellProvenance } from '../executor/cell-runner.js';
import { endedHow } from '../executor/process-runner.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { jsonLines } from '../io/json-lines.js';
import { replaceRunFolderContents } from '../io/run-folder.js';
import { REPORT_FILES } from '../../reports/write-reports.js';
import type { Detection, MonitorAdapter, UserConfigText } from '../monitors/monitor-adapter.js';
import { detectAdapter, loadAdapters, sensorEnvironment } from '../monitors/registry.js';
import { translateSetting } from '../monitors/translate-setting.js';
import { loadScenario } from '../scenario/load-scenario.js';
import type { Scenario } from '../scenario/scenario.js';
import { checkPcapSize, DEFAULT_MAX_PCAP_BYTES, type PcapEstimate } from '../scenario/scenario-extent.js';
import { activityEndS } from '../scenario/exchange-timing.js';
import { longestConnection, refuseToleranceOverLongest } from '../comparator/score-connection.js';
import { applyComparison, applyStreamedComparison, baseCell, runResults } from './cell-builder.js';
import { cellCost } from './cell-cost.js';
import { assignShards, planId, taskKey, truthSha256 } from './shard-plan.js';
import { harnessBuild, harnessVersion } from './version.js';
import { captureFormat, checkedCaptureName, refuseNonCapture } from '../io/capture-file.js';
import { deriveTruth } from '../io/truth-from-pcap.js';
import { releaseHeap } from './heap-release.js';
import { fileSha256 } from '../io/file-hash.js';
import { calibrate, type CalibrationResult } from './calibration.js';
import { InputError } from '../core/input-error.js';
import { summarizeCell, WORST_KEPT } from '../core/summarize-results.js';
import { cellModel, monitorModel, readUserConfig, type CellModelSource } from './monitor-model.js';
import { scoreCell, startCellScoring } from './parallel-scoring.js';
import { recommendationsFor, type Wholeness } from './recommendations.js';
import type { RunRequest, SensorPlan } from './run-request.js';
import { runPool } from './task-pool.js';

/**
 * generate -> calibrate -> execute -> compare, for every scenario and every sensor x setting. Each finished cell is
 * written to its folder at once (cell.json, records.jsonl), so an interrupted or failing run keeps what it finished.
 */
/** What a run folder holds beside the scenarios' folders: no scenario may take one of these names. */
const CALIBRATION_FOLDER = 'calibration';
const RUN_FOLDER_NAMES = new Set([...Object.values(REPORT_FILES).map((r) => r.file), CALIBRATION_FOLDER]);

/** How often a run looks whether its folder is still there, while monitors run. */
const RUN_FOLDER_CHECK_MS = 1000;

export async function runPipeline(given: RunRequest): Promise<RunResults> {
  if (given.checkRunFolder === undefined) return runPlanned(given);
  const check = given.checkRunFolder;
  // The run folder gone mid-run stops the monitors still running, as an interrupt does, and the run then fails with
  // it (RunFolderGone): it is looked at every second and before every write, so nothing of the run makes it again.
  const stop = new AbortController();
  const checkRunFolder = (): void => {
    try {
      check();
    } catch (error) {
      stop.abort(error);
      throw error;
    }
  };
  const watch = setInterval(() => {
    try {
      checkRunFolder();
    } catch {
      // Aborted: the next check on the run's own path throws it, and there is nothing more to watch for.
      clearInterval(watch);
    }
  }, RUN_FOLDER_CHECK_MS);
  watch.unref();
  try {
    return await runPlanned({ ...given, signal: AbortSignal.any([given.signal, stop.signal]), checkRunFolder });
  } finally {
    clearInterval(watch);
  }
}

async function runPlanned(request: RunRequest): Promise<RunResults> {
  const adapters = await loadAdapters();
  const byId = new Map(adapters.map((a) => [a.id, a]));
  // One detection per binary: two sensors of one monitor naming different binaries run side by side.
  const detections = new Map<string, Detection>();
  const folders = new Map<string, string>();
  const userConfigs = new Map<string, UserConfigText>();
  for (const sensor of request.sensors) {
    const adapter = byId.get(sensor.monitor);
    if (!adapter) throw new Error(`unknown monitor ${sensor.monitor}`);
    const folder = sensorFolder(sensor);
    const clash = folders.get(folder);
    if (clash !== undefined && clash !== sensor.sensor) {
      throw new InputError({ file: request.command.slice(0, 2).join(' '), line: 0, col: 0 }, `sensors "${clash}" and "${sensor.sensor}", which share the folder ${folder}`, 'sensor names (and binary paths) that differ in more than punctuation');
    }
    folders.set(folder, sensor.sensor);
    const config = await readUserConfig(sensor.userConfig);
    if (config !== undefined) userConfigs.set(sensor.sensor, config);
  }
  // Every binary probed at once, once the sensors are known good: one version probe can take most of a second
  // (tshark loads every dissector: ~0.4 s), and one after another they were most of a small sweep's own time.
  const probes = new Map<string, { label: string; detection: Promise<Detection> }>();
  for (const sensor of request.sensors) {
    const adapter = byId.get(sensor.monitor) as MonitorAdapter;
    const key = binaryKey(sensor);
    if (probes.has(key)) continue;
    probes.set(key, { label: sensor.binary === undefined ? adapter.id : `${adapter.id}@${sensor.binary}`, detection: detectAdapter(adapter, sensorEnvironment(adapter, sensor.binary)) });
  }
  const probed = await Promise.all([...probes].map(async ([key, { label, detection }]) => ({ key, label, detection: await detection })));
  for (const { key, label, detection } of probed) {
    detections.set(key, detection);
    if (!detection.found) request.onProgress?.({ kind: 'skipped', monitor: label, reason: `${detection.reason}; install: ${detection.install}` });
  }

  const scenarios: { file: string; name: string; description: string; derived: boolean; generated: GenerateResult }[] = [];
  // Every scenario is read before any is generated, so that a mistake in the last one costs no work.
  const loaded: { file: string; name: string; scenario?: Scenario; derivedTruth?: GroundTruth; estimate?: PcapEstimate }[] = [];
  /** What a capture's derived truth leaves out (another protocol's packets, a tunnel's inner connections): shown first by every report. */
  const truthNotes: string[] = [];
  for (const file of request.scenarioPaths) {
    // A team's own capture (pcap or pcapng) runs as it is; its truth is read from its packets, here, so that a
    // capture tshark cannot read is refused before anything is written.
    let entry: (typeof loaded)[number];
    try {
      const format = await captureFormat(file);
      // Named as a capture but holding none (empty, text, truncated before its magic): read as a scenario, it was
      // refused as "an empty document; expected a scenario map", which says nothing of the capture meant.
      if (format === undefined && /\.(pcap|pcapng|cap)$/i.test(file)) await refuseNonCapture(file);
      if (format !== undefined) {
        const name = checkedCaptureName(file);
        const derived = await deriveTruth(file, DERIVED_QUIET_THRESHOLD_S, request.signal);
        truthNotes.push(...derived.notes.map((note) => `${file}: ${note}`));
        entry = { file, name, derivedTruth: derived.truth };
      } else entry = await loadScenario(file).then((scenario) => ({ file, name: scenario.name, scenario }));
    } catch (error) {
      if (error instanceof GenerationInterrupted) break;
      throw error;
    }
    if (RUN_FOLDER_NAMES.has(entry.name)) {
      // The scenario's folder would be the run's own results.json (every cell ran, then the results could not be
      // written), or share calibration/ with the calibration runs.
      throw new InputError({ file, line: 1, col: 1 }, `scenario name "${entry.name}", a name the run folder uses for its own files`, `another name (not ${[...RUN_FOLDER_NAMES].join(', ')})`);
    }
    const clash = loaded.find((l) => l.name === entry.name);
    if (clash && path.resolve(clash.file) === path.resolve(file)) {
      // Named twice: "scenario name "base", which base.pcap uses too", at line 1 of a binary capture, said nothing useful.
      throw new InputError({ file, line: 0, col: 0 }, `${entry.scenario ? 'a scenario' : 'a capture'} given twice in one run`, 'each scenario and capture once');
    }
    if (clash) {
      // Each scenario gets a folder named after it in the run directory.
      throw new InputError({ file, line: 1, col: 1 }, `scenario name "${entry.name}", which ${clash.file} uses too`, 'a different name in each scenario (and capture file) of one run');
    }
    if (entry.scenario) entry.estimate = await checkPcapSize(entry.scenario, request.maxPcapBytes ?? DEFAULT_MAX_PCAP_BYTES, 'harness run --max-pcap-size');
    loaded.push(entry);
  }
  if (request.toleranceFlag !== undefined) {
    // Known from the scenarios before anything is generated (a connection's activity or hold, its nominal length); a
    // capture's from its truth.
    const nominal = loaded.flatMap((entry) => [
      ...(entry.scenario?.connections ?? []).map((spec) => ({ id: spec.id, background: false, durationUs: Math.max(activityEndS(spec), spec.holdS ?? 0) * 1e6 })),
      ...(entry.derivedTruth?.connections ?? []),
    ]);
    refuseToleranceOverLongest('harness run --tolerance', request.toleranceFlag, request.compare.toleranceS, longestConnection(nominal));
  }
  request.checkRunFolder?.();
  await replaceRunFolderContents(request.outDir);
  for (const entry of loaded) {
    let generated: GenerateResult;
    request.checkRunFolder?.();
    try {
      const scenario = entry.scenario;
      generated = scenario
        ? await generate(scenario, path.join(request.outDir, entry.name), {
          signal: request.signal,
          onProgress: (bytes) => request.onProgress?.({ kind: 'generating', scenario: scenario.name, bytes, estimatedBytes: entry.estimate?.bytes ?? 0 }),
        })
        : await writeDerivedTruth(entry.file, entry.name, entry.derivedTruth as GroundTruth, path.join(request.outDir, entry.name));
    } catch (error) {
      // Interrupted: the scenarios generated so far are kept and reported (their cells as interrupted).
      if (error instanceof GenerationInterrupted) break;
      throw error;
    }
    request.checkRunFolder?.();
    // The generator's own state is garbage now; the cells' tables should not come on top of it.
    releaseHeap(generated.truth.connections.length);
    request.onProgress?.({ kind: 'generated', scenario: entry.name, packets: generated.truth.pcap.packets, ...(entry.scenario ? {} : { derived: true }) });
    scenarios.push({
      file: entry.file,
      name: entry.name,
      description: entry.scenario?.description ?? generated.truth.scenario.description,
      derived: entry.scenario === undefined,
      generated,
    });
  }

  interface Task { scenarioIndex: number; sensor: SensorPlan; adapter: MonitorAdapter; setting: TimeoutSetting }
  const planned: Task[] = [];
  scenarios.forEach((_, scenarioIndex) => {
    for (const sensor of request.sensors) {
      for (const setting of sensor.settings) planned.push({ scenarioIndex, sensor, adapter: byId.get(sensor.monitor) as MonitorAdapter, setting });
    }
  });
  const plan = await planRecord(request, scenarios.map((s) => s.generated.truth), detections);
  let tasks = planned;
  if (request.shard !== undefined) {
    const costed = planned.map((task) => ({
      key: taskKey((scenarios[task.scenarioIndex] as (typeof scenarios)[number]).name, task.sensor.sensor, task.setting.label),
      cost: expectedCost(task.adapter, task.setting, detections.get(binaryKey(task.sensor)), (scenarios[task.scenarioIndex] as (typeof scenarios)[number]).generated.truth.pcap.packets),
    }));
    const shardOf = assignShards(costed, request.shard.count);
    const index = request.shard.index;
    tasks = planned.filter((_, i) => shardOf[i] === index);
    plan.shard = { index, count: request.shard.count, tasks: tasks.length };
  }
  if (!request.signal.aborted) {
    request.onProgress?.({ kind: 'planned', total: tasks.length, ...(plan.shard ? { shard: { index: plan.shard.index, count: plan.shard.count, planId: plan.id, planTasks: plan.tasks } } : {}) });
  }

  const concurrency = request.concurrency ?? defaultCellConcurrency(os.availableParallelism(), scenarios.map((s) => s.generated.truth.connections.length));
  // Only the binaries this run (or shard) uses are calibrated.
  const calibrations = new Map<string, CalibrationResult>();
  const toCalibrate = new Map<string, SensorPlan>();
  for (const task of tasks) {
    const key = binaryKey(task.sensor);
    if (detections.get(key)?.found && !toCalibrate.has(key)) toCalibrate.set(key, task.sensor);
  }
  await runPool([...toCalibrate].map(([key, sensor]) => async () => {
    const adapter = byId.get(sensor.monitor) as MonitorAdapter;
    const detection = detections.get(key);
    if (!detection?.found) return;
    request.checkRunFolder?.();
    const dir = path.join(request.outDir, CALIBRATION_FOLDER, ...(sensor.binary === undefined ? [] : [slug(sensor.binary)]));
    calibrations.set(key, await calibrate(adapter, detection.path, detection.version, dir, request.cellTimeLimitMs, request.signal, request.maxOutputBytes));
  }), concurrency, request.signal);

  let done = 0;
  // Cells scored one connection at a time keep only their worst scores: their wholeness is taken from every one.
  const wholenessOfCell = new Map<Cell, Wholeness>();
  const cellsPerTask = await runPool(tasks.map((task) => async (): Promise<Cell[]> => {
    const entry = scenarios[task.scenarioIndex];
    if (!entry) return [];
    const key = binaryKey(task.sensor);
    const cells = await runTask(request, task.adapter, task.sensor, task.setting, detections.get(key), calibrations.get(key), entry.generated.pcapPath, entry.generated.truth, path.join(request.outDir, entry.name), wholenessOfCell);
    done += 1;
    for (const cell of cells) {
      request.onProgress?.({ kind: 'cell-done', scenario: entry.name, column: cell.column, setting: cell.setting.label, status: cell.status, verdict: cell.verdict, done, total: tasks.length });
    }
    return cells;
  }), concurrency, request.signal);

  const scenarioResults: ScenarioResult[] = scenarios.map((entry, scenarioIndex) => {
    const cells: Cell[] = [];
    tasks.forEach((task, i) => {
      if (task.scenarioIndex !== scenarioIndex) return;
      const finished = cellsPerTask[i];
      if (finished) cells.push(...finished);
      else cells.push(...interruptedCells(task.adapter, task.sensor, task.setting, detections.get(binaryKey(task.sensor))));
    });
    return {
      name: entry.name,
      description: entry.description,
      file: entry.file,
      pcapFile: path.relative(request.outDir, entry.generated.pcapPath),
      truthFile: path.relative(request.outDir, entry.generated.truthPath),
      truth: entry.generated.truth,
      truthSource: entry.derived ? 'derived' : 'synthesized',
      settings: uniqueSettings(request.sensors),
      cells,
      recommendations: recommendationsFor(entry.generated.truth, cells, byId, userConfigs, (cell) => wholenessOfCell.get(cell)),
    };
  });

  const results = runResults(request.command, request.outDir, request.compare, scenarioResults);
  results.calibrations = [...toCalibrate].flatMap(([key, sensor]) => {
    const c = calibrations.get(key);
    const detection = detections.get(key);
    if (!c) return [];
    return [{
      monitor: sensor.monitor,
      ...(sensor.binary === undefined ? {} : { binary: sensor.binary, ...(detection?.found ? { version: detection.version } : {}) }),
      honoursTimeoutsOffline: c.honours,
      detail: c.detail,
      commands: c.commands,
    }];
  });
  results.plan = plan;
  const warnings = request.sensors.flatMap((sensor) => {
    const d = detections.get(binaryKey(sensor));
    return d?.found && d.versionWarning ? [`${sensor.binary === undefined ? byId.get(sensor.monitor)?.displayName ?? sensor.monitor : `${sensor.monitor}@${sensor.binary}`}: ${d.versionWarning}`] : [];
  });
  warnings.push(...truthNotes);
  if (warnings.length > 0) results.warnings = [...new Set(warnings)];
  if (request.signal.aborted) {
    results.interrupted = { scenariosNotGenerated: loaded.filter((l) => !scenarios.some((s) => s.name === l.name)).map((l) => l.name) };
  }
  return results;
}

/**
 * Above this many connections in a scenario, cells run one at a time unless --jobs says otherwise: each cell holds
 * its records while it scores them (a NetFlow exporter writes about four per connection at a million connections,
 * ~90 MB per 100,000 connections), and two at once would double the harness's peak memory for no gain in accuracy.
 */
export const ONE_CELL_AT_A_TIME_FROM = 200_000;

export function defaultCellConcurrency(cores: number, connectionsPerScenario: readonly number[]): number {
  return connectionsPerScenario.some((n) => n >= ONE_CELL_AT_A_TIME_FROM) ? 1 : Math.max(1, cores);
}

/** Detections and calibrations are per binary: the one a sensor names, else the adapter's own choice. */
function binaryKey(sensor: SensorPlan): string {
  return `${sensor.monitor}\0${sensor.binary ?? ''}`;
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9_.=@-]+/g, '_');
}

/** A sensor's folder in the run: its name, made path-safe (`zeek@/opt/zeek-6/bin/zeek` -> `zeek@_opt_zeek-6_bin_zeek`). */
function sensorFolder(sensor: SensorPlan): string {
  return slug(sensor.sensor);
}

/**
 * A team's capture in place of a generated pcap: the monitors read it where it is, and its truth (tshark's
 * conversations, read as a stream) is written into the run folder beside where a generated pcap would be.
 */
async function writeDerivedTruth(file: string, name: string, truth: GroundTruth, dir: string): Promise<GenerateResult> {
  truth.scenario.name = name;
  truth.pcap.file = path.resolve(file);
  await mkdir(dir, { recursive: true });
  const truthPath = path.join(dir, `${name}.truth.json`);
  await writeFileAtomic(truthPath, `${JSON.stringify(truth, null, 2)}\n`);
  return { pcapPath: path.resolve(file), truthPath, truthConnLogPath: '', truth };
}

/** Gaps of at least this long count as quiet periods in a capture's derived truth (scenarios set their own). */
const DERIVED_QUIET_THRESHOLD_S = 30;

/**
 * Expected cost of one cell, to balance shards: packets times the monitor's relative cost; a cell that runs
 * nothing (monitor missing, setting unsupported) costs nothing.
 */
function expectedCost(adapter: MonitorAdapter, setting: TimeoutSetting, detection: Detection | undefined, packets: number): number {
  if (!detection?.found || !adapter.translate(setting).supported) return 0;
  return Math.max(1, packets) * (adapter.relativeCost ?? 1);
}

/** The plan of this run: its id (what decides the results, hashed) and its sensors in order. */
async function planRecord(request: RunRequest, truths: GroundTruth[], detections: Map<string, Detection>): Promise<PlanRecord> {
  const sensors = await Promise.all(request.sensors.map(async (sensor) => {
    const detection = detections.get(binaryKey(sensor));
    return {
      sensor: sensor.sensor,
      monitor: sensor.monitor,
      ...(sensor.binary === undefined ? {} : { binary: sensor.binary }),
      ...(detection?.found ? { version: detection.version } : {}),
      settings: sensor.settings.map((s) => s.label),
      ...(sensor.userConfig === undefined ? {} : { configSha256: await fileSha256(sensor.userConfig) }),
    };
  }));
  const id = planId({
    harnessVersion: harnessVersion(),
    harnessBuild: harnessBuild(),
    command: request.command[1] === 'check' ? 'check' : 'run',
    scenarios: truths.map((t) => ({ name: t.scenario.name, pcapSha256: t.pcap.sha256, truthSha256: truthSha256(t) })),
    sensors,
    compare: request.compare,
    ...(request.suiteSha256 === undefined ? {} : { suiteSha256: request.suiteSha256 }),
  });
  return {
    id,
    tasks: truths.length * request.sensors.reduce((n, s) => n + s.settings.length, 0),
    sensors: sensors.map(({ sensor, monitor, binary, settings }) => ({ sensor, monitor, ...(binary === undefined ? {} : { binary }), settings })),
  };
}

function uniqueSettings(sensors: SensorPlan[]): TimeoutSetting[] {
  const seen = new Map<string, TimeoutSetting>();
  for (const sensor of sensors) for (const s of sensor.settings) if (!seen.has(s.label)) seen.set(s.label, s);
  return [...seen.values()];
}

function settingSlug(setting: TimeoutSetting): string {
  return setting.label.replace(/[^A-Za-z0-9.=-]+/g, '_');
}

function interruptedCells(adapter: MonitorAdapter, sensor: SensorPlan, setting: TimeoutSetting, detection: Detection | undefined): Cell[] {
  return adapter.views.map((view) => {
    const cell = baseCell(sensor.sensor, adapter, view, setting, '');
    cell.version = detection?.found ? detection.version : undefined;
    cell.reason = 'not run: the run was interrupted';
    return cell;
  });
}

async function runTask(
  request: RunRequest,
  adapter: MonitorAdapter,
  sensor: SensorPlan,
  setting: TimeoutSetting,
  detection: Detection | undefined,
  calibration: CalibrationResult | undefined,
  pcap: string,
  truth: GroundTruth,
  scenarioDir: string,
  wholenessOfCell: Map<Cell, Wholeness>,
): Promise<Cell[]> {
  const relDir = path.join(path.basename(scenarioDir), sensorFolder(sensor), settingSlug(setting));
  const workDir = path.join(request.outDir, relDir);
  const cells = adapter.views.map((view) => baseCell(sensor.sensor, adapter, view, setting, relDir));
  request.checkRunFolder?.();
  const calibrationNotes = calibration ? [`calibration: ${calibration.detail}`] : [];
  if (!detection?.found) {
    for (const cell of cells) cell.reason = detection ? `${adapter.displayName} not installed (${detection.reason}); install: ${detection.install}` : 'not detected';
    return cells;
  }
  for (const cell of cells) {
    cell.version = detection.version;
    cell.binary = detection.path;
    // Two versions of one monitor side by side: every report row says which version it is.
    if (sensor.binary !== undefined) cell.column = `${cell.column} [${detection.version}]`;
    cell.honoursTimeoutsOffline = calibration?.honours;
    cell.provenance.notes.push(...calibrationNotes);
  }
  // A user's own config decides the timeouts itself, so a generic setting is only layered on when it is not default.
  const translation = translateSetting(adapter, setting);
  if (!translation.supported) {
    for (const cell of cells) {
      cell.status = 'unsupported';
      cell.verdict = 'unsupported';
      cell.reason = translation.reason;
    }
    return cells;
  }
  const mayOverlap = indistinctFor(truth);
  const outcome = await runCell({
    ...(mayOverlap === undefined ? {} : { mayOverlap }),
    adapter,
    binary: detection.path,
    version: detection.version,
    pcap,
    setting,
    knobValues: translation.values,
    workDir,
    timeLimitMs: request.cellTimeLimitMs,
    signal: request.signal,
    userConfig: sensor.userConfig,
    maxOutputBytes: request.maxOutputBytes,
  });
  // A cell that failed because its folder went (the pcap "doesn't exist", "wrote no output") is no cell's result.
  request.checkRunFolder?.();
  // This cell's parse garbage (and the previous cell's tables) go before its scoring allocates more.
  releaseHeap(truth.connections.length);
  const provenance = (extra: CellProvenance, rawFiles: string[]): Cell['provenance'] => ({
    dir: relDir,
    commands: extra.commands,
    configFiles: extra.configFiles,
    rawFiles,
    notes: [...translation.notes, ...calibrationNotes, ...extra.notes],
    wallMs: extra.wallMs,
  });
  // The user's config decides the timers the swept setting does not: the model reads it as the tool does, and the
  // cell states its values.
  const userConfig = await readUserConfig(sensor.userConfig);
  const knobValues = userConfig && adapter.knobValuesWith ? adapter.knobValuesWith(setting, translation.values, userConfig) : translation.values;
  for (const cell of cells) cell.knobValues = knobValues;
  const model = monitorModel(adapter, setting, calibration?.honours, userConfig);
  const silence = outcome.ok ? noOutput(adapter, truth, outcome.views, outcome.provenance) : undefined;
  if (silence !== undefined) {
    for (const cell of cells) {
      cell.status = 'failed';
      cell.verdict = 'failed';
      cell.reason = silence;
      cell.provenance = provenance(outcome.provenance, outcome.ok ? outcome.rawFiles : []);
      cell.cost = cellCost({ commands: outcome.provenance.commands, records: 0, truth, model, setting, toolState: outcome.ok ? outcome.toolState : undefined, defaultMaxFlows: adapter.tableLimits?.defaults?.maxflows });
    }
    await writeCellFiles(workDir, cells);
    return cells;
  }
  if (!outcome.ok) {
    for (const cell of cells) {
      cell.status = 'failed';
      cell.verdict = 'failed';
      // A cell stopped by the interrupt says so once ("interrupted: interrupted" read as two events).
      cell.reason = request.signal.aborted && !outcome.reason.startsWith('interrupted') ? `interrupted: ${outcome.reason}` : outcome.reason;
      cell.provenance = provenance(outcome.provenance, []);
      cell.cost = cellCost({ commands: outcome.provenance.commands, records: 0, truth, model, setting, defaultMaxFlows: adapter.tableLimits?.defaults?.maxflows });
    }
    await writeCellFiles(workDir, cells);
    return cells;
  }
  const tableFull = tableFullOf(outcome.toolState);
  for (const cell of cells) {
    const modelSource: CellModelSource = {
      monitor: adapter.id, setting, honoursTimeoutsOffline: calibration?.honours, view: cell.view,
      ...(userConfig === undefined ? {} : { userConfig }), ...(tableFull === undefined ? {} : { tableFull }),
    };
    const scoredModel = cellModel(adapter, modelSource);
    const records = outcome.views[cell.view] ?? [];
    cell.provenance = provenance(outcome.provenance, outcome.rawFiles);
    if (scoredModel.timer?.unmodelled !== undefined) cell.provenance.notes.push(scoredModel.timer.unmodelled);
    cell.cost = cellCost({ commands: outcome.provenance.commands, records: records.length, truth, model, setting, toolState: outcome.toolState, defaultMaxFlows: adapter.tableLimits?.defaults?.maxflows });
    cell.recordsFile = path.join(relDir, `records.${cell.view}.jsonl`);
    cell.scoresFile = path.join(relDir, `scores.${cell.view}.jsonl`);
    request.checkRunFolder?.();
    await writeFileAtomic(path.join(workDir, `records.${cell.view}.jsonl`), jsonLines(records));
    const scoresPath = path.join(workDir, `scores.${cell.view}.jsonl`);
    if (request.summarizeCellsInMemory) {
      // Each score is written and folded as it is made, then goes: a million of them are never held at once.
      const { scoring, note: matchNote } = await startCellScoring(truth, records, scoredModel, request.compare, WORST_KEPT);
      if (matchNote !== undefined) cell.provenance.notes.push(matchNote);
      const scoredBy = await scoreCell(scoring, modelSource, scoresPath);
      if (scoredBy.threads === 1 && scoredBy.workerFailed) cell.provenance.notes.push(`scored by one thread: ${scoredBy.why}`);
      applyStreamedComparison(cell, scoring, records.length);
      wholenessOfCell.set(cell, scoring.fold.wholeness());
    } else {
      applyComparison(cell, compareCell(truth, records, scoredModel, request.compare), records.length);
      await writeFileAtomic(scoresPath, jsonLines(cell.scores));
    }
    // Its scores (every connection "missed") judged a capture the monitor did not read: not left beside the records.
    if (failUnrelatedOutput(cell, records, truth, pcap, wholenessOfCell)) await rm(scoresPath, { force: true });
  }
  request.checkRunFolder?.();
  await writeCellFiles(workDir, cells);
  releaseHeap(truth.connections.length);
  return cells;
}

/** indistinctInTruth of a scenario's truth, made once for all its cells: it walks every connection. */
const indistinctOfTruth = new WeakMap<GroundTruth, ReturnType<typeof indistinctInTruth>>();
function indistinctFor(truth: GroundTruth): ReturnType<typeof indistinctInTruth> {
  if (!indistinctOfTruth.has(truth)) indistinctOfTruth.set(truth, indistinctInTruth(truth.connections));
  return indistinctOfTruth.get(truth);
}

/**
 * Output of which not one record is of a connection of the scenario while some are of none (unrelatedOutput, the
 * rule `harness score` refuses a log by) is another capture's: a monitor that read another file, not one that missed
 * everything, or records without ports (unrelatedCellReason says which). The cell fails with the reason, its records
 * kept for the evidence; the run goes on. True when it failed.
 */
function failUnrelatedOutput(cell: Cell, records: FlowRecordList, truth: GroundTruth, pcap: string, wholenessOfCell: Map<Cell, Wholeness>): boolean {
  if (cell.aggregate === undefined) return false;
  const unrelated = unrelatedOutput(cell.aggregate, cell.spurious);
  if (unrelated === undefined) return false;
  cell.status = 'failed';
  cell.verdict = 'failed';
  cell.reason = unrelatedCellReason(unrelated, records, truth.scenario.name, { file: path.basename(pcap), firstUs: truth.pcap.firstUs, lastUs: truth.pcap.lastUs });
  cell.scores = [];
  delete cell.aggregate;
  delete cell.distribution;
  delete cell.connectionsScored;
  delete cell.scoresFile;
  wholenessOfCell.delete(cell);
  return true;
}

/**
 * A monitor that reports nothing at all, while the capture holds connections it traces, did not do its job, whatever
 * its exit status says: scoring its silence would turn a broken sensor into "missed".
 */
function noOutput(adapter: MonitorAdapter, truth: GroundTruth, views: Record<string, FlowRecordList>, provenance: CellProvenance): string | undefined {
  if (Object.values(views).some((records) => records.length > 0)) return undefined;
  const traced = truth.connections.filter((c) => adapter.protocols === undefined || adapter.protocols.includes(c.protocol));
  if (traced.length === 0) return undefined;
  const last = provenance.commands.filter((c) => !c.service).at(-1);
  const how = last ? `${path.basename(last.argv[0] ?? '')} ended with ${endedHow(last.exitCode, last.signal)}` : 'it ran';
  const stderr = last?.stderrTail ? `\n--- stderr (tail) ---\n${last.stderrTail}` : '';
  return `no output: ${how} but reported no record, while the capture holds ${traced.length} connection(s) it traces${stderr}`;
}

/**
 * cell.json (the cell as results.json has it), beside the cell's records.<view>.jsonl (the normalized records) and
 * scores.<view>.jsonl (every connection's score: the per-connection detail, which results.json keeps only for the
 * worst connections), written as each view was scored.
 */
async function writeCellFiles(workDir: string, cells: Cell[]): Promise<void> {
  await writeFileAtomic(path.join(workDir, 'cell.json'), `${JSON.stringify(cells.map(summarizeCell), null, 2)}\n`);
}
