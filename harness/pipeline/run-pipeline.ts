import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { compareCell } from '../comparator/compare-cell.js';
import { generate, GenerationInterrupted, type GenerateResult } from '../../generators/generate.js';
import type { FlowRecord } from '../core/flow-record.js';
import type { Cell, RunResults, ScenarioResult } from '../core/results.js';
import type { GroundTruth } from '../core/ground-truth.js';
import type { TimeoutSetting } from '../core/timeout-setting.js';
import { runCell, type CellProvenance } from '../executor/cell-runner.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import type { Detection, MonitorAdapter } from '../monitors/monitor-adapter.js';
import { detectAdapter, loadAdapters } from '../monitors/registry.js';
import { translateSetting } from '../monitors/translate-setting.js';
import { loadScenario } from '../scenario/load-scenario.js';
import type { Scenario } from '../scenario/scenario.js';
import { applyComparison, baseCell, runResults } from './cell-builder.js';
import { cellCost } from './cell-cost.js';
import { calibrate, type CalibrationResult } from './calibration.js';
import { InputError } from '../core/input-error.js';
import { monitorModel } from './monitor-model.js';
import { recommendationsFor } from './recommendations.js';
import type { RunRequest, SensorPlan } from './run-request.js';
import { runPool } from './task-pool.js';

/**
 * generate -> calibrate -> execute -> compare, for every scenario and every sensor x setting. Each finished cell is
 * written to its folder at once (cell.json, records.jsonl), so an interrupted or failing run keeps what it finished.
 */
