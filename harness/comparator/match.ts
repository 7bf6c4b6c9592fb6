import type { FlowRecord } from '../core/flow-record.js';
import { FlowRecordTable, ProtocolCode, type FlowRecordList, type FlowRow, type SharedFlowRecordTable } from '../core/flow-record-table.js';
import type { GroundTruth, TruthConnection } from '../core/ground-truth.js';
import { shared } from '../core/columns.js';
import { canonicalAddress } from '../core/ip-address.js';
import { settled } from '../core/thread-outcome.js';
import { AddressIds, ResolvedAddressIds, TextAddressIds, type AddressIdsOfTexts } from './address-ids.js';

/**
 * Matching: which truth connection each record belongs to. A record belongs to the connection with the same
 * protocol, the same unordered pair of endpoints (monitors may name the responder as originator after a gap), a
 * compatible VLAN, and a time span that overlaps the connection's (within a tolerance). Truth is indexed by
 * protocol and endpoint pair, each pair holding its candidates sorted by first packet, so a record costs two
 * address lookups, one probe of a flat hash table and a binary search however many connections the truth holds.
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
  /**
   * By truth connection: another connection that one of its records also belongs to, or -1. A record that spans two
   * connections the monitor cannot tell apart (two pings between the same hosts, to a tool that does not key ICMP on
   * the echo identifier; one tuple used twice, to a tool whose timeout outlasts the pause) is listed under each: the
   * monitor merged them, and giving it to one would score the other "missed".
   */
  mergedWith: Int32Array;
}

/** The record indices matched to truth connection `c`. */
export function recordsOf(match: Pick<MatchResult, 'offsets' | 'order'>, c: number): Int32Array {
  return match.order.subarray(match.offsets[c] as number, match.offsets[c + 1] as number);
}

/**
 * The truth, flattened into typed arrays: a million lookups then allocate nothing, and a hundred thousand
 * connections cost a handful of arrays instead of a handful of objects each.
 *
 * Addresses are interned to small integers; each group (connections sharing protocol and endpoint pair) is a run
 * of candidates, sorted by first packet. The table maps (protocol, address, port, address, port) to its group's
 * first candidate with the endpoints in one order (the lower address id and port first), and a record's key is put
 * in that order before its probe, so that a flipped record finds its connection with the same probe and each group
 * takes one slot (at a million connections, 34 MB less than a key under each orientation).
 */
export interface TruthIndex {
  connections: readonly TruthConnection[];
  addresses: AddressIds;
  /**
   * Open addressing, linear probing, each slot its key and value side by side (one cache miss per probe, which is
   * what a million lookups into a table of a million connections cost): address A, address B, port A << 16 | port B,
   * and (first candidate << 2 | protocol) + 1, 0 = empty, endpoint A the lower (address id, port). Its slot count is
   * a power of two.
   */
  slots: Int32Array;
  /**
   * Candidate k's fields at k * CANDIDATE (see CandidateField): everything a record's match reads of a candidate side
   * by side, rather than in six arrays (six cache misses a record at a million connections).
   */
  candidates: Float64Array;
  /**
   * By truth connection: its client's and server's address ids, and its client's port (orientation by ids); its
   * server's port (the ideal model's timer rule reads both ports: a TruthTable row builds an object per endpoint read).
   */
  clientAddr: Int32Array;
  serverAddr: Int32Array;
  clientPort: Int32Array;
  serverPort: Int32Array;
}

const SLOT = 4;
/** A candidate's fields in TruthIndex.candidates: 64 bytes, one or two cache lines. */
const CANDIDATE = 8;
const enum CandidateField {
  First = 0,
  Last = 1,
  /** The running maximum of Last over its group up to it: lets the backward scan stop early. */
  MaxLast = 2,
  /** Its truth connection. */
  Connection = 3,
  /** UNTAGGED when untagged. */
  Vlan = 4,
  /** The ICMP echo identifier (the client's port in the truth). */
  Echo = 5,
  /** One past its group's last candidate. */
  GroupEnd = 6,
  /** Its packets, both ways. */
  Packets = 7,
}
/** ICMP ignores ports (Zeek writes type and code there): its keys have port 0 on both sides. */
const ANY_PORT = 0;
const NO_PROTOCOL = -1;
const MAX_PORT = 65535;
/** A record without a VLAN tag. */
const NO_VLAN = -1;
/** A truth connection without one: no record's VLAN (-1 or a tag) equals it. */
const UNTAGGED = -2;

