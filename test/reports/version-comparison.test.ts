import { expect } from 'chai';
import type { Cell, RunResults } from '../../harness/core/results.js';
import { renderMarkdown } from '../../reports/markdown-report.js';
import { renderTerminal } from '../../reports/terminal-report.js';
import { renderHtml } from '../../reports/html-report.js';
import { cutText, truthSourceText, versionComparisons } from '../../reports/report-model.js';
import { buildResults } from '../check/build-results.js';

/**
 * The reports' comparison across versions of one monitor, on hand-built results (what Zeek 6 and Zeek 7 would
 * write): the same setting grouped, a changed verdict marked and listed first.
 */
function twoVersions(): RunResults {
  const conns = [{ id: 'c2', durationS: 68_000 }, { id: 'beacon', durationS: 7_200 }];
  const results = buildResults('burst', conns, [
    { sensor: 'zeek6', monitor: 'zeek', version: '6.0.4', fragments: { c2: 42, beacon: 1 } },
    { sensor: 'zeek7', monitor: 'zeek', version: '7.0.11', fragments: { c2: 1, beacon: 1 } },
    { sensor: 'argus-a', monitor: 'argus', version: '3.0.8.2', fragments: { c2: 3, beacon: 1 } },
    { sensor: 'argus-b', monitor: 'argus', version: '3.0.8.2', fragments: { c2: 3, beacon: 1 } },
  ]);
  const cells = results.scenarios[0]?.cells as Cell[];
  (cells[0] as Cell).binary = '/opt/zeek-6/bin/zeek';
  (cells[1] as Cell).binary = '/opt/zeek-7/bin/zeek';
  (cells[2] as Cell).binary = '/usr/sbin/argus';
  (cells[3] as Cell).binary = '/opt/argus/sbin/argus';
  for (const cell of cells) cell.column = `${cell.sensor} [${cell.version ?? ''}]`;
  return results;
}

describe('reports: versions side by side', () => {
  it('groups the same setting across binaries and marks the connections whose verdict changed', () => {
    const comparisons = versionComparisons(twoVersions().scenarios[0] as RunResults['scenarios'][number]);
    expect(comparisons.map((c) => [c.monitor, c.setting, c.changedConnections])).to.deep.equal([
      ['zeek', 'default', ['c2']],
      ['argus', 'default', []],
    ]);
    expect(comparisons[0]?.entries.map((e) => [e.column, e.version, e.verdict, e.fragments])).to.deep.equal([
      ['zeek6 [6.0.4]', '6.0.4', 'fragmented', 42],
      ['zeek7 [7.0.11]', '7.0.11', 'accurate', 1],
    ]);
  });

  it('leaves out a monitor run by one binary only (two configs of one Zeek are not versions)', () => {
    const results = buildResults('burst', [{ id: 'c2', durationS: 100 }], [
      { sensor: 'zeek-tuned', monitor: 'zeek', version: '7.0.11', fragments: { c2: 1 } },
      { sensor: 'zeek-default', monitor: 'zeek', version: '7.0.11', fragments: { c2: 4 } },
    ]);
    expect(versionComparisons(results.scenarios[0] as RunResults['scenarios'][number])).to.deep.equal([]);
  });

  it('a live cell is not another version: tcptrace offline beside its unsupported live twin compares nothing', () => {
    const results = buildResults('s1', [{ id: 'tcp-gap', durationS: 90 }], [
      { sensor: 'tcptrace', monitor: 'tcptrace', version: '6.6.7', fragments: { 'tcp-gap': 2 } },
      { sensor: 'tcptrace (live)', monitor: 'tcptrace', fragments: { 'tcp-gap': 0 } },
    ]);
    const cells = results.scenarios[0]?.cells as Cell[];
    (cells[0] as Cell).binary = '/usr/bin/tcptrace';
    Object.assign(cells[1] as Cell, { status: 'unsupported', verdict: 'unsupported', reason: 'tcptrace has no live form' });
    expect(versionComparisons(results.scenarios[0] as RunResults['scenarios'][number])).to.deep.equal([]);
  });

  it('makes a changed verdict stand out in Markdown, HTML and the terminal', () => {
    const results = twoVersions();
    const md = renderMarkdown(results);
    expect(md).to.include('### Versions side by side');
    const rows = md.split('\n').filter((l) => l.startsWith('| zeek |') || l.startsWith('| argus |'));
    expect(rows[0]).to.match(/^\| zeek \| `default` \| zeek6 \\\[6\.0\.4\\\]: ✗ fragmented \(42\)<br>zeek7 \\\[7\.0\.11\\\]: ✓ accurate \| \*\*⚠ verdict changed for 1 connection \(c2\)\*\* \|$/);
    expect(rows[1]).to.match(/\| same verdicts \|$/);
    const html = renderHtml(results);
    expect(html).to.include('<h3>Versions side by side</h3>');
    expect(html).to.include('<b>⚠ verdict changed for 1 connection (c2)</b>');
    const text = renderTerminal(results, { color: false, width: 200 });
    expect(text).to.include('⚠ zeek @ default: 6.0.4 ✗ frag 42 vs 7.0.11 ✓ ok: verdict changed for 1 connection (c2)');
    expect(text).to.include('= argus @ default:');
  });
});

describe('reports: truth derived from a capture', () => {
  it('says the truth was derived, not synthesized, and marks connections the capture cut', () => {
    const results = buildResults('capture', [{ id: 'tcp-a', durationS: 600 }, { id: 'tcp-b', durationS: 60 }], [
      { sensor: 'tshark', monitor: 'tshark', fragments: { 'tcp-a': 1, 'tcp-b': 1 } },
    ]);
    const scenario = results.scenarios[0] as RunResults['scenarios'][number];
    expect(truthSourceText(scenario)).to.equal(undefined);
    scenario.truthSource = 'derived';
    const cut = scenario.truth.connections[0] as RunResults['scenarios'][number]['truth']['connections'][number];
    cut.cut = { start: 'no SYN: it began before the capture' };
    expect(truthSourceText(scenario)).to.match(/^Truth derived from the capture itself with tshark .* not synthesized: 1 connection of 2 was cut/);
    expect(cutText(cut)).to.equal('cut at start (no SYN: it began before the capture)');
    const md = renderMarkdown(results);
    expect(md).to.include('> Truth derived from the capture itself');
    expect(md).to.include('**cut at start (no SYN: it began before the capture)**');
    expect(renderHtml(results)).to.include('Truth derived from the capture itself');
    expect(renderTerminal(results, { color: false, width: 400 })).to.include('Truth derived from the capture itself');
  });
});
