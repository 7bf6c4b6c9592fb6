import { codeOf, grown, isShared, SpillColumn, TextIds } from './columns.js';
import type { EndReason, FlowProtocol, FlowRecord } from './flow-record.js';

/**
 * What the comparator reads records through: an array of FlowRecords is one, and so is a FlowRecordTable.
 */
export interface FlowRecordList extends Iterable<FlowRecord> {
  readonly length: number;
  at(index: number): FlowRecord | undefined;
}

/**
 * Records kept column by column, for the monitors that write several per connection: a NetFlow exporter reports
 * each direction of each fragment, about four records per connection when quiet periods cut them, and 3.8 million
 * FlowRecord objects (~230 B each, their numbers boxed) were the largest thing a million-connection run held.
 * Here a record is ~100 B of typed arrays; `at(i)` builds the FlowRecord when it is read, and the comparator reads
 * a table's columns directly (match.ts, fragments.ts).
 *
 * Rows are kept in chunks of at most CHUNK_ROWS, never copied to grow: on a VM the first touch of fresh memory costs
 * ~5 ms per MB, more than parsing what fills it. A parser that already has its rows as columns (Zeek's, in worker
 * threads) hands its arrays over whole (`appendColumns`), so they are touched once, by the thread that filled them.
 */
/** The protocol column's values, in code order (ProtocolCode). */
export const PROTOCOLS: readonly FlowProtocol[] = ['tcp', 'udp', 'icmp', 'other'];
const BYTES_KINDS: readonly FlowRecord['bytesKind'][] = ['ip', 'ethernet', 'payload', 'unknown'];
const DIRECTIONS: readonly FlowRecord['direction'][] = ['bi', 'uni'];
const END_REASONS: readonly (EndReason | undefined)[] = [undefined, 'idle-timeout', 'active-timeout', 'end-of-flow', 'end-of-capture', 'status', 'evicted', 'unknown'];
const RECORD_KINDS: readonly FlowRecord['recordKind'][] = [undefined, 'start', 'status'];

/** The doubles of a record, in their column order. */
const NUMBER_FIELDS = ['firstUs', 'lastUs', 'durationUs', 'origPkts', 'respPkts', 'origBytes', 'respBytes'] as const;
export type NumberField = (typeof NUMBER_FIELDS)[number];
/** Each field's column, looked up once here rather than by indexOf on every read (tshark reads per packet). */
const NUMBER_COLUMN = Object.fromEntries(NUMBER_FIELDS.map((f, i) => [f, i])) as Record<NumberField, number>;
/** The optional counters, after the three times. */
const COUNTERS = ['origPkts', 'respPkts', 'origBytes', 'respBytes'] as const;
type Counter = (typeof COUNTERS)[number];
const FIRST_COUNTER = 3;

const NONE = -1;
const CHUNK_BITS = 13;
const CHUNK_ROWS = 1 << CHUNK_BITS;

/** The codes of FlowRecordTable's enumerated columns, for a reader of its columns. */
export const enum ProtocolCode { Tcp, Udp, Icmp, Other }
export const enum DirectionCode { Bi, Uni }
export const enum RecordKindCode { None, Start, Status }

/**
 * One row by codes and text ids, for a parser that has its values as numbers already: filling one reused row and
 * pushing it costs no FlowRecord and no text lookup per field. Text ids come from `textId`; -1 marks an absent
 * vlan, state or history, NaN an absent counter.
 */
export interface FlowRow {
  protocol: FlowProtocol;
  origAddr: number;
  origPort: number;
  respAddr: number;
  respPort: number;
  firstUs: number;
  lastUs: number;
  durationUs: number;
  bytesKind: FlowRecord['bytesKind'];
  direction: FlowRecord['direction'];
  endReason: EndReason | undefined;
  recordKind: FlowRecord['recordKind'];
  sourceFile: number;
  sourceLine: number;
  vlan: number;
  origPkts: number;
  respPkts: number;
  origBytes: number;
  respBytes: number;
  state: number;
  history: number;
}

/**
 * Rows of a flow log as columns, handed to `appendColumns` whole (the table keeps the arrays: the caller must not
 * touch them again). Text columns hold this table's text ids; -1 marks an absent vlan, counter, state or history.
 * lastUs is firstUs + durationUs; every row is bidirectional, of the source file and end reason given with them.
 */
