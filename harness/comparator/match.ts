import type { FlowRecord } from '../core/flow-record.js';
import type { GroundTruth, TruthConnection } from '../core/ground-truth.js';
import { canonicalAddress } from './canonical-address.js';

/**
 * Matching: which truth connection each record belongs to. A record belongs to the connection with the same
 * protocol, the same unordered pair of endpoints (monitors may name the responder as originator after a gap), a
 * compatible VLAN, and a time span that overlaps the connection's (within a tolerance). Truth is indexed by
 * (protocol, sorted endpoint pair), each key holding its candidates sorted by first packet, so a record costs one
 * map lookup plus a binary search however many connections the truth holds.
 */
export interface MatchResult {
  /** Per truth connection (same order as truth.connections): indices into the records array, in input order. */
  byConnection: number[][];
  /** Indices of records that match no truth connection. */
  unmatched: number[];
}

interface Candidates {
  /** Truth connection indices sorted by firstUs. */
  conns: number[];
  first: Float64Array;
  /** Running maximum of lastUs over conns[0..i]: lets the backward scan stop early. */
  maxLast: Float64Array;
}

export interface TruthIndex {
  connections: readonly TruthConnection[];
  byKey: Map<string, Candidates>;
}

/** ICMP keys ignore ports: Zeek writes type and code there, other tools the echo identifier. */
function pairKey(protocol: string, addrA: string, portA: number, addrB: string, portB: number): string {
  if (protocol === 'icmp') return addrA < addrB ? `icmp|${addrA}|${addrB}` : `icmp|${addrB}|${addrA}`;
  const a = `${addrA} ${portA}`;
  const b = `${addrB} ${portB}`;
  return a < b ? `${protocol}|${a}|${b}` : `${protocol}|${b}|${a}`;
}

export function indexTruth(truth: GroundTruth): TruthIndex {
  const lists = new Map<string, number[]>();
  truth.connections.forEach((c, i) => {
    const key = pairKey(c.protocol, canonicalAddress(c.client.addr), c.client.port, canonicalAddress(c.server.addr), c.server.port);
    const list = lists.get(key);
    if (list) list.push(i);
    else lists.set(key, [i]);
  });
  const byKey = new Map<string, Candidates>();
  for (const [key, conns] of lists) {
    conns.sort((x, y) => (truth.connections[x] as TruthConnection).firstUs - (truth.connections[y] as TruthConnection).firstUs);
    const first = new Float64Array(conns.length);
    const maxLast = new Float64Array(conns.length);
    let running = -Infinity;
    conns.forEach((ci, k) => {
      const c = truth.connections[ci] as TruthConnection;
      first[k] = c.firstUs;
      running = Math.max(running, c.lastUs);
      maxLast[k] = running;
    });
    byKey.set(key, { conns, first, maxLast });
  }
  return { connections: truth.connections, byKey };
}

/** Truth connection index a record belongs to, or -1. */
export function matchRecord(index: TruthIndex, record: FlowRecord, toleranceUs: number): number {
  if (record.protocol === 'other') return -1;
  const orig = canonicalAddress(record.origAddr);
  const resp = canonicalAddress(record.respAddr);
  const cands = index.byKey.get(pairKey(record.protocol, orig, record.origPort, resp, record.respPort));
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
  const byConnection: number[][] = truth.connections.map(() => []);
  const unmatched: number[] = [];
  for (let i = 0; i < records.length; i += 1) {
    const ci = matchRecord(index, records[i] as FlowRecord, toleranceUs);
    if (ci < 0) unmatched.push(i);
    else (byConnection[ci] as number[]).push(i);
  }
  return { byConnection, unmatched };
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
