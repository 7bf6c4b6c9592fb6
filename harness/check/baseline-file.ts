import { readFile, stat } from 'node:fs/promises';
import { InputError } from '../core/input-error.js';
import { duplicateKeyProblem, jsonErrorPosition, lineAndColumn } from '../core/json-position.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { checkAgainstSchema, describePath, jsonPlace } from '../io/json-schema.js';
import { checkInputFile, inputFileError } from '../io/read-input.js';
import { otherHarnessFile } from '../io/harness-file-kind.js';
import { BASELINE_SCHEMA_VERSION, baselineMisfit, type Baseline, type BaselineFit } from './baseline.js';

/**
 * Reads and writes `<suite>.baseline.json`. A baseline a person edited badly is their input: InputError with the
 * position, never a stack trace. Writing goes through a temporary file and a rename so that an interrupted
 * `--update-baseline` never leaves half a file for CI to trip over.
 */
export async function readBaseline(file: string, fit?: BaselineFit): Promise<Baseline | undefined> {
  const expected = 'a readable baseline file (or none, to record one with --update-baseline)';
  // No file yet: no baseline. Anything else at that path must be a file to read (a FIFO would hang the open).
  const exists = await pathExists(file);
  if (!exists) return undefined;
  await checkInputFile(file, expected);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw inputFileError(file, error, expected);
  }
  return parseBaseline(text, file, fit);
}

/** Whether anything is at `file` (following links); false only for ENOENT, any other failure is checkInputFile's to name. */
async function pathExists(file: string): Promise<boolean> {
  return stat(file).then(() => true, (error: NodeJS.ErrnoException) => error.code !== 'ENOENT');
}

/** With `fit`, a baseline that is not of this suite, or has entries the suite can no longer judge, is refused too. */
export function parseBaseline(text: string, file: string, fit?: BaselineFit): Baseline {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const { line, col, found } = jsonErrorPosition(text, error);
    throw new InputError({ file, line, col }, `JSON that does not parse (${found})`, 'the baseline written by harness check --update-baseline');
  }
  // A baseline is small and edited by hand (a merge conflict resolved in it): a key given twice is refused, not
  // read as its last value.
  const duplicate = duplicateKeyProblem(text, value);
  if (duplicate !== undefined) {
    throw new InputError({ file, ...lineAndColumn(text, duplicate.offset) }, duplicate.found, 'each key once in an object of the baseline written by harness check --update-baseline');
  }
  const other = otherHarnessFile(value, 'baseline');
  if (other !== undefined) throw new InputError({ file, line: 1, col: 1 }, other, 'the baseline written by harness check --update-baseline');
  const record = value as Partial<Baseline> | null;
  if (typeof record === 'object' && record !== null && !Array.isArray(record) && record.schemaVersion !== undefined && record.schemaVersion !== BASELINE_SCHEMA_VERSION) {
    throw new InputError(jsonPlace(file, text, ['schemaVersion']), `schemaVersion ${JSON.stringify(record.schemaVersion)}`, `${BASELINE_SCHEMA_VERSION} (re-record it with --update-baseline)`);
  }
  checkAgainstSchema('baseline', value, file, text, 'the baseline written by harness check --update-baseline');
  const read = value as Baseline;
  const baseline: Baseline = {
    schemaVersion: BASELINE_SCHEMA_VERSION,
    suite: read.suite ?? '',
    createdAt: read.createdAt ?? '',
    huntThresholdsS: read.huntThresholdsS ?? [],
    entries: read.entries,
  };
  // One connection recorded twice (a merge conflict resolved by keeping both sides) was counted twice: "2 connections
  // no worse" for a scenario of one, each copy judged by its own numbers.
  const seen = new Map<string, number>();
  baseline.entries.forEach((e, i) => {
    const key = JSON.stringify([e.scenario, e.sensor, e.view, e.connection]);
    const first = seen.get(key);
    if (first !== undefined) {
      throw new InputError(
        jsonPlace(file, text, ['entries', i]),
        `$.entries[${i}], connection ${e.connection} of ${e.sensor} (${e.view}) on ${e.scenario} again (as $.entries[${first}])`,
        'one entry per scenario, sensor, view and connection (a merge conflict resolved by keeping both sides?)',
      );
    }
    seen.set(key, i);
  });
  const misfit = fit === undefined ? undefined : baselineMisfit(baseline, fit);
  if (misfit !== undefined) throw new InputError(jsonPlace(file, text, misfit.path), `${describePath(misfit.path)} = ${misfit.found}`, misfit.expected);
  return baseline;
}

export async function writeBaseline(file: string, baseline: Baseline): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(baseline, null, 2)}\n`);
}
