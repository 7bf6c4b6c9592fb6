import { sourceOf, type FlowRecord } from '../core/flow-record.js';
import { DirectionCode, RecordKindCode, type FlowRecordList, type FlowRecordTable, type FlowRow } from '../core/flow-record-table.js';
import type { TruthConnection } from '../core/ground-truth.js';
import type { Fragment } from '../core/score.js';
import { canonicalAddress } from '../core/ip-address.js';
import { endpointsOf, originIsClient, type Endpoints, type RowOrientation } from './match.js';

/**
 * Turns the records matched to one truth connection into the fragments the monitor meant: argus `start` +
 * `status` records become one flow, a NetFlow/IPFIX forward and reverse record whose spans overlap (or nearly)
 * become one bidirectional fragment, and every other record is a fragment of its own.
 */
export interface FragmentSet {
  fragments: Fragment[];
  /** Unidirectional records left without a partner: the monitor split the conversation by direction. */
  unpairedUni: number;
  /** The byte unit of these records, or 'unknown' when they disagree or there are none. */
  bytesKind: FlowRecord['bytesKind'];
}

/** Records of one monitor flow, still in the monitor's own orientation. */
interface Piece {
  firstUs: number;
  lastUs: number;
  durationUs: number;
  fromClient: boolean;
  origPkts?: number;
  respPkts?: number;
  origBytes?: number;
  respBytes?: number;
  state?: string;
  history?: string;
  endReason?: string;
  uni: boolean;
  sources: { file: string; line: number }[];
}

/** a + b, or undefined when either counter is unknown. */
export function addOptional(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : a + b;
}

function byTime(a: { firstUs: number; sources: { line: number }[] }, b: { firstUs: number; sources: { line: number }[] }): number {
  return a.firstUs - b.firstUs || (a.sources[0]?.line ?? 0) - (b.sources[0]?.line ?? 0);
}

function pieceOf(conn: Endpoints, r: FlowRecord): Piece {
  return {
    firstUs: r.firstUs,
    lastUs: r.lastUs,
    durationUs: r.durationUs,
    fromClient: originIsClient(conn, r),
    origPkts: r.origPkts,
    respPkts: r.direction === 'uni' ? undefined : r.respPkts,
    origBytes: r.origBytes,
    respBytes: r.direction === 'uni' ? undefined : r.respBytes,
    state: r.state,
    history: r.history,
    endReason: r.endReason,
    uni: r.direction === 'uni',
    sources: [sourceOf(r)],
  };
}

/** argus: a `start` opens a flow; the `status` records after it (same 5-tuple) continue it until the next `start`. */
function groupStatusRecords(conn: Endpoints, records: FlowRecord[]): Piece[] {
  const sorted = [...records].sort((a, b) => a.firstUs - b.firstUs || a.sourceLine - b.sourceLine);
  const open = new Map<string, Piece>();
  const pieces: Piece[] = [];
  for (const r of sorted) {
    const a = `${canonicalAddress(r.origAddr)} ${r.origPort}`;
    const b = `${canonicalAddress(r.respAddr)} ${r.respPort}`;
    const key = a < b ? `${a}|${b}` : `${b}|${a}`;
    const current = open.get(key);
    if (r.recordKind === 'status' && current) {
      const p = pieceOf(conn, r);
      const sameWay = p.fromClient === current.fromClient;
      current.lastUs = Math.max(current.lastUs, r.lastUs);
      current.durationUs = current.lastUs - current.firstUs;
      current.origPkts = addOptional(current.origPkts, sameWay ? p.origPkts : p.respPkts);
      current.respPkts = addOptional(current.respPkts, sameWay ? p.respPkts : p.origPkts);
      current.origBytes = addOptional(current.origBytes, sameWay ? p.origBytes : p.respBytes);
      current.respBytes = addOptional(current.respBytes, sameWay ? p.respBytes : p.origBytes);
      // The latest report carries the flow's final state.
      current.state = r.state ?? current.state;
      current.history = r.history ?? current.history;
      current.endReason = r.endReason ?? current.endReason;
      current.sources.push(sourceOf(r));
    } else {
      const p = pieceOf(conn, r);
      open.set(key, p);
      pieces.push(p);
    }
  }
  return pieces;
}

