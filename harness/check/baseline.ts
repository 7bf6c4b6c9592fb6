import { formatDuration, secondsToUs } from '../core/duration.js';
import { isInputError } from '../core/input-error.js';
import { parseTimeoutSetting, settingKey, type TimeoutSetting } from '../core/timeout-setting.js';
import type { RunResults } from '../core/results.js';
import type { CheckResult, SensorSkip } from './check-report.js';
import { percent } from './percent.js';
import { cellsOf, sensorLabel } from './sensor-cells.js';
import type { Suite } from './suite.js';

/**
 * A baseline is what a suite's sensors reported last time it was accepted (`--update-baseline`): per scenario,
 * sensor, view and connection, the fragments, coverage, longest record and which hunts found it. Later runs fail
 * when a change makes any of them worse beyond the suite's tolerance.
 */
export const BASELINE_SCHEMA_VERSION = 1;

export interface Baseline {
  schemaVersion: typeof BASELINE_SCHEMA_VERSION;
  suite: string;
  createdAt: string;
  /** Hunt thresholds (seconds) recorded for every entry. */
  huntThresholdsS: number[];
  entries: BaselineEntry[];
}

export interface BaselineEntry {
  scenario: string;
  sensor: string;
  view: string;
  connection: string;
  monitorVersion?: string;
  setting: string;
  fragments: number;
  coverage: number;
  longestRecordUs: number;
  /** Thresholds of `huntThresholdsS` at which a hunt by longest record found it. */
  huntsFound: number[];
}

/**
 * What a baseline must agree with: the suite beside it, its scenarios by name and each sensor's views. A baseline
 * entry the suite can no longer judge (a sensor renamed, a scenario dropped) would otherwise be passed over, and
 * the gate it recorded would vanish while the run still says "0 regressions".
 */
export interface BaselineFit {
  /** The suite's path as the user named it. */
  suiteFile: string;
  scenarios: readonly string[];
  /** Each sensor, the views it reports (its `view:` alone when it names one) and the timeout setting it runs with. */
  sensors: readonly { name: string; views: readonly string[]; setting: TimeoutSetting }[];
  /** Whether a scenario has this connection (absent: not checked): an entry of none gates nothing. */
  hasConnection?: (scenario: string, connection: string) => boolean;
}

/** The first part of a baseline that does not fit its suite: the JSON path, what is there and what was expected. */
export interface BaselineMisfit {
  path: (string | number)[];
  found: string;
  expected: string;
}

const RERECORD = 're-record the baseline with harness check --update-baseline';

export function suiteFit(suite: Suite, scenarios: readonly string[], viewsOf: (monitor: string) => readonly string[], hasConnection?: BaselineFit['hasConnection']): BaselineFit {
  return {
    suiteFile: suite.file,
    scenarios,
    sensors: suite.sensors.map((s) => ({ name: s.name, views: s.view !== undefined ? [s.view] : viewsOf(s.monitor), setting: s.setting })),
    ...(hasConnection ? { hasConnection } : {}),
  };
}

