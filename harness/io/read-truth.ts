import { readFile } from 'node:fs/promises';
import { TRUTH_SCHEMA_VERSION, type GroundTruth } from '../core/ground-truth.js';
import { InputError } from '../core/input-error.js';
import { jsonErrorPosition } from '../core/json-position.js';

/** Reads a `<name>.truth.json` written by `harness generate`, refusing another schema version or another kind of file. */
export async function readGroundTruth(file: string): Promise<GroundTruth> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new InputError({ file, line: 0, col: 0 }, 'no readable file', 'a <name>.truth.json written by harness generate');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const { line, col } = jsonErrorPosition(text, error);
    throw new InputError({ file, line, col }, 'text that is not JSON', 'a <name>.truth.json written by harness generate');
  }
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
