import { expect } from 'chai';
import type { RunResults } from '../../harness/core/results.js';
import { renderHtml } from '../../reports/html-report.js';
import { renderMarkdown } from '../../reports/markdown-report.js';
import { modelFindings } from '../../reports/report-model.js';
import { buildSampleResults } from './sample-results.js';

/**
 * The reports say where each tool's own timer rule, not the naive "silence > global timeout", decides the count:
 * "as the model predicts" with the rule, "within the model's range" or "outside it" where a rule leaves room, and
 * the recommendation's ready-to-paste lines with the override that caps the global knob.
 */
function withModelScores(): RunResults {
  const results = buildSampleResults();
  const scenario = results.scenarios[0];
  if (!scenario) throw new Error('no scenario');
  const score = (column: string, setting: string) => {
    const cell = scenario.cells.find((c) => c.column === column && c.setting.label === setting);
    const s = cell?.scores.find((x) => x.connectionId === 'c2-beacon');
    if (!s) throw new Error(`no score ${column} ${setting}`);
    return s;
  };
  const ruled = score('Zeek', '4h');
  Object.assign(ruled, { fragments: 2, predictedFragments: 2, predictionDelta: 0, modelAgreement: 'as-predicted', naivePredictedFragments: 1, timerRules: ['Conn::port_inactivity_timeouts[22/tcp] = 1h'] });
  const within = score('argus', '1h');
  delete within.predictedFragments;
  Object.assign(within, { fragments: 2, predictedRange: { min: 1, max: 3 }, modelAgreement: 'within-range', naivePredictedFragments: 3, timerRules: ['checked every 60 s'] });
  const outside = score('argus', '4h');
  delete outside.predictedFragments;
  Object.assign(outside, { fragments: 5, predictedRange: { min: 1, max: 3 }, modelAgreement: 'outside-range', naivePredictedFragments: 1, likelyReason: 'status interval' });
  const rec = scenario.recommendations[0];
  if (rec) Object.assign(rec, { adviceLines: ['redef tcp_inactivity_timeout = 1261.0 sec;', 'redef Conn::port_inactivity_timeouts = { [22/tcp] = 1261.0 sec };'], caps: ['Conn::port_inactivity_timeouts sets 22/tcp at 1h'] });
  return results;
}

describe('reports: the model against each tool\'s timer rule', () => {
  it('lists ruled, ranged and outside cases, and leaves out what the naive model already predicts', () => {
    const findings = modelFindings(withModelScores().scenarios[0] as RunResults['scenarios'][number]);
    const texts = findings.filter((f) => f.connectionId === 'c2-beacon').map((f) => `${f.column} ${f.setting}: ${f.text}`);
    expect(texts).to.include('Zeek 4h: 2 records, as the model predicts (naive "silence > global timeout": 1)');
    expect(texts).to.include('argus 1h: 2 records, within the model\'s range 1–3 (naive "silence > global timeout": 3)');
    expect(texts).to.include('argus 4h: 5 records, outside the model\'s range 1–3 (likely reason: status interval)');
    // The sample's other scores have no modelAgreement: nothing is said of them.
    expect(findings.every((f) => f.connectionId === 'c2-beacon')).to.equal(true);
    expect(findings).to.have.length(3);
  });

  it('Markdown and HTML show the rule, the range words, and the lines to paste with the cap', () => {
    const results = withModelScores();
    const md = renderMarkdown(results);
    expect(md).to.include("### The model against each tool's timer rule");
    expect(md).to.include("2 records, within the model's range 1–3");
    expect(md).to.include("5 records, outside the model's range 1–3");
    expect(md).to.include('  - rule: Conn::port\\_inactivity\\_timeouts\\[22/tcp\\] = 1h');
    expect(md).to.include('<pre>redef tcp_inactivity_timeout = 1261.0 sec;&#10;redef Conn::port_inactivity_timeouts = { [22/tcp] = 1261.0 sec };</pre>');
    expect(md).to.include('⚠ Conn::port\\_inactivity\\_timeouts sets 22/tcp at 1h');
    const html = renderHtml(results);
    expect(html).to.include("within the model&#39;s range 1–3");
    expect(html).to.include('<li>rule: Conn::port_inactivity_timeouts[22/tcp] = 1h</li>');
    expect(html).to.include('<pre>redef tcp_inactivity_timeout = 1261.0 sec;\nredef Conn::port_inactivity_timeouts = { [22/tcp] = 1261.0 sec };</pre>');
  });
});
