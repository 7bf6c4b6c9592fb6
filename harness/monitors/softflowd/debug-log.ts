import { canonicalAddress } from '../../core/ip-address.js';
import { TextIntern } from '../../core/text-intern.js';
import { consumeFile, type LineConsumer } from '../../core/text-lines.js';
import { PendingSeqs } from './pending-seqs.js';
import { isoToMicros } from '../../core/time-text.js';
import type { FlowRecord } from '../../core/flow-record.js';
import { PROTOCOLS, type FlowRecordTable } from '../../core/flow-record-table.js';
import type { ToolState } from '../monitor-adapter.js';

/**
 * softflowd's debug log (`-D`, stderr) is its own account of its flow table: `ADD FLOW seq:N ...` when a flow
 * enters, `Queuing flow seq:N (...) for expiry reason R` when it leaves, `EXPIRED: seq:N [a]:p <> [b]:q proto:P ...
 * start:... finish:...` as it is exported. Reason 8 is R_OVERFLOWS (softflowd.c: R_GENERAL, R_TCP, R_TCP_RST,
 * R_TCP_FIN, R_UDP, R_ICMP, R_MAXLIFE, R_OVERBYTES, R_OVERFLOWS, R_FLUSH): the table held `-m` flows and the
 * oldest were expired to make room. Reading a pcap, that is the only expiry before the end of the file, so every
 * reason-8 flow is a cut by pressure. Times are printed in local time; the adapter runs softflowd with TZ=UTC.
 */
export const SOFTFLOWD_LOG_FILE = 'softflowd.log';
const R_OVERFLOWS = 8;

export interface EvictedFlow {
  protocol: number;
  a: string;
  aPort: number;
  b: string;
  bPort: number;
  firstUs: number;
}

export interface SoftflowdLog {
  state: ToolState;
}

const ADD = /^ADD FLOW seq:\d+ /;
const QUEUED = /^Queuing flow seq:(\d+) \(\S+\) for expiry reason (\d+)$/;
const EXPIRED = /^EXPIRED: seq:(\d+) \[([^\]]+)\]:(\d+) <> \[([^\]]+)\]:(\d+) proto:(\d+) .*? start:(\S+) finish:\S+/;

/**
 * Reads the log, handing each flow expired for overflow to `onEvicted` as its EXPIRED line is read: at a million
 * connections and the default -m nearly every flow is one, and kept as a list they (with the keys to find their
 * records) took most of a gigabyte. Lines come from consumeFile, the parsers' own reader (the 1.1 GB log of a
 * million connections: 7.8 s, where readline took 11.3 s).
 */
export async function readSoftflowdLog(file: string, source: string, onEvicted: (flow: EvictedFlow) => void): Promise<SoftflowdLog> {
  return consumeFile(softflowdLogLines(source, onEvicted), file, source);
}

function* softflowdLogLines(source: string, onEvicted: (flow: EvictedFlow) => void): LineConsumer<SoftflowdLog> {
  let added = 0;
  let expired = 0;
  let held = 0;
  let peak = 0;
  // Flows queued for overflow and not yet exported; each leaves the set when its EXPIRED line names it.
  const overflowSeqs = new PendingSeqs();
  let overflows = 0;
  // Addresses as flat copies: a regex capture is a view into its line, and an evicted flow per connection would
  // keep the whole log (100 MB at 100,000 connections) alive.
  const texts = new TextIntern();
  for (let next = yield; next !== undefined; next = yield) {
    const line = next[0];
    if (ADD.test(line)) {
      added += 1;
      held += 1;
      if (held > peak) peak = held;
      continue;
    }
    const queued = QUEUED.exec(line);
    if (queued) {
      // Out of the table once queued; the EXPIRED line comes when the batch is exported.
      held -= 1;
      if (Number(queued[2]) === R_OVERFLOWS) {
        overflowSeqs.add(Number(queued[1]));
        overflows += 1;
      }
      continue;
    }
    const exp = EXPIRED.exec(line);
    if (!exp) continue;
    expired += 1;
    if (!overflowSeqs.delete(Number(exp[1]))) continue;
    const firstUs = isoToMicros(exp[7] as string);
    if (firstUs === undefined) continue;
    onEvicted({
      protocol: Number(exp[6]),
      a: texts.of(canonicalAddress(exp[2] as string)),
      aPort: Number(exp[3]),
      b: texts.of(canonicalAddress(exp[4] as string)),
      bPort: Number(exp[5]),
      firstUs,
    });
  }
  return {
    state: {
      source,
      figures: { flowsAdded: added, flowsExpired: expired, flowsEvictedTableFull: overflows, peakFlowsHeld: peak },
      evictedFlows: overflows,
      tableFull: overflows > 0,
      peakFlows: peak,
    },
  };
}

