import { expect } from 'chai';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderJunit } from '../../reports/junit-report.js';
import { buildSampleResults } from './sample-results.js';

const XMLLINT = '/usr/bin/xmllint';

async function xmllint(xml: string): Promise<{ ok: boolean; stderr: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'junit-'));
  try {
    const file = join(dir, 'junit.xml');
    await writeFile(file, xml);
    const r = await execa(XMLLINT, ['--noout', file], { reject: false });
    return { ok: r.exitCode === 0, stderr: r.stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function attr(tag: string, name: string): string | undefined {
  return new RegExp(`\\b${name}="([^"]*)"`).exec(tag)?.[1];
}

describe('renderJunit', () => {
  const results = buildSampleResults();
  const cells = results.scenarios[0]!.cells;
  const xml = renderJunit(results);

  it('is well-formed XML (xmllint --noout)', async function () {
    if (!existsSync(XMLLINT)) this.skip(); // apt-get install -y libxml2-utils
    const r = await xmllint(xml);
    expect(r.stderr).to.equal('');
    expect(r.ok).to.equal(true);
  });

  it('xmllint rejects a broken document (the check can fail)', async function () {
    if (!existsSync(XMLLINT)) this.skip();
    expect((await xmllint(xml.replace('</testsuites>', ''))).ok).to.equal(false);
  });

  it('has one testsuite per scenario and one testcase per cell, with consistent counts', () => {
    const suites = [...xml.matchAll(/<testsuite [^>]*>/g)].map((m) => m[0]);
    expect(suites).to.have.length(1);
    const suite = suites[0]!;
    expect(attr(suite, 'name')).to.equal('burst-20min');
    const failing = cells.filter((c) => ['fragmented', 'missed', 'inaccurate', 'failed'].includes(c.verdict)).length;
    const skipping = cells.filter((c) => ['skipped', 'unsupported', 'timeouts-not-honoured'].includes(c.verdict)).length;
    expect(failing).to.equal(8);
    expect(skipping).to.equal(12);
    expect(attr(suite, 'tests')).to.equal(String(cells.length));
    expect(attr(suite, 'failures')).to.equal(String(failing));
    expect(attr(suite, 'skipped')).to.equal(String(skipping));
    expect(xml.match(/<testcase /g)).to.have.length(cells.length);
    expect(xml.match(/<failure /g)).to.have.length(failing);
    expect(xml.match(/<skipped /g)).to.have.length(skipping);
    const top = /<testsuites [^>]*>/.exec(xml)![0];
    expect(attr(top, 'tests')).to.equal(String(cells.length));
  });

  it('names testcases harness.<scenario>.<column> / setting and says what was expected and seen', () => {
    const zeekDefault = /<testcase classname="harness\.burst-20min\.Zeek" name="default"[^>]*>\s*<failure ([^>]*)>/.exec(xml);
    expect(zeekDefault, 'Zeek default fails').to.not.equal(null);
    const message = attr(zeekDefault![1]!, 'message')!;
    expect(message).to.contain('expected c2-beacon');
    expect(message).to.contain('one record of 18h57m16s');
    expect(message).to.contain('saw 57 fragments');
    expect(xml).to.match(/<testcase classname="harness\.burst-20min\.Zeek" name="1h" time="[\d.]+"\/>/);
    expect(xml).to.match(/classname="harness\.burst-20min\.Suricata" name="default"[^>]*>\s*<skipped message="skipped: not installed[^"]*apt-get install -y suricata"/);
    expect(xml).to.match(/classname="harness\.burst-20min\.softflowd" name="1h"[^>]*>\s*<skipped message="timeouts not honoured offline/);
    expect(xml).to.match(/classname="harness\.burst-20min\.nDPI" name="default"[^>]*>\s*<failure type="failed" message="expected nDPI to run[^"]*exit status 1/);
    expect(xml).to.contain('<system-err>');
  });

  it('counts a cell\'s scenario connections as every report does: a background flow not reported whole is said apart', () => {
    const withClockMissed = buildSampleResults();
    const zeek = withClockMissed.scenarios[0]!.cells.find((c) => c.displayName === 'Zeek' && c.setting.label === 'default')!;
    const clock = zeek.scores.find((s) => s.background)!;
    clock.verdict = 'missed';
    const rendered = renderJunit(withClockMissed);
    const failure = /<testcase classname="harness\.burst-20min\.Zeek" name="default"[^>]*>\s*<failure ([^>]*)>([^<]*)</.exec(rendered)!;
    const message = attr(failure[1]!, 'message')!;
    expect(message).to.match(/^expected c2-beacon .* one record of 18h57m16s/);
    expect(message).to.not.contain('2 connections');
    expect(failure[2]).to.contain(`(also 1 background flow not reported whole, scored apart: ${clock.connectionId} missed)`);
  });

  it('stays well-formed with hostile stderr and state strings', async function () {
    if (!existsSync(XMLLINT)) this.skip();
    const hostile = buildSampleResults({ plantedState: '"><x]]>&\u0001', extraMonitor: { id: 'fake-x', column: 'a"b<c>&\'' } });
    const failed = hostile.scenarios[0]!.cells.find((c) => c.status === 'failed')!;
    failed.provenance.commands[0]!.stderrTail = 'boom ]]> <tag> & \u0000\u001b[31m \ud800 end';
    failed.reason = '<oops> "quoted" & \u0007';
    const r = await xmllint(renderJunit(hostile));
    expect(r.stderr).to.equal('');
    expect(r.ok).to.equal(true);
  });
});
