import type { RunResults } from '../harness/core/results.js';
import { RESULTS_SCHEMA_VERSION } from '../harness/core/results.js';
import { InputError } from '../harness/core/input-error.js';
import { duplicateKeyProblem, jsonErrorPosition, lineAndColumn } from '../harness/core/json-position.js';
import { checkAgainstSchema, describeValue, jsonPlace } from '../harness/io/json-schema.js';
import { checkCellScores, type ScorePlaces } from '../harness/core/cell-scores.js';
import { otherHarnessFile } from '../harness/io/harness-file-kind.js';
import { MAX_DURATION_S } from '../harness/core/duration.js';

/**
 * `results.json`: keys sorted at every level (schemaVersion first, so `head` shows it), two-space indent, so two
 * runs that found the same thing write the same bytes and diff cleanly. Past PRETTY_SCORE_LIMIT scores (10,000
 * connections in a sweep) the indent alone would more than double a file of 100 MB, so it is written compact.
 */
export const PRETTY_SCORE_LIMIT = 20_000;

export function renderJson(results: RunResults): string {
  return [...jsonChunks(results)].join('');
}

/**
 * The same text as `renderJson`, in pieces of about CHUNK_CHARS, so that a sweep over 10,000 connections (a
 * results.json of ~300 MB) is written without ever holding it whole: the tree is walked down to STREAM_DEPTH (one
 * score, one truth connection) and each value below is written as one string.
 */
export function* jsonChunks(results: RunResults): Generator<string> {
  const scores = results.scenarios.reduce((n, s) => n + s.cells.reduce((m, c) => m + c.scores.length, 0), 0);
  const indent = scores > PRETTY_SCORE_LIMIT ? '' : '  ';
  let pending = '';
  for (const piece of sortedJson(results, indent, 0)) {
    pending += piece;
    if (pending.length >= CHUNK_CHARS) {
      yield pending;
      pending = '';
    }
  }
  yield `${pending}\n`;
}

const CHUNK_CHARS = 1 << 20;
/** results(0) > scenarios(1) > scenario(2) > cells(3) > cell(4) > scores(5) > score(6): one score per stringify. */
const STREAM_DEPTH = 6;

/**
 * What `JSON.stringify(value, null, indent)` would give if every object's keys were sorted (schemaVersion first),
 * in pieces; `depth` levels are already open.
 */
function* sortedJson(value: unknown, indent: string, depth: number): Generator<string> {
  if (value !== null && typeof value === 'object' && hasToJson(value)) {
    yield* sortedJson(value.toJSON(), indent, depth);
    return;
  }
  if (depth >= STREAM_DEPTH || value === null || typeof value !== 'object') {
    const text = JSON.stringify(sortedCopy(value), null, indent) ?? 'null';
    // Nested output is indented as if at the top: shift it to this depth. Strings hold no raw newline (JSON escapes it).
    yield indent === '' || depth === 0 ? text : text.replaceAll('\n', `\n${indent.repeat(depth)}`);
    return;
  }
  let items: [string | undefined, unknown][];
  if (Array.isArray(value)) items = value.map((v: unknown) => [undefined, v ?? null]);
  else {
    const ordered = sortedShallow(value as Record<string, unknown>);
    items = Object.keys(ordered).flatMap((k) => (ordered[k] === undefined ? [] : [[k, ordered[k]] as [string, unknown]]));
  }
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  if (items.length === 0) {
    yield `${open}${close}`;
    return;
  }
  const inner = indent === '' ? '' : `\n${indent.repeat(depth + 1)}`;
  yield open;
  for (let i = 0; i < items.length; i++) {
    const [key, item] = items[i] as [string | undefined, unknown];
    yield `${i > 0 ? ',' : ''}${inner}${key === undefined ? '' : `${JSON.stringify(key)}${indent === '' ? ':' : ': '}`}`;
    yield* sortedJson(item, indent, depth + 1);
  }
  yield `${indent === '' ? '' : `\n${indent.repeat(depth)}`}${close}`;
}

/**
 * A copy with every object's keys inserted in sorted order, for JSON.stringify to write in that order (undefined
 * values are kept: JSON.stringify drops them as it always does). JavaScript itself puts integer-like keys first.
 */
function sortedCopy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  // As JSON.stringify does: a value that says how it serializes (a truth table's row view) is written as that.
  if (hasToJson(value)) return sortedCopy(value.toJSON());
  if (Array.isArray(value)) {
    const copy: unknown[] = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) copy[i] = sortedCopy(value[i]);
    return copy;
  }
  const record = value as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const key of sortedKeys(record)) setOwn(copy, key, sortedCopy(record[key]));
  return copy;
}

function hasToJson(value: object): value is { toJSON(): unknown } {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

function sortedShallow(record: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key of sortedKeys(record)) setOwn(copy, key, record[key]);
  return copy;
}

/** `copy[key] = value`, except that a key "__proto__" becomes an own key, as in the parsed JSON, not the prototype. */
function setOwn(copy: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  else copy[key] = value;
}

