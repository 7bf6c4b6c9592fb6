import { expect } from 'chai';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readResultsFile, readWholeResults } from '../../harness/io/read-results.js';
import { InputError } from '../../harness/core/input-error.js';
import { REPO } from '../support/cli.js';

/**
 * A results.json is read back by harness report and merge: every field is checked (schemas/results.schema.json),
 * and so is every score line a summarized cell keeps in its scores.<view>.jsonl, which merge judges from.
 */
async function refusal(promise: Promise<unknown>): Promise<string> {
  try { await promise; } catch (e) { expect(e).to.be.instanceOf(InputError); return (e as Error).message; }
  throw new Error('not refused');
}

async function summarizedRun(scoreLine: (line: Record<string, unknown>) => void): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'read-results-'));
  const results = JSON.parse(await readFile(path.join(REPO, 'test/corpus/results.json'), 'utf8')) as { scenarios: { cells: Record<string, unknown>[] }[] };
  const cell = results.scenarios[0]?.cells[0] as Record<string, unknown>;
  const scores = cell.scores as Record<string, unknown>[];
  const line = structuredClone(scores[0]) as Record<string, unknown>;
  scoreLine(line);
  cell.connectionsScored = 1;
  cell.scoresFile = 'scores.jsonl';
  await writeFile(path.join(dir, 'scores.jsonl'), `${JSON.stringify(line)}\n`);
  await writeFile(path.join(dir, 'results.json'), JSON.stringify(results, null, 2));
  return path.join(dir, 'results.json');
}

describe('reading a results.json back (report, merge)', () => {
  it('the corpus results.json reads as it is', async () => {
    const { results } = await readResultsFile(path.join(REPO, 'test/corpus/results.json'));
    expect(results.scenarios.length).to.be.greaterThan(0);
  });

  it('a score line of a summarized cell is read when it is as a run writes it', async () => {
    const file = await summarizedRun(() => undefined);
    const { results } = await readWholeResults(file);
    expect(results.scenarios[0]?.cells[0]?.scores).to.have.length(1);
  });

  it('a score line with a wrong type is refused at its line and JSON path (merge judged it at exit 0)', async () => {
    const file = await summarizedRun((line) => { line.coverage = 'x'; });
    const message = await refusal(readWholeResults(file));
    expect(message).to.match(/scores\.jsonl:1:\d+: found \$\.coverage = "x"; expected a number of 0 or more$/);
  });

  it('a score line with a verdict no harness writes is refused', async () => {
    const file = await summarizedRun((line) => { line.verdict = 'great'; });
    expect(await refusal(readWholeResults(file))).to.match(/scores\.jsonl:1:\d+: found \$\.verdict = "great"; expected one of "accurate"/);
  });

  it('scores that contradict themselves, the truth or their cell are refused (a scores file swapped for another cell\'s merged at exit 0)', async () => {
    const missedWithRecord = await summarizedRun((line) => { line.verdict = 'missed'; });
    expect(await refusal(readWholeResults(missedWithRecord))).to.match(/scores\.jsonl:1:1: found verdict "missed" with 1 fragment\(s\): missed means no record/);
    const unknown = await summarizedRun((line) => { line.connectionId = 'nobody'; });
    expect(await refusal(readWholeResults(unknown))).to.match(/scores\.jsonl:1:1: found connection "nobody", which the scenario's truth does not hold/);
    // A coverage its records contradict, in a scores file as in results.json.
    const covered = await summarizedRun((line) => { line.coverage = 5; });
    expect(await refusal(readWholeResults(covered))).to.match(/scores\.jsonl:1:\d+: found coverage 5 while its records cover [\d.]+ of the connection/);
    // Consistent in itself, but not what its cell says: another cell's scores.
    const another = await summarizedRun((line) => { Object.assign(line, { verdict: 'missed', fragments: 0, fragmentList: [], sumDurationUs: 0, coverage: 0 }); });
    expect(await refusal(readWholeResults(another))).to.match(/scores\.jsonl: found scores whose worst verdict is missed .* beside a results\.json that says accurate/);
  });

  it('a score line is held to every rule results.json\'s own scores are (fragments its list, background the truth\'s)', async () => {
    const recounted = await summarizedRun((line) => { line.fragments = 2; });
    expect(await refusal(readWholeResults(recounted))).to.match(/scores\.jsonl:1:1: found fragments 2 beside 1 fragments listed/);
    const background = await summarizedRun((line) => { line.background = true; });
    expect(await refusal(readWholeResults(background))).to.match(/scores\.jsonl:1:1: found background true for a connection the truth calls a scenario connection/);
  });

  it('a score line that says a key twice is refused at the second (merge judged by the last, at exit 0)', async () => {
    const file = await summarizedRun(() => undefined);
    const scores = path.join(path.dirname(file), 'scores.jsonl');
    const line = (await readFile(scores, 'utf8')).trim();
    await writeFile(scores, `${line.slice(0, -1)},"verdict":"accurate"}\n`);
    const message = await refusal(readWholeResults(file));
    expect(message).to.equal(`${scores}:1:${line.length + 1}: found the key "verdict" a second time in one object (JSON.parse would keep the last silently); expected each key once in a score line as harness run writes it`);
  });

  it('a results.json that says a key twice is refused at the second', async () => {
    const file = await summarizedRun(() => undefined);
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('"toleranceS":', '"toleranceS": 1,\n  "toleranceS":'));
    const message = await refusal(readResultsFile(file));
    expect(message).to.match(/results\.json:\d+:3: found the key "toleranceS" a second time in one object/);
  });
});
