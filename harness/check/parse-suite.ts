import { MAX_LIVE_SPEEDUP } from '../live/time-scale.js';
import { formatDuration } from '../core/duration.js';
import { isScalar, LineCounter, type ParsedNode } from 'yaml';
import { InputError } from '../core/input-error.js';
import { parseTimeoutSetting, type TimeoutSetting } from '../core/timeout-setting.js';
import { isInputError } from '../core/input-error.js';
import { YamlReader, type Fields } from '../scenario/yaml-reader.js';
import { CHECK_KEYS, type Check, type Expectation, type ScenarioPattern, type SensorSpec, type Suite, type SuiteTolerance } from './suite.js';
import { compareVersions, isVersionText, numericVersion, type VersionRange } from './version-range.js';
import { readYamlDocument } from '../scenario/yaml-document.js';

/** What the registry knows of a monitor, enough to validate a sensor without loading any adapter here. */
export interface MonitorCatalogEntry {
  id: string;
  views: readonly string[];
}

export const DEFAULT_TOLERANCE: SuiteTolerance = { durationS: 1, coverage: 0.001, fragments: 0 };

const TOP_KEYS = ['sensors', 'scenarios', 'expect', 'tolerance', 'live', 'speedup'] as const;
const SENSOR_KEYS = ['monitor', 'binary', 'timeouts', 'config', 'view', 'requires', 'skip'] as const;
const EXPECT_KEYS = ['scenario', 'sensor', 'sensors', 'connection', 'requires', 'tolerance', ...CHECK_KEYS] as const;
const SENSOR_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const SUITE_EXAMPLE = 'sensors: { zeek-tuned: { monitor: zeek, config: local.zeek } }';

/**
 * Parses and validates a suite. Pure: the files it names and the scenario names are checked by loadSuite; the
 * monitor ids and views are checked here when `monitors` is given.
 */
export function parseSuite(text: string, file: string, monitors?: readonly MonitorCatalogEntry[]): Suite {
  const lines = new LineCounter();
  const doc = readYamlDocument(text, file, lines, { nested: `a suite nested a few levels deep, e.g. ${SUITE_EXAMPLE}`, wellFormed: 'well-formed YAML' });
  const r = new YamlReader(file, text, lines, doc);
  const root = doc.contents as ParsedNode | null;
  if (root === null || (isScalar(root) && root.value === null)) {
    r.fail(root, 'an empty suite', `a map with sensors, scenarios and expect, e.g. ${SUITE_EXAMPLE}`);
  }
  const top = r.map(root, 'the suite', SUITE_EXAMPLE);
  // Another harness file given where a suite belongs is named as what it is, not as a suite with a stray key.
  const stranger = top.has('connections') && !top.has('sensors') ? 'a scenario (it has connections:), not a suite'
    : top.has('schemaVersion') && !top.has('sensors') ? 'a harness JSON file (results, truth or baseline), not a suite' : undefined;
  if (stranger !== undefined) {
    r.fail(root, stranger, `a suite (sensors, scenarios, expect) that names its scenarios, e.g. ${SUITE_EXAMPLE}; a scenario alone runs with harness run`);
  }
  top.allowOnly(TOP_KEYS);
  const tolerance = readTolerance(r, top);
  const sensors = readSensors(r, top, monitors);
  const scenarios = readScenarios(r, top);
  const expectations = readExpectations(r, top, sensors, tolerance);
  refuseRepeatedChecks(expectations, sensors, tolerance);
  const live = readLive(r, top);
  return { file, sensors, scenarios, expectations, tolerance, ...(live ? { live } : {}) };
}

