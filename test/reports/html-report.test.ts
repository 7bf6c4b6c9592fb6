import { expect } from 'chai';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderHtml } from '../../reports/html-report.js';
import { buildSampleResults } from './sample-results.js';

const CHROMIUM = '/usr/bin/chromium';
/** Chromium's --enable-logging line for any console message: `INFO:CONSOLE:1] "..."` (older: `CONSOLE(1)`). */
const CONSOLE_LINE = /:CONSOLE[:(]\d+/;
const PLANTED = '<script>alert("pwned")</script>';

describe('renderHtml', () => {
  const results = buildSampleResults();
  const html = renderHtml(results);

  it('references no external resource: no http(s) URL, no src/href, no @import, url() only to in-page ids', () => {
    expect(html).not.to.match(/https?:\/\//i);
    expect(html).not.to.match(/\s(src|href|xlink:href|srcset)\s*=/i);
    expect(html).not.to.match(/@import/i);
    for (const m of html.matchAll(/url\(([^)]*)\)/g)) expect(m[1]).to.match(/^#[\w-]+$/);
  });

  it('escapes a <script> planted in a monitor state string, and in stderr and config files', () => {
    const hostile = buildSampleResults({ plantedState: PLANTED });
    const failed = hostile.scenarios[0]!.cells.find((c) => c.status === 'failed')!;
    failed.provenance.commands[0]!.stderrTail = `boom ${PLANTED}`;
    const argus = hostile.scenarios[0]!.cells.find((c) => c.provenance.configFiles.length > 0)!;
    argus.provenance.configFiles[0]!.content = `</pre>${PLANTED}`;
    const out = renderHtml(hostile);
    expect(out).not.to.contain(PLANTED);
    expect(out).to.contain('state &lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;');
    expect(out).to.contain('boom &lt;script&gt;');
    expect(out.match(/<script/g), 'only our own script').to.have.length(1);
  });

  it('draws a timeline per connection with the truth bar, its quiet periods, and every fragment', () => {
    const scenario = results.scenarios[0]!;
    expect(html.match(/<svg class="timeline"/g)).to.have.length(scenario.truth.connections.length);
    const main = scenario.truth.connections.find((c) => !c.background)!;
    const fragments = scenario.cells.reduce((n, c) => n + c.scores.reduce((m, s) => m + s.fragmentList.length, 0), 0);
    expect(html.match(/<rect class="frag/g)).to.have.length(fragments);
    expect(html.match(/<rect class="quiet"/g)).to.have.length(main.quietPeriods.length);
    expect(html).to.contain('source conn.log:9');
    expect(html).to.contain('2023-11-14 22:13:20.000000 UTC');
  });

  it('has the heatmap with verdicts, recommendations, failures with stderr, and provenance', () => {
    expect(html).to.contain('<table class="heatmap">');
    expect(html).to.match(/<td class="cell tone-bad status-ok"[^>]*><div class="verdict">✗ fragmented \(57\)<\/div><div class="cov">1\.52%<\/div>/);
    expect(html).to.contain('<code>redef tcp_inactivity_timeout = 21 min;</code>');
    expect(html).to.contain('truncated dump file');
    expect(html).to.contain('ARGUS_TCP_TIMEOUT=60');
    expect(html.match(/<details class="prov">/g)).to.have.length(results.scenarios[0]!.cells.length);
  });

  it('shows cost beside accuracy: the sentence, a table and an inline SVG chart of memory, CPU and table size', () => {
    expect(html).to.contain('<h3>Cost of each setting</h3>');
    expect(html).to.contain('Zeek: 1h keeps every connection whole and costs +25% memory at this load (188 MiB against 151 MiB at default)');
    const chart = /<svg class="cost-chart"[\s\S]*?<\/svg>/.exec(html)?.[0] ?? '';
    expect(chart).to.contain('peak memory');
    expect(chart).to.contain('flow table (model peak)');
    expect(chart.match(/<rect class="cost-bar/g)?.length, 'three measures × four settings').to.equal(12);
    expect(chart).to.contain('<title>1h: 188 MiB</title>');
  });

  it('caps timelines at 20 for a scenario of 10,000 connections', () => {
    const out = renderHtml(buildSampleResults({ extraConnections: 10_000 }));
    expect(out.match(/<svg class="timeline"/g)).to.have.length(20);
    expect(out).to.contain('Showing 20 of 10,002 connections');
  });

  describe('in headless Chromium', function () {
    let dir = '';
    before(async function () {
      if (!existsSync(CHROMIUM)) this.skip(); // the Debian chromium package is not installed
      dir = await mkdtemp(join(tmpdir(), 'html-report-'));
    });
    after(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    async function chromium(file: string, mode: string[]): Promise<{ stdout: string; stderr: string; exitCode?: number }> {
      const profile = await mkdtemp(join(dir, 'profile-'));
      const argv = [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        `--user-data-dir=${profile}`, '--enable-logging=stderr', '--v=0', ...mode, pathToFileURL(file).href,
      ];
      const r = await execa(CHROMIUM, argv, { reject: false, timeout: 90_000 });
      return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode };
    }

    it('our Uncaught check does see a JavaScript error (fake broken page)', async () => {
      const file = join(dir, 'fake-broken.html');
      await writeFile(file, '<!DOCTYPE html><html><body><script>nonexistentFunction();</script></body></html>');
      const r = await chromium(file, ['--dump-dom']);
      expect(r.stderr).to.contain('Uncaught');
      expect(r.stderr).to.match(CONSOLE_LINE);
    });

    it('renders the sample report: its script runs over every timeline and logs no error', async () => {
      const file = join(dir, 'report.html');
      await writeFile(file, renderHtml(buildSampleResults({ plantedState: PLANTED })));
      const r = await chromium(file, ['--dump-dom']);
      expect(r.exitCode).to.equal(0);
      expect(r.stderr).not.to.contain('Uncaught');
      expect(r.stderr).not.to.match(CONSOLE_LINE);
      expect(r.stdout).to.match(/<html[^>]* data-js="ready"/);
      expect(r.stdout).to.match(/data-timelines="2"/);
      expect(r.stdout.match(/<line class="cursor"/g), 'a cursor added to each timeline').to.have.length(2);
      expect(r.stdout).not.to.contain('alert("pwned")</script>');
    });

    it('takes a screenshot of the sample report', async () => {
      const file = join(dir, 'report.html');
      const png = join(dir, 'report.png');
      await writeFile(file, renderHtml(results));
      const r = await chromium(file, [`--screenshot=${png}`, '--window-size=1400,2000']);
      expect(r.stderr).not.to.contain('Uncaught');
      expect((await stat(png)).size).to.be.greaterThan(20_000);
      expect((await readFile(png)).subarray(1, 4).toString('latin1')).to.equal('PNG');
    });
  });
});
