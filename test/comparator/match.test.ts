import { expect } from 'chai';
import fc from 'fast-check';
import { indexTruth, matchRecord, matchRecords, recordsOf } from '../../harness/comparator/match.js';
import type { FlowRecord } from '../../harness/core/flow-record.js';
import type { TruthConnection } from '../../harness/core/ground-truth.js';
import { canonicalAddress } from '../../harness/core/ip-address.js';
import { conn, rec, truthOf } from './build.js';

/**
 * The indexed matcher against the rule it implements, written as plainly as possible: among the connections with
 * the record's protocol, the same unordered endpoints (ICMP: addresses only), a compatible VLAN and an overlapping
 * span (within the tolerance), take the best by echo id, then overlap, then nearest start; on a tie the later one
 * in (first packet, truth order).
 */
/**
 * The best match, and the connections the record also merges: the others of its endpoints and VLAN whose first or
 * last packet lies within its span (not only within the tolerance) and whose echo id the best's does not set apart.
 */
function referenceMatches(connections: readonly TruthConnection[], r: FlowRecord, toleranceUs: number): { best: number; merged: number[] } {
  const ends = (addr: string, port: number, icmp: boolean): string => `${canonicalAddress(addr)} ${icmp ? '*' : port}`;
  const order = connections.map((_, i) => i).sort((x, y) => (connections[x] as TruthConnection).firstUs - (connections[y] as TruthConnection).firstUs || x - y);
  let best = -1;
  let bestRank = -Infinity;
  let bestEcho = 0;
  const overlapping: { i: number; echo: number }[] = [];
  for (const i of order) {
    const c = connections[i] as TruthConnection;
    if (c.protocol !== r.protocol) continue;
    const icmp = c.protocol === 'icmp';
    const mine = [ends(r.origAddr, r.origPort, icmp), ends(r.respAddr, r.respPort, icmp)].sort().join('|');
    const theirs = [ends(c.client.addr, c.client.port, icmp), ends(c.server.addr, c.server.port, icmp)].sort().join('|');
    if (mine !== theirs) continue;
    if (r.vlan !== undefined && r.vlan !== c.vlan) continue;
    if (c.lastUs < r.firstUs - toleranceUs || c.firstUs > r.lastUs + toleranceUs) continue;
    const overlap = Math.min(c.lastUs, r.lastUs) - Math.max(c.firstUs, r.firstUs);
    const echo = icmp && (r.origPort === c.client.port || r.respPort === c.client.port) ? 1 : 0;
    const rank = echo * 1e18 + overlap * 4 - Math.abs(c.firstUs - r.firstUs);
    if (rank >= bestRank) {
      bestRank = rank;
      best = i;
      bestEcho = echo;
    }
    const inside = (t: number): boolean => t >= r.firstUs && t <= r.lastUs;
    if (inside(c.firstUs) || inside(c.lastUs)) overlapping.push({ i, echo });
  }
  // The best one's echo identifier, whether or not its own first or last packet lies inside the record: a record
  // inside the best's span that holds two others' packets merges them.
  // No more packets than the best connection has: none of another's.
  const bestConn = connections[best];
  const fits = bestConn !== undefined && (r.origPkts ?? NaN) + (r.respPkts ?? NaN) <= bestConn.clientPkts + bestConn.serverPkts;
  const merged = overlapping.length > 1 && !fits ? overlapping.filter((o) => o.i !== best && o.echo === bestEcho).map((o) => o.i) : [];
  return { best, merged };
}

const ADDRESSES = ['192.0.2.1', '192.0.2.2', '2001:db8::1', '2001:DB8:0::1'];

describe('matching', () => {
  it('agrees with the plain rule on crowded endpoint pairs, flipped records, odd spellings, ICMP and VLANs', () => {
    const endpoint = fc.record({ addr: fc.constantFrom(...ADDRESSES), port: fc.integer({ min: 1, max: 2 }) });
    const protocol = fc.constantFrom('tcp' as const, 'udp' as const, 'icmp' as const);
    const vlan = fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined });
    const truthSpec = fc.record({ protocol, client: endpoint, server: endpoint, firstS: fc.constantFrom(0, 10, 20, 25), lengthS: fc.constantFrom(0, 5, 30), vlan });
    const recordSpec = fc.record({ protocol, orig: endpoint, resp: endpoint, firstS: fc.integer({ min: 0, max: 60 }), lengthS: fc.constantFrom(0, 1, 10), vlan, packets: fc.option(fc.constantFrom(1, 15, 30), { nil: undefined }) });
    fc.assert(
      fc.property(fc.array(truthSpec, { maxLength: 25 }), fc.array(recordSpec, { maxLength: 40 }), (truthSpecs, recordSpecs) => {
        const connections = truthSpecs.map((t, i) => conn({ id: `c${i}`, protocol: t.protocol, client: t.client, server: t.server, firstS: t.firstS, lastS: t.firstS + t.lengthS, vlan: t.vlan }));
        const records = recordSpecs.map((r) =>
          rec({ protocol: r.protocol, origAddr: r.orig.addr, origPort: r.orig.port, respAddr: r.resp.addr, respPort: r.resp.port, firstS: r.firstS, lastS: r.firstS + r.lengthS, vlan: r.vlan, ...(r.packets === undefined ? {} : { origPkts: r.packets, respPkts: 0 }) }),
        );
        const truth = truthOf(connections.length > 0 ? connections : [conn({ id: 'none', firstS: 0, lastS: 1 })]);
        const index = indexTruth(truth);
        const toleranceUs = 2e6;
        const matches = records.map((r) => referenceMatches(truth.connections, r, toleranceUs));
        const expected = matches.map((m) => m.best);
        expect(records.map((r) => matchRecord(index, r, toleranceUs))).to.deep.equal(expected);
        // And the grouping: each connection's slice holds exactly its records and those it shares, in input order;
        // a connection that shares one names a connection it shares one with.
        const grouped = matchRecords(truth, records, toleranceUs, index);
        truth.connections.forEach((_, c) => {
          expect(Array.from(recordsOf(grouped, c))).to.deep.equal(matches.flatMap((m, i) => (m.best === c || m.merged.includes(c) ? [i] : [])));
          const partners = matches.flatMap((m) => (m.best === c ? m.merged : m.merged.includes(c) ? [m.best] : []));
          const named = grouped.mergedWith[c] as number;
          if (partners.length === 0) expect(named).to.equal(-1);
          else expect(partners).to.include(named);
        });
        expect(grouped.unmatched).to.deep.equal(expected.flatMap((m, i) => (m < 0 ? [i] : [])));
      }),
      { numRuns: 2000 },
    );
  });
});