export async function runPipeline(request: RunRequest): Promise<RunResults> {
  const adapters = await loadAdapters();
  const byId = new Map(adapters.map((a) => [a.id, a]));
  const detections = new Map<string, Detection>();
  for (const sensor of request.sensors) {
    const adapter = byId.get(sensor.monitor);
    if (!adapter) throw new Error(`unknown monitor ${sensor.monitor}`);
    if (!detections.has(adapter.id)) {
      const detection = await detectAdapter(adapter);
      detections.set(adapter.id, detection);
      if (!detection.found) request.onProgress?.({ kind: 'skipped', monitor: adapter.id, reason: `${detection.reason}; install: ${detection.install}` });
    }
  }

  const scenarios: { file: string; scenario: Scenario; generated: GenerateResult }[] = [];
  // Every scenario is read before any is generated, so that a mistake in the last one costs no work.
  const loaded: { file: string; scenario: Scenario }[] = [];
  for (const file of request.scenarioPaths) {
    const scenario = await loadScenario(file);
    const clash = loaded.find((l) => l.scenario.name === scenario.name);
    if (clash) {
      // Each scenario gets a folder named after it in the run directory.
      throw new InputError({ file, line: 1, col: 1 }, `scenario name "${scenario.name}", which ${clash.file} uses too`, 'a different name in each scenario of one run');
    }
    loaded.push({ file, scenario });
  }
  await mkdir(request.outDir, { recursive: true });
  for (const { file, scenario } of loaded) {
    let generated: GenerateResult;
    try {
      generated = await generate(scenario, path.join(request.outDir, scenario.name), { signal: request.signal });
    } catch (error) {
      // Interrupted: the scenarios generated so far are kept and reported (their cells as interrupted).
      if (error instanceof GenerationInterrupted) break;
      throw error;
    }
    request.onProgress?.({ kind: 'generated', scenario: scenario.name, packets: generated.truth.pcap.packets });
    scenarios.push({ file, scenario, generated });
  }

  const concurrency = request.concurrency ?? Math.max(1, os.availableParallelism());
  const calibrations = new Map<string, CalibrationResult>();
  const toCalibrate = [...detections].filter(([, d]) => d.found);
  await runPool(toCalibrate.map(([id, detection]) => async () => {
    const adapter = byId.get(id) as MonitorAdapter;
    if (!detection.found) return;
    calibrations.set(id, await calibrate(adapter, detection.path, detection.version, path.join(request.outDir, 'calibration'), request.cellTimeLimitMs, request.signal));
  }), concurrency, request.signal);

  interface Task { scenarioIndex: number; sensor: SensorPlan; adapter: MonitorAdapter; setting: TimeoutSetting }
  const tasks: Task[] = [];
  scenarios.forEach((_, scenarioIndex) => {
    for (const sensor of request.sensors) {
      for (const setting of sensor.settings) tasks.push({ scenarioIndex, sensor, adapter: byId.get(sensor.monitor) as MonitorAdapter, setting });
    }
  });
  if (!request.signal.aborted) request.onProgress?.({ kind: 'planned', total: tasks.length });

  let done = 0;
  const cellsPerTask = await runPool(tasks.map((task) => async (): Promise<Cell[]> => {
    const entry = scenarios[task.scenarioIndex];
    if (!entry) return [];
    const cells = await runTask(request, task.adapter, task.sensor, task.setting, detections.get(task.adapter.id), calibrations.get(task.adapter.id), entry.generated.pcapPath, entry.generated.truth, path.join(request.outDir, entry.scenario.name));
    done += 1;
    for (const cell of cells) {
      request.onProgress?.({ kind: 'cell-done', scenario: entry.scenario.name, column: cell.column, setting: cell.setting.label, status: cell.status, verdict: cell.verdict, done, total: tasks.length });
    }
    return cells;
  }), concurrency, request.signal);

  const scenarioResults: ScenarioResult[] = scenarios.map((entry, scenarioIndex) => {
    const cells: Cell[] = [];
    tasks.forEach((task, i) => {
      if (task.scenarioIndex !== scenarioIndex) return;
      const finished = cellsPerTask[i];
      if (finished) cells.push(...finished);
      else cells.push(...interruptedCells(task.adapter, task.sensor, task.setting, detections.get(task.adapter.id)));
    });
    return {
      name: entry.scenario.name,
      description: entry.scenario.description,
      file: entry.file,
      pcapFile: path.relative(request.outDir, entry.generated.pcapPath),
      truthFile: path.relative(request.outDir, entry.generated.truthPath),
      truth: entry.generated.truth,
      settings: uniqueSettings(request.sensors),
      cells,
      recommendations: recommendationsFor(entry.generated.truth, cells, byId),
    };
  });

  const results = runResults(request.command, request.outDir, request.compare, scenarioResults);
  results.calibrations = [...calibrations].map(([monitor, c]) => ({ monitor, honoursTimeoutsOffline: c.honours, detail: c.detail, commands: c.commands }));
  if (request.signal.aborted) {
    results.interrupted = { scenariosNotGenerated: loaded.filter((l) => !scenarios.some((s) => s.scenario === l.scenario)).map((l) => l.scenario.name) };
  }
  return results;
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
): Promise<Cell[]> {
  const relDir = path.join(path.basename(scenarioDir), sensor.sensor, settingSlug(setting));
  const workDir = path.join(request.outDir, relDir);
  const cells = adapter.views.map((view) => baseCell(sensor.sensor, adapter, view, setting, relDir));
  const calibrationNotes = calibration ? [`calibration: ${calibration.detail}`] : [];
  if (!detection?.found) {
    for (const cell of cells) cell.reason = detection ? `${adapter.displayName} not installed (${detection.reason}); install: ${detection.install}` : 'not detected';
    return cells;
  }
  for (const cell of cells) {
    cell.version = detection.version;
    cell.binary = detection.path;
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
  const outcome = await runCell({
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
  });
  const provenance = (extra: CellProvenance, rawFiles: string[]): Cell['provenance'] => ({
    dir: relDir,
    commands: extra.commands,
    configFiles: extra.configFiles,
    rawFiles,
    notes: [...translation.notes, ...calibrationNotes, ...extra.notes],
    wallMs: extra.wallMs,
  });
  for (const cell of cells) cell.knobValues = translation.values;
  const model = monitorModel(adapter, setting, calibration?.honours);
  if (!outcome.ok) {
    for (const cell of cells) {
      cell.status = 'failed';
      cell.verdict = 'failed';
      cell.reason = request.signal.aborted ? `interrupted: ${outcome.reason}` : outcome.reason;
      cell.provenance = provenance(outcome.provenance, []);
      cell.cost = cellCost({ commands: outcome.provenance.commands, records: 0, truth, model, setting, defaultMaxFlows: adapter.tableLimits?.defaults?.maxflows });
    }
    await writeCellFiles(workDir, cells, {});
    return cells;
  }
  const recordsByView: Record<string, FlowRecord[]> = {};
  const state = outcome.toolState;
  const tableFull = state ? state.tableFull ?? (state.evictedFlows !== undefined ? state.evictedFlows > 0 : undefined) : undefined;
  const scoredModel = tableFull !== undefined ? { ...model, tableFull } : model;
  for (const cell of cells) {
    const records = outcome.views[cell.view] ?? [];
    recordsByView[cell.view] = records;
    applyComparison(cell, compareCell(truth, records, scoredModel, request.compare), records.length);
    cell.provenance = provenance(outcome.provenance, outcome.rawFiles);
    cell.cost = cellCost({ commands: outcome.provenance.commands, records: records.length, truth, model, setting, toolState: outcome.toolState, defaultMaxFlows: adapter.tableLimits?.defaults?.maxflows });
    cell.recordsFile = path.join(relDir, `records.${cell.view}.jsonl`);
  }
  await writeCellFiles(workDir, cells, recordsByView);
  return cells;
}

async function writeCellFiles(workDir: string, cells: Cell[], recordsByView: Record<string, FlowRecord[]>): Promise<void> {
  for (const [view, records] of Object.entries(recordsByView)) {
    await writeFileAtomic(path.join(workDir, `records.${view}.jsonl`), jsonLines(records));
  }
  await writeFileAtomic(path.join(workDir, 'cell.json'), `${JSON.stringify(cells, null, 2)}\n`);
}

/** One JSON record per line, a few thousand lines per piece: a million records are never one string. */
function* jsonLines(records: FlowRecord[]): Generator<string> {
  for (let i = 0; i < records.length; i += 4096) {
    yield records.slice(i, i + 4096).map((r) => `${JSON.stringify(r)}\n`).join('');
  }
}

