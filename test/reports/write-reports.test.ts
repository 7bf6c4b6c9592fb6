import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderJson } from '../../reports/json-report.js';
import { renderMarkdown } from '../../reports/markdown-report.js';
import { writeReports } from '../../reports/write-reports.js';
import { summarizeResults } from '../../harness/core/summarize-results.js';
import { buildSampleResults } from './sample-results.js';

describe('writeReports', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'reports-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes all four reports and leaves no temporary file', async () => {
    const results = buildSampleResults();
    const out = join(dir, 'nested', 'run');
    const paths = await writeReports(results, out);
    expect(paths).to.deep.equal(['results.json', 'report.md', 'report.html', 'junit.xml'].map((f) => join(out, f)));
    expect((await readdir(out)).sort()).to.deep.equal(['junit.xml', 'report.html', 'report.md', 'results.json']);
    // What results.json keeps (a summary: here whole, plus the distributions) is what every report is rendered from.
    expect(await readFile(join(out, 'results.json'), 'utf8')).to.equal(renderJson(summarizeResults(results)));
    expect(await readFile(join(out, 'report.md'), 'utf8')).to.equal(renderMarkdown(summarizeResults(results)));
  });

  it('writes only the formats asked for, replacing an older file', async () => {
    const results = buildSampleResults();
    await writeReports(results, dir, ['md']);
    results.scenarios[0]!.name = 'renamed-scenario';
    const paths = await writeReports(results, dir, ['md', 'junit']);
    expect(paths).to.deep.equal([join(dir, 'report.md'), join(dir, 'junit.xml')]);
    expect((await readdir(dir)).sort()).to.deep.equal(['junit.xml', 'report.md']);
    expect(await readFile(join(dir, 'report.md'), 'utf8')).to.contain('## renamed-scenario');
  });
});