/**
 * The record's own keys, sorted. A sweep's 300,000 scores have a handful of shapes, so the order is sorted once per
 * shape: looked up by first key and count, and used only after checking that it holds exactly the record's keys.
 */
const keyOrders = new Map<string, string[]>();

function sortedKeys(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record);
  const lookup = `${keys.length}\u0000${keys[0] ?? ''}`;
  const cached = keyOrders.get(lookup);
  // Same count, every cached key an own key, no duplicates in either: the same set.
  if (cached !== undefined && cached.length === keys.length && cached.every((k) => Object.hasOwn(record, k))) return cached;
  const order = [...keys].sort((a, b) => (a === 'schemaVersion' ? -1 : b === 'schemaVersion' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  if (keyOrders.size < 10_000) keyOrders.set(lookup, order);
  return order;
}

/** Reads a results.json back (for `harness report`); anything else is an InputError naming the file. */
export function parseResultsJson(text: string, file: string): RunResults {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const { line, col, found } = jsonErrorPosition(text, err);
    throw new InputError({ file, line, col }, `JSON that does not parse (${found})`, 'a results.json written by harness run');
  }
  // A key given twice (a verdict or a count said twice after a hand edit) was read as its last value.
  const duplicate = duplicateKeyProblem(text, data);
  if (duplicate !== undefined) throw new InputError({ file, ...lineAndColumn(text, duplicate.offset) }, duplicate.found, 'each key once in an object: a results.json written by harness run');
  const at1 = { file, line: 1, col: 1 };
  if (!isObject(data)) throw new InputError(at1, describe(data), 'a JSON object (a results.json written by harness run)');
  const other = otherHarnessFile(data, 'results');
  if (other !== undefined) throw new InputError(at1, other, 'a results.json written by harness run (or its run folder)');
  if (!('schemaVersion' in data)) throw new InputError(at1, 'no schemaVersion', `a results.json with schemaVersion ${RESULTS_SCHEMA_VERSION}`);
  if (data.schemaVersion !== RESULTS_SCHEMA_VERSION) {
    throw new InputError(
      at1,
      `results schema version ${JSON.stringify(data.schemaVersion)}`,
      `version ${RESULTS_SCHEMA_VERSION} (RESULTS_SCHEMA_VERSION of this harness); re-run harness run, or use the harness that wrote it`,
    );
  }
  checkShape(data, file, text);
  // checkShape names the fields every reader needs; the schema checks every other field a report reads, at any
  // depth: before it, a cost of [] or a hunt count of null (a hand-edited or damaged results.json) crashed a renderer
  // with a stack trace, and a count of -1 or "x" was rendered as if the run had found it.
  checkAgainstSchema('results', data, file, text, 'a results.json written by harness run');
  const results = data as unknown as RunResults;
  checkConsistency(results, file, text);
  return results;
}

/**
 * What the reports read twice must say one thing: a cell's verdict is the worst of its connections' (JUnit reads
 * the first, the tables the second: a verdict edited to accurate passed in JUnit beside "fragmented (58)" in the
 * text), and a connection's fragment count is its list of fragments. The rules are checkCellScores', as for the
 * scores file of a summarized cell; here each is placed at its JSON path.
 */
function checkConsistency(results: RunResults, file: string, text: string): void {
  const expected = 'a results.json as harness run wrote it (each cell\'s verdict the worst of its connections\', each count its list)';
  // What --tolerance can give (a duration kept to the microsecond, at most 285 years): 1e308 s made every record of
  // every connection "accurate" and was rendered as given. The ratio is the harness's own, a fraction of a duration.
  if (results.toleranceS > MAX_DURATION_S) {
    throw new InputError(jsonPlace(file, text, ['toleranceS']), `$.toleranceS ${results.toleranceS}`, `a tolerance of at most ${MAX_DURATION_S} s (285 years), as harness run --tolerance takes it`);
  }
  if (results.toleranceRatio >= 1) {
    throw new InputError(jsonPlace(file, text, ['toleranceRatio']), `$.toleranceRatio ${results.toleranceRatio}`, 'a fraction of the true duration below 1, as harness run writes it (0.001)');
  }
  results.scenarios.forEach((scenario, i) => {
    const truthOf = new Map(scenario.truth.connections.map((c) => [c.id, c]));
    scenario.cells.forEach((cell, j) => {
      const place = (...rest: (string | number)[]) => {
        const segments = ['scenarios', i, 'cells', j, ...rest];
        return { at: jsonPlace(file, text, segments), name: `$${segments.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}` };
      };
      const places: ScorePlaces = {
        score: (k, field) => place('scores', k, field),
        cell: (field) => place(field),
        expected,
        disagreement: (worst, counts) => {
          if (worst !== undefined && worst !== cell.verdict) {
            const verdict = place('verdict');
            return new InputError(verdict.at, `${verdict.name} "${cell.verdict}" while its connections' worst is "${worst}"`, expected);
          }
          const aggregate = place('aggregate');
          const said = cell.aggregate;
          return new InputError(
            aggregate.at,
            `${aggregate.name} counting ${said?.accurate} accurate, ${said?.fragmented} fragmented, ${said?.missed} missed, ${said?.merged ?? 0} merged while its connections are ` +
              `${counts.accurate} accurate, ${counts.fragmented} fragmented, ${counts.missed} missed, ${counts.merged} merged`,
            expected,
          );
        },
      };
      checkCellScores(cell.scores, { cell, truthOf, tolerances: results, whole: cell.connectionsScored === undefined, everyConnection: cell.connectionsScored === undefined }, places);
    });
  });
}