export interface RowColumns {
  count: number;
  /** ProtocolCode. */
  protocol: Uint8Array;
  origAddr: Int32Array;
  origPort: Int32Array;
  respAddr: Int32Array;
  respPort: Int32Array;
  firstUs: Float64Array;
  durationUs: Float64Array;
  /** The source line of each row. */
  line: Float64Array;
  vlan: Float64Array;
  origPkts: Float64Array;
  respPkts: Float64Array;
  origBytes: Float64Array;
  respBytes: Float64Array;
  state: Int32Array;
  history: Int32Array;
}

export interface ColumnsOrigin {
  sourceFile: string;
  /** What the byte counters count, for a row that has one ('unknown' for a row with neither). */
  bytesKind: FlowRecord['bytesKind'];
  endReason: EndReason | undefined;
}

/** A chunk's rows, read by local index (0 = the chunk's first row). */
interface Chunk {
  readonly start: number;
  rows: number;
  protocol(j: number): number;
  bytesKind(j: number): number;
  direction(j: number): number;
  endReason(j: number): number;
  recordKind(j: number): number;
  /** Addresses, state, history and source file as text ids; vlan, state and history NONE when absent. */
  origAddr(j: number): number;
  origPort(j: number): number;
  respAddr(j: number): number;
  respPort(j: number): number;
  vlan(j: number): number;
  state(j: number): number;
  history(j: number): number;
  sourceFile(j: number): number;
  firstUs(j: number): number;
  lastUs(j: number): number;
  durationUs(j: number): number;
  /** NUMBER_FIELDS[k]; NaN for an absent counter. */
  number(j: number, k: number): number;
  sourceLine(j: number): number;
  setNumber(j: number, k: number, value: number): void;
  setEndReason(j: number, code: number): void;
  clearVlan(j: number): void;
}

/**
 * Rows pushed one by one. What differs from record to record (protocol, endpoints, times, source line) is an array;
 * every other field is a SpillColumn, one value until a row differs. The duration is kept only from the first row
 * whose duration is not last - first. A softflowd record takes ~53 B here instead of 101 B with every field per row:
 * ~190 MB less for the 4 M records of a million-connection run.
 */
class PushedChunk implements Chunk {
  rows = 0;
  private readonly protocols = new Uint8Array(CHUNK_ROWS);
  /** origAddr, origPort, respAddr, respPort of each row. */
  private readonly endpoints = new Int32Array(CHUNK_ROWS * 4);
  /** firstUs, lastUs of each row. */
  private readonly times = new Float64Array(CHUNK_ROWS * 2);
  /** Each row's duration, from the first row where it is not lastUs - firstUs; until then none. */
  private durations: Float64Array | undefined;
  /** Source lines fit 32 bits but for the odd record: widened to doubles then. */
  private lines: Uint32Array | Float64Array = new Uint32Array(CHUNK_ROWS);
  private readonly bytesKinds = codeColumn();
  private readonly directions = codeColumn();
  private readonly endReasons = codeColumn();
  private readonly recordKinds = codeColumn();
  /** Text ids (-1 for none), and the VLAN (-1 for none). */
  private readonly vlans = idColumn();
  private readonly states = idColumn();
  private readonly histories = idColumn();
  private readonly sourceFiles = idColumn();
  /** origPkts, respPkts, origBytes, respBytes (NaN when absent). */
  private readonly counters = COUNTERS.map(() => new SpillColumn((n) => new Float64Array(n), CHUNK_ROWS));

  constructor(readonly start: number) {}

  protocol(j: number): number { return this.protocols[j] as number; }
  bytesKind(j: number): number { return this.bytesKinds.get(j); }
  direction(j: number): number { return this.directions.get(j); }
  endReason(j: number): number { return this.endReasons.get(j); }
  recordKind(j: number): number { return this.recordKinds.get(j); }
  origAddr(j: number): number { return this.endpoints[j * 4] as number; }
  origPort(j: number): number { return this.endpoints[j * 4 + 1] as number; }
  respAddr(j: number): number { return this.endpoints[j * 4 + 2] as number; }
  respPort(j: number): number { return this.endpoints[j * 4 + 3] as number; }
  vlan(j: number): number { return this.vlans.get(j); }
  state(j: number): number { return this.states.get(j); }
  history(j: number): number { return this.histories.get(j); }
  sourceFile(j: number): number { return this.sourceFiles.get(j); }
  firstUs(j: number): number { return this.times[j * 2] as number; }
  lastUs(j: number): number { return this.times[j * 2 + 1] as number; }
  durationUs(j: number): number {
    const durations = this.durations;
    return durations === undefined ? (this.times[j * 2 + 1] as number) - (this.times[j * 2] as number) : (durations[j] as number);
  }
  number(j: number, k: number): number {
    if (k === 0) return this.firstUs(j);
    if (k === 1) return this.lastUs(j);
    if (k === 2) return this.durationUs(j);
    return (this.counters[k - FIRST_COUNTER] as SpillColumn<Float64Array>).get(j);
  }
  sourceLine(j: number): number { return this.lines[j] as number; }