function protocolCode(protocol: string): number {
  return protocol === 'tcp' ? 0 : protocol === 'udp' ? 1 : protocol === 'icmp' ? 2 : NO_PROTOCOL;
}

function hashKey(p: number, a: number, ports: number, b: number): number {
  let h = Math.imul(p + 1, 0x9e3779b1);
  h = Math.imul(h ^ a, 0x85ebca77);
  h = Math.imul(h ^ ports, 0xc2b2ae3d);
  h = Math.imul(h ^ b, 0x27d4eb2f);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 13);
}

/** Both ports in one int32; callers check they are 0..65535. */
const portPair = (pa: number, pb: number): number => (pa << 16) | pb;

/** A key in the index's endpoint order, as ordered() leaves it: address A, address B, both ports (portPair). */
const KEY = new Int32Array(3);

/** Puts endpoints (a, pa) and (b, pb) into KEY, the lower (address id, port) first. */
function ordered(a: number, pa: number, b: number, pb: number): void {
  const swap = a > b || (a === b && pa > pb);
  KEY[0] = swap ? b : a;
  KEY[1] = swap ? a : b;
  KEY[2] = swap ? portPair(pb, pa) : portPair(pa, pb);
}

/** The slot holding a key (its endpoints in either order), or -1. */
function findSlot(slots: Int32Array, p: number, a0: number, pa: number, b0: number, pb: number): number {
  ordered(a0, pa, b0, pb);
  const a = KEY[0] as number;
  const b = KEY[1] as number;
  const ports = KEY[2] as number;
  return probe(slots, slots.length / SLOT - 1, p, a, b, ports, hashKey(p, a, ports, b));
}

/** The slot holding a key already in the index's order (ordered()), given its hash; or -1. */
function probe(slots: Int32Array, mask: number, p: number, a: number, b: number, ports: number, hash: number): number {
  for (let s = hash & mask; ; s = (s + 1) & mask) {
    const o = s * SLOT;
    const value = slots[o + 3] as number;
    if (value === 0) return -1;
    if (slots[o] === a && slots[o + 1] === b && slots[o + 2] === ports && ((value - 1) & 3) === p) return o;
  }
}

function insertSlot(slots: Int32Array, p: number, a0: number, pa: number, b0: number, pb: number, g: number): void {
  ordered(a0, pa, b0, pb);
  const a = KEY[0] as number;
  const b = KEY[1] as number;
  const ports = KEY[2] as number;
  const mask = slots.length / SLOT - 1;
  let s = hashKey(p, a, ports, b) & mask;
  while (slots[s * SLOT + 3] !== 0) s = (s + 1) & mask;
  const o = s * SLOT;
  slots[o] = a;
  slots[o + 1] = b;
  slots[o + 2] = ports;
  slots[o + 3] = ((g << 2) | p) + 1;
}

/** While indexTruth builds the table: the group a slot names; afterwards, the group's first candidate. */
const groupOfSlot = (slots: Int32Array, o: number): number => ((slots[o + 3] as number) - 1) >>> 2;

