import path from 'node:path';
import { compareCell } from '../comparator/compare-cell.js';
import { generate } from '../../generators/generate.js';
import type { FlowRecord } from '../core/flow-record.js';
import type { GroundTruth } from '../core/ground-truth.js';
import { isLiveCell, LIVE_SUFFIX, type Cell, type RunResults, type ScenarioResult } from '../core/results.js';
import { describeTimeoutSetting, type TimeoutProtocol, type TimeoutSetting } from '../core/timeout-setting.js';
import { InputError, type SourcePosition } from '../core/input-error.js';
import { formatDuration } from '../core/duration.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { jsonLines } from '../io/json-lines.js';
import { tableFullOf } from '../core/tool-state.js';
import { cellCost } from '../pipeline/cell-cost.js';
import type { MonitorAdapter, UserConfigText } from '../monitors/monitor-adapter.js';
import { detectAdapter, loadAdapters, sensorEnvironment } from '../monitors/registry.js';
import { applyComparison, baseCell } from '../pipeline/cell-builder.js';
import { effectiveTimeouts, readUserConfig } from '../pipeline/monitor-model.js';
import { runPipeline } from '../pipeline/run-pipeline.js';
import type { RunRequest, SensorPlan } from '../pipeline/run-request.js';
import { loadScenario } from '../scenario/load-scenario.js';
import type { Scenario } from '../scenario/scenario.js';
import { compareOfflineLive } from './invariance.js';
import { liveTruth } from './live-truth.js';
import { runReplay, type LiveCellPlan, type LiveCellResult, type ReplayRun } from './live-session.js';
import { cleanStaleWires, LiveSetupError } from './private-wire.js';
import { describeStructureLimit, structureLimit, structureLimitPosition, type StructureLimit } from './structure-limit.js';
import { chooseSpeedup, replayGroups, type SpeedupChoice } from './speedup-plan.js';
import { protocolsCarried, scaleScenario, scaleSetting, recordToScenarioTime, type TimeMap } from './time-scale.js';
import { liveCellModel } from './tool-time-model.js';
import { scoreDiscardedParts } from './discard-losses.js';
import { guardBoundaryCases, guardUnscaledConstants, silenceShrinkOf } from './boundary-guard.js';
import { monitorModel } from '../pipeline/monitor-model.js';

/**
 * `harness run --live`: the offline run as always, then every monitor that has a live form on the private wire,
 * the scenario divided by K, all settings of a replay group listening to one replay. Live cells are extra columns
 * (`softflowd (live)`) beside the offline ones, so a report shows both at a glance; results.json keeps both.
 */
export interface LiveOptions {
  /** K given with --speedup; otherwise chosen per monitor. */
  speedup?: number;
  /**
   * harness check with `live: true`: the live cells take the sensor's own name and replace its offline cells (the
   * offline run still happens, for the invariance check), so the suite's expectations judge what ran live.
   */
  liveOnly?: boolean;
  /**
   * Where the explicit K was written, for a refusal: a suite's `speedup:` at its file:line:col. Absent: the
   * command line's --speedup.
   */
  speedupWhere?: SourcePosition;
}

/** How an explicit K reads in messages: `--speedup 100`, or `speedup: 100 (suite.yaml:2:10)`. */
function speedupSource(options: LiveOptions): { where: SourcePosition; words: string; from: string } {
  if (options.speedupWhere === undefined) return { where: { file: 'harness run --speedup', line: 0, col: 0 }, words: `--speedup ${options.speedup}`, from: '--speedup' };
  const w = options.speedupWhere;
  return { where: w, words: `speedup: ${options.speedup} (${w.file}:${w.line}:${w.col})`, from: `the suite's speedup: (${w.file}:${w.line}:${w.col})` };
}

/**
 * An explicit K above what the scenario's own timing allows is refused at the connection that binds it: scaled, its
 * bursts or events would overlap, the generator would push them back (a 10-minute connection multiplied back into a
 * 1.9-hour one) or fail.
 */
