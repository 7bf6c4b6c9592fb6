import type { FlowRecord } from '../core/flow-record.js';
import type { GroundTruth, TruthConnection } from '../core/ground-truth.js';
import { canonicalAddress } from './canonical-address.js';

/**
 * Matching: which truth connection each record belongs to. A record belongs to the connection with the same
 * protocol, the same unordered pair of endpoints (monitors may name the responder as originator after a gap), a
 * compatible VLAN, and a time span that overlaps the connection's (within a tolerance). Truth is indexed by
 * protocol and endpoint pair, each pair holding its candidates sorted by first packet, so a record costs three
 * map lookups plus a binary search however many connections the truth holds.
 */
export interface MatchResult {
  /**
   * Records grouped by truth connection without one array per connection (a million records make garbage
   * collection the main cost otherwise): the record indices of connection c are
   * order[offsets[c]] .. order[offsets[c + 1] - 1], in input order.
   */
  offsets: Int32Array;
  order: Int32Array;
  /** Indices of records that match no truth connection. */
  unmatched: number[];
}

/** The record indices matched to truth connection `c`. */
export function recordsOf(match: MatchResult, c: number): Int32Array {
  return match.order.subarray(match.offsets[c] as number, match.offsets[c + 1] as number);
}

interface Candidates {
  /** Truth connection indices sorted by firstUs. */
  conns: number[];
  first: number[];
  /** Running maximum of lastUs over conns[0..i]: lets the backward scan stop early. */
  maxLast: number[];
}

/** The connections between two addresses on one port pair; ICMP ignores ports (Zeek writes type and code there). */
interface PortPair {
  portA: number;
  portB: number;
  cands: Candidates;
}

/**
 * protocol -> address A -> address B -> port pairs, stored under both orientations so that a flipped record
 * finds its connection with the same lookups. Nested maps keyed by the records' own (already flat) address strings
 * avoid building a composite key string per record, which dominated the cost at a million records.
 */
export interface TruthIndex {
  connections: readonly TruthConnection[];
  byProtocol: Map<string, Map<string, Map<string, PortPair[]>>>;
}

const ANY_PORT = -1;

function candidatesOf(truth: GroundTruth, conns: number[]): Candidates {
  conns.sort((x, y) => (truth.connections[x] as TruthConnection).firstUs - (truth.connections[y] as TruthConnection).firstUs);
  const first: number[] = [];
  const maxLast: number[] = [];
  let running = -Infinity;
  conns.forEach((ci) => {
    const c = truth.connections[ci] as TruthConnection;
    running = Math.max(running, c.lastUs);
    first.push(c.firstUs);
    maxLast.push(running);
  });
  return { conns, first, maxLast };
}

export function indexTruth(truth: GroundTruth): TruthIndex {
  const groups = new Map<string, { proto: string; a: string; pa: number; b: string; pb: number; conns: number[] }>();
  truth.connections.forEach((c, i) => {
    const icmp = c.protocol === 'icmp';
    const a = canonicalAddress(c.client.addr);
    const b = canonicalAddress(c.server.addr);
    const pa = icmp ? ANY_PORT : c.client.port;
    const pb = icmp ? ANY_PORT : c.server.port;
    const key = `${c.protocol}|${a}|${pa}|${b}|${pb}`;
    const group = groups.get(key) ?? groups.get(`${c.protocol}|${b}|${pb}|${a}|${pa}`);
    if (group) group.conns.push(i);
    else groups.set(key, { proto: c.protocol, a, pa, b, pb, conns: [i] });
  });
  const byProtocol: TruthIndex['byProtocol'] = new Map();
  const put = (proto: string, x: string, px: number, y: string, py: number, cands: Candidates): void => {
    let byA = byProtocol.get(proto);
    if (!byA) byProtocol.set(proto, (byA = new Map()));
    let byB = byA.get(x);
    if (!byB) byA.set(x, (byB = new Map()));
    let pairs = byB.get(y);
    if (!pairs) byB.set(y, (pairs = []));
    pairs.push({ portA: px, portB: py, cands });
  };
  for (const g of groups.values()) {
    const cands = candidatesOf(truth, g.conns);
    put(g.proto, g.a, g.pa, g.b, g.pb, cands);
    // A connection between one address and port and itself is already found by the first entry.
    if (!(g.a === g.b && g.pa === g.pb)) put(g.proto, g.b, g.pb, g.a, g.pa, cands);
  }
  return { connections: truth.connections, byProtocol };
}

