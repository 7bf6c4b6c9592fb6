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
 * scored "fragmented (2)" at 200%), so they are checked by their directed tuple.
 *
 * Not checked: ICMP (tools key echo flows by id, type or code in ways their records do not all show) and argus
 * `start` and `status` records (pieces of one flow).
 */

/**
 * Timestamps a tool prints in milliseconds can make one state seem to begin just before the previous one ended:
 * less than this is rounding, not overlap.
 */
export const OVERLAP_SLACK_US = 1000;

/** The first pair found (by index, earlier record first in time) of records of one state that overlap. */
export interface Overlap {
  earlier: number;
  later: number;
}

/** Protocols of a unidirectional record's state (its key keeps its direction) start here. */
const DIRECTED = 2;

/** 0 TCP, 1 UDP, and DIRECTED more for a unidirectional record; undefined for what is not checked. */
export function stateProtocol(protocol: string, direction: 'bi' | 'uni', recordKind: string | undefined): number | undefined {
  if (recordKind !== undefined) return undefined;
  const base = protocol === 'tcp' ? 0 : protocol === 'udp' ? 1 : undefined;
  return base === undefined || direction === 'bi' ? base : base + DIRECTED;
}

/**
 * Records 0..count-1, told one by one in the pass that checks them (`add`, addresses as ids: one text, one id), are
 * grouped by key in typed arrays (a million records need no string or object per record); `find` sorts each
 * group of two or more by start. Two overlap when one starts more than OVERLAP_SLACK_US before another ended, or
 * both have the very same span (a zero-length record repeated overlaps by nothing, yet no state begins twice at
 * one instant).
 */
export class StateOverlaps {
  private readonly groupOf: Int32Array;
  private readonly firstUs: Float64Array;
  private readonly lastUs: Float64Array;
  private readonly slots: number;
  private readonly slotGroup: Int32Array;
  /** Per group: its key, with the two endpoints in a fixed order (either way is one flow). */
  private readonly groups: GroupKeys;
  private sizes: Int32Array;
  private groupCount = 0;
  private repeated = false;

  constructor(private readonly count: number) {
    this.groupOf = new Int32Array(count).fill(-1);
    this.firstUs = new Float64Array(count);
    this.lastUs = new Float64Array(count);
    let slots = 16;
    while (slots < 2 * count) slots *= 2;
    this.slots = slots;
    this.slotGroup = new Int32Array(slots).fill(-1);
    this.groups = new GroupKeys(Math.min(count, 1024));
    this.sizes = new Int32Array(Math.max(1, Math.min(count, 1024)));
  }

  /** Record i, of `stateProtocol` protocol (records not told of are not checked). */
  add(i: number, protocol: number, origAddr: number, origPort: number, respAddr: number, respPort: number, vlan: number, firstUs: number, lastUs: number): void {
    this.firstUs[i] = firstUs;
    this.lastUs[i] = lastUs;
    // A conversation's records name it either way; a unidirectional record's direction is part of its state.
    const swap = protocol < DIRECTED && (origAddr > respAddr || (origAddr === respAddr && origPort > respPort));
    const aAddr = swap ? respAddr : origAddr;
    const aPort = swap ? respPort : origPort;
    const bAddr = swap ? origAddr : respAddr;
    const bPort = swap ? origPort : respPort;
    let h = Math.imul(protocol + 1, 0x9e3779b1);
    h = Math.imul(h ^ aAddr, 0x85ebca6b) ^ aPort;
    h = Math.imul(h ^ bAddr, 0xc2b2ae35) ^ bPort;
    h = Math.imul(h ^ (vlan + 1), 0x27d4eb2f);
    h ^= h >>> 15;
    const mask = this.slots - 1;
    let slot = h & mask;
    let group = -1;
    for (;;) {
      const g = this.slotGroup[slot] as number;
      if (g < 0) break;
      if (this.groups.is(g, protocol, aAddr, aPort, bAddr, bPort, vlan)) {
        group = g;
        break;
      }
      slot = (slot + 1) & mask;
    }
    if (group < 0) {
      group = this.groupCount++;
      this.groups.set(group, protocol, aAddr, aPort, bAddr, bPort, vlan);
      if (group >= this.sizes.length) this.sizes = grown(this.sizes);
      this.slotGroup[slot] = group;
    }
    this.groupOf[i] = group;
    if ((this.sizes[group] = (this.sizes[group] as number) + 1) > 1) this.repeated = true;
  }