export function indexTruth(truth: GroundTruth): TruthIndex {
  const connections = truth.connections;
  const n = connections.length;
  const addresses = new AddressIds();
  // Up to one key per connection, at most half the slots full.
  let size = 16;
  while (size < 2 * n) size *= 2;
  // The slots and candidates in shared memory too: another thread matches half of a large table's rows (matchRange).
  const slots = shared(Int32Array, size * SLOT);
  const groupOf = new Int32Array(n);
  const groupSize: number[] = [];
  // In shared memory: a score worker reads them as they are (see compare-cell.ts, ScoreRangeInput).
  const clientAddr = shared(Int32Array, n);
  const serverAddr = shared(Int32Array, n);
  const clientPort = shared(Int32Array, n);
  const serverPort = shared(Int32Array, n);
  for (let i = 0; i < n; i += 1) {
    const c = connections[i] as TruthConnection;
    const p = protocolCode(c.protocol);
    const icmp = c.protocol === 'icmp';
    const client = c.client;
    const server = c.server;
    const a = addresses.intern(client.addr);
    const b = addresses.intern(server.addr);
    clientAddr[i] = a;
    serverAddr[i] = b;
    clientPort[i] = client.port;
    serverPort[i] = server.port;
    const pa = icmp ? ANY_PORT : client.port;
    const pb = icmp ? ANY_PORT : server.port;
    if (p === NO_PROTOCOL || pa < 0 || pa > MAX_PORT || pb < 0 || pb > MAX_PORT) {
      throw new Error(`truth connection ${c.id}: ${c.protocol} ports ${client.port} and ${server.port} cannot be indexed`);
    }
    // A key already present (its endpoints in either order) joins that group.
    const known = findSlot(slots, p, a, pa, b, pb);
    if (known >= 0) {
      const g = groupOfSlot(slots, known);
      groupOf[i] = g;
      groupSize[g] = (groupSize[g] as number) + 1;
      continue;
    }
    const g = groupSize.length;
    groupSize.push(1);
    groupOf[i] = g;
    insertSlot(slots, p, a, pa, b, pb, g);
  }

  // Counting sort of connections into their groups, in truth order; then each group sorted by first packet.
  const groups = groupSize.length;
  const groupStart = new Int32Array(groups + 1);
  for (let g = 0; g < groups; g += 1) groupStart[g + 1] = (groupStart[g] as number) + (groupSize[g] as number);
  const next = groupStart.slice(0, groups);
  const conns = new Int32Array(n);
  for (let i = 0; i < n; i += 1) {
    const g = groupOf[i] as number;
    conns[next[g] as number] = i;
    next[g] = (next[g] as number) + 1;
  }
  const candidates = shared(Float64Array, n * CANDIDATE);
  for (let g = 0; g < groups; g += 1) {
    const from = groupStart[g] as number;
    const to = groupStart[g + 1] as number;
    if (to - from > 1) {
      // Stable: equal first packets stay in truth order.
      const sorted = Array.from(conns.subarray(from, to)).sort(
        (x, y) => (connections[x] as TruthConnection).firstUs - (connections[y] as TruthConnection).firstUs,
      );
      conns.set(sorted, from);
    }
    let running = -Infinity;
    for (let k = from; k < to; k += 1) {
      const ci = conns[k] as number;
      const c = connections[ci] as TruthConnection;
      running = Math.max(running, c.lastUs);
      const o = k * CANDIDATE;
      candidates[o + CandidateField.First] = c.firstUs;
      candidates[o + CandidateField.Last] = c.lastUs;
      candidates[o + CandidateField.MaxLast] = running;
      candidates[o + CandidateField.Connection] = ci;
      candidates[o + CandidateField.Vlan] = c.vlan ?? UNTAGGED;
      candidates[o + CandidateField.Echo] = c.client.port;
      candidates[o + CandidateField.GroupEnd] = to;
      candidates[o + CandidateField.Packets] = c.clientPkts + c.serverPkts;
    }
  }
  // Each slot now names its group's first candidate, where a record's match goes next.
  for (let o = 0; o < slots.length; o += SLOT) {
    const value = slots[o + 3] as number;
    if (value !== 0) slots[o + 3] = (((groupStart[(value - 1) >>> 2] as number) << 2) | ((value - 1) & 3)) + 1;
  }
  return { connections, addresses, slots, candidates, clientAddr, serverAddr, clientPort, serverPort };
}

/** The first candidate of the group of a protocol (code) and two endpoints (address ids), or -1. */
function lookup(index: TruthIndex, p: number, a: number, pa: number, b: number, pb: number): number {
  if (p === NO_PROTOCOL || a < 0 || b < 0) return -1;
  const icmp = p === 2;
  // No truth port is outside 0..65535 (indexTruth refuses one), so neither is a matching record's.
  if (!icmp && (pa < 0 || pa > MAX_PORT || pb < 0 || pb > MAX_PORT)) return -1;
  const o = findSlot(index.slots, p, a, icmp ? ANY_PORT : pa, b, icmp ? ANY_PORT : pb);
  return o < 0 ? -1 : groupOfSlot(index.slots, o);
}

