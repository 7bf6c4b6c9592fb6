import { expect } from 'chai';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseResultsJson, renderJson } from '../../reports/json-report.js';
import { renderHtml } from '../../reports/html-report.js';
import { renderJunit } from '../../reports/junit-report.js';
import { renderMarkdown } from '../../reports/markdown-report.js';
import { summarizeResults, WORST_KEPT } from '../../harness/core/summarize-results.js';
import { readWholeResults } from '../../harness/io/read-results.js';
import { buildResults, type ConnSpec } from '../check/build-results.js';

/**
 * results.json of a big run keeps the worst connections and the counts (the cell's scores.<view>.jsonl holds every
 * score); `harness report` must render from it exactly what the run rendered, and a small run is kept whole.
 */
describe('summarized results', () => {
  const many = 250;
  const conns: ConnSpec[] = [...Array.from({ length: many }, (_, i) => ({ id: `c#${i}`, durationS: 3600 + i })), { id: 'clock', durationS: 7200, background: true }];
  // Every connection whole, except five cut into pieces and two missed, scattered through the list.
  const fragments: Record<string, number> = Object.fromEntries(conns.map((c) => [c.id, 1]));
  for (const i of [3, 77, 150, 151, 249]) fragments[`c#${i}`] = 4;
  for (const i of [10, 200]) fragments[`c#${i}`] = 0;
  const full = buildResults('big', conns, [{ sensor: 'zeek', fragments }, { sensor: 'argus', fragments: { ...fragments, 'c#5': 2 } }]);

  it('keeps background and the worst connections of each cell, with the counts of all', () => {
    const summary = summarizeResults(full);
    const scenario = summary.scenarios[0]!;
    expect(scenario.connectionCount).to.deep.equal({ scenario: many, background: 1 });
    for (const cell of scenario.cells) {
      expect(cell.connectionsScored).to.equal(many + 1);
      expect(cell.scores.filter((s) => !s.background)).to.have.length(WORST_KEPT);
      expect(cell.scores.some((s) => s.background)).to.equal(true);
    }
    const zeek = scenario.cells.find((c) => c.sensor === 'zeek')!;
    const kept = new Set(zeek.scores.map((s) => s.connectionId));
    for (const id of ['c#3', 'c#77', 'c#150', 'c#151', 'c#249', 'c#10', 'c#200', 'clock']) expect(kept.has(id), id).to.equal(true);
    const truthIds = new Set(scenario.truth.connections.map((c) => c.id));
    for (const cell of scenario.cells) for (const s of cell.scores) expect(truthIds.has(s.connectionId)).to.equal(true);
    expect(truthIds.size).to.be.lessThan(many);
    // The aggregates were computed from every connection and are kept as they were.
    expect(scenario.cells.map((c) => c.aggregate)).to.deep.equal(full.scenarios[0]!.cells.map((c) => c.aggregate));
  });

  it('is idempotent, and the reports rendered from results.json read back are the ones rendered at the run', () => {
    const summary = summarizeResults(full);
    expect(summarizeResults(summary)).to.deep.equal(summary);
    const reread = summarizeResults(parseResultsJson(renderJson(summary), 'results.json'));
    expect(renderJson(reread)).to.equal(renderJson(summary));
    expect(renderMarkdown(reread)).to.equal(renderMarkdown(summary));
    expect(renderHtml(reread)).to.equal(renderHtml(summary));
    expect(renderJunit(reread)).to.equal(renderJunit(summary));
    expect(renderMarkdown(summary)).to.include(`${many} connections (+1 background)`);
  });

  it('JUnit counts the failed connections over all of them, not over the worst kept', () => {
    // 150 of 250 cut: more than the WORST_KEPT the summary holds.
    const cut: Record<string, number> = Object.fromEntries(conns.map((c, i) => [c.id, i < 150 ? 3 : 1]));
    const results = buildResults('cut', conns, [{ sensor: 'zeek', fragments: cut }]);
    // As a run's fold counts them (the builder writes scores only).
    results.scenarios[0]!.cells[0]!.aggregate = {
      connections: many, accurate: many - 150, fragmented: 150, missed: 0, fragmentsTotal: 3 * 150 + (many - 150),
      meanCoverage: 0.8, minCoverage: 0.6, huntFoundByLongest: {}, huntFoundBySum: {}, spurious: 0,
    };
    const summary = summarizeResults(results);
    expect(summary.scenarios[0]!.cells[0]!.scores.length).to.be.below(150);
    const junit = renderJunit(summary);
    expect(junit).to.contain('message="150 of 250 scenario connections not reported whole (150 fragmented); first of the');
  });

  it('keeps a small run whole, adding only the distributions', () => {
    const small = buildResults('small', conns.slice(0, 20), [{ sensor: 'zeek', fragments }]);
    const summary = summarizeResults(small);
    for (const cell of summary.scenarios[0]!.cells) delete cell.distribution;
    expect(summary).to.deep.equal(small);
  });

  it('counts every connection into the fragment and coverage distributions, before keeping the worst', () => {
    const zeek = summarizeResults(full).scenarios[0]!.cells.find((c) => c.sensor === 'zeek')!;
    // missed, 1, 2, 3-5, 6-10, 11+: two missed, five in four pieces, the rest whole; the clock is left out.
    expect(zeek.distribution?.fragments).to.deep.equal([2, many - 7, 0, 5, 0, 0]);
    expect(zeek.distribution?.coverage.reduce((a, b) => a + b, 0)).to.equal(many);
  });

  it('report.html of a summarized run shows the distributions and opens in headless Chromium without errors', async function () {
    const html = renderHtml(summarizeResults(full));
    expect(html).to.include('Distribution over connections');
    expect(html).to.include('<th>3-5</th>');
    if (!existsSync('/usr/bin/chromium')) this.skip(); // the Debian chromium package is not installed
    const dir = await mkdtemp(join(tmpdir(), 'summarized-html-'));
    try {
      const file = join(dir, 'report.html');
      await writeFile(file, html);
      const r = await execa('/usr/bin/chromium', [
        '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update',
        `--user-data-dir=${join(dir, 'profile')}`, '--enable-logging=stderr', '--v=0', '--dump-dom', pathToFileURL(file).href,
      ], { reject: false, timeout: 90_000 });
      expect(r.exitCode).to.equal(0);
      expect(r.stderr).not.to.contain('Uncaught');
      expect(r.stderr).not.to.match(/:CONSOLE[:(]\d+/);
      expect(r.stdout).to.match(/<html[^>]* data-js="ready"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads every score and the whole truth back from the run folder, as harness merge does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'summarized-whole-'));
    try {
      const run = structuredClone(full);
      const scenario = run.scenarios[0]!;
      scenario.truthFile = 'big/big.truth.json';
      // A truth read back is validated like any input: the hand-built one names no real capture.
      scenario.truth.pcap.sha256 = 'a'.repeat(64);
      const pcap = scenario.truth.pcap;
      pcap.firstUs = Math.min(pcap.firstUs, ...scenario.truth.connections.map((c) => c.firstUs));
      pcap.lastUs = Math.max(pcap.lastUs, ...scenario.truth.connections.map((c) => c.lastUs));
      pcap.spanUs = pcap.lastUs - pcap.firstUs;
      await mkdir(join(dir, 'big'), { recursive: true });
      await writeFile(join(dir, scenario.truthFile), JSON.stringify(scenario.truth));
      for (const [i, cell] of scenario.cells.entries()) {
        cell.scoresFile = `big/scores.${i}.jsonl`;
        await writeFile(join(dir, cell.scoresFile), cell.scores.map((x) => `${JSON.stringify(x)}\n`).join(''));
      }
      await writeFile(join(dir, 'results.json'), renderJson(summarizeResults(run)));
      const { results } = await readWholeResults(dir);
      const whole = results.scenarios[0]!;
      expect(whole.truth).to.deep.equal(scenario.truth);
      expect(whole.connectionCount).to.equal(undefined);
      // As JSON keeps them: a field that is undefined is absent.
    expect(whole.cells.map((c) => c.scores)).to.deep.equal(JSON.parse(JSON.stringify(scenario.cells.map((c) => c.scores))));
      expect(whole.cells.every((c) => c.connectionsScored === undefined)).to.equal(true);
      // A missing scores file is refused, never judged from the worst hundred.
      await rm(join(dir, 'big/scores.0.jsonl'));
      const error = await readWholeResults(dir).catch((e: unknown) => e);
      expect(String((error as Error).message)).to.match(/no readable scores of cell .*; expected the scores.<view>.jsonl/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
