import { isIP } from 'node:net';
import { formatDuration } from './duration.js';
import { formatEndpoint } from './ip-address.js';
import { InputError } from './input-error.js';
import type { FlowRecord } from './flow-record.js';
import { FlowRecordTable, type FlowRecordList, type FlowRow } from './flow-record-table.js';
import { StateOverlaps, repeatProtocol, stateProtocol, type Overlap, type RecordTimes } from './record-overlap.js';

/**
 * What every normalized record must be before it is scored, whichever parser read it: a record that ends before it
 * starts, a time or count past what a double holds exactly, a port out of range or an address that is no address
 * cannot come from a monitor's real view of a capture. Each parser once had its own subset of these checks, and
 * what one lacked was scored at exit 0 (a negative duration and coverage, a 1e20 s connection, a corrupted address
 * taken as one more unmatched record while its connection lost one). Checked here once, for every adapter present
 * and future; the message names the record's file and line. Also refused: two records of one flow state that
 * overlap in time, and a record repeated where overlap is not checked (see record-overlap.ts).
 */
export function checkRecords(records: FlowRecordList, options: CheckOptions = {}): OutsideRecord | undefined {
  const { window, limit } = options;
  const joined = options.joinedView === true;
  const icmpKeyShown = options.icmpKeyShown === true;
  const times: RecordTimes = records instanceof FlowRecordTable ? records : {
    firstUs: (i) => (records.at(i) as FlowRecord).firstUs,
    lastUs: (i) => (records.at(i) as FlowRecord).lastUs,
  };
  const overlaps = new StateOverlaps(records.length, times);
  const repeats = new StateOverlaps(records.length, times, true);
  let outside: OutsideRecord | undefined;
  if (records instanceof FlowRecordTable) outside = checkTable(records, window, limit, joined, icmpKeyShown, overlaps, repeats);
  else {
    // Address texts numbered as they come, for the overlap check's keys.
    const ids = new Map<string, number>();
    const idOf = (addr: string): number => {
      let id = ids.get(addr);
      if (id === undefined) ids.set(addr, (id = ids.size));
      return id;
    };
    let i = 0;
    for (const record of records) {
      const problem = recordProblem(record, isAddress, limit);
      if (problem !== undefined) throw new InputError({ file: record.sourceFile, line: record.sourceLine, col: 0 }, problem.found, problem.expected);
      outside ??= outsideOf(window, record.firstUs, record.lastUs, record.sourceFile, record.sourceLine);
      tell(overlaps, repeats, i, record.protocol, record.direction, record.recordKind, joined, icmpKeyShown, idOf(record.origAddr), record.origPort, idOf(record.respAddr), record.respPort, record.vlan ?? -1,
        record.origPkts ?? NaN, record.respPkts ?? NaN, record.origBytes ?? NaN, record.respBytes ?? NaN);
      i += 1;
    }
  }
  const exempt = options.mayOverlap;
  const byRecord = exempt === undefined ? undefined : (k: number): boolean => exempt(records.at(k) as FlowRecord);
  const overlap = overlaps.find(byRecord) ?? repeats.find(byRecord);
  if (overlap !== undefined) refuseOverlap(overlap, (k) => described(records.at(k) as FlowRecord), joined);
  return outside;
}

/** Tells the overlap check, or else the repeat check, of record i (see record-overlap.ts). */
function tell(
  overlaps: StateOverlaps, repeats: StateOverlaps, i: number, protocol: FlowRecord['protocol'], direction: FlowRecord['direction'], recordKind: FlowRecord['recordKind'],
  joined: boolean, icmpKeyShown: boolean, origAddr: number, origPort: number, respAddr: number, respPort: number, vlan: number,
  origPkts: number, respPkts: number, origBytes: number, respBytes: number,
): void {
  const state = stateProtocol(protocol, direction, recordKind, joined, icmpKeyShown);
  if (state !== undefined) {
    overlaps.add(i, state, origAddr, origPort, respAddr, respPort, vlan);
    return;
  }
  // NaN: not given.
  const packets = Number.isNaN(origPkts) && Number.isNaN(respPkts) ? undefined : (Number.isNaN(origPkts) ? 0 : origPkts) + (Number.isNaN(respPkts) ? 0 : respPkts);
  const repeat = repeatProtocol(protocol, direction, recordKind, joined, packets);
  if (repeat === undefined) return;
  // Pieces of one TCP or UDP flow never share a span, whatever their counts: only ICMP's are compared.
  if (protocol === 'icmp') repeats.add(i, repeat, origAddr, origPort, respAddr, respPort, vlan, origPkts, respPkts, origBytes, respBytes);
  else repeats.add(i, repeat, origAddr, origPort, respAddr, respPort, vlan);
}