/** Truth connection index a record belongs to, or -1. */
export function matchRecord(index: TruthIndex, record: FlowRecord, toleranceUs: number): number {
  mergedCount = 0;
  const p = protocolCode(record.protocol);
  if (p === NO_PROTOCOL) return -1;
  const a = index.addresses.find(record.origAddr);
  if (a < 0) return -1;
  const b = index.addresses.find(record.respAddr);
  if (b < 0) return -1;
  return matchIn(index, lookup(index, p, a, record.origPort, b, record.respPort), record.protocol === 'icmp', record.origPort,
    record.respPort, record.firstUs, record.lastUs, record.vlan ?? NO_VLAN, toleranceUs, (record.origPkts ?? Number.NaN) + (record.respPkts ?? Number.NaN));
}

/** What matching a row reads of the index: its slots and candidates (shared memory, for matchRange). */
type MatchIndex = Pick<TruthIndex, 'slots' | 'candidates'>;

/** Rows matched per block by matchRows, and each block's keys in the index's endpoint order (as ordered() puts them). */
const BLOCK = 256;
/** FlowRecordTable's protocol code (this index's: tcp 0, udp 1, icmp 2), or NO_PROTOCOL for a row no key can match. */
const blockProtocol = new Int32Array(BLOCK);
const blockA = new Int32Array(BLOCK);
const blockB = new Int32Array(BLOCK);
const blockPorts = new Int32Array(BLOCK);
const blockHash = new Int32Array(BLOCK);
/** What the fetch loop read, kept so that the compiler cannot drop its reads. */
let fetched = 0;

/**
 * Rows from .. to - 1 of a record table matched as matchRecord matches the records `at` builds (tested so), from
 * its columns, into connOf: the table's address texts are looked up once each (`addresses`), and no record is
 * built. A block's keys are read, put in the index's order and hashed first, and the first slot of each fetched in
 * one tight loop: the processor then waits for many of those cache misses at once instead of one per row (measured:
 * half the time on a million rows against a million connections); the probe then starts from the same key and hash.
 */
function matchRows(
  index: MatchIndex, table: FlowRecordTable, from: number, to: number, addresses: AddressIdsOfTexts, toleranceUs: number, connOf: Int32Array,
  merged: MergedRecords,
): void {
  const slots = index.slots;
  const mask = slots.length / SLOT - 1;
  for (let start = from; start < to; start += BLOCK) {
    const count = Math.min(BLOCK, to - start);
    let touched = 0;
    for (let k = 0; k < count; k += 1) {
      const i = start + k;
      let code: number = table.protocolCode(i);
      const a = code === ProtocolCode.Other ? -1 : addresses.of(table.origAddrId(i));
      const b = code === ProtocolCode.Other ? -1 : addresses.of(table.respAddrId(i));
      // ICMP ignores ports (its keys have port 0 on both sides); no truth port is outside 0..65535 (indexTruth
      // refuses one), so a record with one matches nothing, as lookup() says.
      const icmp = code === ProtocolCode.Icmp;
      const pa = icmp ? ANY_PORT : table.origPort(i);
      const pb = icmp ? ANY_PORT : table.respPort(i);
      if (a < 0 || b < 0 || pa < 0 || pa > MAX_PORT || pb < 0 || pb > MAX_PORT) code = NO_PROTOCOL;
      blockProtocol[k] = code;
      ordered(a, pa, b, pb);
      const ka = KEY[0] as number;
      const kb = KEY[1] as number;
      const ports = KEY[2] as number;
      blockA[k] = ka;
      blockB[k] = kb;
      blockPorts[k] = ports;
      blockHash[k] = hashKey(code, ka, ports, kb);
    }
    for (let k = 0; k < count; k += 1) touched += slots[((blockHash[k] as number) & mask) * SLOT + 3] as number;
    fetched ^= touched;
    for (let k = 0; k < count; k += 1) {
      const i = start + k;
      const code = blockProtocol[k] as number;
      if (code === NO_PROTOCOL) {
        connOf[i] = -1;
        continue;
      }
      const o = probe(slots, mask, code, blockA[k] as number, blockB[k] as number, blockPorts[k] as number, blockHash[k] as number);
      if (o < 0) {
        connOf[i] = -1;
        continue;
      }
      // ICMP's ports are read again: its echo identifier is matched on them. Other ports served only the key.
      const icmp = code === ProtocolCode.Icmp;
      const pa = icmp ? table.origPort(i) : 0;
      const pb = icmp ? table.respPort(i) : 0;
      const packets = table.number(i, 'origPkts') + table.number(i, 'respPkts');
      connOf[i] = matchIn(index, groupOfSlot(slots, o), icmp, pa, pb, table.firstUs(i), table.lastUs(i), table.vlanOf(i), toleranceUs, packets);
      if (mergedCount > 0) merged.add(i);
    }
  }
}

