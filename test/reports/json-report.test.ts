import { expect } from 'chai';
import { InputError } from '../../harness/core/input-error.js';
import { RESULTS_SCHEMA_VERSION } from '../../harness/core/results.js';
import fc from 'fast-check';
import { jsonChunks, parseResultsJson, PRETTY_SCORE_LIMIT, renderJson } from '../../reports/json-report.js';
import { buildSampleResults } from './sample-results.js';

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(InputError);
    return err as InputError;
  }
  expect.fail('no InputError');
}

describe('renderJson / parseResultsJson', () => {
  const results = buildSampleResults();

  it('round-trips', () => {
    const text = renderJson(results);
    expect(parseResultsJson(text, 'results.json')).to.deep.equal(JSON.parse(JSON.stringify(results)));
  });

  it('is stable: key order of the input does not matter, schemaVersion comes first', () => {
    const reordered = JSON.parse(JSON.stringify(results), (_k, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
    );
    expect(renderJson(reordered)).to.equal(renderJson(results));
    expect(renderJson(results).split('\n')[1]).to.equal(`  "schemaVersion": ${RESULTS_SCHEMA_VERSION},`);
  });

  it('refuses another schema version with file:1:1, the version found and the one expected', () => {
    const other = renderJson(results).replace(`"schemaVersion": ${RESULTS_SCHEMA_VERSION}`, '"schemaVersion": 7');
    const err = inputError(() => parseResultsJson(other, 'runs/x/results.json'));
    expect(err.where).to.deep.equal({ file: 'runs/x/results.json', line: 1, col: 1 });
    expect(err.message).to.match(/^runs\/x\/results\.json:1:1: found results schema version 7; expected version 2/);
  });

  it('refuses invalid JSON with its line and column', () => {
    const err = inputError(() => parseResultsJson('{\n  "schemaVersion": 1,\n  oops\n}', 'r.json'));
    expect(err.where.line).to.equal(3);
    expect(err.where.col).to.be.greaterThan(0);
  });

  it('refuses a results file of the right version but the wrong shape, naming the path', () => {
    const broken = JSON.parse(renderJson(results));
    delete broken.scenarios[0].cells[3].scores;
    const err = inputError(() => parseResultsJson(JSON.stringify(broken), 'r.json'));
    expect(err.message).to.contain('$.scenarios[0].cells[3].scores missing');
    expect(inputError(() => parseResultsJson('[1,2]', 'r.json')).message).to.contain('found an array');
  });

  it('refuses a cell verdict its connections contradict, and a fragment count its list contradicts (JUnit and the tables disagreed)', () => {
    const sample = JSON.parse(renderJson(results)) as { scenarios: { cells: { status: string; verdict: string; scores: { verdict: string; background?: boolean; fragments: number; fragmentList: unknown[] }[] }[] }[] };
    const cells = sample.scenarios[0]?.cells ?? [];
    const j = cells.findIndex((c) => c.status === 'ok' && c.scores.some((s) => !s.background && s.verdict !== 'accurate'));
    expect(j, 'the sample has a cell with a connection not accurate').to.be.at.least(0);
    const flipped = structuredClone(sample);
    (flipped.scenarios[0]?.cells[j] as { verdict: string }).verdict = 'accurate';
    expect(inputError(() => parseResultsJson(JSON.stringify(flipped, null, 2), 'r.json')).message).to.match(new RegExp(`^r\\.json:\\d+:\\d+: found \\$\\.scenarios\\[0\\]\\.cells\\[${j}\\]\\.verdict "accurate" while its connections' worst is`));
    const recounted = structuredClone(sample);
    const score = recounted.scenarios[0]?.cells[j]?.scores[0] as { fragments: number; fragmentList: unknown[] };
    score.fragments = score.fragmentList.length + 1;
    expect(inputError(() => parseResultsJson(JSON.stringify(recounted), 'r.json')).message).to.contain(`.cells[${j}].scores[0].fragments ${score.fragments} beside ${score.fragmentList.length} fragments listed`);
  });

  it('refuses a coverage (or sum of durations) its records contradict, and a tolerance beyond any --tolerance, at their JSON path', () => {
    type Sample = { toleranceS: number; toleranceRatio: number; scenarios: { cells: { status: string; live?: unknown; scores: { verdict: string; fragments: number; coverage: number; sumDurationUs: number }[] }[] }[] };
    const sample = JSON.parse(renderJson(results)) as Sample;
    const cells = sample.scenarios[0]?.cells ?? [];
    const j = cells.findIndex((c) => c.status === 'ok' && c.live === undefined && c.scores.some((s) => s.verdict === 'accurate' && s.fragments === 1));
    expect(j, 'the sample has an accurate connection of one record').to.be.at.least(0);
    const k = cells[j]?.scores.findIndex((s) => s.verdict === 'accurate' && s.fragments === 1) as number;
    // Coverage 5 (500%) for an accurate connection of one record was rendered as given.
    const covered = structuredClone(sample);
    const score = covered.scenarios[0]?.cells[j]?.scores[k] as { coverage: number; sumDurationUs: number };
    score.coverage = 5;
    expect(inputError(() => parseResultsJson(JSON.stringify(covered, null, 2), 'r.json')).message).to.match(new RegExp(`^r\\.json:\\d+:\\d+: found \\$\\.scenarios\\[0\\]\\.cells\\[${j}\\]\\.scores\\[${k}\\]\\.coverage 5 while its records cover [\\d.]+ of the connection \\(sumDurationUs \\d+ over trueDurationUs \\d+\\); expected a results\\.json as harness run wrote it`));
    // The sum raised with it, to match: the sum is its records' durations.
    score.sumDurationUs *= 5;
    expect(inputError(() => parseResultsJson(JSON.stringify(covered, null, 2), 'r.json')).message).to.match(new RegExp(`\\.scores\\[${k}\\]\\.sumDurationUs \\d+ while its 1 fragment\\(s\\) last \\d+ us in all`));
    for (const [field, value, message] of [
      ['toleranceS', 1e308, /^r\.json:\d+:\d+: found \$\.toleranceS 1e\+308; expected a tolerance of at most 9007199254 s \(285 years\), as harness run --tolerance takes it$/],
      ['toleranceRatio', 1, /^r\.json:\d+:\d+: found \$\.toleranceRatio 1; expected a fraction of the true duration below 1/],
    ] as const) {
      const edited = structuredClone(sample);
      edited[field] = value;
      const error = inputError(() => parseResultsJson(JSON.stringify(edited, null, 2), 'r.json'));
      expect(error.message, field).to.match(message);
      expect(JSON.stringify(edited, null, 2).split('\n')[error.where.line - 1], field).to.contain(`"${field}"`);
    }
    expect(parseResultsJson(JSON.stringify({ ...sample, toleranceS: 9007199254 }), 'r.json').toleranceS).to.equal(9007199254);
  });

  it('refuses an aggregate whose counts are not its connections\' (a full cell, as a scores file is checked)', () => {
    const sample = JSON.parse(renderJson(results)) as { scenarios: { cells: { status: string; live?: unknown; connectionsScored?: number; aggregate?: { accurate: number } }[] }[] };
    const j = sample.scenarios[0]?.cells.findIndex((c) => c.status === 'ok' && c.live === undefined && c.connectionsScored === undefined && c.aggregate !== undefined) ?? -1;
    expect(j, 'the sample has a full cell with an aggregate').to.be.at.least(0);
    (sample.scenarios[0]?.cells[j]?.aggregate as { accurate: number }).accurate += 1;
    expect(inputError(() => parseResultsJson(JSON.stringify(sample, null, 2), 'r.json')).message).to.match(new RegExp(`^r\\.json:\\d+:\\d+: found \\$\\.scenarios\\[0\\]\\.cells\\[${j}\\]\\.aggregate counting \\d+ accurate, .* while its connections are`));
  });
});

/** The reference: JSON.stringify with every object's keys sorted (schemaVersion first) by a replacer. */
function referenceJson(value: unknown, indent: number | undefined): string {
  const order = (a: string, b: string): number => (a === 'schemaVersion' ? -1 : b === 'schemaVersion' ? 1 : a < b ? -1 : a > b ? 1 : 0);
  const sorted = (_key: string, v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => order(a, b))) : v;
  return `${JSON.stringify(value, sorted, indent)}\n`;
}