function toFragment(p: Piece): Fragment {
  const fromClient = p.fromClient;
  const f: Fragment = {
    firstUs: p.firstUs,
    lastUs: p.lastUs,
    durationUs: p.durationUs,
    flipped: !fromClient,
    sources: p.sources,
  };
  // A lone unidirectional record says the other direction carried nothing in its span.
  const other = (v: number | undefined, w: number | undefined): number | undefined => (p.uni ? (v === undefined ? undefined : 0) : w);
  const mine = p.origPkts;
  const theirs = other(p.origPkts, p.respPkts);
  const mineB = p.origBytes;
  const theirsB = other(p.origBytes, p.respBytes);
  if (fromClient) {
    setIfDefined(f, 'clientPkts', mine);
    setIfDefined(f, 'serverPkts', theirs);
    setIfDefined(f, 'clientBytes', mineB);
    setIfDefined(f, 'serverBytes', theirsB);
  } else {
    setIfDefined(f, 'clientPkts', theirs);
    setIfDefined(f, 'serverPkts', mine);
    setIfDefined(f, 'clientBytes', theirsB);
    setIfDefined(f, 'serverBytes', mineB);
  }
  if (p.state !== undefined) f.state = p.state;
  if (p.history !== undefined) f.history = p.history;
  if (p.endReason !== undefined) f.endReason = p.endReason;
  return f;
}

/**
 * The common case, a bidirectional record on its own, built in one literal: a million of these are the bulk of a
 * cell's result, and one fixed shape allocates faster than properties added one by one. Absent counters stay
 * undefined (JSON drops them).
 */
function fragmentOfRecord(conn: Endpoints, r: FlowRecord): Fragment {
  const fromClient = originIsClient(conn, r);
  return {
    firstUs: r.firstUs,
    lastUs: r.lastUs,
    durationUs: r.durationUs,
    clientPkts: fromClient ? r.origPkts : r.respPkts,
    serverPkts: fromClient ? r.respPkts : r.origPkts,
    clientBytes: fromClient ? r.origBytes : r.respBytes,
    serverBytes: fromClient ? r.respBytes : r.origBytes,
    flipped: !fromClient,
    state: r.state,
    history: r.history,
    endReason: r.endReason,
    sources: [sourceOf(r)],
  };
}

function setIfDefined(f: Fragment, key: 'clientPkts' | 'serverPkts' | 'clientBytes' | 'serverBytes', value: number | undefined): void {
  if (value !== undefined) f[key] = value;
}

function joinText(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined || a === b) return a;
  return `${a}|${b}`;
}

/** One forward and one reverse record: the fragment spans both and owns both directions' counters. */
function pairFragments(first: Fragment, second: Fragment): Fragment {
  const f: Fragment = {
    firstUs: Math.min(first.firstUs, second.firstUs),
    lastUs: Math.max(first.lastUs, second.lastUs),
    durationUs: 0,
    // The side heard first is the one the monitor effectively calls the originator.
    flipped: (first.firstUs <= second.firstUs ? first : second).flipped,
    sources: [...first.sources, ...second.sources],
  };
  f.durationUs = f.lastUs - f.firstUs;
  setIfDefined(f, 'clientPkts', addOptional(first.clientPkts, second.clientPkts));
  setIfDefined(f, 'serverPkts', addOptional(first.serverPkts, second.serverPkts));
  setIfDefined(f, 'clientBytes', addOptional(first.clientBytes, second.clientBytes));
  setIfDefined(f, 'serverBytes', addOptional(first.serverBytes, second.serverBytes));
  const state = joinText(first.state, second.state);
  const history = joinText(first.history, second.history);
  const endReason = joinText(first.endReason, second.endReason);
  if (state !== undefined) f.state = state;
  if (history !== undefined) f.history = history;
  if (endReason !== undefined) f.endReason = endReason;
  return f;
}