/** Records that belong to more than one connection: each with its other connections (after the one in connOf). */
class MergedRecords implements MergedRows {
  readonly records: number[] = [];
  readonly connections: number[] = [];

  /** Record `i`'s other connections, from the matchIn just made. */
  add(i: number): void {
    for (let k = 0; k < mergedCount; k += 1) {
      this.records.push(i);
      this.connections.push(MERGED[k] as number);
    }
  }
}

/**
 * The other connections the last matchIn found the record holds as well (MERGED[0 .. mergedCount)): candidates whose
 * first or last packet lies within its span (not only within the tolerance), that the best one's echo identifier
 * does not set apart.
 */
const MERGED: number[] = [];
let mergedCount = 0;
/** Scratch of matchIn: each overlapping candidate's connection and whether its echo identifier matched. */
const OVERLAPPING: number[] = [];
const OVERLAPPING_ECHO: number[] = [];

/**
 * Among the candidates of the group starting at `from`, the connection a record's span (and VLAN, ICMP echo
 * identifier) fits best, or -1; the others it merges with in MERGED.
 */
function matchIn(
  index: MatchIndex, from: number, icmp: boolean, origPort: number, respPort: number, firstUs: number, lastUs: number,
  recordVlan: number, toleranceUs: number, recordPackets: number,
): number {
  mergedCount = 0;
  if (from < 0) return -1;
  const c = index.candidates;
  const lo = firstUs - toleranceUs;
  const hi = lastUs + toleranceUs;
  // Candidates whose first packet is not after the record's end (plus tolerance).
  let a = from;
  let b = c[from * CANDIDATE + CandidateField.GroupEnd] as number;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if ((c[mid * CANDIDATE + CandidateField.First] as number) <= hi) a = mid + 1;
    else b = mid;
  }
  let best = -1;
  let bestRank = -Infinity;
  let bestEcho = 0;
  let bestPackets = Number.NaN;
  let overlapping = 0;
  for (let k = a - 1; k >= from && (c[k * CANDIDATE + CandidateField.MaxLast] as number) >= lo; k -= 1) {
    const o = k * CANDIDATE;
    const l = c[o + CandidateField.Last] as number;
    if (l < lo) continue;
    if (recordVlan !== NO_VLAN && recordVlan !== c[o + CandidateField.Vlan]) continue;
    const f = c[o + CandidateField.First] as number;
    // Prefer the echo identifier for ICMP, then the largest overlap, then the nearest start.
    const overlap = Math.min(l, lastUs) - Math.max(f, firstUs);
    const echo = c[o + CandidateField.Echo] as number;
    const e = icmp && (origPort === echo || respPort === echo) ? 1 : 0;
    const rank = e * 1e18 + overlap * 4 - Math.abs(f - firstUs);
    const conn = c[o + CandidateField.Connection] as number;
    if (rank > bestRank) {
      bestRank = rank;
      best = conn;
      bestEcho = e;
      bestPackets = c[o + CandidateField.Packets] as number;
    }
    // Its first or last packet inside the record: the record holds some of its packets for certain. A record inside
    // its span may be another connection's alone (nfpcapd writes each ICMP packet as a record of its own).
    if ((f >= firstUs && f <= lastUs) || (l >= firstUs && l <= lastUs)) {
      OVERLAPPING[overlapping] = conn;
      OVERLAPPING_ECHO[overlapping] = e;
      overlapping += 1;
    }
  }
  // A record that counts no more packets than the best connection has holds none of another's: a tool that keeps two
  // VLANs of one tuple apart without printing the VLAN (ndpiReader) wrote one such record per connection.
  if (overlapping > 1 && !(recordPackets <= bestPackets)) {
    for (let k = 0; k < overlapping; k += 1) {
      const conn = OVERLAPPING[k] as number;
      if (conn !== best && OVERLAPPING_ECHO[k] === bestEcho) MERGED[mergedCount++] = conn;
    }
  }
  return best;
}

/**
 * Every record matched. A FlowRecordTable is matched from its columns (give `addresses` to reuse the lookups of its
 * address texts afterwards); any other list record by record.
 */
