import { expect } from 'chai';
import { renderHtml } from '../../reports/html-report.js';
import { renderMarkdown } from '../../reports/markdown-report.js';
import { interruptionText, liveCellLines } from '../../reports/report-model.js';
import type { Cell } from '../../harness/core/results.js';
import { renderTerminal } from '../../reports/terminal-report.js';
import { buildSampleResults } from './sample-results.js';

// A run stopped by Ctrl-C must not read like a complete one: every human report says so first.
describe('reports of an interrupted run', () => {
  const complete = buildSampleResults();
  const interrupted = { ...buildSampleResults(), interrupted: { scenariosNotGenerated: ['large', 'many-idle'] } };

  it('a live cell stopped before its replay claims no timing error and no packet sent', () => {
    const scenario = buildSampleResults().scenarios[0] as (typeof complete.scenarios)[number];
    const cell = scenario.cells[0] as Cell;
    const live = { interface: 'rx', speedup: 10, replaySetting: cell.setting, packetsScheduled: 82, packetsOnWire: 0, referenceCapture: 'live/reference.pcap' };
    const stopped = { ...scenario, cells: [{ ...cell, live, status: 'failed' as const, verdict: 'failed' as const }] };
    const [line] = liveCellLines(stopped);
    expect(line).to.include('no replay ran (interrupted before it), so no timing error was measured');
    expect(line).to.include('packets 82 scheduled, 0 on the wire');
    expect(line).not.to.match(/timing error median|sent/);
    const replayed = { ...stopped, cells: [{ ...cell, live: { ...live, packetsOnWire: 82, timingError: { medianUs: 300, p99Us: 8000, maxUs: 8000, driftUs: 0 } } }] };
    expect(liveCellLines(replayed)[0]).to.include('replay timing error median 0.3 ms').and.include('packets 82 sent, 82 on the wire');
  });

  it('a complete run carries no interruption line anywhere', () => {
    expect(interruptionText(complete)).to.equal(undefined);
    expect(renderTerminal(complete, { color: false })).to.not.include('Interrupted');
    expect(renderMarkdown(complete)).to.not.include('Interrupted');
    expect(renderHtml(complete)).to.not.include('Interrupted');
  });

  it('names the scenarios that were never generated', () => {
    expect(interruptionText(interrupted)).to.equal(
      'Interrupted: this run was stopped before it finished; monitors still running were stopped and their cells are marked failed ("interrupted"), cells not yet started are marked skipped ("not run"), and 2 scenarios never generated (large, many-idle) are absent.',
    );
    expect(interruptionText({ ...interrupted, interrupted: { scenariosNotGenerated: [] } })).to.match(/marked skipped \("not run"\)\.$/);
  });

  it('puts it before the first scenario in the terminal, Markdown and HTML reports', () => {
    const firstScenario = interrupted.scenarios[0]?.name as string;
    for (const text of [renderTerminal(interrupted, { color: false }), renderMarkdown(interrupted), renderHtml(interrupted)]) {
      const at = text.indexOf('Interrupted: this run was stopped');
      expect(at).to.be.greaterThan(-1);
      expect(at).to.be.lessThan(text.indexOf(firstScenario, text.indexOf('Interrupted')));
      expect(text).to.include('large, many-idle');
    }
  });
});
