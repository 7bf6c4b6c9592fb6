import type { TruthConnection } from './ground-truth.js';
import type { FlowRecord } from './flow-record.js';
import { canonicalAddress } from './ip-address.js';
/**
 * Two records of one flow state that overlap in time. A monitor that reports a conversation both ways in one
 * record (Zeek, Suricata, argus, tcptrace, tshark, nDPI) keeps one state per TCP or UDP 5-tuple (and VLAN, when it
 * reports one): the records it writes of one tuple follow one another, each state beginning after the last ended.
 * Two that overlap are not one sensor's view of a capture: two sensors' logs concatenated (each uid distinct), or a
 * record repeated. Scored, one connection read as "fragmented (2)" at a coverage of 200%, with a timeout
 * recommendation for a cut that never happened: a wrong answer at exit 0.
 *
 * A unidirectional NetFlow/IPFIX record (nfpcapd, softflowd, pmacct) is one direction's state: its two directions
 * overlap by nature, but two records of one direction of a tuple never do (a softflowd log joined to itself was
 * scored "fragmented (2)" at 200%), so they are checked by their directed tuple. So is a joining view (argus's
 * merged: racluster writes one record per directed tuple, the flows the server opened apart and spanning inside the
 * client's; two of one directed tuple are one line written twice).
 *
 * Not checked for overlap: ICMP (tools key echo flows by id, sequence, type or code in ways their records do not
 * all show: argus keys an echo flow on its sequence number, so back-to-back echoes overlap), but for a tool whose
 * records show its whole ICMP key (the adapter's icmpKeyShown: Zeek), and argus `start` and
 * `status` records (pieces of one flow). Both are checked for a record REPEATED: the same key as the record shows
 * it, the same first and last time (see `repeatProtocol` for when that is impossible).
 */

/**
 * Timestamps a tool prints in milliseconds can make one state seem to begin just before the previous one ended:
 * less than this is rounding, not overlap.
 */
export const OVERLAP_SLACK_US = 1000;

/** A state key's protocol code: TCP 0, UDP 2, ICMP 4, plus 1 when the key keeps its direction (never swapped). */
const DIRECTED = 1;

function baseCode(protocol: string): number | undefined {
  return protocol === 'tcp' ? 0 : protocol === 'udp' ? 2 : protocol === 'icmp' ? 4 : undefined;
}

/**
 * The overlap check's protocol code of a record, undefined for what is not checked for overlap: ICMP (unless the
 * tool's records show its whole ICMP key: the adapter's icmpKeyShown), argus's start and status records.
 * `joined`: a joining view's record, one per directed tuple.
 */
export function stateProtocol(protocol: string, direction: 'bi' | 'uni', recordKind: string | undefined, joined = false, icmpKeyShown = false): number | undefined {
  if (recordKind !== undefined) return undefined;
  const base = protocol === 'tcp' || protocol === 'udp' || (protocol === 'icmp' && icmpKeyShown) ? baseCode(protocol) : undefined;
  return base === undefined || (direction === 'bi' && !joined) ? base : base + DIRECTED;
}

/**
 * The repeat check's protocol code of a record the overlap check leaves out, undefined when a repeat of it can be
 * real. A repeat is another record of the same key with the same first and last time (and, for ICMP, the same
 * packet and byte counts).
 *
 * - TCP and UDP pieces of one argus flow (start, status): one state per tuple, each piece after the last, and no
 *   packet in two pieces: two pieces of one span are one line written twice.
 * - ICMP of more than 2 packets a record. A tool may key ICMP finer than its records show (argus: the echo sequence
 *   number), and then one echo exchange is a record of its own: back-to-back echoes (`ping -l`, a flood) give
 *   records of one request and one reply, equal to the microsecond at both ends, and at a millisecond's precision
 *   (nfdump, nDPI) any two echoes within a millisecond do. So the tool's timestamp precision does not make even a
 *   microsecond repeat impossible; what does is a record of more than one exchange, which is the tool's state of
 *   the conversation over time: two such records the same at both ends and in every count are one record written
 *   twice. Two conversations the records cannot tell apart (two pings of one host pair whose identifiers the tool
 *   does not show) are the truth's to say: the caller exempts them (`indistinctInTruth`).
 */