  setNumber(j: number, k: number, value: number): void {
    if (k >= FIRST_COUNTER) {
      (this.counters[k - FIRST_COUNTER] as SpillColumn<Float64Array>).set(j, value, this.rows);
    } else if (k === 2) {
      this.setDuration(j, value, this.rows);
    } else {
      // A moved time must not move a duration that was set on its own (tshark's parser moves lastUs per packet and
      // sets the durations at its end).
      const derived = k === 0 ? (this.times[j * 2 + 1] as number) - value : value - (this.times[j * 2] as number);
      if (this.durations === undefined && !Object.is(derived, this.durationUs(j))) this.spillDurations(this.rows);
      this.times[j * 2 + k] = value;
    }
  }

  setEndReason(j: number, code: number): void { this.endReasons.set(j, code, this.rows); }
  clearVlan(j: number): void { this.vlans.set(j, -1, this.rows); }

  private setDuration(j: number, value: number, rows: number): void {
    if (this.durations === undefined) {
      if (Object.is(value, (this.times[j * 2 + 1] as number) - (this.times[j * 2] as number))) return;
      this.spillDurations(rows);
    }
    (this.durations as Float64Array)[j] = value;
  }

  private spillDurations(rows: number): void {
    const durations = new Float64Array(CHUNK_ROWS);
    for (let j = 0; j < rows; j += 1) durations[j] = (this.times[j * 2 + 1] as number) - (this.times[j * 2] as number);
    this.durations = durations;
  }

  write(r: FlowRow): void {
    const j = this.rows;
    this.protocols[j] = codeOf('FlowRecordTable', 'protocol', PROTOCOLS, r.protocol);
    this.bytesKinds.set(j, codeOf('FlowRecordTable', 'bytesKind', BYTES_KINDS, r.bytesKind), j);
    this.directions.set(j, codeOf('FlowRecordTable', 'direction', DIRECTIONS, r.direction), j);
    this.endReasons.set(j, codeOf('FlowRecordTable', 'endReason', END_REASONS, r.endReason), j);
    this.recordKinds.set(j, codeOf('FlowRecordTable', 'recordKind', RECORD_KINDS, r.recordKind), j);
    const e = j * 4;
    this.endpoints[e] = r.origAddr;
    this.endpoints[e + 1] = r.origPort;
    this.endpoints[e + 2] = r.respAddr;
    this.endpoints[e + 3] = r.respPort;
    this.vlans.set(j, r.vlan, j);
    this.states.set(j, r.state, j);
    this.histories.set(j, r.history, j);
    this.sourceFiles.set(j, r.sourceFile, j);
    this.times[j * 2] = r.firstUs;
    this.times[j * 2 + 1] = r.lastUs;
    this.setDuration(j, r.durationUs, j);
    const counters = this.counters;
    (counters[0] as SpillColumn<Float64Array>).set(j, r.origPkts, j);
    (counters[1] as SpillColumn<Float64Array>).set(j, r.respPkts, j);
    (counters[2] as SpillColumn<Float64Array>).set(j, r.origBytes, j);
    (counters[3] as SpillColumn<Float64Array>).set(j, r.respBytes, j);
    if (this.lines instanceof Uint32Array && !(Number.isInteger(r.sourceLine) && r.sourceLine >= 0 && r.sourceLine <= 0xffffffff)) {
      this.lines = Float64Array.from(this.lines);
    }
    this.lines[j] = r.sourceLine;
    this.rows = j + 1;
  }
}

/** Rows handed over as columns (appendColumns): read in place, never changed. */
class ColumnChunk implements Chunk {
  readonly rows: number;
  private readonly counters: readonly Float64Array[];
  private readonly bytesKindCode: number;
  private readonly endReasonCode: number;

