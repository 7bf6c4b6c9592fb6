import { stat } from 'node:fs/promises';
import { TRUTH_SCHEMA_VERSION, type GroundTruth, type TruthConnection } from '../core/ground-truth.js';
import { InputError } from '../core/input-error.js';
import { canonicalIp, ipVersion } from '../core/ip-address.js';
import { duplicateKeyProblem, jsonErrorPosition, lineAndColumn } from '../core/json-position.js';
import { checkAgainstSchema, describePath, jsonPlace, type JsonPath } from './json-schema.js';
import { readInputText } from './read-input.js';
import { readLargeJsonObject } from './large-json.js';
import { otherHarnessFile } from './harness-file-kind.js';

/** Above this a truth is read connection by connection (its text would not fit one string, nor its parse memory). */
export const WHOLE_TEXT_LIMIT = 64 * 1024 * 1024;

const WHAT = 'a <name>.truth.json written by harness generate';

/**
 * Reads a `<name>.truth.json` written by `harness generate`. It is input like any other (it may have been edited,
 * truncated, or be another file): checked field by field against schemas/truth.schema.json, then for what a schema
 * cannot say (times in order, ids unique, real addresses), so that a damaged truth is refused with its JSON path
 * rather than scored into a confident wrong verdict.
 */
export async function readGroundTruth(file: string): Promise<GroundTruth> {
  const size = await stat(file).then((s) => s.size, () => 0);
  if (size > WHOLE_TEXT_LIMIT) return readLargeGroundTruth(file);
  const text = await readInputText(file, WHAT);
  return parseGroundTruth(text, file);
}

/**
 * A truth too large for one string (a million connections): read connection by connection. It gets the structural
 * checks only; the field-by-field schema check, which places each error by line and column, needs the whole text.
 */
async function readLargeGroundTruth(file: string): Promise<GroundTruth> {
  const value = await readLargeJsonObject(file, 'connections', WHAT);
  const truth = value as Partial<GroundTruth>;
  if (typeof value !== 'object' || value === null || truth.schemaVersion === undefined) {
    throw new InputError({ file, line: 1, col: 1 }, 'JSON without a schemaVersion', WHAT);
  }
  const other = otherHarnessFile(value, 'truth');
  if (other !== undefined) throw new InputError({ file, line: 1, col: 1 }, other, WHAT);
  if (truth.schemaVersion !== TRUTH_SCHEMA_VERSION) {
    throw new InputError({ file, line: 1, col: 1 }, `truth schema version ${String(truth.schemaVersion)}`, `version ${TRUTH_SCHEMA_VERSION} (regenerate it with this harness)`);
  }
  if (!Array.isArray(truth.connections) || typeof truth.pcap !== 'object') {
    throw new InputError({ file, line: 1, col: 1 }, 'a truth file without connections or pcap', 'a complete <name>.truth.json');
  }
  return truth as GroundTruth;
}