export function matchRecords(
  truth: GroundTruth, records: FlowRecordList, toleranceUs: number, index = indexTruth(truth),
  addresses = records instanceof FlowRecordTable ? new TextAddressIds(index.addresses, records) : undefined,
): MatchResult {
  const connOf = new Int32Array(records.length);
  const merged = new MergedRecords();
  if (records instanceof FlowRecordTable && addresses !== undefined) matchRows(index, records, 0, records.length, addresses, toleranceUs, connOf, merged);
  else {
    for (let i = 0; i < records.length; i += 1) {
      connOf[i] = matchRecord(index, records.at(i) as FlowRecord, toleranceUs);
      if (mergedCount > 0) merged.add(i);
    }
  }
  return grouped(truth.connections.length, connOf, merged);
}

/** Records that belong to more than one connection, as matchRange hands them back: record i, its other connection. */
export interface MergedRows {
  records: number[];
  connections: number[];
}

/** What another thread needs to match rows `from` .. `to` - 1 of a record table (matchRange): shared memory only. */
export interface MatchRangeInput {
  from: number;
  to: number;
  slots: Int32Array;
  candidates: Float64Array;
  records: SharedFlowRecordTable;
  /** The rows' address texts as the index's address ids (TextAddressIds.resolved after every row's were looked up). */
  addressIds: Int32Array;
  toleranceUs: number;
  /** Where each row's connection goes (shared with the thread that asked). */
  connOf: Int32Array;
}

/** Rows input.from .. input.to - 1 matched into input.connOf, as matchRecords matches them; their merged records. */
export function matchRange(input: MatchRangeInput): MergedRows {
  const table = FlowRecordTable.fromShared(input.records);
  const merged = new MergedRecords();
  matchRows(input, table, input.from, input.to, new ResolvedAddressIds(input.addressIds), input.toleranceUs, input.connOf, merged);
  return merged;
}

/**
 * matchRecords of a table in shared memory with its second half matched by `elsewhere` (another thread, running
 * matchRange) while this thread matches the first: the same result (tested so). A million rows against a million
 * connections took ~250 ms of one thread, the other core idle. If `elsewhere` fails, this thread matches that half
 * too. Undefined when the table is not in shared memory.
 */
export async function matchRecordsSplit(
  truth: GroundTruth, table: FlowRecordTable, toleranceUs: number, index: TruthIndex, addresses: TextAddressIds,
  elsewhere: (input: MatchRangeInput) => Promise<MergedRows>,
): Promise<{ match: MatchResult; elsewhereFailed?: Error } | undefined> {
  const records = table.shared();
  if (records === undefined) return undefined;
  const n = table.length;
  const mid = Math.ceil(n / 2);
  // The other thread reads address ids only as resolved here: every address of its rows looked up first.
  for (let i = mid; i < n; i += 1) {
    addresses.of(table.origAddrId(i));
    addresses.of(table.respAddrId(i));
  }
  const connOf = shared(Int32Array, n);
  const input: MatchRangeInput = { from: mid, to: n, slots: index.slots, candidates: index.candidates, records, addressIds: addresses.resolved(), toleranceUs, connOf };
  const other = settled(elsewhere(input));
  const merged = new MergedRecords();
  matchRows(index, table, 0, mid, addresses, toleranceUs, connOf, merged);
  const outcome = await other;
  if ('error' in outcome) matchRows(index, table, mid, n, addresses, toleranceUs, connOf, merged);
  else {
    // Its rows all come after this thread's: the merged records stay in row order, as grouped() needs them.
    for (let k = 0; k < outcome.value.records.length; k += 1) {
      merged.records.push(outcome.value.records[k] as number);
      merged.connections.push(outcome.value.connections[k] as number);
    }
  }
  return { match: grouped(truth.connections.length, connOf, merged), ...('error' in outcome ? { elsewhereFailed: outcome.error } : {}) };
}