export function baselineMisfit(baseline: Baseline, fit: BaselineFit): BaselineMisfit | undefined {
  // The suite is recorded as the path it was named by, which depends on where harness ran: the file name decides.
  const recorded = baseline.suite.split(/[\\/]/).at(-1) ?? '';
  const own = fit.suiteFile.split(/[\\/]/).at(-1) ?? '';
  if (baseline.suite !== '' && recorded !== own) {
    return {
      path: ['suite'],
      found: `${JSON.stringify(baseline.suite)}, the baseline of another suite`,
      expected: `"${own}", the suite it is read for (a baseline copied from another suite gates nothing of this one: record this suite's own with harness check --update-baseline)`,
    };
  }
  for (const [index, entry] of baseline.entries.entries()) {
    const sensor = fit.sensors.find((s) => s.name === entry.sensor);
    if (sensor === undefined) {
      return {
        path: ['entries', index, 'sensor'],
        found: `${JSON.stringify(entry.sensor)}, a sensor the suite no longer has (its recorded scores would go unchecked)`,
        expected: `one of the suite's sensors: ${fit.sensors.map((s) => s.name).join(', ')} (if ${entry.sensor} was renamed or removed on purpose, ${RERECORD})`,
      };
    }
    if (!fit.scenarios.includes(entry.scenario)) {
      return {
        path: ['entries', index, 'scenario'],
        found: `${JSON.stringify(entry.scenario)}, a scenario the suite no longer runs (its recorded scores would go unchecked)`,
        expected: `one of the suite's scenarios: ${fit.scenarios.join(', ')} (if ${entry.scenario} was renamed or removed on purpose, ${RERECORD})`,
      };
    }
    if (fit.hasConnection !== undefined && !fit.hasConnection(entry.scenario, entry.connection)) {
      return {
        path: ['entries', index, 'connection'],
        found: `${JSON.stringify(entry.connection)}, a connection scenario ${entry.scenario} does not have (its recorded scores would be judged a regression of nothing)`,
        expected: `a connection id of ${entry.scenario} (if it was renamed or removed on purpose, ${RERECORD})`,
      };
    }
    if (!sensor.views.includes(entry.view)) {
      return {
        path: ['entries', index, 'view'],
        found: `${JSON.stringify(entry.view)}, a view sensor ${sensor.name} does not report now (its recorded scores would go unchecked)`,
        expected: `one of ${sensor.name}'s views: ${sensor.views.join(', ')} (if its monitor or view changed on purpose, ${RERECORD})`,
      };
    }
    // Scores recorded under another timeout setting are no gate for this one: compared, a suite that changed a
    // sensor's timeouts was judged against numbers of another configuration, and could say "0 regressions".
    if (!sameSetting(entry.setting, sensor.setting)) {
      return {
        path: ['entries', index, 'setting'],
        found: `${JSON.stringify(entry.setting)}, recorded under another setting than sensor ${sensor.name}'s "${sensor.setting.label}" now (its scores measure another configuration)`,
        expected: `${sensor.name}'s setting "${sensor.setting.label}" (if its timeouts changed on purpose, ${RERECORD})`,
      };
    }
  }
  return undefined;
}

/** Whether a recorded setting label asks the same of the tool as `setting` (`5m` and `300s` do); a label that is no setting does not. */
export function sameSetting(recorded: string, setting: TimeoutSetting): boolean {
  if (recorded === setting.label) return true;
  try {
    return settingKey(parseTimeoutSetting(recorded, 'baseline')) === settingKey(setting);
  } catch (error) {
    if (isInputError(error)) return false;
    throw error;
  }
}

/** `suites/x.suite.yaml` -> `suites/x.suite.baseline.json`. */
export function baselinePathFor(suitePath: string): string {
  return `${suitePath.replace(/\.ya?ml$/i, '')}.baseline.json`;
}

/** The hunt thresholds worth keeping: the run's own and every `hunt` threshold of the suite. */
export function baselineThresholds(suite: Suite, results: RunResults): number[] {
  const set = new Set<number>(results.huntThresholdsS);
  for (const e of suite.expectations) for (const c of e.checks) if (c.kind === 'hunt') set.add(c.thresholdS);
  return [...set].sort((a, b) => a - b);
}

/**
 * This run's scores as the new baseline. `previous` (the baseline being replaced) gives back the entries of every
 * scenario, sensor and view that has no judged cell now (monitor not installed here, crashed, skipped) while the
 * suite still has that sensor with the same setting: re-recording on a machine without Zeek must not drop the Zeek
 * gate CI enforces. `kept` names them, so the update says so.
 */
export function buildBaseline(suite: Suite, results: RunResults, createdAt: string, previous?: Baseline, fit?: BaselineFit): { baseline: Baseline; kept: string[] } {
  const thresholds = baselineThresholds(suite, results);
  const entries: BaselineEntry[] = [];
  const judged = new Set<string>();
  for (const scenario of results.scenarios) {
    for (const sensor of suite.sensors) {
      for (const cell of cellsOf(scenario, sensor)) {
        if (cell.status !== 'ok') continue;
        judged.add(JSON.stringify([scenario.name, sensor.name, cell.view]));
        for (const score of cell.scores) {
          if (score.background) continue;
          const entry: BaselineEntry = {
            scenario: scenario.name,
            sensor: sensor.name,
            view: cell.view,
            connection: score.connectionId,
            setting: cell.setting.label,
            fragments: score.fragments,
            coverage: score.coverage,
            longestRecordUs: score.longestRecordUs,
            huntsFound: thresholds.filter((t) => score.longestRecordUs >= secondsToUs(t)),
          };
          if (cell.version !== undefined) entry.monitorVersion = cell.version;
          entries.push(entry);
        }
      }
    }
  }
  const kept = new Set<string>();
  const scenarios = new Set(results.scenarios.map((s) => s.name));
  for (const entry of previous?.entries ?? []) {
    const sensor = suite.sensors.find((s) => s.name === entry.sensor);
    // The same setting however spelled (5m, 300s): readBaseline accepts either, so re-recording keeps either.
    if (sensor === undefined || !sameSetting(entry.setting, sensor.setting) || !scenarios.has(entry.scenario)) continue;
    if (judged.has(JSON.stringify([entry.scenario, entry.sensor, entry.view]))) continue;
    // An entry of a connection the scenario no longer has, or a view the sensor no longer reports: kept, the next
    // check refused the baseline, and re-recording on the same machine kept it again.
    if (fit !== undefined && baselineMisfit({ ...previous!, suite: '', entries: [entry] }, fit) !== undefined) continue;
    entries.push(entry);
    kept.add(`${entry.sensor}${entry.view === 'default' ? '' : ` (${entry.view})`} on ${entry.scenario}`);
  }
  return { baseline: { schemaVersion: BASELINE_SCHEMA_VERSION, suite: suite.file, createdAt, huntThresholdsS: thresholds, entries }, kept: [...kept] };
}

