import { codeOf, grown, TextIds } from './columns.js';
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
 * each record twice (to match it, then to score its connection), each time briefly.
 */
const PROTOCOLS: readonly FlowProtocol[] = ['tcp', 'udp', 'icmp', 'other'];
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

const CODES = 5;
const INTS = 8;
const DOUBLES = NUMBER_FIELDS.length;
const NONE = -1;

/** The codes of FlowRecordTable's enumerated columns, for a reader of its columns (FlowRecordTable.code). */
export const enum ProtocolCode { Tcp, Udp, Icmp, Other }
export const enum DirectionCode { Bi, Uni }
export const enum RecordKindCode { None, Start, Status }

/**
 * One row by codes and text ids, for a parser that has its values as numbers already (Zeek's columns): filling one
 * reused row and pushing it costs no FlowRecord and no text lookup per field. Text ids come from `textId`; -1 marks
 * an absent vlan, state or history, NaN an absent counter.
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

export class FlowRecordTable implements FlowRecordList {
  private rows = 0;
  private capacity = 1024;
  private codes = new Uint8Array(this.capacity * CODES);
  private ints = new Int32Array(this.capacity * INTS);
  /** firstUs, lastUs, durationUs, origPkts, respPkts, origBytes, respBytes; NaN where a counter is absent. */
  private doubles = new Float64Array(this.capacity * DOUBLES);
  /** Kept exact beside the counters: a log may have more than 2^31 lines. */
  private sourceLines = new Float64Array(this.capacity);
  /** Addresses, states, histories and source files, each distinct text once. */
  private readonly texts = new TextIds();

  get length(): number {
    return this.rows;
  }

  push(r: FlowRecord): void {
    if (this.rows === this.capacity) this.grow();
    const i = this.rows;
    const c = i * CODES;
    this.codes[c] = codeOf('FlowRecordTable', 'protocol', PROTOCOLS, r.protocol);
    this.codes[c + 1] = codeOf('FlowRecordTable', 'bytesKind', BYTES_KINDS, r.bytesKind);
    this.codes[c + 2] = codeOf('FlowRecordTable', 'direction', DIRECTIONS, r.direction);
    this.codes[c + 3] = codeOf('FlowRecordTable', 'endReason', END_REASONS, r.endReason);
    this.codes[c + 4] = codeOf('FlowRecordTable', 'recordKind', RECORD_KINDS, r.recordKind);
    const n = i * INTS;
    this.ints[n] = this.texts.id(r.origAddr);
    this.ints[n + 1] = r.origPort;
    this.ints[n + 2] = this.texts.id(r.respAddr);
    this.ints[n + 3] = r.respPort;
    this.ints[n + 4] = r.vlan ?? NONE;
    this.ints[n + 5] = r.state === undefined ? NONE : this.texts.id(r.state);
    this.ints[n + 6] = r.history === undefined ? NONE : this.texts.id(r.history);
    this.ints[n + 7] = this.texts.id(r.sourceFile);
    const d = i * DOUBLES;
    this.doubles[d] = r.firstUs;
    this.doubles[d + 1] = r.lastUs;
    this.doubles[d + 2] = r.durationUs;
    this.doubles[d + 3] = r.origPkts ?? NaN;
    this.doubles[d + 4] = r.respPkts ?? NaN;
    this.doubles[d + 5] = r.origBytes ?? NaN;
    this.doubles[d + 6] = r.respBytes ?? NaN;
    this.sourceLines[i] = r.sourceLine;
    this.rows += 1;
  }


  /** The id a text (address, state, history, source file) has in this table's columns; a new one if unseen. */
  textId(text: string): number {
    return this.texts.id(text);
  }

  /** The text of an id from `textId` or from a text column. */
  text(id: number): string {
    return this.texts.text(id);
  }

  /** Room for `rows` records in all (at least doubling, so that reserving batch by batch stays linear). */
  reserve(rows: number): void {
    if (rows > this.capacity) this.resize(Math.max(rows, this.capacity * 2));
  }

  /** Appends a record given as codes and text ids: the same record `push` stores for the FlowRecord it names. */
  pushRow(r: FlowRow): void {
    if (this.rows === this.capacity) this.grow();
    const i = this.rows;
    const c = i * CODES;
    this.codes[c] = codeOf('FlowRecordTable', 'protocol', PROTOCOLS, r.protocol);
    this.codes[c + 1] = codeOf('FlowRecordTable', 'bytesKind', BYTES_KINDS, r.bytesKind);
    this.codes[c + 2] = codeOf('FlowRecordTable', 'direction', DIRECTIONS, r.direction);
    this.codes[c + 3] = codeOf('FlowRecordTable', 'endReason', END_REASONS, r.endReason);
    this.codes[c + 4] = codeOf('FlowRecordTable', 'recordKind', RECORD_KINDS, r.recordKind);
    const n = i * INTS;
    this.ints[n] = r.origAddr;
    this.ints[n + 1] = r.origPort;
    this.ints[n + 2] = r.respAddr;
    this.ints[n + 3] = r.respPort;
    this.ints[n + 4] = r.vlan;
    this.ints[n + 5] = r.state;
    this.ints[n + 6] = r.history;
    this.ints[n + 7] = r.sourceFile;
    const d = i * DOUBLES;
    this.doubles[d] = r.firstUs;
    this.doubles[d + 1] = r.lastUs;
    this.doubles[d + 2] = r.durationUs;
    this.doubles[d + 3] = r.origPkts;
    this.doubles[d + 4] = r.respPkts;
    this.doubles[d + 5] = r.origBytes;
    this.doubles[d + 6] = r.respBytes;
    this.sourceLines[i] = r.sourceLine;
    this.rows += 1;
  }

  // Column readers for the comparator, which matches and scores a million records without building each one.
  // Unchecked: callers pass indices below `length`.

  /** The record's protocol, direction and record kind as codes. */
  protocolCode(i: number): ProtocolCode {
    return this.codes[i * CODES] as number;
  }

  directionCode(i: number): DirectionCode {
    return this.codes[i * CODES + 2] as number;
  }

  recordKindCode(i: number): RecordKindCode {
    return this.codes[i * CODES + 4] as number;
  }

  bytesKind(i: number): FlowRecord['bytesKind'] {
    return BYTES_KINDS[this.codes[i * CODES + 1] as number] as FlowRecord['bytesKind'];
  }

  endReason(i: number): EndReason | undefined {
    return END_REASONS[this.codes[i * CODES + 3] as number];
  }

  /** Text ids of the two addresses. */
  origAddrId(i: number): number {
    return this.ints[i * INTS] as number;
  }

  respAddrId(i: number): number {
    return this.ints[i * INTS + 2] as number;
  }

  origPort(i: number): number {
    return this.ints[i * INTS + 1] as number;
  }

  respPort(i: number): number {
    return this.ints[i * INTS + 3] as number;
  }

  /** The VLAN, or -1 when the record has none. */
  vlanOf(i: number): number {
    return this.ints[i * INTS + 4] as number;
  }

  /** State, history: the text, or undefined. */
  state(i: number): string | undefined {
    const id = this.ints[i * INTS + 5] as number;
    return id === NONE ? undefined : this.texts.text(id);
  }

  history(i: number): string | undefined {
    const id = this.ints[i * INTS + 6] as number;
    return id === NONE ? undefined : this.texts.text(id);
  }

  sourceFile(i: number): string {
    return this.texts.text(this.ints[i * INTS + 7] as number);
  }

  sourceLine(i: number): number {
    return this.sourceLines[i] as number;
  }

  firstUs(i: number): number {
    return this.doubles[i * DOUBLES] as number;
  }

  lastUs(i: number): number {
    return this.doubles[i * DOUBLES + 1] as number;
  }

  durationUs(i: number): number {
    return this.doubles[i * DOUBLES + 2] as number;
  }

  /** A counter, or undefined when the record has none (as `at` leaves it out). */
  counter(i: number, field: (typeof COUNTERS)[number]): number | undefined {
    const value = this.doubles[i * DOUBLES + NUMBER_COLUMN[field]] as number;
    return Number.isNaN(value) ? undefined : value;
  }

  at(index: number): FlowRecord | undefined {
    const i = index < 0 ? this.rows + index : index;
    if (!(i >= 0 && i < this.rows)) return undefined;
    const c = i * CODES;
    const n = i * INTS;
    const d = i * DOUBLES;
    const record: FlowRecord = {
      protocol: PROTOCOLS[this.codes[c] as number] as FlowProtocol,
      origAddr: this.texts.text(this.ints[n] as number),
      origPort: this.ints[n + 1] as number,
      respAddr: this.texts.text(this.ints[n + 2] as number),
      respPort: this.ints[n + 3] as number,
      firstUs: this.doubles[d] as number,
      lastUs: this.doubles[d + 1] as number,
      durationUs: this.doubles[d + 2] as number,
      bytesKind: BYTES_KINDS[this.codes[c + 1] as number] as FlowRecord['bytesKind'],
      direction: DIRECTIONS[this.codes[c + 2] as number] as FlowRecord['direction'],
      sourceFile: this.texts.text(this.ints[n + 7] as number),
      sourceLine: this.sourceLines[i] as number,
    };
    const vlan = this.ints[n + 4] as number;
    if (vlan !== NONE) record.vlan = vlan;
    for (let k = 0; k < COUNTERS.length; k += 1) {
      const value = this.doubles[d + 3 + k] as number;
      if (!Number.isNaN(value)) record[COUNTERS[k] as (typeof COUNTERS)[number]] = value;
    }
    const state = this.ints[n + 5] as number;
    if (state !== NONE) record.state = this.texts.text(state);
    const history = this.ints[n + 6] as number;
    if (history !== NONE) record.history = this.texts.text(history);
    const endReason = END_REASONS[this.codes[c + 3] as number];
    if (endReason !== undefined) record.endReason = endReason;
    const recordKind = RECORD_KINDS[this.codes[c + 4] as number];
    if (recordKind !== undefined) record.recordKind = recordKind;
    return record;
  }

  /** One of a record's times or counters (NaN for an absent counter). */
  number(index: number, field: NumberField): number {
    return this.doubles[this.checked(index) * DOUBLES + NUMBER_COLUMN[field]] as number;
  }

  /** Sets a time or counter of a record already pushed: a parser that aggregates packets (tshark) counts in place. */
  setNumber(index: number, field: NumberField, value: number): void {
    this.doubles[this.checked(index) * DOUBLES + NUMBER_COLUMN[field]] = value;
  }

  private checked(index: number): number {
    if (!(index >= 0 && index < this.rows)) throw new RangeError(`FlowRecordTable: no record ${index}`);
    return index;
  }

  /** Says, after the fact, why record `index` ended (softflowd's log names the flows it evicted). */
  setEndReason(index: number, reason: EndReason): void {
    this.codes[this.checked(index) * CODES + 3] = codeOf('FlowRecordTable', 'endReason', END_REASONS, reason);
  }

  *[Symbol.iterator](): Iterator<FlowRecord> {
    for (let i = 0; i < this.rows; i += 1) yield this.at(i) as FlowRecord;
  }

  private grow(): void {
    this.resize(this.capacity * 2);
  }

  private resize(capacity: number): void {
    this.capacity = capacity;
    this.codes = grown(this.codes, this.capacity * CODES);
    this.ints = grown(this.ints, this.capacity * INTS);
    this.doubles = grown(this.doubles, this.capacity * DOUBLES);
    this.sourceLines = grown(this.sourceLines, this.capacity);
  }
}