/** `live: true` judges every sensor that has a live form on the private wire; `speedup: K` fixes K (live only). */
function readLive(r: YamlReader, top: Fields): Suite['live'] {
  const liveNode = top.optional('live', 'true or false');
  const speedupNode = top.optional('speedup', 'a whole number 1 or more, with live: true');
  const live = liveNode === undefined ? false : r.scalarValue(liveNode);
  if (liveNode !== undefined && typeof live !== 'boolean') r.fail(liveNode, `live ${r.describe(liveNode)}`, 'true or false');
  if (speedupNode !== undefined && live !== true) r.fail(speedupNode, 'speedup without live: true', 'live: true beside speedup, or no speedup');
  if (live !== true) return undefined;
  // speedupWhere: a K the live run refuses (it breaks a floor or the scenario's timing) is named at the suite's line.
  return {
    ...(speedupNode === undefined ? {} : { speedup: r.integer(speedupNode, 'speedup', 1, MAX_LIVE_SPEEDUP), speedupWhere: r.where(speedupNode) }),
    where: r.where(liveNode as ParsedNode),
  };
}

function readTolerance(r: YamlReader, top: Fields): SuiteTolerance {
  const node = top.optional('tolerance', '{ duration: 1s, coverage: 0.1%, fragments: 0 }');
  if (node === undefined) return { ...DEFAULT_TOLERANCE };
  const fields = r.map(node, 'tolerance', '{ duration: 1s, coverage: 0.1%, fragments: 0 }');
  fields.allowOnly(['duration', 'coverage', 'fragments']);
  const duration = fields.optional('duration', 'a duration such as 1s');
  const coverage = fields.optional('coverage', 'a fraction such as 0.001 or a percentage such as 0.1%');
  const fragments = fields.optional('fragments', 'a whole number such as 0');
  return {
    durationS: duration === undefined ? DEFAULT_TOLERANCE.durationS : r.duration(duration, 'duration tolerance', false),
    coverage: coverage === undefined ? DEFAULT_TOLERANCE.coverage : coverageTolerance(r, coverage),
    fragments: fragments === undefined ? DEFAULT_TOLERANCE.fragments : r.integer(fragments, 'fragments tolerance', 0, Number.MAX_SAFE_INTEGER),
  };
}

/** A coverage tolerance of 100% or more lets any loss of coverage pass: a baseline that cannot fail on coverage. */
function coverageTolerance(r: YamlReader, node: Parameters<typeof readFraction>[1]): number {
  const tolerance = readFraction(r, node, 'coverage tolerance');
  if (tolerance >= 1) r.fail(node, `coverage tolerance ${r.describe(node)}`, 'below 100% (at 100% a connection covered before and missed now passes on coverage)');
  return tolerance;
}

