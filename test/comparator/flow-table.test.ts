import { expect } from 'chai';
import { flowTableOccupancy } from '../../harness/comparator/flow-table.js';
import { conn, quiet, s, truthOf } from './build.js';

describe('flow-table occupancy model', () => {
  // a: 0..630 with silences 10..300 (290 s) and 310..620 (310 s), no close.
  // b: 100..200, closed by FIN. Capture 0..630 (truthOf spans the connections).
  const a = conn({ id: 'a', firstS: 0, lastS: 630, ...quiet([10, 300], [310, 620]) });
  const b = conn({ id: 'b', firstS: 100, lastS: 200, close: 'fin', client: { addr: '192.0.2.11', port: 40001 } });
  const truth = truthOf([a, b], 60);

  it('holds each entry until the last packet plus the timeout, frees it in a longer gap, and a FIN frees it at once', () => {
    // idle 300: a holds 0..610 (310 s gap freed at 310+300, reopened at 620), 620..630 (end clipped to the capture);
    // b holds 100..200. Held time 610 + 10 + 100 = 720 s over 630 s.
    const at300 = flowTableOccupancy(truth, { idleS: { tcp: 300 } });
    expect(at300).to.deep.equal({ peakEntries: 2, peakAtUs: s(100), meanEntries: 720 / 630, exact: true });
    // idle 60: a holds 0..70, 300..370, 620..630; b 100..200: never two at once.
    const at60 = flowTableOccupancy(truth, { idleS: { tcp: 60 } });
    expect(at60).to.deep.equal({ peakEntries: 1, peakAtUs: s(0), meanEntries: (70 + 70 + 10 + 100) / 630, exact: true });
    // never expiring: a the whole capture, b 100..200.
    expect(flowTableOccupancy(truth, { idleS: { tcp: null } })?.meanEntries).to.equal(730 / 630);
  });

  it('reuses a freed slot at the same instant, and says when unlisted gaps make it an upper bound', () => {
    const c1 = conn({ id: 'c1', firstS: 0, lastS: 50, close: 'rst' });
    const c2 = conn({ id: 'c2', firstS: 50, lastS: 80, close: 'fin', client: { addr: '192.0.2.12', port: 1 } });
    expect(flowTableOccupancy(truthOf([c1, c2]), { idleS: { tcp: 300 } })?.peakEntries).to.equal(1);
    // A 30 s timeout under a 60 s quiet threshold: gaps of 30..60 s are not listed, so not exact.
    expect(flowTableOccupancy(truth, { idleS: { tcp: 30 } })?.exact).to.equal(false);
    expect(flowTableOccupancy(truth, { idleS: {} })).to.equal(undefined);
  });
});