  /** `exempt(record)`: a group (one key) whose records may overlap, told by one of them. */
  find(exempt?: (record: number) => boolean): Overlap | undefined {
    if (!this.repeated) return undefined;
    const { groupOf, firstUs, lastUs, sizes, groupCount, count } = this;
    // Records of each group together (a counting sort by group), then each group of two or more in time order.
    const starts = new Int32Array(groupCount + 1);
    for (let g = 0; g < groupCount; g += 1) starts[g + 1] = (starts[g] as number) + (sizes[g] as number);
    const fill = starts.slice(0, groupCount);
    const order = new Int32Array(starts[groupCount] as number);
    for (let i = 0; i < count; i += 1) {
      const g = groupOf[i] as number;
      if (g >= 0) order[(fill[g] = (fill[g] as number) + 1) - 1] = i;
    }
    for (let g = 0; g < groupCount; g += 1) {
      const from = starts[g] as number;
      const to = starts[g + 1] as number;
      if (to - from < 2 || exempt?.(order[from] as number) === true) continue;
      const rows = order.subarray(from, to);
      rows.sort((x, y) => (firstUs[x] as number) - (firstUs[y] as number) || (lastUs[x] as number) - (lastUs[y] as number) || x - y);
      // The record that ends last so far: any later-starting record must begin after it ended.
      let widest = rows[0] as number;
      for (let k = 1; k < rows.length; k += 1) {
        const r = rows[k] as number;
        const prev = rows[k - 1] as number;
        if (firstUs[r] === firstUs[prev] && lastUs[r] === lastUs[prev]) return { earlier: prev, later: r };
        if ((firstUs[r] as number) < (lastUs[widest] as number) - OVERLAP_SLACK_US) return { earlier: widest, later: r };
        if ((lastUs[r] as number) > (lastUs[widest] as number)) widest = r;
      }
    }
    return undefined;
  }
}

/** A typed array twice as long, holding `a` first. */
function grown<T extends Int32Array | Float64Array>(a: T): T {
  const b = new (a.constructor as new (length: number) => T)(2 * a.length);
  b.set(a);
  return b;
}

/** Group keys as columns, grown by doubling. */
class GroupKeys {
  private protocol: Int32Array;
  private aAddr: Float64Array;
  private aPort: Int32Array;
  private bAddr: Float64Array;
  private bPort: Int32Array;
  private vlan: Int32Array;

  constructor(capacity: number) {
    const n = Math.max(capacity, 1);
    this.protocol = new Int32Array(n);
    this.aAddr = new Float64Array(n);
    this.aPort = new Int32Array(n);
    this.bAddr = new Float64Array(n);
    this.bPort = new Int32Array(n);
    this.vlan = new Int32Array(n);
  }

  is(g: number, protocol: number, aAddr: number, aPort: number, bAddr: number, bPort: number, vlan: number): boolean {
    return this.protocol[g] === protocol && this.aAddr[g] === aAddr && this.aPort[g] === aPort && this.bAddr[g] === bAddr && this.bPort[g] === bPort && this.vlan[g] === vlan;
  }

  set(g: number, protocol: number, aAddr: number, aPort: number, bAddr: number, bPort: number, vlan: number): void {
    if (g >= this.protocol.length) this.grow();
    this.protocol[g] = protocol;
    this.aAddr[g] = aAddr;
    this.aPort[g] = aPort;
    this.bAddr[g] = bAddr;
    this.bPort[g] = bPort;
    this.vlan[g] = vlan;
  }

  private grow(): void {
    this.protocol = grown(this.protocol);
    this.aAddr = grown(this.aAddr);
    this.aPort = grown(this.aPort);
    this.bAddr = grown(this.bAddr);
    this.bPort = grown(this.bPort);
    this.vlan = grown(this.vlan);
  }
}

/**
 * Whether a record without a VLAN names a tuple the truth holds on two VLANs or more: a tool that keeps VLANs apart
 * without printing them (ndpiReader) writes a record per VLAN, overlapping, of one tuple as the records see it. Such
 * overlaps are the truth's, not two sensors' logs concatenated (ndpi's whole, right output was refused).
 */
export function untaggedOnSeveralVlans(connections: readonly Pick<TruthConnection, 'protocol' | 'client' | 'server' | 'vlan'>[]): ((record: FlowRecord) => boolean) | undefined {
  const vlansOf = new Map<string, Set<number | undefined>>();
  for (const c of connections) {
    const key = tupleKey(c.protocol, c.client.addr, c.client.port, c.server.addr, c.server.port);
    const vlans = vlansOf.get(key) ?? new Set<number | undefined>();
    vlans.add(c.vlan);
    vlansOf.set(key, vlans);
  }
  const shared = new Set([...vlansOf].filter(([, vlans]) => vlans.size > 1).map(([key]) => key));
  if (shared.size === 0) return undefined;
  return (r) => r.vlan === undefined && shared.has(tupleKey(r.protocol, r.origAddr, r.origPort, r.respAddr, r.respPort));
}

function tupleKey(protocol: string, a: string, pa: number, b: string, pb: number): string {
  const x = `${canonicalAddress(a)}|${pa}`;
  const y = `${canonicalAddress(b)}|${pb}`;
  return `${protocol}|${x < y ? `${x}|${y}` : `${y}|${x}`}`;
}