function readSensors(r: YamlReader, top: Fields, monitors: readonly MonitorCatalogEntry[] | undefined): SensorSpec[] {
  const sensorsNode = top.required('sensors', SUITE_EXAMPLE.slice('sensors: '.length));
  const sensorMap = r.map(sensorsNode, 'sensors', SUITE_EXAMPLE.slice('sensors: '.length));
  // Fields has already refused keys that are not strings, so every name here is one.
  const names = sensorMap.node.items.map((pair) => String(r.scalarValue(pair.key as ParsedNode)));
  if (names.length === 0) r.fail(sensorsNode, 'no sensor', `at least one, e.g. ${SUITE_EXAMPLE}`);
  const sensors: SensorSpec[] = [];
  for (const name of names) {
    const keyNode = sensorMap.keyNode(name) as ParsedNode;
    if (!SENSOR_NAME.test(name)) {
      r.fail(keyNode, `sensor name "${name}"`, 'letters, digits, dot, dash and underscore, starting with a letter or digit');
    }
    const valueNode = sensorMap.get(name);
    const fields = r.map(valueNode ?? keyNode, `sensor "${name}"`, '{ monitor: zeek, config: local.zeek }');
    fields.allowOnly(SENSOR_KEYS);
    const monitorNode = fields.required('monitor', 'a monitor id such as zeek, argus, softflowd');
    const monitor = r.string(monitorNode, 'monitor', 'a monitor id such as zeek, argus, softflowd');
    const known = monitors?.find((m) => m.id === monitor);
    if (monitors && !known) {
      r.fail(monitorNode, `monitor "${monitor}"`, `one of ${monitors.map((m) => m.id).join(', ')}`);
    }
    const sensor: SensorSpec = {
      name,
      monitor,
      setting: readSetting(r, fields),
      where: r.where(keyNode),
      monitorAt: r.where(monitorNode),
    };
    const timeoutsNode = fields.optional('timeouts', 'one timeout setting such as default, 1h or tcp=1h,udp=10m');
    if (timeoutsNode !== undefined) sensor.settingAt = r.where(timeoutsNode);
    const viewNode = fields.optional('view', 'a view of the monitor, e.g. merged');
    if (viewNode !== undefined) {
      sensor.view = r.string(viewNode, 'view', 'a view of the monitor, e.g. merged');
      sensor.viewAt = r.where(viewNode);
      if (known && !known.views.includes(sensor.view)) {
        r.fail(viewNode, `view "${sensor.view}" of ${monitor}`, `one of ${known.views.join(', ')}`);
      }
    }
    const configNode = fields.optional('config', 'a config file path relative to the suite, e.g. local.zeek');
    if (configNode !== undefined) {
      sensor.config = r.string(configNode, 'config', 'a config file path relative to the suite, e.g. local.zeek');
      sensor.configAt = r.where(configNode);
    }
    const binaryNode = fields.optional('binary', 'the monitor binary this sensor runs, e.g. /opt/zeek-6/bin/zeek');
    if (binaryNode !== undefined) {
      sensor.binary = r.string(binaryNode, 'binary', 'the monitor binary this sensor runs, e.g. /opt/zeek-6/bin/zeek');
      sensor.binaryAt = r.where(binaryNode);
    }
    const requiresNode = fields.optional('requires', '{ min: "7.0", below: "8" }');
    if (requiresNode !== undefined) sensor.requires = readVersionRange(r, requiresNode);
    const skipNode = fields.optional('skip', 'the reason for skipping, e.g. "collector being replaced"');
    if (skipNode !== undefined) sensor.skip = r.string(skipNode, 'skip', 'the reason for skipping, as text, e.g. "collector being replaced"');
    sensors.push(sensor);
  }
  return sensors;
}

function readSetting(r: YamlReader, fields: Fields): TimeoutSetting {
  const node = fields.optional('timeouts', 'one timeout setting such as default, 1h or tcp=1h,udp=10m');
  if (node === undefined) return parseTimeoutSetting('default');
  const value = r.scalarValue(node);
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || text.trim() === '') {
    r.fail(node, `timeouts ${r.describe(node)}`, 'one timeout setting such as default, 1h or tcp=1h,udp=10m');
  }
  try {
    return parseTimeoutSetting(text);
  } catch (error) {
    // The setting parser knows what is wrong but not where: re-raise at the node.
    if (isInputError(error)) throw new InputError(r.where(node), error.found, error.expected);
    throw error;
  }
}

function readVersionRange(r: YamlReader, node: ParsedNode): VersionRange {
  const fields = r.map(node, 'requires', '{ min: "7.0", below: "8" }');
  fields.allowOnly(['min', 'below']);
  const range: VersionRange = {};
  for (const key of ['min', 'below'] as const) {
    const valueNode = fields.optional(key, 'a version such as "7.0.11"');
    if (valueNode === undefined) continue;
    const value = r.scalarValue(valueNode);
    const text = typeof value === 'number' ? r.describe(valueNode) : value;
    if (typeof text !== 'string' || !isVersionText(text)) {
      r.fail(valueNode, `${key} version ${r.describe(valueNode)}`, 'dotted numbers such as "7.0" or "7.0.11" (quote them)');
    }
    range[key] = text.trim();
  }
  if (range.min === undefined && range.below === undefined) r.fail(node, 'requires with neither min nor below', '{ min: "7.0" } and/or { below: "8" }');
  // min inclusive, below exclusive: a range no version can satisfy would skip its sensor forever, silently.
  if (range.min !== undefined && range.below !== undefined && compareVersions(numericVersion(range.min) ?? [], numericVersion(range.below) ?? []) >= 0) {
    r.fail(node, `requires min "${range.min}" and below "${range.below}", which no version satisfies`, 'min lower than below, e.g. { min: "7.0", below: "8" }');
  }
  // Below version 0 is no version at all: the same silent, permanent skip.
  if (range.below !== undefined && (numericVersion(range.below) ?? []).every((n) => n === 0)) {
    r.fail(fields.optional('below', '') ?? node, `requires below "${range.below}", which no version satisfies`, 'a version above 0, e.g. { below: "8" }');
  }
  return range;
}

