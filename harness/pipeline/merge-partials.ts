import { InputError } from '../core/input-error.js';
import type { Cell, CalibrationRecord, CheckPlan, PlanRecord, RunResults, ScenarioResult } from '../core/results.js';
import type { MonitorAdapter } from '../monitors/monitor-adapter.js';
import { runResults } from './cell-builder.js';
import { recommendationsFor } from './recommendations.js';
import { taskKey } from './shard-plan.js';

/**
 * `harness merge`: the partial results of every shard of one plan joined into the results one machine would have
 * written, cells in the same order and recommendations computed on the whole sweep. Pure: the caller reads the
 * files and moves the evidence; here partials are checked (one plan, every shard once, every cell once) and joined.
 */
export interface PartialResult {
  file: string;
  results: RunResults;
}

type Sharded = PlanRecord & { shard: NonNullable<PlanRecord['shard']> };

export function checkPartials(partials: readonly PartialResult[]): Sharded {
  const first = partials[0];
  if (first === undefined) throw new InputError({ file: 'harness merge', line: 0, col: 0 }, 'no partial result', 'the partial results.json (or run folders) of every shard: harness merge a/results.json b/results.json ... --out DIR');
  const at = (file: string) => ({ file, line: 0, col: 0 });
  const planOf = (p: PartialResult): Sharded => {
    const plan = p.results.plan;
    if (plan?.shard === undefined) throw new InputError(at(p.file), 'a result with no shard', 'a partial written by harness run --shard i/n or harness check --shard i/n');
    if (!isPlanShape(plan)) throw new InputError({ file: p.file, line: 1, col: 1 }, 'a $.plan block that is not what harness wrote', 'the partial as its shard wrote it: $.plan with id, tasks, sensors and shard { index, count, tasks }');
    if (p.results.interrupted !== undefined) throw new InputError(at(p.file), `shard ${plan.shard.index}/${plan.shard.count}, which was interrupted`, 'a shard that ran to the end: run it again');
    return plan as Sharded;
  };
  const plan = planOf(first);
  const byIndex = new Map<number, string>();
  for (const partial of partials) {
    const own = planOf(partial);
    if (own.id !== plan.id) {
      throw new InputError(at(partial.file), `plan ${own.id}, while ${first.file} is plan ${plan.id}`, 'partials of one plan: the same scenarios (pcap and truth), harness build, monitors and binaries, sweep and rules');
    }
    if (own.shard.count !== plan.shard.count) {
      throw new InputError(at(partial.file), `shard ${own.shard.index}/${own.shard.count}, while ${first.file} is one of ${plan.shard.count}`, 'every shard of one split (the same n in --shard i/n)');
    }
    const twin = byIndex.get(own.shard.index);
    if (twin !== undefined) throw new InputError(at(partial.file), `shard ${own.shard.index}/${own.shard.count} again (${twin} is that shard too)`, 'each shard once');
    byIndex.set(own.shard.index, partial.file);
  }
  const missing: number[] = [];
  for (let i = 1; i <= plan.shard.count; i += 1) if (!byIndex.has(i)) missing.push(i);
  if (missing.length > 0) {
    throw new InputError(
      at('harness merge'),
      `no partial for ${missing.map((i) => `shard ${i}/${plan.shard.count}`).join(', ')} of plan ${plan.id}`,
      `the partials of all ${plan.shard.count} shards (given: ${partials.map((p) => p.file).join(', ')})`,
    );
  }
  // Same plan id, same count, every index once: each cell must now be in exactly one partial.
  const seen = new Map<string, string>();
  for (const partial of partials) {
    const own = partial.results.plan as Sharded;
    const keys = new Set<string>();
    for (const scenario of partial.results.scenarios) for (const cell of scenario.cells) keys.add(taskKey(scenario.name, cell.sensor, cell.setting.label));
    for (const key of keys) {
      const other = seen.get(key);
      if (other !== undefined) throw new InputError(at(partial.file), `cell ${describeKey(key)}, which ${other} holds too`, 'each cell in one shard only');
      seen.set(key, partial.file);
    }
    if (keys.size !== own.shard.tasks) {
      throw new InputError(at(partial.file), `${keys.size} cells, while its shard ${own.shard.index}/${own.shard.count} planned ${own.shard.tasks}`, 'a partial as its shard wrote it');
    }
  }
  if (seen.size !== plan.tasks) {
    throw new InputError(at('harness merge'), `${seen.size} cells in all the partials`, `the ${plan.tasks} cells of plan ${plan.id}`);
  }
  return plan;
}