/**
 * Greedy in time order: each forward record takes, of the unpaired reverse records whose span widened by the
 * tolerance overlaps its own, the one that overlaps it most (or, for records apart, lies nearest). A request and
 * its reply a few milliseconds apart pair; two exchanges an idle timeout apart do not. Taking the earliest instead
 * paired a record with the previous exchange's reply when an active cut fell between a request and its reply (the
 * two touched for 20 ms): every later pair drifted by one, and nfpcapd at active 60 s was scored with a "record"
 * of 2m10s, a coverage of 128% and a 2-minute hunt that found it.
 */
function pairUnidirectional(pieces: Piece[], toleranceUs: number): { fragments: Fragment[]; unpaired: number } {
  const forward = pieces.filter((p) => p.fromClient).map(toFragment).sort(byTime);
  const reverse = pieces.filter((p) => !p.fromClient).map(toFragment).sort(byTime);
  const taken = new Uint8Array(reverse.length);
  const out: Fragment[] = [];
  let start = 0;
  let unpaired = 0;
  for (const f of forward) {
    while (start < reverse.length && (taken[start] === 1 || (reverse[start] as Fragment).lastUs + toleranceUs < f.firstUs)) start += 1;
    let partner = -1;
    let best = -Infinity;
    for (let j = start; j < reverse.length; j += 1) {
      const r = reverse[j] as Fragment;
      if (r.firstUs - toleranceUs > f.lastUs) break;
      if (taken[j] === 1 || r.lastUs + toleranceUs < f.firstUs) continue;
      // Positive: how long the two spans share; negative: how far apart they are.
      const overlap = Math.min(f.lastUs, r.lastUs) - Math.max(f.firstUs, r.firstUs);
      if (overlap > best) {
        best = overlap;
        partner = j;
      }
    }
    if (partner < 0) {
      out.push(f);
      unpaired += 1;
    } else {
      taken[partner] = 1;
      out.push(pairFragments(f, reverse[partner] as Fragment));
    }
  }
  reverse.forEach((r, j) => {
    if (taken[j] === 0) {
      out.push(r);
      unpaired += 1;
    }
  });
  return { fragments: out, unpaired };
}

/**
 * The fragments of one truth connection. With `indices`, the connection's records are records[indices[i]]: the
 * caller then need not gather them into an array of their own.
 */
export function buildFragments(truthConn: TruthConnection, records: FlowRecordList, toleranceUs: number, indices?: Int32Array): FragmentSet {
  const conn = endpointsOf(truthConn);
  const count = indices ? indices.length : records.length;
  const at = (i: number): FlowRecord => records.at(indices ? (indices[i] as number) : i) as FlowRecord;
  let bytesKind: FlowRecord['bytesKind'] = count > 0 ? at(0).bytesKind : 'unknown';
  let statusKind: FlowRecord[] | undefined;
  let uni: Piece[] | undefined;
  // Most connections have no status or unidirectional records: every record becomes one fragment, in order.
  const fragments: Fragment[] = new Array<Fragment>(count);
  let built = 0;
  for (let i = 0; i < count; i += 1) {
    const r = at(i);
    if (r.bytesKind !== bytesKind) bytesKind = 'unknown';
    if (r.recordKind !== undefined) (statusKind ??= []).push(r);
    else if (r.direction === 'uni') (uni ??= []).push(pieceOf(conn, r));
    else fragments[built++] = fragmentOfRecord(conn, r);
  }
  fragments.length = built;
  if (statusKind) {
    for (const p of groupStatusRecords(conn, statusKind)) {
      if (p.uni) (uni ??= []).push(p);
      else fragments.push(toFragment(p));
    }
  }
  let unpairedUni = 0;
  if (uni) {
    const paired = pairUnidirectional(uni, toleranceUs);
    fragments.push(...paired.fragments);
    unpairedUni = paired.unpaired;
  }
  // Monitors mostly write in time order already; sorting is then a wasted pass.
  let sorted = true;
  for (let i = 1; i < fragments.length && sorted; i += 1) sorted = byTime(fragments[i - 1] as Fragment, fragments[i] as Fragment) <= 0;
  if (!sorted) fragments.sort(byTime);
  return { fragments, unpairedUni, bytesKind };
}