export function repeatProtocol(protocol: string, direction: 'bi' | 'uni', recordKind: string | undefined, joined: boolean, packets: number | undefined): number | undefined {
  const base = baseCode(protocol);
  if (base === undefined) return undefined;
  const directed = direction === 'uni' || joined ? DIRECTED : 0;
  if (protocol === 'icmp') return packets !== undefined && packets > 2 ? base + directed : undefined;
  return recordKind === undefined ? undefined : base + directed;
}

/** What a check found: the first pair (by index, earlier record first in time) that overlap or repeat. */
export interface Overlap {
  earlier: number;
  later: number;
  /** Found by a repeat check: the two have one span and counts, one record written twice. */
  repeated: boolean;
}

/** Each record's first and last time, read where the records are kept (a FlowRecordTable is one). */
export interface RecordTimes {
  firstUs(i: number): number;
  lastUs(i: number): number;
}

/**
 * Records 0..count-1, told one by one in the pass that checks them (`add`, addresses as ids: one text, one id), are
 * grouped by key in typed arrays (a million records need no string or object per record); `find` sorts each
 * group of two or more by start. Two overlap when one starts more than OVERLAP_SLACK_US before another ended, or
 * both have the very same span (a zero-length record repeated overlaps by nothing, yet no state begins twice at
 * one instant). With `repeatsOnly` (the repeat check: see repeatProtocol), only the very same span and counts.
 *
 * Its memory is what the largest cells peak on (the check runs over a cell's records at once, synchronously): the
 * times are read from the records, not copied; a group's key takes 17 bytes and the hash two slots a group; the
 * per-record and per-group arrays are allocated whole but stay untouched (and not resident) past what is told.
 * Copying the times, 32-byte keys grown by doubling and a hash of two slots a record, the check of softflowd's 4 M
 * records at a million connections held ~225 MB beside them, and the harness peaked at 1.1 GB there.
 */
export class StateOverlaps {
  /** Each record's group + 1; 0 for a record not told of. */
  private readonly groupOf: Int32Array;
  /** Each hash slot's group + 1; 0 for an empty slot. */
  private slotGroup = new Int32Array(1024);
  /** Per group: its key, with the two endpoints in a fixed order (either way is one flow). */
  private readonly groups: GroupKeys;
  /** Per group: how many records it has. */
  private readonly sizes: Int32Array;
  private groupCount = 0;
  private repeated = false;
  /** Repeat check: each record's packets and bytes (NaN when absent), which a repeat has the same of too. */
  private readonly counts: Float64Array | undefined;

  constructor(private readonly count: number, private readonly times: RecordTimes, private readonly repeatsOnly = false) {
    this.groupOf = new Int32Array(count);
    this.counts = repeatsOnly ? new Float64Array(4 * count) : undefined;
    this.groups = new GroupKeys(count);
    this.sizes = new Int32Array(Math.max(1, count));
  }

  /**
   * Record i, of `stateProtocol` (`repeatProtocol` for a repeat check) protocol: records not told of are not
   * checked. Its packets and bytes (NaN: not given) matter to a repeat check only.
   */
  add(
    i: number, protocol: number, origAddr: number, origPort: number, respAddr: number, respPort: number, vlan: number,
    origPkts = NaN, respPkts = NaN, origBytes = NaN, respBytes = NaN,
  ): void {
    // A conversation's records name it either way; a unidirectional record's direction is part of its state.
    const swap = (protocol & DIRECTED) === 0 && (origAddr > respAddr || (origAddr === respAddr && origPort > respPort));
    const aAddr = swap ? respAddr : origAddr;
    const bAddr = swap ? origAddr : respAddr;
    const ports = swap ? ((respPort << 16) | origPort) : ((origPort << 16) | respPort);
    const counts = this.counts;
    if (counts !== undefined) {
      // Kept in the key's order: a record named the other way round gives its counts the other way round too.
      counts[4 * i] = swap ? respPkts : origPkts;
      counts[4 * i + 1] = swap ? origPkts : respPkts;
      counts[4 * i + 2] = swap ? respBytes : origBytes;
      counts[4 * i + 3] = swap ? origBytes : respBytes;
    }
    const mask = this.slotGroup.length - 1;
    let slot = keyHash(protocol, aAddr, bAddr, ports, vlan) & mask;
    let group = -1;
    for (;;) {
      const g = (this.slotGroup[slot] as number) - 1;
      if (g < 0) break;
      if (this.groups.is(g, protocol, aAddr, bAddr, ports, vlan)) {
        group = g;
        break;
      }
      slot = (slot + 1) & mask;
    }
    if (group < 0) {
      group = this.groupCount++;
      this.groups.set(group, protocol, aAddr, bAddr, ports, vlan);
      this.slotGroup[slot] = group + 1;
      if (2 * this.groupCount > this.slotGroup.length) this.rehash();
    }
    this.groupOf[i] = group + 1;
    if ((this.sizes[group] = (this.sizes[group] as number) + 1) > 1) this.repeated = true;
  }

