import { stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError, isInputError } from '../core/input-error.js';
import { duplicateKeyProblem } from '../core/json-position.js';
import { readInputText } from './read-input.js';
import type { Cell, RunResults } from '../core/results.js';
import { parseResultsJson } from '../../reports/json-report.js';
import type { ConnectionScore } from '../core/score.js';
import { checkCellScores, type ScorePlaces } from '../core/cell-scores.js';
import { readGroundTruth } from './read-truth.js';
import { checkAgainstSchema } from './json-schema.js';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

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

/**
 * A results.json with what it summarized read back from the run folder: every connection's score from each cell's
 * scoresFile and the whole truth from truthFile. `harness merge` judges and recommends from every connection of
 * every shard, never from each shard's worst hundred.
 */
export async function readWholeResults(file: string): Promise<{ file: string; results: RunResults }> {
  const read = await readResultsFile(file);
  const runDir = path.dirname(read.file);
  for (const scenario of read.results.scenarios) {
    if (scenario.connectionCount !== undefined) {
      scenario.truth = await readGroundTruth(path.resolve(runDir, scenario.truthFile));
      delete scenario.connectionCount;
    }
    let truthById: Map<string, { background?: boolean }> | undefined;
    const truthOf = () => (truthById ??= new Map(scenario.truth.connections.map((c) => [c.id, c])));
    for (const cell of scenario.cells) {
      if (cell.connectionsScored === undefined) continue;
      const scoresFile = cell.scoresFile === undefined ? undefined : path.resolve(runDir, cell.scoresFile);
      const scores: ConnectionScore[] = [];
      const lines: number[] = [];
      try {
        if (scoresFile === undefined) throw new Error('no scoresFile');
        let lineNo = 0;
        for await (const line of createInterface({ input: createReadStream(scoresFile), crlfDelay: Infinity })) {
          lineNo += 1;
          if (line.trim() === '') continue;
          const score = JSON.parse(line) as unknown;
          // A score line is as editable as results.json: "verdict" said twice was judged by its last.
          const duplicate = duplicateKeyProblem(line, score);
          if (duplicate !== undefined) throw new InputError({ file: scoresFile, line: lineNo, col: duplicate.offset + 1 }, duplicate.found, 'each key once in a score line as harness run writes it');
          // Each score is judged and recommended from as results.json's own are: checked as they are (a score of
          // coverage "x" or verdict "great" was merged and judged at exit 0).
          try {
            checkAgainstSchema('results#ConnectionScore', score, scoresFile, line, 'a score line as harness run writes it');
          } catch (error) {
            if (!isInputError(error)) throw error;
            throw new InputError({ ...error.where, line: lineNo }, error.found, error.expected);
          }
          scores.push(score as ConnectionScore);
          lines.push(lineNo);
        }
      } catch (error) {
        if (isInputError(error)) throw error;
        throw new InputError({ file: scoresFile ?? read.file, line: 0, col: 0 }, `no readable scores of cell ${cell.column} @ ${cell.setting.label}`, 'the scores.<view>.jsonl the run wrote in the cell folder beside its results.json');
      }
      if (scores.length !== cell.connectionsScored) {
        throw new InputError({ file: scoresFile as string, line: 0, col: 0 }, `${scores.length} scores`, `the ${cell.connectionsScored} the results.json counts`);
      }
      checkScoresFile(scores, lines, scoresFile as string, cell, truthOf(), read.results);
      cell.scores = scores;
      delete cell.connectionsScored;
    }
  }
  return read;
}

/**
 * The scores read from a cell's scores file agree with themselves, the truth and the cell, by the rules results.json's
 * own scores are checked by (checkCellScores), each placed at its line. A scores file swapped for another view's
 * (same connections, same count) was merged and judged at exit 0 beside a results.json that still said
 * "fragmented (30 of 180)".
 */
function checkScoresFile(scores: ConnectionScore[], lines: number[], file: string, cell: Cell, truthOf: ReadonlyMap<string, { background?: boolean }>, results: RunResults): void {
  const expected = `the scores harness run wrote for cell ${cell.column} @ ${cell.setting.label}`;
  const places: ScorePlaces = {
    score: (k, field) => ({ at: { file, line: lines[k] as number, col: 0 }, name: field === 'connectionId' ? 'connection' : field }),
    cell: (field) => ({ at: { file, line: 0, col: 0 }, name: field === 'verdict' ? "the cell's verdict" : 'scores' }),
    expected,
    disagreement: (worst, counts) => {
      const aggregate = cell.aggregate;
      return new InputError(
        { file, line: 0, col: 0 },
        `scores whose worst verdict is ${worst ?? 'none'} (${counts.accurate} accurate, ${counts.fragmented} fragmented, ${counts.missed} missed) beside a results.json that says ${cell.verdict}` +
          (aggregate === undefined ? '' : ` (${aggregate.accurate} accurate, ${aggregate.fragmented} fragmented, ${aggregate.missed} missed)`),
        `${expected} (another cell's or another run's scores file?)`,
      );
    },
  };
  checkCellScores(scores, { cell, truthOf, tolerances: results, whole: true, everyConnection: false }, places);
}