export interface CheckOptions {
  /** Where every record must lie; the first outside it is returned, not refused. */
  window?: TimeWindow;
  /** The longest record the tool writes. */
  limit?: RecordLengthLimit;
  /**
   * The records are a view that joins the tool's flows (the adapter's joiningViews): one record per directed tuple,
   * so a tuple's two directions may overlap (the flows the server opened inside the client's), one direction never.
   */
  joinedView?: boolean;
  /** The tool's ICMP records show its whole ICMP key (the adapter's icmpKeyShown): checked for overlap too. */
  icmpKeyShown?: boolean;
  /** Records whose key's records may overlap or repeat (the truth holds the key twice: indistinctInTruth). */
  mayOverlap?: (record: FlowRecord) => boolean;
}

/** What a message says of a record: where it is and what it spans. */
interface DescribedRecord {
  file: string;
  line: number;
  text: string;
}

function described(r: FlowRecord): DescribedRecord {
  const seconds = (us: number): string => (us / 1e6).toFixed(6);
  const vlan = r.vlan === undefined ? '' : ` vlan ${r.vlan}`;
  return {
    file: r.sourceFile,
    line: r.sourceLine,
    text: `${r.protocol} ${formatEndpoint(r.origAddr, r.origPort)} - ${formatEndpoint(r.respAddr, r.respPort)}${vlan} from ${seconds(r.firstUs)} to ${seconds(r.lastUs)}`,
  };
}

function refuseOverlap(overlap: Overlap, describe: (i: number) => DescribedRecord, joined: boolean): never {
  // Named at the one further down the log: the reader finds the first of the two above it.
  const [first, second] = [overlap.earlier, overlap.later].sort((a, b) => a - b) as [number, number];
  const a = describe(first);
  const b = describe(second);
  const other = a.file === b.file ? `line ${a.line}` : `${a.file}:${a.line}`;
  if (overlap.repeated) {
    throw new InputError(
      { file: b.file, line: b.line, col: 0 },
      `a record (${b.text}) that repeats the record on ${other}: the same connection, first and last packet and counts`,
      'each flow state written once, as no sensor writes one state twice at the same instant: are these two sensors\' logs concatenated, or a record repeated?',
    );
  }
  throw new InputError(
    { file: b.file, line: b.line, col: 0 },
    `a record (${b.text}) that overlaps the record of the same ${joined ? 'connection and direction' : 'connection'} on ${other} (${a.text})`,
    joined
      ? 'one record per connection and direction, as the joining view writes each directed tuple\'s flows as one: is this view concatenated with itself, or a line repeated?'
      : 'one record at a time per connection, as one sensor keeps one state per connection: are these two sensors\' logs concatenated, or a record repeated?',
  );
}

/** The longest record a tool can write, and what the message expects instead (see monitors/record-length-limit.ts). */
export interface RecordLengthLimit {
  longestUs: number;
  expected: string;
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
function checkTable(table: FlowRecordTable, window: TimeWindow | undefined, limit: RecordLengthLimit | undefined, joined: boolean, icmpKeyShown: boolean, overlaps: StateOverlaps, repeats: StateOverlaps): OutsideRecord | undefined {
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
    const problem = recordProblem(view, (a) => addressesOk || isAddress(a), limit);
    if (problem !== undefined) throw new InputError({ file: table.sourceFile(i), line: table.sourceLine(i), col: 0 }, problem.found, problem.expected);
    if (outside === undefined && window !== undefined) outside = outsideOf(window, row.firstUs, row.lastUs, table.sourceFile(i), row.sourceLine);
    // Addresses are the table's text ids already: one text, one id.
    tell(overlaps, repeats, i, row.protocol, row.direction, row.recordKind, joined, icmpKeyShown, row.origAddr, row.origPort, row.respAddr, row.respPort, row.vlan, row.origPkts, row.respPkts, row.origBytes, row.respBytes);
  }
  return outside;
}