function readScenarios(r: YamlReader, top: Fields): ScenarioPattern[] {
  const node = top.required('scenarios', 'a list of scenario files or globs, e.g. [../scenarios/burst-20min.yaml]');
  const items = isScalar(r.resolve(node)) ? [node] : r.list(node, 'scenarios', '[../scenarios/burst-20min.yaml, more/*.yaml]');
  if (items.length === 0) r.fail(node, 'no scenario', 'at least one scenario file or glob');
  const patterns: ScenarioPattern[] = [];
  for (const item of items) {
    const pattern = r.string(item, 'a scenario', 'a path or glob of scenario files, relative to the suite');
    // [a.yaml, a.yaml] ran a.yaml once without a word: a slip (another scenario meant?) that hid itself. A glob that
    // overlaps another entry ([*.yaml, a.yaml]) is kept: each file still runs once.
    const earlier = patterns.find((p) => p.pattern === pattern);
    if (earlier !== undefined) r.fail(item, `scenario "${pattern}" twice in scenarios (first on line ${earlier.where.line})`, 'each scenario once');
    patterns.push({ pattern, where: r.where(item) });
  }
  return patterns;
}

function readExpectations(r: YamlReader, top: Fields, sensors: SensorSpec[], tolerance: SuiteTolerance): Expectation[] {
  const example = '[{ scenario: burst-20min, max_fragments: 1 }]';
  const node = top.required('expect', example);
  const items = r.list(node, 'expect', example);
  if (items.length === 0) r.fail(node, 'no expectation', `at least one, e.g. ${example}`);
  return items.map((item) => readExpectation(r, item, sensors, tolerance));
}

/**
 * One check of one sensor on one scenario (and connection), asked by two expectations, was judged twice: two passes
 * (or two failures) in the counts and the JUnit for one thing checked, and the second copy often a slip for another
 * sensor or scenario. Refused at the later expectation, naming the line of the first. Equal checks are equal in
 * value (99% and 0.99, 1h and 60m); tolerance counts only for the duration checks it applies to. Two different limits
 * of one kind (max_fragments 1 and 2) are two checks and stay.
 */
function refuseRepeatedChecks(expectations: Expectation[], sensors: SensorSpec[], tolerance: SuiteTolerance): void {
  const firstAt = new Map<string, Expectation>();
  for (const expectation of expectations) {
    const names = expectation.sensors ?? sensors.map((s) => s.name);
    const repeated: { check: Check; sensor: string; first: Expectation }[] = [];
    for (const check of expectation.checks) {
      const slack = check.kind === 'longest_record' ? (expectation.toleranceS ?? tolerance.durationS) : null;
      for (const sensor of names) {
        const key = JSON.stringify([expectation.scenario, expectation.connection ?? null, expectation.requires ?? null, slack, sensor, check]);
        const first = firstAt.get(key);
        if (first === undefined) firstAt.set(key, expectation);
        else if (first !== expectation) repeated.push({ check, sensor, first });
      }
    }
    const [one] = repeated;
    if (one === undefined) continue;
    const { first } = one;
    const whole = repeated.length === expectation.checks.length * names.length && repeated.every((x) => x.first === first);
    const on = expectation.connection === undefined ? `scenario ${expectation.scenario}` : `connection ${expectation.connection} of scenario ${expectation.scenario}`;
    const found = whole
      ? `an expectation that checks only what the expectation on line ${first.where.line} checks already (${expectation.checks.map(describeCheckKey).join(', ')} of ${names.map((n) => `"${n}"`).join(', ')} on ${on})`
      : `${describeCheckKey(one.check)} of sensor "${one.sensor}" on ${on}, which the expectation on line ${first.where.line} checks already`;
    throw new InputError(expectation.where, found, 'each check once for a sensor and scenario (it was judged, and counted, twice): drop it from one of the two expectations');
  }
}