type Obj = Record<string, unknown>;
type Check = 'string' | 'number' | 'boolean' | 'array' | 'object';

function checkShape(data: Obj, file: string, text: string): void {
  const fail = (path: string, value: unknown, expected: string): never => {
    // At the value itself (line 1, column 1 named none of a 3,000-line file).
    throw new InputError(jsonPlace(file, text, pathSegments(path)), `${path} ${describe(value)}`, expected);
  };
  const need = (obj: Obj, key: string, kind: Check, path: string): unknown => {
    const value = obj[key];
    const ok =
      kind === 'array' ? Array.isArray(value) : kind === 'object' ? isObject(value) : typeof value === kind && (kind !== 'number' || Number.isFinite(value));
    if (!ok) fail(`${path}.${key}`, value, `${kind === 'array' ? 'an array' : kind === 'object' ? 'an object' : `a ${kind}`} at ${path}.${key}`);
    return value;
  };
  const tool = need(data, 'tool', 'object', '$') as Obj;
  need(tool, 'version', 'string', '$.tool');
  need(data, 'createdAt', 'string', '$');
  need(data, 'command', 'array', '$');
  need(data, 'huntThresholdsS', 'array', '$');
  need(data, 'toleranceS', 'number', '$');
  need(data, 'toleranceRatio', 'number', '$');
  const scenarios = need(data, 'scenarios', 'array', '$') as unknown[];
  scenarios.forEach((scenario, i) => {
    const sp = `$.scenarios[${i}]`;
    if (!isObject(scenario)) return fail(sp, scenario, `an object at ${sp}`);
    need(scenario, 'name', 'string', sp);
    if ('connectionCount' in scenario) need(need(scenario, 'connectionCount', 'object', sp) as Obj, 'scenario', 'number', `${sp}.connectionCount`);
    const truth = need(scenario, 'truth', 'object', sp) as Obj;
    const pcap = need(truth, 'pcap', 'object', `${sp}.truth`) as Obj;
    need(pcap, 'spanUs', 'number', `${sp}.truth.pcap`);
    const connections = need(truth, 'connections', 'array', `${sp}.truth`) as unknown[];
    connections.forEach((c, k) => {
      const cp = `${sp}.truth.connections[${k}]`;
      if (!isObject(c)) return fail(cp, c, `an object at ${cp}`);
      need(c, 'id', 'string', cp);
      need(c, 'firstUs', 'number', cp);
      need(c, 'lastUs', 'number', cp);
      need(c, 'durationUs', 'number', cp);
      need(c, 'quietPeriods', 'array', cp);
      return undefined;
    });
    const settings = need(scenario, 'settings', 'array', sp) as unknown[];
    settings.forEach((s, k) => {
      if (!isObject(s)) return fail(`${sp}.settings[${k}]`, s, 'a timeout setting object');
      need(s, 'label', 'string', `${sp}.settings[${k}]`);
      return undefined;
    });
    need(scenario, 'recommendations', 'array', sp);
    const cells = need(scenario, 'cells', 'array', sp) as unknown[];
    cells.forEach((cell, k) => {
      const cp = `${sp}.cells[${k}]`;
      if (!isObject(cell)) return fail(cp, cell, `an object at ${cp}`);
      need(cell, 'column', 'string', cp);
      need(cell, 'monitor', 'string', cp);
      need(cell, 'status', 'string', cp);
      need(cell, 'verdict', 'string', cp);
      need(need(cell, 'setting', 'object', cp) as Obj, 'label', 'string', `${cp}.setting`);
      need(need(cell, 'provenance', 'object', cp) as Obj, 'commands', 'array', `${cp}.provenance`);
      if ('connectionsScored' in cell) need(cell, 'connectionsScored', 'number', cp);
      const scores = need(cell, 'scores', 'array', cp) as unknown[];
      scores.forEach((s, j) => {
        const p = `${cp}.scores[${j}]`;
        if (!isObject(s)) return fail(p, s, `an object at ${p}`);
        need(s, 'connectionId', 'string', p);
        need(s, 'fragmentList', 'array', p);
        need(s, 'verdict', 'string', p);
        return undefined;
      });
      return undefined;
    });
    return undefined;
  });
}

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `$.scenarios[0].truth.pcap` -> ['scenarios', 0, 'truth', 'pcap']. */
function pathSegments(path: string): (string | number)[] {
  return [...path.matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : (m[1] as string)));
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (typeof value === 'number' && !Number.isFinite(value)) return describeValue(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 40 ? `${text.slice(0, 40)}...` : text}`;
}