  constructor(readonly start: number, readonly c: RowColumns, private readonly sourceFileId: number, readonly origin: ColumnsOrigin) {
    this.rows = c.count;
    this.counters = [c.origPkts, c.respPkts, c.origBytes, c.respBytes];
    this.bytesKindCode = codeOf('FlowRecordTable', 'bytesKind', BYTES_KINDS, origin.bytesKind);
    this.endReasonCode = codeOf('FlowRecordTable', 'endReason', END_REASONS, origin.endReason);
    for (let j = 0; j < c.count; j += 1) {
      if ((c.protocol[j] as number) >= PROTOCOLS.length) throw new Error(`FlowRecordTable: protocol code ${c.protocol[j]} is not one of ${PROTOCOLS.join(', ')}`);
    }
  }

  protocol(j: number): number { return this.c.protocol[j] as number; }
  bytesKind(j: number): number {
    return (this.c.origBytes[j] as number) >= 0 || (this.c.respBytes[j] as number) >= 0 ? this.bytesKindCode : UNKNOWN_BYTES;
  }
  direction(): number { return DirectionCode.Bi; }
  endReason(): number { return this.endReasonCode; }
  recordKind(): number { return RecordKindCode.None; }
  origAddr(j: number): number { return this.c.origAddr[j] as number; }
  origPort(j: number): number { return this.c.origPort[j] as number; }
  respAddr(j: number): number { return this.c.respAddr[j] as number; }
  respPort(j: number): number { return this.c.respPort[j] as number; }
  vlan(j: number): number {
    const vlan = this.c.vlan[j] as number;
    return vlan < 0 ? NONE : vlan;
  }
  state(j: number): number { return this.c.state[j] as number; }
  history(j: number): number { return this.c.history[j] as number; }
  sourceFile(): number { return this.sourceFileId; }
  firstUs(j: number): number { return this.c.firstUs[j] as number; }
  lastUs(j: number): number { return (this.c.firstUs[j] as number) + (this.c.durationUs[j] as number); }
  durationUs(j: number): number { return this.c.durationUs[j] as number; }
  number(j: number, k: number): number {
    if (k === 0) return this.firstUs(j);
    if (k === 1) return this.lastUs(j);
    if (k === 2) return this.durationUs(j);
    const value = (this.counters[k - FIRST_COUNTER] as Float64Array)[j] as number;
    return value < 0 ? NaN : value;
  }
  sourceLine(j: number): number { return this.c.line[j] as number; }
  setNumber(): void { throw new Error('FlowRecordTable: rows handed over as columns are read-only'); }
  setEndReason(): void { throw new Error('FlowRecordTable: rows handed over as columns are read-only'); }
  clearVlan(): void { throw new Error('FlowRecordTable: rows handed over as columns are read-only'); }
}

function codeColumn(): SpillColumn<Uint8Array> {
  return new SpillColumn((n) => new Uint8Array(n), CHUNK_ROWS);
}

function idColumn(): SpillColumn<Int32Array> {
  return new SpillColumn((n) => new Int32Array(n), CHUNK_ROWS);
}

const UNKNOWN_BYTES = BYTES_KINDS.indexOf('unknown');

/** A FlowRecordTable as another thread rebuilds it (FlowRecordTable.fromShared): its columns' memory is shared. */
export interface SharedFlowRecordTable {
  texts: readonly string[];
  chunks: { columns: RowColumns; origin: ColumnsOrigin }[];
}

export class FlowRecordTable implements FlowRecordList {
  private rows = 0;
  private readonly chunks: Chunk[] = [];
  /** The chunk push() writes into, while it is the last one and has room. */
  private open: PushedChunk | undefined;
  /** For each CHUNK_ROWS-aligned row index i, the chunk holding row i (chunks after it hold the rest of its block). */
  private chunkOfBlock = new Int32Array(16);
  /** Addresses, states, histories and source files, each distinct text once. */
  private readonly texts = new TextIds();
  /** The chunk chunkOf found last. */
  private seen: Chunk | undefined;

  get length(): number {
    return this.rows;
  }

