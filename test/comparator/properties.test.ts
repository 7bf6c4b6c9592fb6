import { expect } from 'chai';
import fc from 'fast-check';
import { compareCell, DEFAULT_COMPARE_OPTIONS } from '../../harness/comparator/compare-cell.js';
import type { FlowRecord } from '../../harness/core/flow-record.js';
import type { TruthConnection } from '../../harness/core/ground-truth.js';
import { conn, rec, reversed, truthOf } from './build.js';

/**
 * Whatever order records arrive in and whichever side a monitor calls the originator, a connection cut into k
 * disjoint pieces scores as k fragments that conserve its packets, and nothing is spurious.
 */
describe('comparator properties', () => {
  it('k disjoint pieces, shuffled and randomly flipped, bi or uni: k fragments, packets conserved, none spurious', () => {
    const piece = fc.record({ clientPkts: fc.integer({ min: 1, max: 50 }), serverPkts: fc.integer({ min: 0, max: 50 }), flip: fc.boolean() });
    const connection = fc.record({ pieces: fc.array(piece, { minLength: 1, maxLength: 8 }), uni: fc.boolean(), protocol: fc.constantFrom('tcp' as const, 'udp' as const) });
    fc.assert(
      fc.property(fc.array(connection, { minLength: 1, maxLength: 6 }), fc.integer(), (specs, seed) => {
        const truths: TruthConnection[] = [];
        const records: FlowRecord[] = [];
        specs.forEach((spec, i) => {
          const client = { addr: `192.0.2.${i + 1}`, port: 40000 + i };
          // Pieces 1000 s apart, each 10 s long: far beyond the 2 s matching tolerance.
          const k = spec.pieces.length;
          truths.push(
            conn({
              id: `c${i}`,
              protocol: spec.protocol,
              client,
              firstS: 0,
              lastS: (k - 1) * 1000 + 10,
              clientPkts: spec.pieces.reduce((a, p) => a + p.clientPkts, 0),
              serverPkts: spec.pieces.reduce((a, p) => a + p.serverPkts, 0),
            }),
          );
          spec.pieces.forEach((p, j) => {
            const base = { protocol: spec.protocol, origAddr: client.addr, origPort: client.port, firstS: j * 1000, lastS: j * 1000 + 10 };
            if (spec.uni) {
              records.push(rec({ ...base, direction: 'uni', origPkts: p.clientPkts }));
              if (p.serverPkts > 0) records.push(reversed(rec({ ...base, firstS: j * 1000 + 0.5, direction: 'uni', origPkts: p.serverPkts })));
            } else {
              const r = rec({ ...base, origPkts: p.clientPkts, respPkts: p.serverPkts });
              records.push(p.flip ? { ...reversed(r), origPkts: p.serverPkts, respPkts: p.clientPkts } : r);
            }
          });
        });
        // Deterministic shuffle from the seed.
        let state = seed >>> 0;
        for (let i = records.length - 1; i > 0; i -= 1) {
          state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
          const j = state % (i + 1);
          [records[i], records[j]] = [records[j] as FlowRecord, records[i] as FlowRecord];
        }
        const out = compareCell(truthOf(truths), records, { idleS: { tcp: 300, udp: 300 }, granularityS: 0 }, DEFAULT_COMPARE_OPTIONS);
        expect(out.spurious).to.have.length(0);
        out.scores.forEach((sc, i) => {
          const spec = specs[i];
          if (!spec) throw new Error('score without spec');
          expect(sc.fragments).to.equal(spec.pieces.length);
          expect(sc.packets.ok).to.equal(true);
          expect(sc.coverage).to.be.at.most(1);
          sc.fragmentList.forEach((f, j) => {
            expect(f.clientPkts).to.equal(spec.pieces[j]?.clientPkts);
            expect(f.serverPkts).to.equal(spec.pieces[j]?.serverPkts);
          });
        });
      }),
      { numRuns: 200 },
    );
  });
});