  /** `exempt(record)`: a group (one key) whose records may overlap, told by one of them. */
  find(exempt?: (record: number) => boolean): Overlap | undefined {
    if (!this.repeated) return undefined;
    const { groupOf, sizes, groupCount, count, repeatsOnly, times } = this;
    // Records of each group together (a counting sort by group), then each group of two or more in time order.
    const starts = new Int32Array(groupCount + 1);
    for (let g = 0; g < groupCount; g += 1) starts[g + 1] = (starts[g] as number) + (sizes[g] as number);
    const fill = starts.slice(0, groupCount);
    const order = new Int32Array(starts[groupCount] as number);
    for (let i = 0; i < count; i += 1) {
      const g = (groupOf[i] as number) - 1;
      if (g >= 0) order[(fill[g] = (fill[g] as number) + 1) - 1] = i;
    }
    for (let g = 0; g < groupCount; g += 1) {
      const from = starts[g] as number;
      const to = starts[g + 1] as number;
      if (to - from < 2 || exempt?.(order[from] as number) === true) continue;
      order.subarray(from, to).sort((x, y) => times.firstUs(x) - times.firstUs(y) || times.lastUs(x) - times.lastUs(y) || x - y);
      // The record that ends last so far: any later-starting record must begin after it ended.
      let widest = order[from] as number;
      let widestLast = times.lastUs(widest);
      for (let k = from + 1; k < to; k += 1) {
        const r = order[k] as number;
        const first = times.firstUs(r);
        const last = times.lastUs(r);
        // Every earlier record of the very same span (a run, short but for a flood of one-packet records).
        for (let j = k - 1; j >= from; j -= 1) {
          const q = order[j] as number;
          if (times.firstUs(q) !== first || times.lastUs(q) !== last) break;
          if (this.sameCounts(r, q)) return { earlier: q, later: r, repeated: repeatsOnly };
        }
        if (repeatsOnly) continue;
        if (first < widestLast - OVERLAP_SLACK_US) return { earlier: widest, later: r, repeated: false };
        if (last > widestLast) {
          widest = r;
          widestLast = last;
        }
      }
    }
    return undefined;
  }

  /** Whether two records give the same packets and bytes (an absent count is the same as an absent one). */
  private sameCounts(a: number, b: number): boolean {
    const counts = this.counts;
    if (counts === undefined) return true;
    for (let k = 0; k < 4; k += 1) {
      const x = counts[4 * a + k] as number;
      const y = counts[4 * b + k] as number;
      if (x !== y && !(Number.isNaN(x) && Number.isNaN(y))) return false;
    }
    return true;
  }

  /** Twice the slots, each group placed again: the hash holds two slots a group at most. */
  private rehash(): void {
    const slots = new Int32Array(this.slotGroup.length * 2);
    const mask = slots.length - 1;
    for (let g = 0; g < this.groupCount; g += 1) {
      let slot = this.groups.hash(g) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = g + 1;
    }
    this.slotGroup = slots;
  }
}

function keyHash(protocol: number, aAddr: number, bAddr: number, ports: number, vlan: number): number {
  let h = Math.imul(protocol + 1, 0x9e3779b1);
  h = Math.imul(h ^ aAddr, 0x85ebca6b) ^ ports;
  h = Math.imul(h ^ bAddr, 0xc2b2ae35);
  h = Math.imul(h ^ (vlan + 1), 0x27d4eb2f);
  return h ^ (h >>> 15);
}

/**
 * Group keys as columns, allocated for as many groups as there are records (untouched past the groups made). The
 * two ports share an int: each is 0..65535 (record-sanity refuses any other before a record is told).
 */
class GroupKeys {
  private readonly protocol: Uint8Array;
  private readonly aAddr: Int32Array;
  private readonly bAddr: Int32Array;
  private readonly ports: Int32Array;
  private readonly vlan: Int32Array;

  constructor(capacity: number) {
    const n = Math.max(capacity, 1);
    this.protocol = new Uint8Array(n);
    this.aAddr = new Int32Array(n);
    this.bAddr = new Int32Array(n);
    this.ports = new Int32Array(n);
    this.vlan = new Int32Array(n);
  }

