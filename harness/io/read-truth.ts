import { readFile, stat } from 'node:fs/promises';
import { TRUTH_SCHEMA_VERSION, type GroundTruth } from '../core/ground-truth.js';
import { InputError } from '../core/input-error.js';
import { jsonErrorPosition } from '../core/json-position.js';
import { readLargeJsonObject } from './large-json.js';

/** Above this a truth is read connection by connection (its text would not fit one string, nor its parse memory). */
export const WHOLE_TEXT_LIMIT = 64 * 1024 * 1024;

/** Reads a `<name>.truth.json` written by `harness generate`, refusing another schema version or another kind of file. */
export async function readGroundTruth(file: string): Promise<GroundTruth> {
  const expected = 'a <name>.truth.json written by harness generate';
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw new InputError({ file, line: 0, col: 0 }, 'no readable file', expected);
  }
  const value = size > WHOLE_TEXT_LIMIT ? await readLargeJsonObject(file, 'connections', expected) : await parseWhole(file, expected);
  const truth = value as Partial<GroundTruth>;
  if (typeof value !== 'object' || value === null || truth.schemaVersion === undefined) {
    throw new InputError({ file, line: 1, col: 1 }, 'JSON without a schemaVersion', 'a <name>.truth.json written by harness generate');
  }
  if (truth.schemaVersion !== TRUTH_SCHEMA_VERSION) {
    throw new InputError({ file, line: 1, col: 1 }, `truth schema version ${String(truth.schemaVersion)}`, `version ${TRUTH_SCHEMA_VERSION} (regenerate it with this harness)`);
  }
  if (!Array.isArray(truth.connections) || typeof truth.pcap !== 'object') {
    throw new InputError({ file, line: 1, col: 1 }, 'a truth file without connections or pcap', 'a complete <name>.truth.json');
  }
  return truth as GroundTruth;
}

async function parseWhole(file: string, expected: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new InputError({ file, line: 0, col: 0 }, 'no readable file', expected);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const { line, col } = jsonErrorPosition(text, error);
    throw new InputError({ file, line, col }, 'text that is not JSON', expected);
  }
}