  push(r: FlowRecord): void {
    const row = PUSH_ROW;
    row.protocol = r.protocol;
    row.origAddr = this.texts.id(r.origAddr);
    row.origPort = r.origPort;
    row.respAddr = this.texts.id(r.respAddr);
    row.respPort = r.respPort;
    row.firstUs = r.firstUs;
    row.lastUs = r.lastUs;
    row.durationUs = r.durationUs;
    row.bytesKind = r.bytesKind;
    row.direction = r.direction;
    row.endReason = r.endReason;
    row.recordKind = r.recordKind;
    row.vlan = r.vlan ?? NONE;
    row.origPkts = r.origPkts ?? NaN;
    row.respPkts = r.respPkts ?? NaN;
    row.origBytes = r.origBytes ?? NaN;
    row.respBytes = r.respBytes ?? NaN;
    row.state = r.state === undefined ? NONE : this.texts.id(r.state);
    row.history = r.history === undefined ? NONE : this.texts.id(r.history);
    row.sourceFile = this.texts.id(r.sourceFile);
    row.sourceLine = r.sourceLine;
    this.pushRow(row);
  }

  /** The id a text (address, state, history, source file) has in this table's columns; a new one if unseen. */
  textId(text: string): number {
    return this.texts.id(text);
  }

  /** The text of an id from `textId` or from a text column. */
  text(id: number): string {
    return this.texts.text(id);
  }

  /** Appends a record given as codes and text ids: the same record `push` stores for the FlowRecord it names. */
  pushRow(r: FlowRow): void {
    let chunk = this.open;
    if (chunk === undefined || chunk.rows === CHUNK_ROWS) {
      chunk = new PushedChunk(this.rows);
      this.addChunk(chunk);
      this.open = chunk;
    }
    chunk.write(r);
    this.rows += 1;
  }

  /**
   * The table for another thread, when every row came as columns in shared memory (a Zeek conn.log's parse): the
   * thread reads the same memory. Undefined for rows pushed one by one, or columns another thread cannot share.
   */
  shared(): SharedFlowRecordTable | undefined {
    const chunks: SharedFlowRecordTable['chunks'] = [];
    for (const chunk of this.chunks) {
      if (!(chunk instanceof ColumnChunk)) return undefined;
      // Only the columns: a parser's batch carries more (its new strings), which the other thread must not copy.
      const { count, protocol, origAddr, origPort, respAddr, respPort, firstUs, durationUs, line, vlan, origPkts, respPkts, origBytes, respBytes, state, history } = chunk.c;
      const columns: RowColumns = { count, protocol, origAddr, origPort, respAddr, respPort, firstUs, durationUs, line, vlan, origPkts, respPkts, origBytes, respBytes, state, history };
      if (![protocol, origAddr, origPort, respAddr, respPort, firstUs, durationUs, line, vlan, origPkts, respPkts, origBytes, respBytes, state, history].every(isShared)) return undefined;
      chunks.push({ columns, origin: chunk.origin });
    }
    return { texts: this.texts.all(), chunks };
  }

  /** The table `shared()` described, reading the same memory (its rows are read-only, as columns always are). */
  static fromShared(shared: SharedFlowRecordTable): FlowRecordTable {
    const table = new FlowRecordTable();
    for (const text of shared.texts) table.texts.id(text);
    for (const { columns, origin } of shared.chunks) table.appendColumns(columns, origin);
    return table;
  }

  /** Appends `columns.count` rows by taking the arrays of `columns` (see RowColumns). */
  appendColumns(columns: RowColumns, origin: ColumnsOrigin): void {
    if (columns.count === 0) return;
    const chunk = new ColumnChunk(this.rows, columns, this.texts.id(origin.sourceFile), origin);
    this.addChunk(chunk);
    this.open = undefined;
    this.rows += columns.count;
  }

  private addChunk(chunk: Chunk): void {
    const index = this.chunks.length;
    this.chunks.push(chunk);
    // Every block start the chunk will cover: pushed chunks are filled later, up to CHUNK_ROWS from their start.
    const end = chunk.start + (chunk instanceof PushedChunk ? CHUNK_ROWS : chunk.rows);
    for (let block = (chunk.start + CHUNK_ROWS - 1) >> CHUNK_BITS; block << CHUNK_BITS < end; block += 1) {
      if (block >= this.chunkOfBlock.length) this.chunkOfBlock = grown(this.chunkOfBlock, Math.max(block + 1, this.chunkOfBlock.length * 2));
      this.chunkOfBlock[block] = index;
    }
  }

