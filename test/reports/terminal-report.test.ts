import { expect } from 'chai';
import { renderTerminal } from '../../reports/terminal-report.js';
import { buildSampleResults } from './sample-results.js';

const ANSI = /\u001b\[/;

describe('renderTerminal', () => {
  const results = buildSampleResults();
  const columns = [...new Set(results.scenarios[0]!.cells.map((c) => c.column))];

  it('carries the cost sentence and the figures of each setting', () => {
    const out = renderTerminal(results, { color: false, width: 100 });
    expect(out.replace(/\n {2}/g, ' ')).to.contain('Zeek: 1h keeps every connection whole and costs +25% memory at this load (188 MiB against 151 MiB at default)');
    expect(out).to.contain('memory, CPU, table peak: default 151 MiB 1,900 ms 1 · 5m 151 MiB 1,900 ms 1 · 1h 188 MiB 1,900');
  });

  it('has no ANSI codes when color is false', () => {
    const out = renderTerminal(results, { color: false });
    expect(ANSI.test(out)).to.equal(false);
    expect(out).to.contain('✗ fragmented (57)');
  });

  it('colours verdicts when color is true', () => {
    const out = renderTerminal(results, { color: true });
    expect(out).to.contain('\u001b[31m✗ fragmented (57)\u001b[0m');
    expect(out).to.contain('\u001b[32m✓ accurate\u001b[0m');
  });

  it('shows every monitor/view row, every setting, and the recommendations on one screen', () => {
    const out = renderTerminal(results, { color: false });
    const lines = out.trimEnd().split('\n');
    for (const c of columns) expect(lines.some((l) => l.startsWith(c)), c).to.equal(true);
    const header = lines.find((l) => l.startsWith('monitor / view'))!;
    for (const s of results.scenarios[0]!.settings) expect(header).to.contain(s.label);
    expect(lines.filter((l) => l.startsWith('→'))).to.have.length(results.scenarios[0]!.recommendations.length);
    expect(lines.length).to.be.at.most(24);
  });

  it('fits a narrow terminal by abbreviating', () => {
    const out = renderTerminal(results, { color: false, width: 60 });
    for (const line of out.split('\n')) expect(line.length, line).to.be.at.most(60);
    expect(out).to.contain('✗ frag 57');
  });

  it('does not pass escape sequences from monitor names to the terminal', () => {
    const hostile = buildSampleResults({ extraMonitor: { id: 'fake-esc', column: 'x\u001b]0;pwned\u0007' } });
    expect(ANSI.test(renderTerminal(hostile, { color: false }))).to.equal(false);
    expect(renderTerminal(hostile, { color: false })).not.to.contain('\u001b');
  });

  it('nor from the warnings and the interruption note of a results.json (a monitor\'s own words, or edited)', () => {
    const hostile = buildSampleResults();
    hostile.warnings = ['tshark: version unreadable: printed "\u001b[2J\u001b[Hall green"'];
    hostile.interrupted = { scenariosNotGenerated: ['x\u001b]0;pwned\u0007'] };
    const out = renderTerminal(hostile, { color: false });
    expect(out).not.to.contain('\u001b');
    expect(out).to.contain('all green');
  });
});
