import type { FlowRecordTable } from './flow-record-table.js';

/**
 * The last record so far of each flow of a FlowRecordTable, a flow being the records of one unordered 5-tuple (the
 * protocol and the two endpoints in either order) and of one `kind`, a number by which the caller tells apart what
 * the table's protocol column does not (argus' protocol names under "other").
 *
 * An open-addressing hash of record indices in typed arrays, compared through the table's columns. A Map from a
 * key text to an object did the same for argus' raw records and was the largest thing the harness held at a million
 * connections: ~180 MB of heap for ~1 M flows (a cons-string key and an object each), at the argus cell's peak.
 * Here a flow takes two 4-byte slots at most twice over: ~16 MB.
 */
export class LastRecordOfFlow {
  /** Record index + 1 of each slot's flow, 0 for an empty slot. */
  private indices: Int32Array;
  private kinds: Int32Array;
  private flows = 0;

  constructor(private readonly table: FlowRecordTable, capacity = 1 << 12) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.indices = new Int32Array(size);
    this.kinds = new Int32Array(size);
  }

  /** How many flows it has seen. */
  get size(): number {
    return this.flows;
  }

  /** Makes record `index` (of `kind`) the last of its flow; returns the record that was, or -1 for a new flow. */
  replace(index: number, kind = 0): number {
    if ((this.flows + 1) * 2 > this.indices.length) this.grow();
    const mask = this.indices.length - 1;
    for (let slot = this.hash(index, kind) & mask; ; slot = (slot + 1) & mask) {
      const held = this.indices[slot] as number;
      if (held === 0) {
        this.indices[slot] = index + 1;
        this.kinds[slot] = kind;
        this.flows += 1;
        return -1;
      }
      if (this.kinds[slot] === kind && this.sameFlow(held - 1, index)) {
        this.indices[slot] = index + 1;
        return held - 1;
      }
    }
  }

  /** The last record of every flow, in no particular order. */
  *lastRecords(): Generator<number> {
    for (const held of this.indices) if (held !== 0) yield held - 1;
  }

  private sameFlow(a: number, b: number): boolean {
    const t = this.table;
    if (t.protocolCode(a) !== t.protocolCode(b)) return false;
    const aOrig = t.origAddrId(a);
    const aOrigPort = t.origPort(a);
    const aResp = t.respAddrId(a);
    const aRespPort = t.respPort(a);
    const bOrig = t.origAddrId(b);
    const bOrigPort = t.origPort(b);
    const bResp = t.respAddrId(b);
    const bRespPort = t.respPort(b);
    return (aOrig === bOrig && aOrigPort === bOrigPort && aResp === bResp && aRespPort === bRespPort)
      || (aOrig === bResp && aOrigPort === bRespPort && aResp === bOrig && aRespPort === bOrigPort);
  }

  /** The same for both directions of a flow: the endpoints are mixed in their sorted order. */
  private hash(index: number, kind: number): number {
    const t = this.table;
    let lowAddr = t.origAddrId(index);
    let lowPort = t.origPort(index);
    let highAddr = t.respAddrId(index);
    let highPort = t.respPort(index);
    if (highAddr < lowAddr || (highAddr === lowAddr && highPort < lowPort)) {
      [lowAddr, lowPort, highAddr, highPort] = [highAddr, highPort, lowAddr, lowPort];
    }
    let h = Math.imul(t.protocolCode(index) + 1, 0x9e3779b1) ^ kind;
    h = mix(h, lowAddr);
    h = mix(h, lowPort);
    h = mix(h, highAddr);
    h = mix(h, highPort);
    return (h ^ (h >>> 16)) >>> 0;
  }

  private grow(): void {
    const indices = this.indices;
    const kinds = this.kinds;
    this.indices = new Int32Array(indices.length * 2);
    this.kinds = new Int32Array(indices.length * 2);
    const mask = this.indices.length - 1;
    for (let old = 0; old < indices.length; old += 1) {
      const held = indices[old] as number;
      if (held === 0) continue;
      const kind = kinds[old] as number;
      let slot = this.hash(held - 1, kind) & mask;
      while (this.indices[slot] !== 0) slot = (slot + 1) & mask;
      this.indices[slot] = held;
      this.kinds[slot] = kind;
    }
  }
}

function mix(h: number, value: number): number {
  const m = Math.imul(h ^ value, 0x85ebca6b);
  return m ^ (m >>> 13);
}
