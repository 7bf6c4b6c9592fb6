import { expect } from 'chai';
import type { Cell } from '../core/results.js';
import type { ConnectionScore } from '../core/score.js';
import { conn, quiet, truthOf } from '../../test/comparator/build.js';
import { parseScenario } from '../scenario/parse-scenario.js';
import { guardBoundaryCases, silenceShrinkOf } from './boundary-guard.js';
import { ScoreFold } from '../core/score-fold.js';
import { costSummary } from '../../reports/cost-view.js';

/**
 * Live, the RTT and the spacing inside a burst are not scaled: multiplied back into scenario time, what precedes a
 * silence lasts K times itself and the silence (K - 1) x its length less. Regression (probe-live #2c): at K = 300 a
 * 22 ms exchange takes 6.6 s off every silence, and a 303 s silence came back as 296.4 s, judged against a 300 s
 * timeout on the wrong side of it.
 */
const BEACON = [
  'connections:',
  '  - id: b',
  '    protocol: tcp',
  '    client: 192.0.2.30:41500',
  '    server: 203.0.113.5:8125',
  '    activity:',
  '      pattern: { bursts: 3, gap: 303s, request: 48, response: 64 }',
  '',
].join('\n');

function cellWith(verdict: ConnectionScore['verdict']): Cell {
  return { verdict, scores: [{ connectionId: 'b', verdict, fragments: 2, background: false }] } as unknown as Cell;
}

describe('live boundary guard', () => {
  it('counts the (K - 1) x exchange-length shrink of a silence in its margin', () => {
    const k = 300;
    const shrink = silenceShrinkOf(parseScenario(BEACON, 'beacon.yaml'), k);
    // One exchange of rtt 20 ms + 2 ms: 299 x 22 ms.
    expect(shrink('b')).to.equal(299 * 22_000);
    expect(shrink('b#3')).to.equal(299 * 22_000);
    // The replayed silence as the live truth has it, multiplied back: 303 s less the shrink.
    const truth = truthOf([conn({ id: 'b', firstS: 0, lastS: 606, ...quiet([0.022 * k, 0.022 * k + 296.4]) })]);
    const timeouts = { idleS: { tcp: 300 } };
    const withoutShrink = cellWith('fragmented');
    guardBoundaryCases(withoutShrink, truth, timeouts as never, 100, k);
    // Timing error alone (100 us x 300 = 30 ms... at least 1 ms x 300 = 0.3 s): 296.4 s is judged.
    expect(withoutShrink.scores[0]?.verdict).to.equal('fragmented');
    const withShrink = cellWith('fragmented');
    guardBoundaryCases(withShrink, truth, timeouts as never, 100, k, shrink);
    expect(withShrink.scores[0]?.verdict).to.equal('unsupported');
    expect(withShrink.scores[0]?.likelyReason).to.match(/^not judged: a 296\.400 s silence is within the replay's timing error plus the unscaled exchanges' shrink \(0\.300 s \+ 6\.578 s in scenario time\) of the 300 s timeout \(was fragmented\)/);
    expect(withShrink.verdict).to.equal('unsupported');
  });

  it('a silence farther from the timeout than timing error and shrink is judged', () => {
    const k = 30;
    const shrink = silenceShrinkOf(parseScenario(BEACON, 'beacon.yaml'), k);
    const truth = truthOf([conn({ id: 'b', firstS: 0, lastS: 606, ...quiet([1, 296]) })]);
    const cell = cellWith('fragmented');
    guardBoundaryCases(cell, truth, { idleS: { tcp: 300 } } as never, 100, k, shrink);
    // 29 x 22 ms = 0.638 s + 0.03 s, well short of 4 s.
    expect(cell.scores[0]?.verdict).to.equal('fragmented');
  });
  it('the cell\'s totals follow a connection it no longer judges: "2 accurate of 2" was kept beside one not judged', () => {
    // probe-cli3 #8: softflowd live at K = 30, u1 silent 299.77 s against its 300 s UDP timeout.
    const truth = truthOf([
      conn({ id: 'c1', firstS: 0, lastS: 100, ...quiet([10, 90]) }),
      conn({ id: 'u1', protocol: 'udp', firstS: 0, lastS: 400, ...quiet([50, 349.77]) }),
    ]);
    const score = (id: string): ConnectionScore => ({
      connectionId: id, verdict: 'accurate', fragments: 1, background: false, coverage: 1,
      hunts: [{ thresholdS: 3600, byLongestRecord: false, bySum: false }],
    } as unknown as ConnectionScore);
    const scores = [score('c1'), score('u1')];
    const fold = new ScoreFold([3600], 0);
    for (const s of scores) fold.add(s);
    const cell = { status: 'ok', verdict: 'accurate', scores, aggregate: fold.aggregate(0), setting: { label: 'default', isDefault: true } } as unknown as Cell;
    expect(cell.aggregate?.accurate).to.equal(2);
    guardBoundaryCases(cell, truth, { idleS: { tcp: 3600, udp: 300 } } as never, 10_000, 30);
    expect(cell.scores.map((s) => s.verdict)).to.deep.equal(['accurate', 'unsupported']);
    expect(cell.verdict).to.equal('accurate');
    expect(cell.aggregate).to.include({ connections: 2, accurate: 1, fragmented: 0, missed: 0, spurious: 0 });
    // The summary says what was judged, not that the cell "scored nothing".
    expect(costSummary('softflowd (live)', [{ setting: 'default', cell, cost: { wallMs: 1, records: 2, peakRssKb: 1000 } }]))
      .to.equal('softflowd (live): no swept setting could be judged (default judged only 1 of 2 connections): whether one keeps every connection whole, and at what cost, is unknown');
  });
});