/**
 * buildFragments for rows of a record table, from its columns: when every row is a bidirectional record on its own
 * (all of Zeek's, most of everyone's), each becomes its fragment without a FlowRecord being built; otherwise the
 * connection goes through buildFragments. The same fragments either way (tested so). `orientation` has been set to
 * this connection.
 */
export function buildTableFragments(
  truthConn: TruthConnection, table: FlowRecordTable, toleranceUs: number, rows: RowSlice, orientation: RowOrientation,
): FragmentSet {
  const { order, from, to } = rows;
  const count = to - from;
  if (count === 1) {
    // Most connections: one record, read once for its kind and its fragment.
    const row = order[from] as number;
    const r = table.readRow(row, ROW);
    if (r.recordKind !== undefined || r.direction !== 'bi') return buildFragments(truthConn, table, toleranceUs, order.subarray(from, to));
    return { fragments: [fragmentOfRow(table, r, orientation.fromClientRow(r))], unpairedUni: 0, bytesKind: r.bytesKind };
  }
  for (let i = from; i < to; i += 1) {
    const row = order[i] as number;
    if (table.recordKindCode(row) !== RecordKindCode.None || table.directionCode(row) !== DirectionCode.Bi) {
      return buildFragments(truthConn, table, toleranceUs, order.subarray(from, to));
    }
  }
  let bytesKind: FlowRecord['bytesKind'] = count > 0 ? table.bytesKind(order[from] as number) : 'unknown';
  const fragments: Fragment[] = new Array<Fragment>(count);
  for (let i = 0; i < count; i += 1) {
    const r = table.readRow(order[from + i] as number, ROW);
    if (r.bytesKind !== bytesKind) bytesKind = 'unknown';
    fragments[i] = fragmentOfRow(table, r, orientation.fromClientRow(r));
  }
  let sorted = true;
  for (let i = 1; i < count && sorted; i += 1) sorted = byTime(fragments[i - 1] as Fragment, fragments[i] as Fragment) <= 0;
  if (!sorted) fragments.sort(byTime);
  return { fragments, unpairedUni: 0, bytesKind };
}

/** The row buildTableFragments reads, refilled for each: readRow copies a row's fields into it and nothing keeps it. */
const ROW: FlowRow = {
  protocol: 'tcp', origAddr: 0, origPort: 0, respAddr: 0, respPort: 0, firstUs: 0, lastUs: 0, durationUs: 0,
  bytesKind: 'ip', direction: 'bi', endReason: undefined, recordKind: undefined, sourceFile: 0, sourceLine: 0,
  vlan: -1, origPkts: NaN, respPkts: NaN, origBytes: NaN, respBytes: NaN, state: -1, history: -1,
};

/** Rows order[from] .. order[to - 1]: a connection's records, without a subarray object per connection. */
export interface RowSlice {
  order: Int32Array;
  from: number;
  to: number;
}

/** fragmentOfRecord of the record `table.at(row)` would build, key for key, from the row `readRow` read. */
function fragmentOfRow(table: FlowRecordTable, r: FlowRow, fromClient: boolean): Fragment {
  const origPkts = counter(r.origPkts);
  const respPkts = counter(r.respPkts);
  const origBytes = counter(r.origBytes);
  const respBytes = counter(r.respBytes);
  return {
    firstUs: r.firstUs,
    lastUs: r.lastUs,
    durationUs: r.durationUs,
    clientPkts: fromClient ? origPkts : respPkts,
    serverPkts: fromClient ? respPkts : origPkts,
    clientBytes: fromClient ? origBytes : respBytes,
    serverBytes: fromClient ? respBytes : origBytes,
    flipped: !fromClient,
    state: r.state === NO_TEXT ? undefined : table.text(r.state),
    history: r.history === NO_TEXT ? undefined : table.text(r.history),
    endReason: r.endReason,
    sources: [{ file: table.text(r.sourceFile), line: r.sourceLine }],
  };
}

/** A FlowRow's counter as a record has it: NaN (absent) as undefined. */
const counter = (value: number): number | undefined => (Number.isNaN(value) ? undefined : value);
/** FlowRow's mark of an absent state or history. */
const NO_TEXT = -1;
