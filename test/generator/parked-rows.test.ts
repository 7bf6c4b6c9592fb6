import { expect } from 'chai';
import fc from 'fast-check';
import { ConnectionEvents, type EventHead } from '../../generators/connection-events.js';
import { F_HELD_TS, F_LONGEST_GAP, ParkedRows, U_ORDER, U_TRUTH_BITS } from '../../generators/parked-rows.js';
import { Mulberry32 } from '../../generators/prng.js';
import type { ConnectionSpec } from '../../harness/scenario/scenario.js';
import { mixed } from './mixed-scenario.js';
import { tcp } from './scenario-builders.js';

/**
 * A quiet connection's event stream parked as a row of ParkedRows and rebuilt from it hands out exactly what it
 * would have handed out without parking; the rows come back earliest next packet first.
 */
const START_US = 1_700_000_000_000_000;

function events(spec: ConnectionSpec, parkGapUs: number): { events: EventHead[]; parks: number } {
  const rows = new ParkedRows();
  let stream = new ConnectionEvents(spec, START_US, new Mulberry32(99), parkGapUs);
  const out: EventHead[] = [];
  let parks = 0;
  for (;;) {
    const head: EventHead = { tsUs: 0, code: 0, len: 0 };
    if (stream.next(head)) {
      out.push(head);
      continue;
    }
    if (!stream.parked) return { events: out, parks };
    const row = rows.take();
    rows.ints(row)[rows.uAt(row) + U_ORDER] = 0;
    stream.parkInto(rows, row);
    rows.park(row);
    const back = rows.popEarliest();
    stream = ConnectionEvents.resume(spec, START_US, rows, back, parkGapUs);
    rows.release(back);
    parks += 1;
  }
}

describe('ParkedRows: quiet connections as rows', () => {
  const specs: ConnectionSpec[] = [
    ...mixed.connections,
    tcp('jittered', '192.0.2.30:40000', '198.51.100.20:9000', {
      close: 'rst',
      activity: { kind: 'pattern', bursts: 40, gapS: 50, jitterS: 20, requestBytes: 3000, responseBytes: 100, exchangesPerBurst: 3 },
    }),
  ];

  for (const spec of specs) {
    it(`${spec.id} (${spec.protocol}, ${spec.activity.kind}): the same events parked at every gap, at 60 s gaps, or never`, () => {
      const never = events(spec, Number.POSITIVE_INFINITY);
      expect(never.parks).to.equal(0);
      const always = events(spec, 0);
      // A timeline queues all its events at once: more than a row holds, so it never parks.
      if (spec.activity.kind === 'pattern') expect(always.parks).to.be.greaterThan(0);
      expect(always.events).to.deep.equal(never.events);
      expect(events(spec, 60_000_000).events).to.deep.equal(never.events);
    });
  }

  it('keeps every row whole when it shrinks (most rows read back) and grows again, and still gives them back in order', () => {
    const rows = new ParkedRows();
    const random = new Mulberry32(5);
    const expected: [number, number][] = [];
    let order = 0;
    const parkSome = (count: number, fromUs: number): void => {
      for (let k = 0; k < count; k++, order++) {
        const row = rows.take();
        const ts = fromUs + Math.floor(random.next() * 1_000_000);
        rows.floats(row)[rows.fAt(row) + F_HELD_TS] = ts;
        rows.floats(row)[rows.fAt(row) + F_LONGEST_GAP] = ts * 3;
        rows.ints(row)[rows.uAt(row) + U_ORDER] = order;
        rows.ints(row)[rows.uAt(row) + U_TRUTH_BITS] = order ^ 0x5555;
        rows.park(row);
        expected.push([ts, order]);
      }
    };
    const readSome = (count: number): void => {
      expected.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      for (const [ts, o] of expected.splice(0, count)) {
        const row = rows.popEarliest();
        expect([rows.floats(row)[rows.fAt(row) + F_HELD_TS], rows.ints(row)[rows.uAt(row) + U_ORDER]]).to.deep.equal([ts, o]);
        expect(rows.floats(row)[rows.fAt(row) + F_LONGEST_GAP]).to.equal(ts * 3);
        expect(rows.ints(row)[rows.uAt(row) + U_TRUTH_BITS]).to.equal(o ^ 0x5555);
        rows.release(row);
      }
    };
    parkSome(60_000, 0);
    readSome(50_000);
    parkSome(20_000, 1_000_000);
    readSome(25_000);
    parkSome(3_000, 500_000);
    readSome(expected.length);
    expect(rows.size).to.equal(0);
  });

  it('gives rows back earliest next packet first, ties in order, across blocks and after it emptied', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 1000 })), { minLength: 1, maxLength: 9000 }), (parked) => {
        const rows = new ParkedRows();
        for (let round = 0; round < 2; round++) {
          for (const [ts, order] of parked) {
            const row = rows.take();
            rows.floats(row)[rows.fAt(row) + F_HELD_TS] = ts;
            rows.ints(row)[rows.uAt(row) + U_ORDER] = order;
            rows.park(row);
          }
          expect(rows.size).to.equal(parked.length);
          const out: [number, number][] = [];
          while (rows.size > 0) {
            const next = rows.nextUs;
            const row = rows.popEarliest();
            const ts = rows.floats(row)[rows.fAt(row) + F_HELD_TS] as number;
            expect(ts).to.equal(next);
            out.push([ts, rows.ints(row)[rows.uAt(row) + U_ORDER] as number]);
            rows.release(row);
          }
          expect(out).to.deep.equal([...parked].sort((a, b) => a[0] - b[0] || a[1] - b[1]));
          expect(rows.nextUs).to.equal(Number.POSITIVE_INFINITY);
        }
      }),
      { numRuns: 30 },
    );
  });
});
