import { expect } from 'chai';
import type { Cell, RunResults } from '../../harness/core/results.js';
import { renderHtml } from '../../reports/html-report.js';
import { renderMarkdown } from '../../reports/markdown-report.js';
import { renderTerminal } from '../../reports/terminal-report.js';
import { cellHeadlineText, headlineConnection, verdictFor } from '../../reports/report-model.js';
import { buildSampleResults } from './sample-results.js';

/**
 * The summary grid of a scenario with several connections (a user's own capture) shows each cell's verdict, the
 * worst over its connections, never the longest connection's alone: argus raw cut two of four UDP conversations of
 * a capture while the longest stayed whole, and the grid read "✓ accurate".
 */
function withSeveralConnections(): { results: RunResults; cell: Cell; headlineId: string } {
  const results = buildSampleResults({ extraConnections: 3 });
  const scenario = results.scenarios[0]!;
  const cell = scenario.cells.find((c) => c.column === 'argus (merged)' && c.setting.label === 'default')!;
  const headlineId = headlineConnection(scenario)!.id;
  const headline = cell.scores.find((s) => s.connectionId === headlineId)!;
  expect(headline.verdict, 'the sample keeps the longest connection whole in this cell').to.equal('accurate');
  // Two of the connections cut: the cell's verdict and counts say so, the headline's score does not.
  cell.verdict = 'fragmented';
  const a = cell.aggregate!;
  expect(a.connections).to.equal(4);
  a.fragmented = 2;
  a.accurate = a.connections - 2;
  return { results, cell, headlineId };
}

describe('summary grid: a cell of several connections', () => {
  it('shows the cell verdict with how many connections had it, not the headline connection alone', () => {
    const { cell, headlineId } = withSeveralConnections();
    expect(verdictFor(cell, headlineId)).to.equal('fragmented');
    expect(cellHeadlineText(cell, headlineId)).to.equal('✗ fragmented (2 of 4)');
    expect(cellHeadlineText(cell, headlineId, true)).to.equal('✗ frag 2/4');
  });

  it('an accurate cell with connections not judged (live, near a timeout) says how many of them were accurate', () => {
    const { cell, headlineId } = withSeveralConnections();
    const a = cell.aggregate!;
    cell.verdict = 'accurate';
    a.fragmented = 0;
    a.accurate = 3;
    expect(cellHeadlineText(cell, headlineId)).to.equal('✓ accurate (3 of 4)');
    expect(cellHeadlineText(cell, headlineId, true)).to.equal('✓ ok 3/4');
    a.accurate = 4;
    expect(cellHeadlineText(cell, headlineId), 'all of them: no count').to.equal('✓ accurate');
  });

  it('says so in the terminal, Markdown and HTML reports, with a line saying what a cell shows', () => {
    const { results } = withSeveralConnections();
    const terminal = renderTerminal(results, { color: false, width: 200 });
    const row = terminal.split('\n').find((l) => l.startsWith('argus (merged)'))!;
    expect(row).to.match(/^argus \(merged\)\s+✗ fragmented \(2 of 4\)/);
    expect(terminal).to.contain('each cell: the worst verdict over the 4 scenario connections, and how many had it');
    const md = renderMarkdown(results);
    expect(md).to.match(/\| argus \(merged\) \| ✗ fragmented \(2 of 4\) \|/);
    expect(md).to.contain('each cell: the worst verdict over the 4 scenario connections');
    const html = renderHtml(results);
    expect(html).to.contain('✗ fragmented (2 of 4)');
    expect(html).to.contain('each cell: the worst verdict over the 4 scenario connections');
  });

  it('keeps the headline connection\'s own verdict and fragments where the scenario has one connection', () => {
    const results = buildSampleResults();
    const md = renderMarkdown(results);
    expect(md).to.contain('✗ fragmented (57)');
    expect(md).not.to.contain('each cell: the worst verdict');
  });
});