function lookup(index: TruthIndex, record: FlowRecord): Candidates | undefined {
  const pairs = index.byProtocol.get(record.protocol)?.get(canonicalAddress(record.origAddr))?.get(canonicalAddress(record.respAddr));
  if (!pairs) return undefined;
  if (record.protocol === 'icmp') return pairs[0]?.cands;
  for (const p of pairs) if (p.portA === record.origPort && p.portB === record.respPort) return p.cands;
  return undefined;
}

/** Truth connection index a record belongs to, or -1. */
export function matchRecord(index: TruthIndex, record: FlowRecord, toleranceUs: number): number {
  if (record.protocol === 'other') return -1;
  const cands = lookup(index, record);
  if (!cands) return -1;
  const lo = record.firstUs - toleranceUs;
  const hi = record.lastUs + toleranceUs;
  // Candidates whose first packet is not after the record's end (plus tolerance).
  let a = 0;
  let b = cands.first.length;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if ((cands.first[mid] as number) <= hi) a = mid + 1;
    else b = mid;
  }
  let best = -1;
  let bestRank = -Infinity;
  for (let k = a - 1; k >= 0 && (cands.maxLast[k] as number) >= lo; k -= 1) {
    const ci = cands.conns[k] as number;
    const c = index.connections[ci] as TruthConnection;
    if (c.lastUs < lo) continue;
    if (record.vlan !== undefined && record.vlan !== c.vlan) continue;
    // Prefer the echo identifier for ICMP, then the largest overlap, then the nearest start.
    const overlap = Math.min(c.lastUs, record.lastUs) - Math.max(c.firstUs, record.firstUs);
    const echo = record.protocol === 'icmp' && (record.origPort === c.client.port || record.respPort === c.client.port) ? 1 : 0;
    const rank = echo * 1e18 + overlap * 4 - Math.abs(c.firstUs - record.firstUs);
    if (rank > bestRank) {
      bestRank = rank;
      best = ci;
    }
  }
  return best;
}

export function matchRecords(truth: GroundTruth, records: readonly FlowRecord[], toleranceUs: number, index = indexTruth(truth)): MatchResult {
  const n = truth.connections.length;
  const connOf = new Int32Array(records.length);
  const counts = new Int32Array(n + 1);
  const unmatched: number[] = [];
  for (let i = 0; i < records.length; i += 1) {
    const ci = matchRecord(index, records[i] as FlowRecord, toleranceUs);
    connOf[i] = ci;
    if (ci < 0) unmatched.push(i);
    else counts[ci + 1] = (counts[ci + 1] as number) + 1;
  }
  // Counting sort: prefix sums give each connection its slice of `order`.
  const offsets = counts;
  for (let c = 0; c < n; c += 1) offsets[c + 1] = (offsets[c + 1] as number) + (offsets[c] as number);
  const next = offsets.slice(0, n);
  const order = new Int32Array(records.length - unmatched.length);
  for (let i = 0; i < records.length; i += 1) {
    const ci = connOf[i] as number;
    if (ci < 0) continue;
    order[next[ci] as number] = i;
    next[ci] = (next[ci] as number) + 1;
  }
  return { offsets, order, unmatched };
}

/** Whether the record names the truth's client as its originator (for ICMP by address alone). */
export function originIsClient(conn: TruthConnection, record: FlowRecord): boolean {
  const orig = canonicalAddress(record.origAddr);
  const client = canonicalAddress(conn.client.addr);
  const server = canonicalAddress(conn.server.addr);
  if (conn.protocol === 'icmp' || client !== server) {
    if (orig === client && orig !== server) return true;
    if (orig === server && orig !== client) return false;
  }
  // Same address on both sides (or ICMP to itself): the port decides.
  return record.origPort === conn.client.port;
}