/**
 * Every shard generated the same scenarios, and wrote each of its cells in every view its monitor has: the merge
 * took the scenario list from the first partial (another partial's cells under a renamed scenario were dropped)
 * and counted cells by task (a cell removed from one view left a hole), both at exit 0 with a JUnit that passed.
 */
function refuseUnevenPartials(partials: readonly PartialResult[], adapters: Map<string, MonitorAdapter>): void {
  const first = partials[0] as PartialResult;
  const names = first.results.scenarios.map((s) => s.name);
  // The comparison's rules: every shard judged with the same ones (the plan id hashes them as the shard ran; an
  // edited partial judged nothing again).
  const rules = (r: RunResults): string => JSON.stringify([r.toleranceS, r.toleranceRatio, r.huntThresholdsS]);
  const planned = new Map((first.results.plan?.sensors ?? []).map((s) => [s.sensor, new Set(s.settings)]));
  for (const partial of partials) {
    if (rules(partial.results) !== rules(first.results)) {
      throw new InputError({ file: partial.file, line: 1, col: 1 }, `tolerance and hunt thresholds ${rules(partial.results)}`, `those of ${first.file} (${rules(first.results)}): the partials of one plan are judged by one rule`);
    }
    const own = partial.results.scenarios.map((s) => s.name);
    const differs = own.findIndex((name, i) => name !== names[i]);
    if (differs >= 0 || own.length !== names.length) {
      const i = differs >= 0 ? differs : Math.min(own.length, names.length);
      throw new InputError(
        { file: partial.file, line: 1, col: 1 },
        `$.scenarios[${i}]: ${own[i] === undefined ? 'no scenario' : `scenario "${own[i]}"`} where ${first.file} has ${names[i] === undefined ? 'none' : `"${names[i]}"`}`,
        'the same scenarios in every partial of one plan (each shard generates them all)',
      );
    }
    for (const [s, scenario] of partial.results.scenarios.entries()) {
      const views = new Map<string, { views: Set<string>; monitor: string; at: number }>();
      for (const [c, cell] of scenario.cells.entries()) {
        const key = taskKey(scenario.name, cell.sensor, cell.setting.label);
        const where = { file: partial.file, line: 1, col: 1 };
        if (planned.get(cell.sensor)?.has(cell.setting.label) !== true) {
          throw new InputError(where, `$.scenarios[${s}].cells[${c}]: cell ${describeKey(key)}, which the plan does not hold`, 'only the cells of the plan its shard ran (the sensors and settings of $.plan)');
        }
        if (views.get(key)?.views.has(cell.view) === true) {
          throw new InputError(where, `$.scenarios[${s}].cells[${c}]: cell ${describeKey(key)} (${cell.view}) a second time`, 'each cell and view once, as its shard wrote it');
        }
        const entry = views.get(key) ?? { views: new Set<string>(), monitor: cell.monitor, at: c };
        entry.views.add(cell.view);
        views.set(key, entry);
      }
      for (const [key, entry] of views) {
        const expected = adapters.get(entry.monitor)?.views;
        if (expected === undefined) continue;
        const missing = expected.filter((v) => !entry.views.has(v));
        if (missing.length > 0) {
          throw new InputError(
            { file: partial.file, line: 1, col: 1 },
            `$.scenarios[${s}].cells[${entry.at}]: cell ${describeKey(key)} without its ${missing.join(', ')} view`,
            `every view of ${entry.monitor} (${expected.join(', ')}), as its shard wrote them`,
          );
        }
      }
    }
  }
}

/** A hand-edited plan block must fail as input, not as a TypeError deep in the merge. */
function isPlanShape(plan: PlanRecord): boolean {
  const whole = (n: unknown): boolean => Number.isInteger(n) && (n as number) >= 0;
  const shard = plan.shard;
  return typeof plan.id === 'string' && whole(plan.tasks) && Array.isArray(plan.sensors) &&
    plan.sensors.every((s) => typeof s?.sensor === 'string' && typeof s.monitor === 'string' && Array.isArray(s.settings)) &&
    shard !== undefined && whole(shard.index) && whole(shard.count) && whole(shard.tasks) && shard.index >= 1 && shard.index <= shard.count;
}

function describeKey(key: string): string {
  const [scenario, sensor, setting] = JSON.parse(key) as string[];
  return `${scenario} / ${sensor} / ${setting}`;
}

/**
 * Joins checked partials. `relocate` maps a path recorded relative to a partial's run folder to the merged folder
 * (the caller moves the files), so every path in the merged results is relative to where they now are.
 */
