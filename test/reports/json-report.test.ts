import { expect } from 'chai';
import { InputError } from '../../harness/core/input-error.js';
import { RESULTS_SCHEMA_VERSION } from '../../harness/core/results.js';
import { parseResultsJson, renderJson } from '../../reports/json-report.js';
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
    expect(err.message).to.match(/^runs\/x\/results\.json:1:1: found results schema version 7; expected version 1/);
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
});
