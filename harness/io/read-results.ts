import { stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError, isInputError } from '../core/input-error.js';
import { readInputText } from './read-input.js';
import type { RunResults } from '../core/results.js';
import { parseResultsJson } from '../../reports/json-report.js';

/**
 * Reads a results.json a run wrote (`harness report`, `harness merge`): a run folder stands for the results.json in
 * it. Anything unreadable is an InputError naming the file.
 */
export async function readResultsFile(file: string): Promise<{ file: string; results: RunResults }> {
  const isDir = await stat(file).then((s) => s.isDirectory(), () => false);
  const target = isDir ? path.join(file, 'results.json') : file;
  const text = await readInputText(target, 'a results.json written by harness run (or its run folder)').catch((error: unknown) => {
    // Above ~512 MB (many scenarios of 10,000 connections) Node cannot hold the text; the run wrote its reports then.
    if (isInputError(error) && /too large for Node/.test(error.found)) {
      throw new InputError(error.where, error.found, 'one under 512 MB: run fewer scenarios per harness run; the reports of this run were written beside it when it ran');
    }
    throw error;
  });
  return { file: target, results: parseResultsJson(text, target) };
}