function describeCheckKey(check: Check): string {
  switch (check.kind) {
    case 'max_fragments': return `max_fragments ${check.max}`;
    case 'min_coverage': return `min_coverage ${check.min}`;
    case 'longest_record': return `longest_record ${check.atLeastS}s`;
    case 'hunt': return `hunt at ${check.thresholdS}s by ${check.by}`;
    case 'close': return `close ${check.state}`;
  }
}

function readExpectation(r: YamlReader, node: ParsedNode, sensors: SensorSpec[], tolerance: SuiteTolerance): Expectation {
  const fields = r.map(node, 'an expectation', '{ scenario: burst-20min, max_fragments: 1 }');
  fields.allowOnly(EXPECT_KEYS);
  const scenarioNode = fields.required('scenario', 'a scenario name such as burst-20min');
  const expectation: Expectation = {
    where: r.where(node),
    scenario: r.string(scenarioNode, 'scenario', 'a scenario name such as burst-20min'),
    scenarioAt: r.where(scenarioNode),
    checks: [],
  };
  if (fields.has('sensor') && fields.has('sensors')) {
    r.fail(fields.keyNode('sensors'), 'both sensor and sensors', 'one of them: sensor: name, or sensors: [a, b]');
  }
  const sensorNodes = readSensorNames(r, fields);
  if (sensorNodes) {
    expectation.sensors = [];
    expectation.sensorsAt = [];
    for (const sensorNode of sensorNodes) {
      const name = r.string(sensorNode, 'a sensor', 'a sensor name of this suite');
      if (!sensors.some((s) => s.name === name)) {
        r.fail(sensorNode, `sensor "${name}"`, `a sensor of this suite: ${sensors.map((s) => s.name).join(', ')}`);
      }
      expectation.sensors.push(name);
      expectation.sensorsAt.push(r.where(sensorNode));
    }
  }
  const connectionNode = fields.optional('connection', 'a connection id of the scenario, e.g. c2-beacon');
  if (connectionNode !== undefined) {
    expectation.connection = r.string(connectionNode, 'connection', 'a connection id of the scenario, e.g. c2-beacon');
    expectation.connectionAt = r.where(connectionNode);
  }
  const requiresNode = fields.optional('requires', '{ min: "7.0", below: "8" }');
  if (requiresNode !== undefined) expectation.requires = readVersionRange(r, requiresNode);
  const toleranceNode = fields.optional('tolerance', 'a duration such as 1s');
  if (toleranceNode !== undefined) expectation.toleranceS = r.duration(toleranceNode, 'tolerance', false);
  expectation.checks = readChecks(r, fields, expectation.toleranceS === undefined ? { s: tolerance.durationS, of: "the suite's duration tolerance" } : { s: expectation.toleranceS, of: "this expectation's tolerance" });
  if (expectation.checks.length === 0) {
    r.fail(node, 'an expectation with nothing to check', `at least one of ${CHECK_KEYS.join(', ')}`);
  }
  return expectation;
}

function readSensorNames(r: YamlReader, fields: Fields): ParsedNode[] | undefined {
  const single = fields.optional('sensor', 'a sensor name of this suite');
  if (single !== undefined) return [single];
  const many = fields.optional('sensors', 'a list of sensor names, e.g. [zeek-tuned]');
  if (many === undefined) return undefined;
  const items = r.list(many, 'sensors', '[zeek-tuned, zeek-defaults]');
  if (items.length === 0) r.fail(many, 'an empty sensors list', 'at least one sensor name (or leave sensors out for all)');
  // [t, t] checked the expectation twice for one sensor: two passes (or two failures) in the count and the JUnit.
  const named = new Set<string>();
  for (const item of items) {
    const name = r.string(item, 'sensor name', 'a sensor name of this suite');
    if (named.has(name)) r.fail(item, `sensor "${name}" twice in sensors`, 'each sensor once');
    named.add(name);
  }
  return items;
}