  /** The chunk holding row i (0 <= i < length); readers mostly go row after row, so the last one found first. */
  private chunkOf(i: number): Chunk {
    const seen = this.seen;
    if (seen !== undefined && i >= seen.start && i < seen.start + seen.rows) return seen;
    let c = this.chunkOfBlock[i >> CHUNK_BITS] as number;
    let chunk = this.chunks[c] as Chunk;
    while (i >= chunk.start + chunk.rows) chunk = this.chunks[++c] as Chunk;
    this.seen = chunk;
    return chunk;
  }

  // Column readers for the comparator, which matches and scores a million records without building each one.
  // Callers pass indices below `length`.

  /** The record's protocol, direction and record kind as codes. */
  protocolCode(i: number): ProtocolCode {
    const c = this.chunkOf(i);
    return c.protocol(i - c.start);
  }

  directionCode(i: number): DirectionCode {
    const c = this.chunkOf(i);
    return c.direction(i - c.start);
  }

  recordKindCode(i: number): RecordKindCode {
    const c = this.chunkOf(i);
    return c.recordKind(i - c.start);
  }

  bytesKind(i: number): FlowRecord['bytesKind'] {
    const c = this.chunkOf(i);
    return BYTES_KINDS[c.bytesKind(i - c.start)] as FlowRecord['bytesKind'];
  }

  endReason(i: number): EndReason | undefined {
    const c = this.chunkOf(i);
    return END_REASONS[c.endReason(i - c.start)];
  }

  /** Text ids of the two addresses. */
  origAddrId(i: number): number {
    const c = this.chunkOf(i);
    return c.origAddr(i - c.start);
  }

  respAddrId(i: number): number {
    const c = this.chunkOf(i);
    return c.respAddr(i - c.start);
  }

  origPort(i: number): number {
    const c = this.chunkOf(i);
    return c.origPort(i - c.start);
  }

  respPort(i: number): number {
    const c = this.chunkOf(i);
    return c.respPort(i - c.start);
  }

  /** The VLAN, or -1 when the record has none. */
  vlanOf(i: number): number {
    const c = this.chunkOf(i);
    return c.vlan(i - c.start);
  }

  /** State, history: the text, or undefined. */
  state(i: number): string | undefined {
    const c = this.chunkOf(i);
    const id = c.state(i - c.start);
    return id === NONE ? undefined : this.texts.text(id);
  }

  history(i: number): string | undefined {
    const c = this.chunkOf(i);
    const id = c.history(i - c.start);
    return id === NONE ? undefined : this.texts.text(id);
  }

  sourceFile(i: number): string {
    const c = this.chunkOf(i);
    return this.texts.text(c.sourceFile(i - c.start));
  }

  sourceLine(i: number): number {
    const c = this.chunkOf(i);
    return c.sourceLine(i - c.start);
  }

  firstUs(i: number): number {
    const c = this.chunkOf(i);
    return c.firstUs(i - c.start);
  }

  lastUs(i: number): number {
    const c = this.chunkOf(i);
    return c.lastUs(i - c.start);
  }

  durationUs(i: number): number {
    const c = this.chunkOf(i);
    return c.durationUs(i - c.start);
  }

  /**
   * Row i written into `into` as pushRow takes a row (texts as ids: `text` gives them; -1 for an absent vlan, state
   * or history; NaN for an absent counter): a reader of most of a row's fields finds its chunk once, not per field.
   */
  readRow(i: number, into: FlowRow): FlowRow {
    const c = this.chunkOf(i);
    const j = i - c.start;
    into.protocol = PROTOCOLS[c.protocol(j)] as FlowProtocol;
    into.origAddr = c.origAddr(j);
    into.origPort = c.origPort(j);
    into.respAddr = c.respAddr(j);
    into.respPort = c.respPort(j);
    into.firstUs = c.firstUs(j);
    into.lastUs = c.lastUs(j);
    into.durationUs = c.durationUs(j);
    into.bytesKind = BYTES_KINDS[c.bytesKind(j)] as FlowRecord['bytesKind'];
    into.direction = DIRECTIONS[c.direction(j)] as FlowRecord['direction'];
    into.endReason = END_REASONS[c.endReason(j)];
    into.recordKind = RECORD_KINDS[c.recordKind(j)];
    into.sourceFile = c.sourceFile(j);
    into.sourceLine = c.sourceLine(j);
    into.vlan = c.vlan(j);
    into.origPkts = c.number(j, FIRST_COUNTER);
    into.respPkts = c.number(j, FIRST_COUNTER + 1);
    into.origBytes = c.number(j, FIRST_COUNTER + 2);
    into.respBytes = c.number(j, FIRST_COUNTER + 3);
    into.state = c.state(j);
    into.history = c.history(j);
    return into;
  }