describe('jsonChunks: results.json written in pieces', () => {
  it('joins to exactly what one JSON.stringify of the key-sorted results gives (pretty)', () => {
    const results = buildSampleResults();
    expect([...jsonChunks(results)].join('')).to.equal(referenceJson(results, 2));
  });

  it('and compact above the score limit, in pieces of about a megabyte', () => {
    const results = buildSampleResults();
    const cell = results.scenarios[0]!.cells[0]!;
    const score = cell.scores[0]!;
    cell.scores = Array.from({ length: PRETTY_SCORE_LIMIT + 1 }, (_, i) => ({ ...score, connectionId: `c${i}` }));
    const chunks = [...jsonChunks(results)];
    expect(chunks.length).to.be.greaterThan(1);
    expect(chunks.slice(0, -1).every((c) => c.length >= 1 << 20 && c.length < (1 << 20) + 64 * 1024)).to.equal(true);
    expect(chunks.join('')).to.equal(referenceJson(results, undefined));
  });

  it('any JSON value at any depth (empty, undefined-only, nested, odd keys and strings) gives the reference bytes', () => {
    const anyJson = fc.jsonValue({ maxDepth: 4 }).map((v) => v as unknown);
    const withUndefined = fc.dictionary(fc.string(), fc.option(anyJson, { nil: undefined }), { maxKeys: 4 });
    fc.assert(
      fc.property(anyJson, withUndefined, anyJson, fc.array(fc.option(anyJson, { nil: undefined }), { maxLength: 3 }), (top, odd, deep, sparse) => {
        const results = buildSampleResults() as unknown as Record<string, unknown> & RunResultsShape;
        results.extraTop = top;
        results.scenarios[0]!.extraOdd = odd;
        results.scenarios[0]!.cells[0]!.extraSparse = sparse;
        results.scenarios[0]!.cells[0]!.scores[0]!.extraDeep = deep;
        const typed = results as unknown as Parameters<typeof jsonChunks>[0];
        expect([...jsonChunks(typed)].join('')).to.equal(referenceJson(results, 2));
      }),
      { numRuns: 200 },
    );
  });
});

interface RunResultsShape {
  scenarios: (Record<string, unknown> & { cells: (Record<string, unknown> & { scores: Record<string, unknown>[] })[] })[];
}
