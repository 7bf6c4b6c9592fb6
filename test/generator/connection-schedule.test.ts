import { expect } from 'chai';
import fc from 'fast-check';
import { ConnectionSchedule } from '../../generators/connection-schedule.js';
import { expandConnections } from '../../harness/scenario/load-scenario.js';
import type { ConnectionSpec } from '../../harness/scenario/scenario.js';
import { interleaved } from './interleaved-scenario.js';
import { tcp } from './scenario-builders.js';

/** Every connection of `specs` as (order, id, start): what creating them all up front gave, sorted by start. */
function upFront(specs: ConnectionSpec[], startUs: number): { order: number; id: string; startUs: number }[] {
  const all: { order: number; id: string; startUs: number }[] = [];
  for (const spec of specs) for (const copy of expandConnections(spec)) all.push({ order: all.length, id: copy.id, startUs: startUs + Math.round(copy.startS * 1e6) });
  return all.sort((a, b) => a.startUs - b.startUs || a.order - b.order);
}

function drain(specs: ConnectionSpec[], startUs: number): { order: number; id: string; startUs: number }[] {
  const schedule = new ConnectionSchedule(specs, startUs);
  const out: { order: number; id: string; startUs: number }[] = [];
  while (schedule.nextStartUs !== Number.POSITIVE_INFINITY) {
    const expected = schedule.nextStartUs;
    const c = schedule.take();
    expect(c.startUs).to.equal(expected);
    out.push({ order: c.order, id: c.copy.id, startUs: c.startUs });
  }
  expect(out.length).to.equal(schedule.total);
  return out;
}

describe('ConnectionSchedule: connections one at a time, in start order', () => {
  it('hands out the interleaved scenario in start order, each with its place in the scenario as its order', () => {
    expect(drain(interleaved.connections, interleaved.startUs)).to.deep.equal(upFront(interleaved.connections, interleaved.startUs));
  });

  it('agrees with expanding every spec up front, for any starts, staggers and counts', () => {
    const spec = fc.record({ startS: fc.integer({ min: 0, max: 5_000_000 }), staggerS: fc.integer({ min: 0, max: 3_000_000 }), count: fc.integer({ min: 0, max: 12 }) });
    fc.assert(
      fc.property(fc.array(spec, { maxLength: 8 }), (raw) => {
        const specs = raw.map((r, i) =>
          tcp(`s${i}`, '10.0.0.1:1000', '10.9.0.1:80', {
            client: { addrFrom: '10.0.0.1', addrTo: '10.0.0.255', portFrom: 1000, portTo: 1009 },
            startS: r.startS / 1e6,
            staggerS: r.staggerS / 1e6,
            count: r.count,
          }),
        );
        expect(drain(specs, 1_700_000_000_000_000)).to.deep.equal(upFront(specs, 1_700_000_000_000_000));
      }),
      { numRuns: 200 },
    );
  });
});