  is(g: number, protocol: number, aAddr: number, bAddr: number, ports: number, vlan: number): boolean {
    return this.protocol[g] === protocol && this.aAddr[g] === aAddr && this.bAddr[g] === bAddr && this.ports[g] === ports && this.vlan[g] === vlan;
  }

  set(g: number, protocol: number, aAddr: number, bAddr: number, ports: number, vlan: number): void {
    this.protocol[g] = protocol;
    this.aAddr[g] = aAddr;
    this.bAddr[g] = bAddr;
    this.ports[g] = ports;
    this.vlan[g] = vlan;
  }

  hash(g: number): number {
    return keyHash(this.protocol[g] as number, this.aAddr[g] as number, this.bAddr[g] as number, this.ports[g] as number, this.vlan[g] as number);
  }
}

/** An ICMP conversation's VLAN in indistinctInTruth's counts: untagged, or "any", for a record that shows none. */
const UNTAGGED = -1;
const ANY_VLAN = -2;

/**
 * Records whose key the truth holds twice or more, so that two of them may overlap or repeat without either being
 * false (undefined when there are none):
 * - a record without a VLAN naming a tuple the truth holds on two VLANs or more (or two QinQ inner tags under one
 *   outer tag): a tool that keeps VLANs apart without printing them (ndpiReader) writes a record per VLAN,
 *   overlapping, of one tuple as the records see it (ndpi's whole, right output was refused);
 * - an ICMP record between two hosts the truth holds two ICMP conversations of (on its VLAN): their identifiers
 *   are not all shown, and two pings started together give records the same at both ends.
 */
export function indistinctInTruth(
  connections: readonly Pick<TruthConnection, 'protocol' | 'client' | 'server' | 'vlan' | 'innerVlan'>[],
): ((record: FlowRecord) => boolean) | undefined {
  // Only a tuple some connection has tagged can be on two tag stacks: a truth without VLANs (most, and a million
  // connections) builds no key of a TCP or UDP connection at all. A Set of stacks per tuple for every connection
  // made the harness's RSS jump ~240 MB at a 1 M-connection cell's start.
  const taggedTuples = new Set<string>();
  const icmpOf = new Map<string, number>();
  for (const c of connections) {
    if (c.vlan !== undefined) taggedTuples.add(tupleKey(c.protocol, c.client.addr, c.client.port, c.server.addr, c.server.port));
    if (c.protocol === 'icmp') {
      // Counted on its VLAN, and under "any" for a record that shows none.
      for (const vlan of [c.vlan ?? UNTAGGED, ANY_VLAN]) {
        const pair = `${pairKey(c.client.addr, c.server.addr)}|${vlan}`;
        icmpOf.set(pair, (icmpOf.get(pair) ?? 0) + 1);
      }
    }
  }
  /** Tuples on two tag stacks (outer.inner) or more, untagged being one. */
  const shared = new Set<string>();
  if (taggedTuples.size > 0) {
    const firstStack = new Map<string, string>();
    for (const c of connections) {
      const key = tupleKey(c.protocol, c.client.addr, c.client.port, c.server.addr, c.server.port);
      if (!taggedTuples.has(key)) continue;
      const stack = `${c.vlan ?? ''}.${c.innerVlan ?? ''}`;
      const first = firstStack.get(key);
      if (first === undefined) firstStack.set(key, stack);
      else if (first !== stack) shared.add(key);
    }
  }
  const icmpShared = new Set([...icmpOf].filter(([, n]) => n > 1).map(([pair]) => pair));
  if (shared.size === 0 && icmpShared.size === 0) return undefined;
  return (r) => r.protocol === 'icmp'
    ? icmpShared.has(`${pairKey(r.origAddr, r.respAddr)}|${r.vlan ?? ANY_VLAN}`)
    : r.vlan === undefined && shared.has(tupleKey(r.protocol, r.origAddr, r.origPort, r.respAddr, r.respPort));
}

function pairKey(a: string, b: string): string {
  const x = canonicalAddress(a);
  const y = canonicalAddress(b);
  return x < y ? `${x}|${y}` : `${y}|${x}`;
}

function tupleKey(protocol: string, a: string, pa: number, b: string, pb: number): string {
  const x = `${canonicalAddress(a)}|${pa}`;
  const y = `${canonicalAddress(b)}|${pb}`;
  return `${protocol}|${x < y ? `${x}|${y}` : `${y}|${x}`}`;
}
