import { expect } from 'chai';
import type { Cell } from '../core/results.js';
import type { ConnectionScore } from '../core/score.js';
import { conn, quiet, truthOf } from '../../test/comparator/build.js';
import { parseScenario } from '../scenario/parse-scenario.js';
import { guardBoundaryCases, silenceShrinkOf } from './boundary-guard.js';

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
});
