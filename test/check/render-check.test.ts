import { expect } from 'chai';
import type { CheckReport, CheckResult } from '../../harness/check/check-report.js';
import { countResults } from '../../harness/check/check-report.js';
import { renderCheckJunit } from '../../harness/check/render-check-junit.js';
import { renderCheckMarkdown } from '../../harness/check/render-check-markdown.js';
import { renderCheckText } from '../../harness/check/render-check-text.js';

const where = { file: 'suite.yaml', line: 12, col: 5 };
const RESULTS: CheckResult[] = [
  { status: 'pass', kind: 'max_fragments', scenario: 'burst-20min', sensor: 'zeek-tuned', connection: 'c2', expected: 'at most 1 record per connection', seen: '1 record (c2)', where },
  { status: 'fail', kind: 'max_fragments', scenario: 'burst-20min', sensor: 'zeek-defaults', connection: 'c2', expected: 'at most 1 record per connection', seen: '57 records (c2)', where },
  { status: 'skip', kind: 'max_fragments', scenario: 'burst-20min', sensor: 'suricata-prod', connection: 'c2', expected: 'at most 1 record per connection', reason: 'Suricata is not installed; install: see suricata.io', where },
];

function report(results: CheckResult[]): CheckReport {
  return { suite: 'suite.yaml', results, counts: countResults(results), baseline: { file: 'suite.baseline.json', status: 'compared', regressions: 0 } };
}

describe('check: renderers', () => {
  it('text: each result as PASS / FAIL (expected, saw) / SKIP (why), then the totals', () => {
    const text = renderCheckText(report(RESULTS), { color: false });
    expect(text).to.equal([
      'harness check suite.yaml',
      '',
      'burst-20min',
      '  PASS  zeek-tuned / c2: at most 1 record per connection (suite.yaml:12)',
      '        saw 1 record (c2)',
      '  FAIL  zeek-defaults / c2: at most 1 record per connection (suite.yaml:12)',
      '        expected at most 1 record per connection; saw 57 records (c2)',
      '  SKIP  suricata-prod / c2: at most 1 record per connection (suite.yaml:12)',
      '        skipped: Suricata is not installed; install: see suricata.io',
      '',
      'baseline suite.baseline.json: 0 regressions',
      '1 pass, 1 fail, 1 skip: FAILED',
      '',
    ].join('\n'));
    expect(renderCheckText(report(RESULTS), { color: true })).to.contain('\u001b[31mFAIL\u001b[0m');
  });

  it('text: a skip for the not-honoured note says it once; a failure keeps the note under its numbers', () => {
    const note = 'softflowd does not apply its timeouts to a pcap: a whole record here proves nothing about live traffic';
    const skipped: CheckResult = { ...(RESULTS[2] as CheckResult), sensor: 'softflowd-team', reason: note, note };
    const failed: CheckResult = { ...(RESULTS[1] as CheckResult), sensor: 'softflowd-team', note };
    const text = renderCheckText(report([skipped, failed]), { color: false });
    expect(text.split(note).length - 1).to.equal(2);
    expect(text).to.contain(`skipped: ${note}`);
    expect(text).to.contain(`saw 57 records (c2)\n        note: ${note}`);
  });

  it('Markdown: short enough for a pull-request comment however many results, with cells escaped', () => {
    const many: CheckResult[] = [];
    for (let i = 0; i < 2000; i++) {
      many.push({ ...(RESULTS[1] as CheckResult), connection: `web#${i}`, seen: `3 records | <b>${'x'.repeat(500)}</b>` });
      many.push({ ...(RESULTS[2] as CheckResult), reason: i % 2 === 0 ? 'not installed' : 'version 6 is below 7' });
      many.push(RESULTS[0] as CheckResult);
    }
    const md = renderCheckMarkdown(report(many));
    expect(md.split('\n').length).to.be.below(40);
    expect(md.length).to.be.below(8000);
    expect(md).to.contain('### harness check: ❌ failed');
    expect(md).to.contain('**2000** pass, **2000** fail, **2000** skip');
    expect(md).to.contain('… and 1985 more failures');
    expect(md).to.contain('- 1000 × suricata-prod: not installed');
    expect(md).to.contain('3 records \\| &lt;b&gt;');
    expect(md).not.to.contain('<b>');
    const ok = renderCheckMarkdown(report([RESULTS[0] as CheckResult]));
    expect(ok).to.contain('✅ passed');
    expect(ok).not.to.contain('| scenario |');
  });

  it('text and Markdown write a suite\'s control characters as escapes (a skip reason\'s ESC[2J reached the CI log)', () => {
    const hostile = [
      { ...(RESULTS[1] as CheckResult), seen: 'last record in state a\u001b[2Jb', sensor: 'nf\u0007' },
      { ...(RESULTS[2] as CheckResult), status: 'skip' as const, reason: 'x \u001b[31mRED\u0000 end' },
    ];
    const text = renderCheckText(report(hostile), { color: false });
    const md = renderCheckMarkdown(report(hostile));
    for (const out of [text, md]) {
      expect(out).to.not.match(/[\u0000-\u0008\u000b-\u001f\u007f]/);
      expect(out).to.include('\\u001b[');
    }
    // The renderer's own colors stay codes.
    expect(renderCheckText(report(hostile), { color: true })).to.include('\u001b[31mFAIL\u001b[0m');
  });

  it('JUnit: one testcase per result, failures with expected and seen, skips with the reason, XML escaped', () => {
    const xml = renderCheckJunit(report([...RESULTS, { ...(RESULTS[1] as CheckResult), sensor: 'a&b "<x>"', seen: 'bad\u0001byte' }]));
    expect(xml).to.contain('<testsuites name="harness check suite.yaml" tests="4" failures="2" skipped="1">');
    expect(xml).to.contain('<testsuite name="burst-20min" tests="4" failures="2" skipped="1">');
    expect(xml).to.contain('<testcase classname="burst-20min.zeek-tuned" name="c2: at most 1 record per connection"/>');
    expect(xml).to.contain('<failure message="expected at most 1 record per connection; saw 57 records (c2)" type="max_fragments">suite.yaml:12:5</failure>');
    expect(xml).to.contain('<skipped message="Suricata is not installed; install: see suricata.io"/>');
    expect(xml).to.contain('classname="burst-20min.a&amp;b &quot;&lt;x&gt;&quot;"');
    expect(xml).to.contain('saw badbyte');
    expect(xml.match(/<testcase /g)).to.have.length(4);
    expect(xml.match(/<\/testcase>/g)).to.have.length(3);
  });
});
