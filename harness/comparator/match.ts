import type { FlowRecord } from '../core/flow-record.js';
import type { GroundTruth, TruthConnection } from '../core/ground-truth.js';
import { canonicalAddress } from '../core/ip-address.js';

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

/** The truth connections on one endpoint pair, sorted by first packet, with what matching reads kept inline. */
interface Candidates {
  conns: number[];
  first: number[];
  last: number[];
  /** Running maximum of lastUs over conns[0..i]: lets the backward scan stop early. */
  maxLast: number[];
  vlan: (number | undefined)[];
  /** ICMP echo identifier (the client's port in the truth). */
  echo: number[];
}

/** The connections between two addresses on one port pair; ICMP ignores ports (Zeek writes type and code there). */
interface PortPair {
  portA: number;
  portB: number;
  cands: Candidates;
}

/**
 * What one address talks to. Most addresses (clients) talk to a single peer: that case is a plain field compare,
 * which spares a hash lookup and a Map per address at a hundred thousand connections.
 */
interface Peers {
  single?: string;
  singlePairs?: PortPair[];
  many?: Map<string, PortPair[]>;
}

/**
 * protocol -> address A -> address B -> port pairs, stored under both orientations so that a flipped record
 * finds its connection with the same lookups. Keyed by the records' own (already flat) address strings: building
 * a composite key string per record dominated the cost at a million records.
 */
export interface TruthIndex {
  connections: readonly TruthConnection[];
  byProtocol: { tcp: Map<string, Peers>; udp: Map<string, Peers>; icmp: Map<string, Peers> };
}

const ANY_PORT = -1;

function pairsOf(byA: Map<string, Peers>, x: string, y: string): PortPair[] {
  let peers = byA.get(x);
  if (!peers) {
    const pairs: PortPair[] = [];
    byA.set(x, { single: y, singlePairs: pairs });
    return pairs;
  }
  if (peers.single === y && peers.singlePairs) return peers.singlePairs;
  if (!peers.many) {
    peers.many = new Map();
    if (peers.single !== undefined && peers.singlePairs) peers.many.set(peers.single, peers.singlePairs);
    peers.single = undefined;
    peers.singlePairs = undefined;
  }
  let pairs = peers.many.get(y);
  if (!pairs) peers.many.set(y, (pairs = []));
  return pairs;
}

function peersLookup(peers: Peers, y: string): PortPair[] | undefined {
  if (peers.single !== undefined) return peers.single === y ? peers.singlePairs : undefined;
  return peers.many?.get(y);
}

/** Sorts a group's connections by first packet and fills its inline arrays. */
function finishCandidates(truth: GroundTruth, cands: Candidates): void {
  const conns = cands.conns;
  if (conns.length > 1) {
    conns.sort((x, y) => (truth.connections[x] as TruthConnection).firstUs - (truth.connections[y] as TruthConnection).firstUs);
  }
  let running = -Infinity;
  for (const ci of conns) {
    const c = truth.connections[ci] as TruthConnection;
    running = Math.max(running, c.lastUs);
    cands.first.push(c.firstUs);
    cands.last.push(c.lastUs);
    cands.maxLast.push(running);
    cands.vlan.push(c.vlan);
    cands.echo.push(c.client.port);
  }
}

export function indexTruth(truth: GroundTruth): TruthIndex {
  const byProtocol: TruthIndex['byProtocol'] = { tcp: new Map(), udp: new Map(), icmp: new Map() };
  const groups: Candidates[] = [];
  truth.connections.forEach((c, i) => {
    const byA = byProtocol[c.protocol];
    const icmp = c.protocol === 'icmp';
    const a = canonicalAddress(c.client.addr);
    const b = canonicalAddress(c.server.addr);
    const pa = icmp ? ANY_PORT : c.client.port;
    const pb = icmp ? ANY_PORT : c.server.port;
    const forward = pairsOf(byA, a, b);
    const known = forward.find((p) => p.portA === pa && p.portB === pb);
    if (known) {
      known.cands.conns.push(i);
      return;
    }
    const cands: Candidates = { conns: [i], first: [], last: [], maxLast: [], vlan: [], echo: [] };
    groups.push(cands);
    forward.push({ portA: pa, portB: pb, cands });
    // Stored under both orientations, except a connection between one endpoint and itself.
    if (!(a === b && pa === pb)) pairsOf(byA, b, a).push({ portA: pb, portB: pa, cands });
  });
  for (const g of groups) finishCandidates(truth, g);
  return { connections: truth.connections, byProtocol };
}

function lookup(index: TruthIndex, record: FlowRecord): Candidates | undefined {
  const protocol = record.protocol;
  const byA = protocol === 'tcp' ? index.byProtocol.tcp : protocol === 'udp' ? index.byProtocol.udp : protocol === 'icmp' ? index.byProtocol.icmp : undefined;
  const peers = byA?.get(canonicalAddress(record.origAddr));
  if (!peers) return undefined;
  const pairs = peersLookup(peers, canonicalAddress(record.respAddr));
  if (!pairs) return undefined;
  if (protocol === 'icmp') return pairs[0]?.cands;
  for (const p of pairs) if (p.portA === record.origPort && p.portB === record.respPort) return p.cands;
  return undefined;
}

/** Truth connection index a record belongs to, or -1. */
export function matchRecord(index: TruthIndex, record: FlowRecord, toleranceUs: number): number {
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
  const icmp = record.protocol === 'icmp';
  let best = -1;
  let bestRank = -Infinity;
  for (let k = a - 1; k >= 0 && (cands.maxLast[k] as number) >= lo; k -= 1) {
    const last = cands.last[k] as number;
    if (last < lo) continue;
    if (record.vlan !== undefined && record.vlan !== cands.vlan[k]) continue;
    const first = cands.first[k] as number;
    // Prefer the echo identifier for ICMP, then the largest overlap, then the nearest start.
    const overlap = Math.min(last, record.lastUs) - Math.max(first, record.firstUs);
    const echo = icmp && (record.origPort === cands.echo[k] || record.respPort === cands.echo[k]) ? 1 : 0;
    const rank = echo * 1e18 + overlap * 4 - Math.abs(first - record.firstUs);
    if (rank > bestRank) {
      bestRank = rank;
      best = cands.conns[k] as number;
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