async function refuseBrokenStructure(file: string, limit: StructureLimit | undefined, options: LiveOptions): Promise<void> {
  if (options.speedup === undefined || limit === undefined || options.speedup <= limit.k) return;
  throw new InputError(
    await structureLimitPosition(file, limit),
    `${speedupSource(options).words} for connection ${limit.connectionId}: ${limit.what}; at that speed ${limit.breaks}`,
    `a speedup of at most ${limit.k} for this scenario (rtt, handshakes and bursts are not scaled, so they must still fit between the scaled times), or ${limit.remedy}`,
  );
}


/** A scenario file as the live run reads it: the scenario and how far its own timing lets it be sped up. */
interface LiveScenario {
  scenario: Scenario;
  structure: StructureLimit | undefined;
}

export async function runLivePipeline(request: RunRequest, options: LiveOptions): Promise<RunResults> {
  const stale = await cleanStaleWires();
  const adapters = new Map((await loadAdapters()).map((a) => [a.id, a]));
  const liveSensors = request.sensors.filter((s) => adapters.get(s.monitor)?.live);
  // Each scenario file is read, and its structure limit computed, once: the up-front checks and the replays share it.
  const scenarioFiles = new Map<string, Promise<LiveScenario>>();
  const liveScenario = (file: string): Promise<LiveScenario> => {
    let read = scenarioFiles.get(file);
    if (read === undefined) {
      read = loadScenario(file).then((scenario) => ({ scenario, structure: structureLimit(scenario) }));
      // Awaited (and its error thrown) where it is used; not an unhandled rejection meanwhile.
      read.catch(() => undefined);
      scenarioFiles.set(file, read);
    }
    return read;
  };
  // A --speedup that breaks a floor is refused before anything runs (the scenario's length plays no part in that).
  if (options.speedup !== undefined) {
    for (const file of request.scenarioPaths) {
      // A capture has no scenario to scale, and a scenario that does not load is refused by the pipeline itself.
      const loaded = await liveScenario(file).catch(() => undefined);
      if (loaded === undefined) continue;
      const carried = protocolsCarried(loaded.scenario);
      for (const sensor of liveSensors) speedupFor(sensor, adapters.get(sensor.monitor) as MonitorAdapter, 1, options, carried);
      if (liveSensors.length > 0) await refuseBrokenStructure(file, loaded.structure, options);
    }
  }
  const results = await runPipeline(request);
  const runNotes: string[] = [...stale];
  for (const scenarioResult of results.scenarios) {
    if (request.signal.aborted) break;
    if (scenarioResult.truthSource === 'derived') {
      // A team's own capture has no scenario to divide by K: its live cells say so instead of running.
      for (const sensor of request.sensors) {
        const adapter = adapters.get(sensor.monitor);
        if (adapter) scenarioResult.cells.push(...notLive(adapter, sensor, 'live mode replays synthesized scenarios, time scaled; a capture of your own has no scenario to scale'));
      }
      continue;
    }
    const { scenario, structure } = await liveScenario(scenarioResult.file);
    const carried = protocolsCarried(scenario);
    const spanS = scenarioResult.truth.pcap.spanUs / 1e6;
    const choices = new Map<string, SpeedupChoice>();
    for (const sensor of liveSensors) {
      const adapter = adapters.get(sensor.monitor) as MonitorAdapter;
      const form = adapter.live;
      if (!form) continue;
      const choice = speedupFor(sensor, adapter, spanS, options, carried, structure);
      choices.set(sensor.sensor, choice);
    }
    // A monitor no timeout limits (nDPI) joins the fastest replay there is instead of needing its own.
    const bound = [...choices.values()].filter((c): c is Extract<SpeedupChoice, { k: number }> => 'k' in c && !c.free);
    const fastest = bound.length > 0 ? Math.max(...bound.map((c) => c.k)) : undefined;
    const ks = [...choices.values()].map((c) => ('k' in c ? { id: c.id, k: c.free && fastest !== undefined ? fastest : c.k } : undefined)).filter((c): c is { id: string; k: number } => c !== undefined);
    const groups = replayGroups(ks);
    if (groups.size > 1) runNotes.push(`${scenarioResult.name}: the monitors need different speedups, so ${groups.size} replays: ${[...groups].map(([k, ids]) => `K=${k} for ${ids.join(', ')}`).join('; ')}`);
    for (const sensor of request.sensors) {
      const adapter = adapters.get(sensor.monitor);
      if (adapter && !adapter.live) scenarioResult.cells.push(...notLive(adapter, sensor, `${adapter.displayName} has no live form: it reads capture files only`));
    }
    // Said before the first replay, one line each: a live run is otherwise silent for as long as its replays last.
    const say = (line: string): void => request.onProgress?.({ kind: 'live', line });
    if (groups.size > 0) say(livePlanLine(scenarioResult.name, spanS, groups, choices, structure));
    let replay = 0;
    for (const [k, ids] of groups) {
      if (request.signal.aborted) break;
      replay += 1;
      say(`live ${scenarioResult.name}: replay ${replay}/${groups.size} starting: K=${k} for ${ids.join(', ')}, about ${formatDuration(replaySeconds(spanS, k))}`);
      const sensors = liveSensors.filter((s) => ids.includes(s.sensor));
      const cells = await runGroup(request, scenarioResult, scenario, k, sensors, adapters, choices);
      scenarioResult.cells.push(...cells);
    }
  }
  if (runNotes.length > 0) for (const s of results.scenarios) for (const c of s.cells) if (c.live) c.provenance.notes.push(...runNotes);
  // Stopped during the replays (the offline part had finished): the reports must say so first, as offline ones do.
  if (request.signal.aborted) results.interrupted ??= { scenariosNotGenerated: [] };
  if (options.liveOnly) {
    for (const s of results.scenarios) {
      const liveSensors = new Set(s.cells.filter(isLiveCell).map((c) => c.sensor.slice(0, -LIVE_SUFFIX.length)));
      s.cells = s.cells.filter((c) => isLiveCell(c) || !liveSensors.has(c.sensor));
      for (const c of s.cells) {
        if (!c.sensor.endsWith(LIVE_SUFFIX)) continue;
        c.sensor = c.sensor.slice(0, -LIVE_SUFFIX.length);
        c.column = c.column.replace(LIVE_SUFFIX, '');
      }
    }
  }
  return results;
}