/**
 * `slack` is the duration tolerance that applies to longest_record: one as long as the record asked for would let a
 * record of no length at all pass, so the check could never fail.
 */
function readChecks(r: YamlReader, fields: Fields, slack: { s: number; of: string }): Check[] {
  const checks: Check[] = [];
  const fragments = fields.optional('max_fragments', 'a whole number of 1 or more');
  if (fragments !== undefined) checks.push({ kind: 'max_fragments', max: r.integer(fragments, 'max_fragments', 1, Number.MAX_SAFE_INTEGER) });
  const coverage = fields.optional('min_coverage', 'a fraction such as 0.99 or a percentage such as 99%');
  if (coverage !== undefined) {
    const min = readFraction(r, coverage, 'min_coverage');
    // Every connection, a missed one too, has a coverage of at least 0: a check that cannot fail.
    if (min === 0) r.fail(coverage, `min_coverage ${r.describe(coverage)}`, 'a coverage above 0 (at 0 a connection no record reported passes)');
    checks.push({ kind: 'min_coverage', min });
  }
  const longest = fields.optional('longest_record', 'a duration such as 18h');
  if (longest !== undefined) {
    const atLeastS = r.duration(longest, 'longest_record', true);
    if (slack.s >= atLeastS) {
      r.fail(longest, `longest_record ${formatDuration(atLeastS)} with ${slack.of} of ${formatDuration(slack.s)}`, 'a tolerance shorter than the record asked for (otherwise a record of no length passes)');
    }
    checks.push({ kind: 'longest_record', atLeastS });
  }
  const hunt = fields.optional('hunt', 'a threshold such as 1h, or { at: 1h, by: sum }');
  if (hunt !== undefined) checks.push(readHunt(r, hunt));
  const close = fields.optional('close', 'as-truth, or a state text such as SF');
  if (close !== undefined) {
    const state = r.string(close, 'close', 'as-truth, or the state text of the last record such as SF');
    // The words the check itself shows for a connection with no record, or a record without a state: asked for,
    // they passed for a connection the monitor missed.
    if (state === 'no record' || state === 'no state') r.fail(close, `close "${state}", the check's own words for a missing record or state`, 'as-truth, or a state text the monitor writes, such as SF');
    checks.push({ kind: 'close', state });
  }
  return checks;
}

function readHunt(r: YamlReader, node: ParsedNode): Check {
  if (isScalar(r.resolve(node))) return { kind: 'hunt', thresholdS: r.duration(node, 'hunt threshold', true), by: 'longest' };
  const fields = r.map(node, 'hunt', '{ at: 1h, by: longest }');
  fields.allowOnly(['at', 'by']);
  const at = fields.required('at', 'a duration such as 1h');
  const by = fields.optional('by', 'longest or sum');
  return {
    kind: 'hunt',
    thresholdS: r.duration(at, 'hunt threshold', true),
    by: by === undefined ? 'longest' : r.oneOf(by, 'hunt by', ['longest', 'sum'] as const),
  };
}

/** `0.99`, `99%`, `99.5%` -> a fraction in [0, 1]. */
function readFraction(r: YamlReader, node: ParsedNode, what: string): number {
  const value = r.scalarValue(node);
  let fraction: number | undefined;
  if (typeof value === 'number') fraction = value;
  else if (typeof value === 'string' && /^\s*\d+(?:\.\d+)?\s*%\s*$/.test(value)) fraction = Number(value.trim().replace('%', '').trim()) / 100;
  if (fraction === undefined || !Number.isFinite(fraction) || fraction < 0 || fraction > 1) {
    r.fail(node, `${what} ${r.describe(node)}`, 'a fraction from 0 to 1 such as 0.99, or a percentage such as 99%');
  }
  return fraction;
}

