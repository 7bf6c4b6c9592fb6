import { expect } from 'chai';
import { renderHtml } from '../../reports/html-report.js';
import { renderJunit } from '../../reports/junit-report.js';
import { renderMarkdown } from '../../reports/markdown-report.js';
import { renderTerminal } from '../../reports/terminal-report.js';
import { buildSampleResults } from './sample-results.js';

// Reports know monitors only through the cells: a monitor they have never heard of must show up everywhere.
describe('a monitor unknown to reports/', () => {
  const results = buildSampleResults({ extraMonitor: { id: 'fake-newmon', column: 'fake newmon' } });

  it('appears in the Markdown summary and per-connection tables', () => {
    const md = renderMarkdown(results);
    expect(md).to.contain('| fake newmon | ✓ accurate | ✓ accurate | ✓ accurate | ✓ accurate |');
    expect(md).to.contain('| fake newmon | `default` | 1 |');
  });

  it('appears in the HTML heatmap and timelines', () => {
    const html = renderHtml(results);
    expect(html).to.contain('<th scope="row">fake newmon</th>');
    expect(html).to.contain('fake newmon · 4h (1)');
  });

  it('appears in JUnit and the terminal table', () => {
    expect(renderJunit(results).match(/classname="harness\.burst-20min\.fake newmon"/g)).to.have.length(4);
    expect(renderTerminal(results, { color: false })).to.match(/^fake newmon +✓ accurate/m);
  });
});
