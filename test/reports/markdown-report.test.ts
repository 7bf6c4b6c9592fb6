import { expect } from 'chai';
import { renderMarkdown } from '../../reports/markdown-report.js';
import { buildSampleResults } from './sample-results.js';

/** Splits a Markdown table row into its cells, honouring `\|` escapes. */
function cellsOf(line: string): string[] {
  return line
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

function summaryTable(md: string): string[][] {
  const lines = md.split('\n');
  const start = lines.findIndex((l) => l.startsWith('| monitor / view | `'));
  expect(start, 'summary table header').to.be.greaterThan(-1);
  const rows: string[][] = [];
  for (let i = start; i < lines.length && (lines[i] as string).startsWith('|'); i++) rows.push(cellsOf(lines[i] as string));
  return rows;
}

describe('renderMarkdown', () => {
  const results = buildSampleResults();
  const scenario = results.scenarios[0]!;
  const md = renderMarkdown(results);

  it('carries the cost of each setting: peak memory, CPU, wall, records, the model\'s table, and the sentence', () => {
    const lines = md.split('\n');
    const at = lines.indexOf('### Cost of each setting');
    expect(at).to.be.greaterThan(-1);
    const row = lines.slice(at).find((l) => l.startsWith('| Zeek | `1h`'));
    expect(row && cellsOf(row)).to.deep.equal(['Zeek', '`1h`', '188 MiB', '1,900 ms', '2,140 ms', String(scenario.cells.find((c) => c.column === 'Zeek' && c.setting.label === '1h')!.recordCount), '2 (mean 2)', '']);
    expect(md).to.contain('- Zeek: 1h keeps every connection whole and costs +25% memory at this load (188 MiB against 151 MiB at default); flow table peak 2 entries against 1 at default');
  });

  it('has a summary table with every setting as a column and every monitor/view as a row', () => {
    const table = summaryTable(md);
    const header = table[0]!;
    expect(header.slice(1)).to.deep.equal(scenario.settings.map((s) => `\`${s.label}\``));
    const body = table.slice(2);
    const columns = [...new Set(scenario.cells.map((c) => c.column))];
    expect(body.map((r) => r[0])).to.deep.equal(columns);
    for (const row of body) expect(row).to.have.length(header.length);
  });

  it('shows the verdict and fragment count of the longest connection in each cell', () => {
    const body = summaryTable(md).slice(2);
    const row = (name: string): string[] => body.find((r) => r[0] === name)!;
    expect(row('Zeek')).to.deep.equal(['Zeek', '✗ fragmented (57)', '✗ fragmented (57)', '✓ accurate', '✓ accurate']);
    expect(row('softflowd').slice(1)).to.deep.equal(Array(4).fill('⚠ not honoured'));
    expect(row('nfpcapd')[3]).to.equal('✗ fragmented (19)');
    expect(row('nfpcapd')[4]).to.equal('– unsupported');
    expect(row('Suricata').slice(1)).to.deep.equal(Array(4).fill('skipped'));
    expect(row('nDPI')[1]).to.equal('✗ failed');
  });

  it('has a per-connection table with fragments, longest record, sum, coverage, hunt and verdict', () => {
    expect(md).to.match(/#### `c2-beacon`/);
    const line = md.split('\n').find((l) => l.startsWith('| Zeek | `default` |'))!;
    expect(cellsOf(line)).to.deep.equal(['Zeek', '`default`', '57', '18.18s', '17m16s', '1.52%', 'no', '✗ fragmented (57)']);
    const whole = md.split('\n').find((l) => l.startsWith('| Zeek | `1h` |'))!;
    expect(cellsOf(whole)).to.deep.equal(['Zeek', '`1h`', '1', '18h57m16s', '18h57m16s', '100%', 'yes', '✓ accurate']);
  });

  it('lists recommendations, skips with the install command, and failures with their stderr', () => {
    expect(md).to.contain('### Recommendations');
    expect(md).to.contain('`redef tcp_inactivity_timeout = 21 min;`');
    expect(md).to.contain('nfpcapd caps both timeouts at 3600 s');
    expect(md).to.contain('apt-get install -y suricata');
    expect(md).to.match(/\*\*nDPI\*\* · `default`: failed \(exit 1\)/);
    expect(md).to.contain('truncated dump file');
  });

  it('caps per-connection tables at 10 for a scenario of 10,000 connections, choosing the longest gaps', () => {
    const big = buildSampleResults({ extraConnections: 10_000 });
    const out = renderMarkdown(big);
    const shownIds = [...out.matchAll(/^#### `([^`]+)`/gm)].map((m) => m[1] as string);
    expect(shownIds).to.have.length(10);
    expect(out).to.contain('Showing 10 of 10,001 connections');
    const conns = big.scenarios[0]!.truth.connections.filter((c) => !c.background);
    const shortestShown = Math.min(...conns.filter((c) => shownIds.includes(c.id)).map((c) => c.longestGapUs));
    const longestHidden = Math.max(...conns.filter((c) => !shownIds.includes(c.id)).map((c) => c.longestGapUs));
    expect(shortestShown).to.be.at.least(longestHidden);
    expect(out.length, 'fits a pull-request comment (65,536 characters)').to.be.below(65_536);
  });

  it('keeps hostile monitor names inside their table cell', () => {
    const hostile = buildSampleResults({ extraMonitor: { id: 'fake-evil', column: 'evil|<img src=x>`' } });
    const out = renderMarkdown(hostile);
    const row = summaryTable(out).find((r) => r[0]!.startsWith('evil'))!;
    expect(row).to.have.length(5);
    expect(out).not.to.contain('<img');
  });

  it('names the cells with records of no connection of the scenario (they were in results.json alone), and says nothing when there are none', () => {
    expect(md).to.not.include('Records of no connection');
    const stray = buildSampleResults();
    const cell = stray.scenarios[0]!.cells.find((c) => c.status === 'ok' && c.aggregate !== undefined)!;
    cell.aggregate = { ...cell.aggregate!, spurious: 2 };
    cell.spurious = [{ protocol: 'tcp', origAddr: '203.0.113.7', origPort: 43000, respAddr: '203.0.113.8', respPort: 8443, firstUs: 1_700_000_000_000_000, lastUs: 1_700_000_001_000_000, source: { file: 'x', line: 3 } }];
    const text = renderMarkdown(stray);
    expect(text).to.include('**Records of no connection of the scenario** (a monitor reading this pcap should write none):');
    expect(text).to.include(`- ${cell.column} · \`${cell.setting.label}\`: 2 of ${cell.recordCount} record(s); the first: tcp 203.0.113.7:43000 → 203.0.113.8:8443 at 2023-11-14 22:13:20.000000 UTC`);
  });
});