/**
 * The replays of one scenario in one line: `live tiny: 2 replays, about 2m40s in all: K=30 for softflowd, pmacct
 * (10s); K=2 for nfpcapd (2m30s)`, and what held K down when the scenario's own timing did.
 */
function livePlanLine(name: string, spanS: number, groups: Map<number, string[]>, choices: Map<string, SpeedupChoice>, structure: StructureLimit | undefined): string {
  const total = [...groups.keys()].reduce((sum, k) => sum + replaySeconds(spanS, k), 0);
  const parts = [...groups].map(([k, ids]) => `K=${k} for ${ids.join(', ')} (${formatDuration(replaySeconds(spanS, k))})`);
  const held = [...choices.values()].some((c) => 'k' in c && c.heldByScenario === true);
  return `live ${name}: ${groups.size} replay${groups.size === 1 ? '' : 's'}, about ${formatDuration(total)} in all: ${parts.join('; ')}` +
    (held && structure ? `; K at most ${structure.k} for the scenario's own timing (${describeStructureLimit(structure)})` : '');
}

/** How long a replay of a scenario spanning `spanS` lasts at K, in whole seconds (at least 1), as the plan lines say it. */
function replaySeconds(spanS: number, k: number): number {
  return Math.max(1, Math.round(spanS / k));
}