/**
 * One fail per regression, naming what got worse; one pass per scenario and sensor with nothing worse; one skip per
 * scenario and sensor that was recorded but not run now.
 */
export function compareBaseline(
  suite: Suite,
  baseline: Baseline,
  results: RunResults,
  sensorSkips?: ReadonlyMap<string, SensorSkip>,
): { results: CheckResult[]; unrecorded: number; unrecordedConnections: number } {
  const tolerance = suite.tolerance;
  const groups = new Map<string, BaselineEntry[]>();
  for (const entry of baseline.entries) {
    const key = `${entry.scenario}\u0000${entry.sensor}\u0000${entry.view}`;
    const group = groups.get(key);
    if (group) group.push(entry);
    else groups.set(key, [entry]);
  }
  const out: CheckResult[] = [];
  let unrecordedConnections = 0;
  for (const entries of groups.values()) {
    const first = entries[0] as BaselineEntry;
    const label = sensorLabel(first.sensor, first.view);
    const result = (patch: Pick<CheckResult, 'status' | 'connection' | 'expected'> & Partial<CheckResult>): CheckResult => ({
      kind: 'baseline',
      scenario: first.scenario,
      sensor: label,
      ...patch,
    });
    const sensor = suite.sensors.find((s) => s.name === first.sensor);
    if (!sensor) {
      // readBaseline refuses such a baseline up front; a gate that vanished must never read as "no regression".
      out.push(result({ status: 'fail', connection: 'all', expected: `sensor ${first.sensor} judged as in the baseline`, seen: `the suite has no sensor ${first.sensor} now (${RERECORD} if that is intended)` }));
      continue;
    }
    const scenario = results.scenarios.find((s) => s.name === first.scenario);
    const cell = scenario ? cellsOf(scenario, sensor).find((c) => c.view === first.view) : undefined;
    const expected = 'no worse than the baseline';
    if (!cell || cell.status !== 'ok') {
      const why = sensor.skip !== undefined
        ? `sensor skipped by the suite: ${sensor.skip}`
        : sensorSkips?.get(sensor.name)?.reason ?? (!scenario ? 'scenario not run' : !cell ? 'sensor not run' : `${cell.status}: ${cell.reason ?? ''}`.trim());
      // A sensor that crashed or cannot take its setting fails, as it does an expectation: a new build that
      // segfaults on every capture passed a suite guarded by its baseline alone.
      if (cell !== undefined && (cell.status === 'failed' || cell.status === 'unsupported')) {
        out.push(result({ status: 'fail', connection: 'all', expected, seen: `not compared with the baseline: ${oneLine(why)}` }));
        continue;
      }
      // The suite's own skips (skip:, a version gate) stay skips under --fail-on-skip, the baseline's as its checks'.
      const bySuite = sensor.skip !== undefined || sensorSkips?.get(sensor.name)?.bySuite === true;
      out.push(result({ status: 'skip', connection: 'all', expected, reason: `not compared with the baseline (${oneLine(why)})`, ...(bySuite ? { bySuite } : {}) }));
      continue;
    }
    let regressions = 0;
    const scoreOf = new Map(cell.scores.map((s) => [s.connectionId, s]));
    for (const entry of entries) {
      const score = scoreOf.get(entry.connection);
      const fail = (expectedText: string, seen: string): void => {
        regressions += 1;
        out.push(result({ status: 'fail', connection: entry.connection, expected: expectedText, seen }));
      };
      if (!score) {
        fail(`connection scored as in the baseline`, 'no score for it now');
        continue;
      }
      // readBaseline refuses such a baseline up front; compared all the same, its numbers would judge another setting.
      if (!sameSetting(entry.setting, cell.setting)) {
        fail(`connection scored under the baseline's setting ${entry.setting}`, `scored under ${cell.setting.label} now (${RERECORD} if that is intended)`);
        continue;
      }
      // Reported then, missed now: never "no more fragments", and its coverage may have been below the coverage
      // tolerance already (a 19 h session cut by 5 min timeouts is covered 0.006%).
      if (entry.fragments > 0 && score.fragments === 0) {
        fail(`reported, as in the baseline (${entry.fragments} ${entry.fragments === 1 ? 'record' : 'records'})`, 'missed now: no record of it');
        continue;
      }
      if (score.fragments > entry.fragments + tolerance.fragments) {
        fail(
          `at most ${entry.fragments + tolerance.fragments} ${entry.fragments + tolerance.fragments === 1 ? 'record' : 'records'} as in the baseline`,
          `more fragments than the baseline: ${entry.fragments} -> ${score.fragments}`,
        );
      }
      if (score.coverage < entry.coverage - tolerance.coverage) {
        fail(
          `coverage of at least ${percent(entry.coverage - tolerance.coverage)} as in the baseline`,
          `less coverage than the baseline: ${percent(entry.coverage)} -> ${percent(score.coverage)}`,
        );
      }
      // Exact, as a hunt is (`duration >= 1h` on single records): with the duration tolerance added, a record of
      // 59m59.5s passed as "still found by the 1h hunt" that no longer finds it.
      for (const threshold of entry.huntsFound) {
        if (score.longestRecordUs < secondsToUs(threshold)) {
          fail(
            `found by a hunt for records of ${formatDuration(threshold)} or more, as in the baseline`,
            `a hunt at ${formatDuration(threshold)} no longer finds it: longest record ${formatDuration(entry.longestRecordUs / 1e6)} -> ${formatDuration(score.longestRecordUs / 1e6)}`,
          );
        }
      }
    }
    if (regressions === 0) {
      out.push(result({ status: 'pass', connection: 'all', expected, seen: `${entries.length} ${entries.length === 1 ? 'connection' : 'connections'} no worse` }));
    }
    // A connection added to the scenario since (or a copy, after its count grew) is guarded by no entry: named,
    // never counted into "N connections no worse".
    const recorded = new Set(entries.map((e) => e.connection));
    const newcomers = cell.scores.filter((s) => !s.background && !recorded.has(s.connectionId)).map((s) => s.connectionId);
    if (newcomers.length > 0) {
      unrecordedConnections += newcomers.length;
      const listed = newcomers.length <= 5 ? newcomers.join(', ') : `${newcomers.slice(0, 5).join(', ')} and ${newcomers.length - 5} more`;
      out.push(result({
        status: 'skip',
        connection: newcomers.length === 1 ? (newcomers[0] as string) : 'all',
        expected,
        reason: `not compared with the baseline: ${newcomers.length === 1 ? 'connection' : 'connections'} ${listed} judged now ${newcomers.length === 1 ? 'has' : 'have'} no entry in it (record them with --update-baseline)`,
      }));
    }
  }
  // A cell judged now that the baseline holds nothing of (a baseline recorded empty, a sensor or scenario added
  // since) is guarded by no entry: said so, never folded silently into "0 regressions".
  let unrecorded = 0;
  for (const scenario of results.scenarios) {
    for (const sensor of suite.sensors) {
      for (const cell of cellsOf(scenario, sensor)) {
        if (cell.status !== 'ok' || groups.has(`${scenario.name}\u0000${sensor.name}\u0000${cell.view}`)) continue;
        unrecorded += 1;
        out.push({
          kind: 'baseline',
          scenario: scenario.name,
          sensor: sensorLabel(sensor.name, cell.view),
          status: 'skip',
          connection: 'all',
          expected: 'no worse than the baseline',
          reason: 'not compared with the baseline: it holds no entry for this sensor on this scenario (record them with --update-baseline)',
        });
      }
    }
  }
  return { results: out, unrecorded, unrecordedConnections };
}

/** A reason on one line: a monitor's stderr tail spans several. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' | ');
}