type RecordFields = Pick<FlowRecord, 'protocol' | 'origAddr' | 'respAddr' | 'origPort' | 'respPort' | 'firstUs' | 'lastUs' | 'durationUs' | 'origPkts' | 'respPkts' | 'origBytes' | 'respBytes'>;

function isAddress(text: string): boolean {
  return isIP(text) !== 0;
}

const TIME = 'a time in microseconds a double holds exactly (below 2^53)';

type Problem = { found: string; expected: string };

/**
 * Checked field by field, without a list of [name, value] pairs per record: those small arrays, made for each of
 * a cell's millions of records, went through V8's old space at ~200 MB a second in optimized code, and the check of
 * softflowd's 4 M records at a million connections took the harness's RSS from ~400 to ~870 MB in 16 s.
 */
function recordProblem(r: RecordFields, address: (text: string) => boolean, limit: RecordLengthLimit | undefined): Problem | undefined {
  const time = timeProblem('first', r.firstUs) ?? timeProblem('last', r.lastUs) ?? timeProblem('duration', r.durationUs);
  if (time !== undefined) return time;
  if (r.lastUs < r.firstUs) {
    return { found: `a record that ends (${r.lastUs} us) before it starts (${r.firstUs} us)`, expected: 'its last packet at or after its first' };
  }
  if (r.durationUs < 0) return { found: `a record of duration ${r.durationUs} us`, expected: 'a duration of 0 or more' };
  if (limit !== undefined && r.durationUs > limit.longestUs) {
    return { found: `a record of ${formatDuration(Math.round(r.durationUs / 1e6))} (${(r.durationUs / 1e6).toFixed(6)} s)`, expected: limit.expected };
  }
  const count = countProblem('origPkts', r.origPkts) ?? countProblem('respPkts', r.respPkts) ?? countProblem('origBytes', r.origBytes) ?? countProblem('respBytes', r.respBytes);
  if (count !== undefined) return count;
  // Other protocols may name what is not an IP (argus prints MAC addresses for ARP); these three always carry IPs.
  if (r.protocol !== 'other') {
    if (!address(r.origAddr)) return addressProblem(r.protocol, 'origAddr', r.origAddr);
    if (!address(r.respAddr)) return addressProblem(r.protocol, 'respAddr', r.respAddr);
    return portProblem(r.protocol, 'origPort', r.origPort) ?? portProblem(r.protocol, 'respPort', r.respPort);
  }
  return undefined;
}

function timeProblem(field: string, value: number): Problem | undefined {
  return Number.isFinite(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER ? undefined : { found: `a record whose ${field} time is ${value} us`, expected: TIME };
}

function countProblem(field: string, value: number | undefined): Problem | undefined {
  return value === undefined || (Number.isSafeInteger(value) && value >= 0) ? undefined : { found: `a record with ${field} ${value}`, expected: 'a whole count from 0 to 2^53' };
}

function addressProblem(protocol: string, field: string, value: string): Problem {
  return { found: `a ${protocol} record whose ${field} is "${value}"`, expected: 'an IPv4 or IPv6 address' };
}

function portProblem(protocol: string, field: string, value: number): Problem | undefined {
  if (Number.isInteger(value) && value >= 0 && value <= 65535) return undefined;
  return { found: `a ${protocol} record whose ${field} is ${value}`, expected: protocol === 'icmp' ? 'an ICMP type or id from 0 to 65535' : 'a port from 0 to 65535' };
}