export function parseGroundTruth(text: string, file: string): GroundTruth {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const { line, col, found } = jsonErrorPosition(text, error);
    throw new InputError({ file, line, col }, `JSON that does not parse (${found})`, WHAT);
  }
  // A key given twice (`"durationUs": ..., "durationUs": ...` after a hand edit) was read as its last value.
  const duplicate = duplicateKeyProblem(text, value);
  if (duplicate !== undefined) throw new InputError({ file, ...lineAndColumn(text, duplicate.offset) }, duplicate.found, `each key once in an object: ${WHAT}`);
  const other = otherHarnessFile(value, 'truth');
  if (other !== undefined) throw new InputError({ file, line: 1, col: 1 }, other, WHAT);
  const version = (value as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && version !== undefined && version !== TRUTH_SCHEMA_VERSION) {
    throw new InputError(jsonPlace(file, text, ['schemaVersion']), `truth schema version ${JSON.stringify(version)}`, `version ${TRUTH_SCHEMA_VERSION} (regenerate it with this harness)`);
  }
  checkAgainstSchema('truth', value, file, text, WHAT);
  const truth = value as GroundTruth;
  const refuse = (path: JsonPath, found: string, expected: string): never => {
    throw new InputError(jsonPlace(file, text, path), `${describePath(path)} = ${found}`, expected);
  };
  if (truth.pcap.lastUs < truth.pcap.firstUs) refuse(['pcap', 'lastUs'], `${truth.pcap.lastUs}, before firstUs ${truth.pcap.firstUs}`, 'lastUs at or after firstUs');
  if (truth.pcap.spanUs !== truth.pcap.lastUs - truth.pcap.firstUs) refuse(['pcap', 'spanUs'], `${truth.pcap.spanUs}`, `lastUs - firstUs = ${truth.pcap.lastUs - truth.pcap.firstUs}`);
  const firstIndexOf = new Map<string, number>();
  truth.connections.forEach((conn, index) => {
    const at = (...rest: JsonPath): JsonPath => ['connections', index, ...rest];
    const seen = firstIndexOf.get(conn.id);
    if (seen !== undefined) refuse(at('id'), `"${conn.id}", the id of connections[${seen}] too`, 'a different id for each connection');
    firstIndexOf.set(conn.id, index);
    checkEndpoints(conn, at, refuse);
    if (conn.innerVlan !== undefined && conn.vlan === undefined) refuse(at('innerVlan'), `${conn.innerVlan} without a vlan`, 'innerVlan only under an outer vlan (QinQ)');
    if (conn.lastUs < conn.firstUs) refuse(at('lastUs'), `${conn.lastUs}, before firstUs ${conn.firstUs}`, 'lastUs at or after firstUs');
    if (conn.durationUs !== conn.lastUs - conn.firstUs) refuse(at('durationUs'), `${conn.durationUs}`, `lastUs - firstUs = ${conn.lastUs - conn.firstUs}`);
    if (conn.firstUs < truth.pcap.firstUs || conn.lastUs > truth.pcap.lastUs) {
      refuse(at(conn.firstUs < truth.pcap.firstUs ? 'firstUs' : 'lastUs'), `${conn.firstUs < truth.pcap.firstUs ? conn.firstUs : conn.lastUs}, outside the capture`, `a time within pcap.firstUs..pcap.lastUs (${truth.pcap.firstUs}..${truth.pcap.lastUs})`);
    }
    if (conn.clientPkts + conn.serverPkts === 0) refuse(at('clientPkts'), '0 with serverPkts 0', 'at least one packet in a connection');
    for (const side of ['client', 'server'] as const) {
      if (conn[`${side}IpBytes`] < conn[`${side}PayloadBytes`]) refuse(at(`${side}IpBytes`), `${conn[`${side}IpBytes`]}, less than ${side}PayloadBytes ${conn[`${side}PayloadBytes`]}`, 'IP bytes that include the payload');
    }
    // The quiet periods are every gap of at least quietThresholdUs of a scenario connection (none of a background
    // flow's): the model predicts fragments from them, so a list emptied or shortened by an edit scored a split
    // record as "the model predicts whole" and advised no timeout for the gaps it left out.
    let previousEnd = conn.firstUs;
    let longestListed = false;
    conn.quietPeriods.forEach((quiet, q) => {
      if (conn.background) refuse(at('quietPeriods', q), `${quiet.startUs}..${quiet.endUs} in a background connection`, 'no quiet periods in a background connection (its gaps are in longestGapUs only)');
      if (quiet.startUs < previousEnd || quiet.endUs < quiet.startUs || quiet.endUs > conn.lastUs) {
        refuse(at('quietPeriods', q), `${quiet.startUs}..${quiet.endUs}`, `quiet periods in time order within the connection (${previousEnd}..${conn.lastUs})`);
      }
      if (quiet.lengthUs !== quiet.endUs - quiet.startUs) refuse(at('quietPeriods', q, 'lengthUs'), `${quiet.lengthUs}`, `endUs - startUs = ${quiet.endUs - quiet.startUs}`);
      if (quiet.lengthUs > conn.longestGapUs) refuse(at('longestGapUs'), `${conn.longestGapUs}, shorter than quietPeriods[${q}]`, 'the longest gap at least as long as every quiet period');
      if (quiet.lengthUs < truth.quietThresholdUs) refuse(at('quietPeriods', q, 'lengthUs'), `${quiet.lengthUs}, shorter than quietThresholdUs ${truth.quietThresholdUs}`, 'quiet periods at least quietThresholdUs long (shorter gaps are not listed)');
      if (quiet.lengthUs === conn.longestGapUs) longestListed = true;
      previousEnd = quiet.endUs;
    });
    if (conn.longestGapUs > conn.durationUs) refuse(at('longestGapUs'), `${conn.longestGapUs}, longer than the connection`, `at most durationUs ${conn.durationUs}`);
    if (!conn.background && conn.longestGapUs >= truth.quietThresholdUs && !longestListed) {
      refuse(at('longestGapUs'), `${conn.longestGapUs}, at least quietThresholdUs ${truth.quietThresholdUs}, and no quiet period that long`, 'every gap of at least quietThresholdUs listed in quietPeriods, the longest gap among them');
    }
  });
  // Background flows (clock, sentinel) are never judged: with none else every log was "✓ accurate" (0 connections).
  if (!truth.connections.some((conn) => !conn.background)) {
    refuse(['connections'], `${truth.connections.length} connection(s), every one background`, 'at least one scenario connection (background false) to score');
  }
  return truth;
}

function checkEndpoints(conn: TruthConnection, at: (...rest: JsonPath) => JsonPath, refuse: (path: JsonPath, found: string, expected: string) => never): void {
  for (const side of ['client', 'server'] as const) {
    const addr = conn[side].addr;
    const canonical = canonicalIp(addr);
    if (canonical === undefined) refuse(at(side, 'addr'), `"${addr}"`, 'an IPv4 address such as 192.0.2.10 or an IPv6 address such as 2001:db8::10');
    if (ipVersion(canonical as string) !== conn.ipVersion) refuse(at(side, 'addr'), `"${addr}" (IPv${ipVersion(canonical as string)})`, `an IPv${conn.ipVersion} address, as ipVersion says`);
  }
}