const PROTOCOL_NUMBER: Record<FlowRecord['protocol'], number | undefined> = { tcp: 6, udp: 17, icmp: 1, other: undefined };
const NO_RECORD = -1;

/** A flow's key as softflowd names it: protocol number, both endpoints in the record's orientation, first time in ms. */
function flowHash(protocol: number, a: string, aPort: number, b: string, bPort: number, firstMs: number): number {
  let h = Math.imul(protocol + 1, 0x9e3779b1) ^ aPort ^ Math.imul(bPort, 0x85ebca77);
  for (let i = 0; i < a.length; i += 1) h = Math.imul(h ^ a.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 0x2f, 0x01000193);
  for (let i = 0; i < b.length; i += 1) h = Math.imul(h ^ b.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (firstMs % 0x40000000), 0xc2b2ae3d) ^ Math.floor(firstMs / 0x40000000);
  h ^= h >>> 15;
  return Math.imul(h, 0x2c1b3c6d) ^ (h >>> 13);
}

/**
 * Marks the records of evicted flows `evicted`, one flow at a time as the log is read. softflowd exports both
 * directions of a flow with the flow's own first time (milliseconds), so a record matches an evicted flow on its
 * endpoints in either order and that time. The records are indexed by a hash of that key in two int arrays (built
 * when the first evicted flow comes: a run that evicts nothing pays nothing), not a set of key strings: 3.8 million
 * records' keys as strings were ~300 MB. Records are read from the table's columns, never built as objects.
 */
interface RecordIndex {
  /** Slot -> first record, chained through `next`; NO_RECORD ends a chain. Slot count is a power of two. */
  heads: Int32Array;
  next: Int32Array;
  marked: Uint8Array;
}

export class EvictionMarks {
  /** Built when the first evicted flow comes. */
  private index: RecordIndex | undefined;
  private count = 0;

  constructor(private readonly records: FlowRecordTable) {}

  /** Records marked so far. */
  get markedRecords(): number {
    return this.count;
  }

  mark(flow: EvictedFlow): void {
    const ms = Math.floor(flow.firstUs / 1000);
    this.index ??= this.indexRecords();
    this.markMatching(this.index, flow.protocol, flow.a, flow.aPort, flow.b, flow.bPort, ms);
    this.markMatching(this.index, flow.protocol, flow.b, flow.bPort, flow.a, flow.aPort, ms);
  }

  /** softflowd's protocol number of record i (undefined for `other`), read from the table's columns. */
  private protocolNumber(i: number): number | undefined {
    return PROTOCOL_NUMBER[PROTOCOLS[this.records.protocolCode(i)] as FlowRecord['protocol']];
  }

  private markMatching(index: RecordIndex, protocol: number, a: string, aPort: number, b: string, bPort: number, firstMs: number): void {
    const { heads, next, marked } = index;
    const records = this.records;
    for (let i = heads[flowHash(protocol, a, aPort, b, bPort, firstMs) & (heads.length - 1)] as number; i !== NO_RECORD; i = next[i] as number) {
      if (marked[i] === 1) continue;
      if (this.protocolNumber(i) !== protocol || records.origPort(i) !== aPort || records.respPort(i) !== bPort) continue;
      if (records.text(records.origAddrId(i)) !== a || records.text(records.respAddrId(i)) !== b) continue;
      if (Math.floor(records.firstUs(i) / 1000) !== firstMs) continue;
      marked[i] = 1;
      records.setEndReason(i, 'evicted');
      this.count += 1;
    }
  }

  private indexRecords(): RecordIndex {
    const records = this.records;
    const n = records.length;
    let size = 16;
    while (size < 2 * n) size *= 2;
    const heads = new Int32Array(size).fill(NO_RECORD);
    const next = new Int32Array(n).fill(NO_RECORD);
    for (let i = 0; i < n; i += 1) {
      const protocol = this.protocolNumber(i);
      if (protocol === undefined) continue;
      const a = records.text(records.origAddrId(i));
      const b = records.text(records.respAddrId(i));
      const slot = flowHash(protocol, a, records.origPort(i), b, records.respPort(i), Math.floor(records.firstUs(i) / 1000)) & (size - 1);
      next[i] = heads[slot] as number;
      heads[slot] = i;
    }
    return { heads, next, marked: new Uint8Array(n) };
  }
}
