import { readFile } from 'node:fs/promises';
import { InputError } from '../core/input-error.js';
import { jsonErrorPosition } from '../core/json-position.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { BASELINE_SCHEMA_VERSION, type Baseline, type BaselineEntry } from './baseline.js';

/**
 * Reads and writes `<suite>.baseline.json`. A baseline a person edited badly is their input: InputError with the
 * position, never a stack trace. Writing goes through a temporary file and a rename so that an interrupted
 * `--update-baseline` never leaves half a file for CI to trip over.
 */
export async function readBaseline(file: string): Promise<Baseline | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError({ file, line: 0, col: 0 }, `a baseline that cannot be read (${(error as Error).message})`, 'a readable file');
  }
  return parseBaseline(text, file);
}

export function parseBaseline(text: string, file: string): Baseline {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message.replace(/\s+/g, ' ');
    const { line, col } = jsonErrorPosition(text, message);
    throw new InputError({ file, line, col }, `JSON that does not parse (${message})`, 'the baseline written by harness check --update-baseline');
  }
  const at1 = { file, line: 1, col: 1 };
  const record = value as Partial<Baseline> | null;
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new InputError(at1, 'a baseline that is not a JSON object', 'the baseline written by harness check --update-baseline');
  }
  if (record.schemaVersion !== BASELINE_SCHEMA_VERSION) {
    throw new InputError(at1, `schemaVersion ${JSON.stringify(record.schemaVersion)}`, `${BASELINE_SCHEMA_VERSION} (re-record it with --update-baseline)`);
  }
  if (!Array.isArray(record.entries) || !record.entries.every(isEntry)) {
    throw new InputError(at1, 'entries that are not baseline entries', 'the baseline written by harness check --update-baseline');
  }
  return {
    schemaVersion: BASELINE_SCHEMA_VERSION,
    suite: String(record.suite ?? ''),
    createdAt: String(record.createdAt ?? ''),
    huntThresholdsS: Array.isArray(record.huntThresholdsS) ? record.huntThresholdsS.filter((t): t is number => typeof t === 'number') : [],
    entries: record.entries,
  };
}

function isEntry(value: unknown): value is BaselineEntry {
  const e = value as Partial<BaselineEntry> | null;
  return (
    typeof e === 'object' && e !== null &&
    typeof e.scenario === 'string' && typeof e.sensor === 'string' && typeof e.view === 'string' &&
    typeof e.connection === 'string' && typeof e.fragments === 'number' && typeof e.coverage === 'number' &&
    typeof e.longestRecordUs === 'number' && Array.isArray(e.huntsFound) && e.huntsFound.every((t) => typeof t === 'number')
  );
}


export async function writeBaseline(file: string, baseline: Baseline): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(baseline, null, 2)}\n`);
}
