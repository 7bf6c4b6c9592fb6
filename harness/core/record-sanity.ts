import { isIP } from 'node:net';
import { InputError } from './input-error.js';
import type { FlowRecord } from './flow-record.js';
import { FlowRecordTable, type FlowRecordList, type FlowRow } from './flow-record-table.js';

/**
 * What every normalized record must be before it is scored, whichever parser read it: a record that ends before it
 * starts, a time or count past what a double holds exactly, a port out of range or an address that is no address
 * cannot come from a monitor's real view of a capture. Each parser once had its own subset of these checks, and
 * what one lacked was scored at exit 0 (a negative duration and coverage, a 1e20 s connection, a corrupted address
 * taken as one more unmatched record while its connection lost one). Checked here once, for every adapter present
 * and future; the message names the record's file and line.
 */
export function checkRecords(records: FlowRecordList, window?: TimeWindow): OutsideRecord | undefined {
  if (records instanceof FlowRecordTable) return checkTable(records, window);
  let outside: OutsideRecord | undefined;
  for (const record of records) {
    const problem = recordProblem(record, isAddress);
    if (problem !== undefined) throw new InputError({ file: record.sourceFile, line: record.sourceLine, col: 0 }, problem.found, problem.expected);
    outside ??= outsideOf(window, record.firstUs, record.lastUs, record.sourceFile, record.sourceLine);
  }
  return outside;
}

/** Where the records must lie (inclusive, microseconds): a capture's first and last packet with some slack. */
export interface TimeWindow {
  firstUs: number;
  lastUs: number;
}

/** The first record found outside the window, in the same pass (the caller decides when to refuse it). */
export interface OutsideRecord {
  firstUs: number;
  lastUs: number;
  /** True when it begins before the window, false when it ends after it. */
  before: boolean;
  sourceFile: string;
  sourceLine: number;
}

function outsideOf(window: TimeWindow | undefined, firstUs: number, lastUs: number, sourceFile: string, sourceLine: number): OutsideRecord | undefined {
  if (window === undefined) return undefined;
  const before = firstUs < window.firstUs;
  return before || lastUs > window.lastUs ? { firstUs, lastUs, before, sourceFile, sourceLine } : undefined;
}

/** A table's rows read by its columns (a million records, never built as objects); each distinct address checked once. */
function checkTable(table: FlowRecordTable, window: TimeWindow | undefined): OutsideRecord | undefined {
  let outside: OutsideRecord | undefined;
  const row = {} as FlowRow;
  const checked = new Map<number, boolean>();
  const addressOk = (id: number): boolean => {
    let ok = checked.get(id);
    if (ok === undefined) checked.set(id, (ok = isAddress(table.text(id))));
    return ok;
  };
  const view: RecordFields = { protocol: 'tcp', origAddr: '', respAddr: '', origPort: 0, respPort: 0, firstUs: 0, lastUs: 0, durationUs: 0 };
  for (let i = 0; i < table.length; i += 1) {
    table.readRow(i, row);
    view.protocol = row.protocol;
    view.origPort = row.origPort;
    view.respPort = row.respPort;
    view.firstUs = row.firstUs;
    view.lastUs = row.lastUs;
    view.durationUs = row.durationUs;
    // An absent counter is NaN in a row, undefined in a record.
    view.origPkts = Number.isNaN(row.origPkts) ? undefined : row.origPkts;
    view.respPkts = Number.isNaN(row.respPkts) ? undefined : row.respPkts;
    view.origBytes = Number.isNaN(row.origBytes) ? undefined : row.origBytes;
    view.respBytes = Number.isNaN(row.respBytes) ? undefined : row.respBytes;
    const addressesOk = row.protocol === 'other' || (addressOk(row.origAddr) && addressOk(row.respAddr));
    view.origAddr = addressesOk ? '' : table.text(row.origAddr);
    view.respAddr = addressesOk ? '' : table.text(row.respAddr);
    const problem = recordProblem(view, (a) => addressesOk || isAddress(a));
    if (problem !== undefined) throw new InputError({ file: table.sourceFile(i), line: table.sourceLine(i), col: 0 }, problem.found, problem.expected);
    if (outside === undefined && window !== undefined) outside = outsideOf(window, row.firstUs, row.lastUs, table.sourceFile(i), row.sourceLine);
  }
  return outside;
}

type RecordFields = Pick<FlowRecord, 'protocol' | 'origAddr' | 'respAddr' | 'origPort' | 'respPort' | 'firstUs' | 'lastUs' | 'durationUs' | 'origPkts' | 'respPkts' | 'origBytes' | 'respBytes'>;

function isAddress(text: string): boolean {
  return isIP(text) !== 0;
}

const TIME = 'a time in microseconds a double holds exactly (below 2^53)';

function recordProblem(r: RecordFields, address: (text: string) => boolean): { found: string; expected: string } | undefined {
  for (const [field, value] of [['first', r.firstUs], ['last', r.lastUs], ['duration', r.durationUs]] as const) {
    if (!Number.isFinite(value) || Math.abs(value) > Number.MAX_SAFE_INTEGER) return { found: `a record whose ${field} time is ${value} us`, expected: TIME };
  }
  if (r.lastUs < r.firstUs) {
    return { found: `a record that ends (${r.lastUs} us) before it starts (${r.firstUs} us)`, expected: 'its last packet at or after its first' };
  }
  if (r.durationUs < 0) return { found: `a record of duration ${r.durationUs} us`, expected: 'a duration of 0 or more' };
  for (const [field, value] of [['origPkts', r.origPkts], ['respPkts', r.respPkts], ['origBytes', r.origBytes], ['respBytes', r.respBytes]] as const) {
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
      return { found: `a record with ${field} ${value}`, expected: 'a whole count from 0 to 2^53' };
    }
  }
  // Other protocols may name what is not an IP (argus prints MAC addresses for ARP); these three always carry IPs.
  if (r.protocol !== 'other') {
    for (const [field, value] of [['origAddr', r.origAddr], ['respAddr', r.respAddr]] as const) {
      if (!address(value)) return { found: `a ${r.protocol} record whose ${field} is "${value}"`, expected: 'an IPv4 or IPv6 address' };
    }
    for (const [field, value] of [['origPort', r.origPort], ['respPort', r.respPort]] as const) {
      if (!(Number.isInteger(value) && value >= 0 && value <= 65535)) {
        return { found: `a ${r.protocol} record whose ${field} is ${value}`, expected: r.protocol === 'icmp' ? 'an ICMP type or id from 0 to 65535' : 'a port from 0 to 65535' };
      }
    }
  }
  return undefined;
}