export function mergePartials(
  partials: readonly PartialResult[],
  adapters: Map<string, MonitorAdapter>,
  outDir: string,
  relocate: (partial: PartialResult, relativePath: string, required: boolean) => string,
): RunResults {
  const plan = checkPartials(partials);
  const first = partials[0] as PartialResult;
  refuseUnevenPartials(partials, adapters);
  const sensorOrder = new Map(plan.sensors.map((s, i) => [s.sensor, { index: i, settings: s.settings }]));
  const rank = (cell: Cell): [number, number, number] => {
    const sensor = sensorOrder.get(cell.sensor);
    const views = adapters.get(cell.monitor)?.views ?? [];
    return [sensor?.index ?? Number.MAX_SAFE_INTEGER, sensor?.settings.indexOf(cell.setting.label) ?? 0, views.indexOf(cell.view)];
  };
  const scenarios: ScenarioResult[] = first.results.scenarios.map((scenario) => {
    const cells: Cell[] = [];
    for (const partial of partials) {
      const own = partial.results.scenarios.find((s) => s.name === scenario.name);
      for (const cell of own?.cells ?? []) cells.push(relocateCell(cell, (p, required) => relocate(partial, p, required)));
    }
    cells.sort((a, b) => {
      const ra = rank(a);
      const rb = rank(b);
      return ra[0] - rb[0] || ra[1] - rb[1] || ra[2] - rb[2];
    });
    const merged: ScenarioResult = {
      ...scenario,
      pcapFile: relocate(first, scenario.pcapFile, true),
      truthFile: relocate(first, scenario.truthFile, true),
      cells,
      recommendations: recommendationsFor(scenario.truth, cells, adapters),
    };
    return merged;
  });
  const compare = { huntThresholdsS: first.results.huntThresholdsS, toleranceS: first.results.toleranceS, toleranceRatio: first.results.toleranceRatio };
  const results = runResults(withoutShardFlag(first.results.command), outDir, compare, scenarios);
  results.calibrations = mergeCalibrations(partials, plan);
  const { shard: _shard, ...whole } = plan;
  const check = mergeCheckPlans(partials);
  results.plan = { ...whole, ...(check === undefined ? {} : { check }) };
  return results;
}

/** A cell that ran has a folder of evidence; one that ran nothing (skipped, unsupported) names a folder never made. */
function relocateCell(cell: Cell, relocate: (p: string, required: boolean) => string): Cell {
  const ran = cell.status === 'ok' || cell.status === 'failed';
  return {
    ...cell,
    provenance: { ...cell.provenance, dir: cell.provenance.dir === '' ? '' : relocate(cell.provenance.dir, ran) },
    ...(cell.recordsFile === undefined ? {} : { recordsFile: relocate(cell.recordsFile, false) }),
    ...(cell.scoresFile === undefined ? {} : { scoresFile: relocate(cell.scoresFile, false) }),
  };
}

/** The command the cells were run with: every shard ran it, each with its own `--shard`. */
function withoutShardFlag(command: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < command.length; i += 1) {
    const arg = command[i] as string;
    if (arg === '--shard') i += 1;
    else if (!arg.startsWith('--shard=')) out.push(arg);
  }
  return out;
}

/** Each binary's calibration once, in plan order (as one machine calibrates them). */
function mergeCalibrations(partials: readonly PartialResult[], plan: PlanRecord): CalibrationRecord[] {
  const byBinary = new Map<string, CalibrationRecord>();
  for (const partial of partials) {
    for (const c of partial.results.calibrations ?? []) {
      const key = `${c.monitor}\0${c.binary ?? ''}`;
      if (!byBinary.has(key)) byBinary.set(key, c);
    }
  }
  const order = plan.sensors.map((s) => `${s.monitor}\0${s.binary ?? ''}`);
  return [...byBinary].sort(([a], [b]) => order.indexOf(a) - order.indexOf(b)).map(([, c]) => c);
}

function mergeCheckPlans(partials: readonly PartialResult[]): CheckPlan | undefined {
  const first = partials[0]?.results.plan?.check;
  if (first === undefined) return undefined;
  const skips = new Map(first.sensorSkips.map((s) => [s.sensor, s]));
  for (const partial of partials) {
    const check = partial.results.plan?.check;
    if (check === undefined || check.suite !== first.suite || check.failOnSkip !== first.failOnSkip) {
      throw new InputError(
        { file: partial.file, line: 0, col: 0 },
        check === undefined ? 'a harness run partial' : `suite ${check.suite}${check.failOnSkip ? ' with --fail-on-skip' : ''}`,
        `what the other shards ran: harness check ${first.suite}${first.failOnSkip ? ' --fail-on-skip' : ''}`,
      );
    }
    for (const skip of check.sensorSkips) if (!skips.has(skip.sensor)) skips.set(skip.sensor, skip);
  }
  return { ...first, sensorSkips: [...skips.values()] };
}
