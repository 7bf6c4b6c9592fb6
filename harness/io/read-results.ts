import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../core/input-error.js';
import type { RunResults } from '../core/results.js';
import { parseResultsJson } from '../../reports/json-report.js';

/**
 * Reads a results.json a run wrote (`harness report`, `harness merge`): a run folder stands for the results.json in
 * it. Anything unreadable is an InputError naming the file.
 */
export async function readResultsFile(file: string): Promise<{ file: string; results: RunResults }> {
  const isDir = await stat(file).then((s) => s.isDirectory(), () => false);
  const target = isDir ? path.join(file, 'results.json') : file;
  let text: string;
  try {
    text = await readFile(target, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_STRING_TOO_LONG') {
      // Above ~512 MB (many scenarios of 10,000 connections) Node cannot hold the text; the run wrote its reports then.
      throw new InputError({ file: target, line: 0, col: 0 }, 'a results.json too large for Node to read in one piece', 'one under 512 MB: run fewer scenarios per harness run; the reports of this run were written beside it when it ran');
    }
    throw new InputError({ file: target, line: 0, col: 0 }, 'no readable file', 'a results.json written by harness run (or its run folder)');
  }
  return { file: target, results: parseResultsJson(text, target) };
}