  /** A counter, or undefined when the record has none (as `at` leaves it out). */
  counter(i: number, field: Counter): number | undefined {
    const c = this.chunkOf(i);
    const value = c.number(i - c.start, NUMBER_COLUMN[field]);
    return Number.isNaN(value) ? undefined : value;
  }

  at(index: number): FlowRecord | undefined {
    const i = index < 0 ? this.rows + index : index;
    if (!(i >= 0 && i < this.rows)) return undefined;
    const c = this.chunkOf(i);
    const j = i - c.start;
    const record: FlowRecord = {
      protocol: PROTOCOLS[c.protocol(j)] as FlowProtocol,
      origAddr: this.texts.text(c.origAddr(j)),
      origPort: c.origPort(j),
      respAddr: this.texts.text(c.respAddr(j)),
      respPort: c.respPort(j),
      firstUs: c.firstUs(j),
      lastUs: c.lastUs(j),
      durationUs: c.durationUs(j),
      bytesKind: BYTES_KINDS[c.bytesKind(j)] as FlowRecord['bytesKind'],
      direction: DIRECTIONS[c.direction(j)] as FlowRecord['direction'],
      sourceFile: this.texts.text(c.sourceFile(j)),
      sourceLine: c.sourceLine(j),
    };
    const vlan = c.vlan(j);
    if (vlan !== NONE) record.vlan = vlan;
    for (let k = 0; k < COUNTERS.length; k += 1) {
      const value = c.number(j, FIRST_COUNTER + k);
      if (!Number.isNaN(value)) record[COUNTERS[k] as Counter] = value;
    }
    const state = c.state(j);
    if (state !== NONE) record.state = this.texts.text(state);
    const history = c.history(j);
    if (history !== NONE) record.history = this.texts.text(history);
    const endReason = END_REASONS[c.endReason(j)];
    if (endReason !== undefined) record.endReason = endReason;
    const recordKind = RECORD_KINDS[c.recordKind(j)];
    if (recordKind !== undefined) record.recordKind = recordKind;
    return record;
  }

  /** One of a record's times or counters (NaN for an absent counter). */
  number(index: number, field: NumberField): number {
    const c = this.chunkOf(this.checked(index));
    return c.number(index - c.start, NUMBER_COLUMN[field]);
  }

  /** Sets a time or counter of a record already pushed: a parser that aggregates packets (tshark) counts in place. */
  setNumber(index: number, field: NumberField, value: number): void {
    const c = this.chunkOf(this.checked(index));
    c.setNumber(index - c.start, NUMBER_COLUMN[field], value);
  }

  private checked(index: number): number {
    if (!(index >= 0 && index < this.rows)) throw new RangeError(`FlowRecordTable: no record ${index}`);
    return index;
  }

  /** Record `index` holds packets of more than one VLAN (tshark's streams ignore it): it names none. */
  clearVlan(index: number): void {
    const c = this.chunkOf(this.checked(index));
    c.clearVlan(index - c.start);
  }

  /** Says, after the fact, why record `index` ended (softflowd's log names the flows it evicted). */
  setEndReason(index: number, reason: EndReason): void {
    const code = codeOf('FlowRecordTable', 'endReason', END_REASONS, reason);
    const c = this.chunkOf(this.checked(index));
    c.setEndReason(index - c.start, code);
  }

  *[Symbol.iterator](): Iterator<FlowRecord> {
    for (let i = 0; i < this.rows; i += 1) yield this.at(i) as FlowRecord;
  }
}

/** push()'s row, reused: push is called once per record and copies it at once. */
const PUSH_ROW: FlowRow = {
  protocol: 'tcp', origAddr: 0, origPort: 0, respAddr: 0, respPort: 0, firstUs: 0, lastUs: 0, durationUs: 0,
  bytesKind: 'ip', direction: 'bi', endReason: undefined, recordKind: undefined, sourceFile: 0, sourceLine: 0,
  vlan: NONE, origPkts: NaN, respPkts: NaN, origBytes: NaN, respBytes: NaN, state: NONE, history: NONE,
};
