import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { canonicalAddress } from '../../core/ip-address.js';
import { TextIntern } from '../../core/text-intern.js';
import { isoToMicros } from '../../core/time-text.js';
import type { FlowRecord } from '../../core/flow-record.js';
import type { FlowRecordTable } from '../../core/flow-record-table.js';
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
  evicted: EvictedFlow[];
}

const ADD = /^ADD FLOW seq:\d+ /;
const QUEUED = /^Queuing flow seq:(\d+) \(\S+\) for expiry reason (\d+)$/;
const EXPIRED = /^EXPIRED: seq:(\d+) \[([^\]]+)\]:(\d+) <> \[([^\]]+)\]:(\d+) proto:(\d+) .*? start:(\S+) finish:\S+/;

export async function readSoftflowdLog(file: string, source: string): Promise<SoftflowdLog> {
  let added = 0;
  let expired = 0;
  let held = 0;
  let peak = 0;
  // Flows queued for overflow and not yet exported; each leaves the set when its EXPIRED line names it.
  const overflowSeqs = new Set<string>();
  let overflows = 0;
  const evicted: EvictedFlow[] = [];
  // Addresses as flat copies: a regex capture is a view into its line, and an evicted flow per connection would
  // keep the whole log (100 MB at 100,000 connections) alive.
  const texts = new TextIntern();
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
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
        overflowSeqs.add(queued[1] as string);
        overflows += 1;
      }
      continue;
    }
    const exp = EXPIRED.exec(line);
    if (!exp) continue;
    expired += 1;
    if (!overflowSeqs.delete(exp[1] as string)) continue;
    const firstUs = isoToMicros(exp[7] as string);
    if (firstUs === undefined) continue;
    evicted.push({
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
    evicted,
  };
}

const PROTOCOL_NUMBER: Record<FlowRecord['protocol'], number | undefined> = { tcp: 6, udp: 17, icmp: 1, other: undefined };

/**
 * Marks the records of evicted flows `evicted`. softflowd exports both directions of a flow with the flow's own
 * first time (milliseconds), so a record matches an evicted flow on its endpoints in either order and that time.
 */
export function markEvicted(records: FlowRecordTable, evicted: readonly EvictedFlow[]): number {
  if (evicted.length === 0) return 0;
  const key = (proto: number | undefined, a: string, ap: number, b: string, bp: number, firstMs: number): string =>
    `${proto}|${a}|${ap}|${b}|${bp}|${firstMs}`;
  const keys = new Set<string>();
  for (const e of evicted) {
    const ms = Math.floor(e.firstUs / 1000);
    keys.add(key(e.protocol, e.a, e.aPort, e.b, e.bPort, ms));
    keys.add(key(e.protocol, e.b, e.bPort, e.a, e.aPort, ms));
  }
  let marked = 0;
  for (let i = 0; i < records.length; i += 1) {
    const r = records.at(i) as FlowRecord;
    if (keys.has(key(PROTOCOL_NUMBER[r.protocol], r.origAddr, r.origPort, r.respAddr, r.respPort, Math.floor(r.firstUs / 1000)))) {
      records.setEndReason(i, 'evicted');
      marked += 1;
    }
  }
  return marked;
}