/** The speedup for one sensor's live cells; an explicit one that breaks its floor is refused (exit 2). */
function speedupFor(sensor: SensorPlan, adapter: MonitorAdapter, spanS: number, options: LiveOptions, carried: readonly TimeoutProtocol[], structure?: StructureLimit): Extract<SpeedupChoice, { k: number }> {
  const source = speedupSource(options);
  const choice = chooseSpeedup({
    id: sensor.sensor,
    floorS: adapter.live?.floorS ?? 0,
    settings: sensor.settings,
    inForce: (setting) => effectiveTimeouts(adapter, setting),
    carried,
    translate: (s) => adapter.translate(s),
    ...(structure === undefined ? {} : { structure: { k: structure.k, why: describeStructureLimit(structure) } }),
  }, spanS, options.speedup, source.from);
  if ('refused' in choice) {
    throw new InputError(source.where, choice.refused, 'a speedup that keeps every scaled timeout at or above the monitor\'s live floor');
  }
  return choice;
}

function notLive(adapter: MonitorAdapter, sensor: SensorPlan, reason: string): Cell[] {
  return sensor.settings.flatMap((setting) => adapter.views.map((view) => {
    const cell = baseCell(`${sensor.sensor}${LIVE_SUFFIX}`, adapter, view, setting, '');
    cell.status = 'unsupported';
    cell.verdict = 'unsupported';
    cell.reason = reason;
    return cell;
  }));
}

function settingSlug(setting: TimeoutSetting): string {
  return setting.label.replace(/[^A-Za-z0-9.=-]+/g, '_');
}