/** The records grouped by connection from each record's connection (connOf) and the merged records, in row order. */
function grouped(n: number, connOf: Int32Array, merged: MergedRows): MatchResult {
  const rows = connOf.length;
  const offsets = shared(Int32Array, n + 1);
  const unmatched: number[] = [];
  for (let i = 0; i < rows; i += 1) {
    const ci = connOf[i] as number;
    if (ci < 0) unmatched.push(i);
    else offsets[ci] = (offsets[ci] as number) + 1;
  }
  const mergedWith = shared(Int32Array, n).fill(-1);
  for (let k = 0; k < merged.records.length; k += 1) {
    const ci = merged.connections[k] as number;
    const primary = connOf[merged.records[k] as number] as number;
    offsets[ci] = (offsets[ci] as number) + 1;
    mergedWith[ci] = primary;
    mergedWith[primary] = ci;
  }
  // Counting sort without a cursor array: prefix sums make offsets[c] the end of connection c's slice of `order`;
  // records placed last to first move it back to the slice's start, and keep input order within the slice (a
  // merged record is placed under its other connections in the same pass, at its place in input order).
  for (let c = 1; c < n; c += 1) offsets[c] = (offsets[c] as number) + (offsets[c - 1] as number);
  const placed = rows - unmatched.length + merged.records.length;
  offsets[n] = placed;
  const order = shared(Int32Array, placed);
  const place = (ci: number, i: number): void => {
    const at = (offsets[ci] as number) - 1;
    offsets[ci] = at;
    order[at] = i;
  };
  let k = merged.records.length - 1;
  for (let i = rows - 1; i >= 0; i -= 1) {
    for (; k >= 0 && merged.records[k] === i; k -= 1) place(merged.connections[k] as number, i);
    const ci = connOf[i] as number;
    if (ci >= 0) place(ci, i);
  }
  return { offsets, order, unmatched, mergedWith };
}

/** A truth connection's endpoints in canonical text, computed once per connection rather than once per record. */
export interface Endpoints {
  conn: TruthConnection;
  client: string;
  server: string;
}

export function endpointsOf(conn: TruthConnection): Endpoints {
  return { conn, client: canonicalAddress(conn.client.addr), server: canonicalAddress(conn.server.addr) };
}

/** Whether the record names the truth's client as its originator (for ICMP by address alone). */
export function originIsClient(conn: TruthConnection | Endpoints, record: FlowRecord): boolean {
  const ends = 'conn' in conn ? conn : endpointsOf(conn);
  const { client, server } = ends;
  const text = record.origAddr;
  // Canonical text is its own canonical form, so equal text spares canonicalizing the record's address.
  const orig = text === client || text === server ? text : canonicalAddress(text);
  return originSide(ends.conn.protocol === 'icmp', client === server, orig === client, orig === server, record.origPort === ends.conn.client.port);
}

function originSide(icmp: boolean, sameAddress: boolean, origIsClient: boolean, origIsServer: boolean, portIsClients: boolean): boolean {
  if (icmp || !sameAddress) {
    if (origIsClient && !origIsServer) return true;
    if (origIsServer && !origIsClient) return false;
  }
  // Same address on both sides (or ICMP to itself): the port decides.
  return portIsClients;
}

/**
 * originIsClient for the rows of a record table, by address ids: set the truth connection, then ask of each of its
 * rows. The same answers as originIsClient on the records `at` builds (ids are equal exactly when canonical texts are).
 */
export class RowOrientation {
  private icmp = false;
  private client = -1;
  private server = -1;
  private clientPort = -1;

  constructor(
    private readonly index: Pick<TruthIndex, 'clientAddr' | 'serverAddr' | 'clientPort'>,
    private readonly table: FlowRecordTable,
    private readonly addresses: AddressIdsOfTexts,
  ) {}

  /** Truth connection `c` (its index in the truth) is the one asked about next. */
  connection(c: number, protocol: TruthConnection['protocol']): void {
    this.icmp = protocol === 'icmp';
    this.client = this.index.clientAddr[c] as number;
    this.server = this.index.serverAddr[c] as number;
    this.clientPort = this.index.clientPort[c] as number;
  }

  fromClient(row: number): boolean {
    return this.fromOrigin(this.table.origAddrId(row), this.table.origPort(row));
  }

  /** fromClient of a row as the table's readRow gave it. */
  fromClientRow(r: FlowRow): boolean {
    return this.fromOrigin(r.origAddr, r.origPort);
  }

  /** An originator given as the table's text id of its address, and its port. */
  private fromOrigin(origAddrId: number, origPort: number): boolean {
    const orig = this.addresses.of(origAddrId);
    const { client, server } = this;
    return originSide(this.icmp, client === server, orig === client, orig === server, origPort === this.clientPort);
  }
}