async function runGroup(
  request: RunRequest,
  scenarioResult: ScenarioResult,
  scenario: Awaited<ReturnType<typeof loadScenario>>,
  k: number,
  sensors: SensorPlan[],
  adapters: Map<string, MonitorAdapter>,
  choices: Map<string, SpeedupChoice>,
): Promise<Cell[]> {
  const carried = protocolsCarried(scenario);
  const relGroup = path.join(scenarioResult.name, `live-x${k}`);
  const groupDir = path.join(request.outDir, relGroup);
  const cells: Cell[] = [];
  const plans: { plan: LiveCellPlan; cells: Cell[]; sensor: SensorPlan; relDir: string; userConfig: UserConfigText | undefined }[] = [];
  for (const sensor of sensors) {
    const adapter = adapters.get(sensor.monitor) as MonitorAdapter;
    // A sensor naming its binary runs that binary live too, as offline.
    const detection = await detectAdapter(adapter, sensorEnvironment(adapter, sensor.binary));
    // The tool reads the sensor's config live too: its model must (the offline run has already checked it).
    const userConfig = await readUserConfig(sensor.userConfig);
    for (const setting of sensor.settings) {
      const relDir = path.join(relGroup, sensor.sensor, settingSlug(setting));
      const viewCells = adapter.views.map((view) => baseCell(`${sensor.sensor}${LIVE_SUFFIX}`, adapter, view, setting, relDir));
      cells.push(...viewCells);
      if (!detection.found) {
        for (const cell of viewCells) cell.reason = `${adapter.displayName} not installed (${detection.reason}); install: ${detection.install}`;
        continue;
      }
      const replaySetting = scaleSetting(setting, k, effectiveTimeouts(adapter, setting), carried);
      const translation = adapter.translate(replaySetting);
      for (const cell of viewCells) {
        cell.version = detection.version;
        cell.binary = detection.path;
      }
      if (!translation.supported) {
        for (const cell of viewCells) {
          cell.status = 'unsupported';
          cell.verdict = 'unsupported';
          cell.reason = translation.reason;
        }
        continue;
      }
      for (const cell of viewCells) {
        cell.knobValues = translation.values;
        const choice = choices.get(sensor.sensor);
        cell.provenance.notes.push(`live: speedup K=${k}${choice && 'why' in choice ? ` (${choice.why})` : ''}; ran ${setting.label} as ${describeReplaySetting(replaySetting)}`,
          ...translation.notes, ...(adapter.live?.notes(k) ?? []));
      }
      plans.push({
        plan: { adapter, binary: detection.path, version: detection.version, setting, replaySetting, knobValues: translation.values, workDir: path.join(request.outDir, relDir), userConfig: sensor.userConfig },
        cells: viewCells,
        sensor,
        relDir,
        userConfig,
      });
    }
  }
  if (plans.length === 0) return cells;
  // What stops a whole replay (the scaled scenario cannot be generated, the wire or a tool it needs cannot be set
  // up) fails this group's cells with the reason: the finished offline cells and the other groups are still written.
  const failGroup = (reason: string): Cell[] => {
    for (const entry of plans) {
      for (const cell of entry.cells) {
        cell.status = 'failed';
        cell.verdict = 'failed';
        cell.reason = reason;
      }
    }
    return cells;
  };
  const generated = await generateScaled(scenario, k, groupDir, request.signal);
  if ('problem' in generated) return failGroup(generated.problem);
  let run: ReplayRun;
  try {
    run = await runReplay({ pcap: generated.pcapPath, dir: groupDir, plans: plans.map((p) => p.plan), timeLimitMs: request.cellTimeLimitMs + Math.ceil(generated.truth.pcap.spanUs / 1000), signal: request.signal });
  } catch (error) {
    if (!(error instanceof LiveSetupError)) throw error;
    return failGroup(`live setup failed, nothing replayed: ${error.message}`);
  }
  // Replay time -> scenario time: the first packet that arrived stands for the first packet the scenario schedules.
  const arrivedFirstUs = await firstArrival(run);
  const map: TimeMap = {
    k,
    replayOriginUs: arrivedFirstUs ?? generated.truth.pcap.firstUs,
    scenarioOriginUs: scenario.startUs + (generated.truth.pcap.firstUs - scenario.startUs) * k,
  };
  let truth: GroundTruth | undefined;
  let truthProblem = run.problem;
  if (!truthProblem) {
    try {
      truth = await liveTruth(run.referenceCapture, generated.truth, map);
    } catch (error) {
      truthProblem = `could not read the reference capture: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  for (const entry of plans) {
    const result = run.cells.find((c) => c.plan === entry.plan);
    await finishCells(request, scenarioResult, entry.cells, entry.relDir, result, run, truth, truthProblem, map, entry.userConfig, silenceShrinkOf(scenario, k));
  }
  return cells;
}

/**
 * The scenario divided by K, generated into `dir`; a generator error becomes the reason this group's cells fail
 * (it was a stack trace at exit 1 that lost the finished offline results). An interruption is passed on as before.
 */
export async function generateScaled(scenario: Awaited<ReturnType<typeof loadScenario>>, k: number, dir: string, signal: AbortSignal): Promise<Awaited<ReturnType<typeof generate>> | { problem: string }> {
  try {
    return await generate(scaleScenario(scenario, k), dir, { signal });
  } catch (error) {
    if (signal.aborted) throw error;
    const message = error instanceof Error ? error.message : String(error);
    return { problem: `could not generate ${scenario.name} sped up ${k} times, so nothing was replayed: ${message.split('\n')[0] ?? ''}` };
  }
}

function describeReplaySetting(setting: TimeoutSetting): string {
  return setting.isDefault ? 'the tool\'s own defaults (nothing to scale)' : describeTimeoutSetting(setting);
}

async function firstArrival(run: ReplayRun): Promise<number | undefined> {
  const { readPcapTimestamps } = await import('./pcap-timestamps.js');
  const times = await readPcapTimestamps(run.referenceCapture).catch(() => [] as number[]);
  return times[0];
}

async function finishCells(
  request: RunRequest,
  scenarioResult: ScenarioResult,
  cells: Cell[],
  relDir: string,
  result: LiveCellResult | undefined,
  run: ReplayRun,
  truth: GroundTruth | undefined,
  truthProblem: string | undefined,
  map: TimeMap,
  userConfig: UserConfigText | undefined,
  shrinkUs: (connectionId: string) => number,
): Promise<void> {
  const outcome = result?.outcome;
  const output = result?.output;
  for (const cell of cells) {
    cell.live = {
      interface: 'rx',
      speedup: map.k,
      replaySetting: result?.plan.replaySetting ?? cell.setting,
      ...(run.timing === undefined ? {} : { timingError: { medianUs: run.timing.medianUs, p99Us: run.timing.p99Us, maxUs: run.timing.maxUs, driftUs: run.timing.driftUs } }),
      packetsScheduled: run.packetsScheduled,
      packetsOnWire: run.packetsOnWire,
      packetsSeen: output?.packetsSeen,
      immediateMode: result?.plan.adapter.live?.needsImmediateMode ? (output?.notes.find((n) => n.startsWith('immediate')) ?? 'immediate-mode shim preloaded') : undefined,
      referenceCapture: path.relative(request.outDir, run.referenceCapture),
    };
    if (outcome) {
      cell.provenance = { ...cell.provenance, dir: relDir, commands: outcome.provenance.commands, configFiles: outcome.provenance.configFiles, rawFiles: outcome.ok ? outcome.rawFiles : [], notes: [...cell.provenance.notes, ...run.notes, ...outcome.provenance.notes], wallMs: outcome.provenance.wallMs };
    }
    const fail = (reason: string): void => {
      cell.status = 'failed';
      cell.verdict = 'failed';
      cell.reason = request.signal.aborted ? `interrupted: ${reason}` : reason;
    };
    if (!outcome) { fail('not started: the replay ended before this monitor was ready'); continue; }
    if (!outcome.ok) { fail(outcome.reason); continue; }
    if (truthProblem || !truth) { fail(`live replay failed: ${truthProblem ?? 'no truth'}`); continue; }
    if (output?.packetsSeen !== undefined && output.packetsSeen < run.packetsOnWire) {
      fail(`the monitor saw ${output.packetsSeen} of the ${run.packetsOnWire} packets on the wire: with drops its records would be fragments of a different traffic, so this cell is not judged`);
      continue;
    }
    const records: FlowRecord[] = Array.from(outcome.views[cell.view] ?? [], (r) => recordToScenarioTime(map, r));
    const adapter = result.plan.adapter;
    // The tool's rule for what it ran (scaled setting, its config, the live form's timers), in scenario time.
    const model = liveCellModel(adapter, { setting: cell.setting, replaySetting: result.plan.replaySetting, userConfig, view: cell.view, map, tableFull: tableFullOf(outcome.toolState) });
    cell.cost = cellCost({ commands: outcome.provenance.commands, records: records.length, truth, model, setting: cell.setting, toolState: outcome.toolState, defaultMaxFlows: adapter.tableLimits?.defaults?.maxflows });
    const comparison = compareCell(truth, records, model, request.compare);
    applyComparison(cell, comparison, records.length);
    if (output?.discardRule) scoreDiscardedParts(cell, truth, output.discardRule, map.k);
    guardBoundaryCases(cell, truth, effectiveTimeouts(adapter, cell.setting), run.timing?.maxUs ?? 0, map.k, shrinkUs);
    guardUnscaledConstants(cell, truth, monitorModel(adapter, cell.setting, true, userConfig, cell.view), map.k);
    const offline = scenarioResult.cells.find((c) => !c.live && c.monitor === cell.monitor && c.view === cell.view && c.setting.label === cell.setting.label);
    if (offline && offline.honoursTimeoutsOffline === true && offline.status === 'ok') cell.live.invariance = compareOfflineLive(offline, cell, adapter.timerNeedsLaterPacket === true);
    cell.recordsFile = path.join(relDir, `records.${cell.view}.jsonl`);
    await writeFileAtomic(path.join(request.outDir, cell.recordsFile), jsonLines(records));
    // Every connection's score, as an offline cell keeps them: results.json keeps only the worst of a large
    // scenario's, and `harness merge` reads the rest from here.
    cell.scoresFile = path.join(relDir, `scores.${cell.view}.jsonl`);
    await writeFileAtomic(path.join(request.outDir, cell.scoresFile), jsonLines(cell.scores));
  }
  await writeFileAtomic(path.join(request.outDir, relDir, 'cell.json'), `${JSON.stringify(cells, null, 2)}\n`);
}
