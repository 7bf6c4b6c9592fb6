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

/**
 * A block of rows. The first block grows by doubling up to CHUNK_ROWS; after it the table adds full blocks and
 * never copies: growing one 4-million-row array by doubling held the old and the new copy at once (~640 MB at
 * 4 M records) and left up to half of the last one unused.
 */
interface Chunk {
  codes: Uint8Array;
  ints: Int32Array;
  /** firstUs, lastUs, durationUs, origPkts, respPkts, origBytes, respBytes; NaN where a counter is absent. */
  doubles: Float64Array;
  /** Kept exact beside the counters: a log may have more than 2^31 lines. */
  sourceLines: Float64Array;
}
const CHUNK_BITS = 16;
const CHUNK_ROWS = 1 << CHUNK_BITS;
const ROW_MASK = CHUNK_ROWS - 1;
const FIRST_ROWS = 1024;

function chunkOf(rows: number): Chunk {
  return { codes: new Uint8Array(rows * CODES), ints: new Int32Array(rows * INTS), doubles: new Float64Array(rows * DOUBLES), sourceLines: new Float64Array(rows) };
}

export class FlowRecordTable implements FlowRecordList {
  private rows = 0;
  private readonly chunks: Chunk[] = [chunkOf(FIRST_ROWS)];
  /** Rows the first chunk has room for. */
  private firstCapacity = FIRST_ROWS;
  /** Addresses, states, histories and source files, each distinct text once. */
  private readonly texts = new TextIds();

  get length(): number {
    return this.rows;
  }

  push(r: FlowRecord): void {
    const i = this.rows;
    const j = i & ROW_MASK;
    const chunk = this.room(i);
    const c = j * CODES;
    chunk.codes[c] = codeOf('FlowRecordTable', 'protocol', PROTOCOLS, r.protocol);
    chunk.codes[c + 1] = codeOf('FlowRecordTable', 'bytesKind', BYTES_KINDS, r.bytesKind);
    chunk.codes[c + 2] = codeOf('FlowRecordTable', 'direction', DIRECTIONS, r.direction);
    chunk.codes[c + 3] = codeOf('FlowRecordTable', 'endReason', END_REASONS, r.endReason);
    chunk.codes[c + 4] = codeOf('FlowRecordTable', 'recordKind', RECORD_KINDS, r.recordKind);
    const n = j * INTS;
    chunk.ints[n] = this.texts.id(r.origAddr);
    chunk.ints[n + 1] = r.origPort;
    chunk.ints[n + 2] = this.texts.id(r.respAddr);
    chunk.ints[n + 3] = r.respPort;
    chunk.ints[n + 4] = r.vlan ?? NONE;
    chunk.ints[n + 5] = r.state === undefined ? NONE : this.texts.id(r.state);
    chunk.ints[n + 6] = r.history === undefined ? NONE : this.texts.id(r.history);
    chunk.ints[n + 7] = this.texts.id(r.sourceFile);
    const d = j * DOUBLES;
    chunk.doubles[d] = r.firstUs;
    chunk.doubles[d + 1] = r.lastUs;
    chunk.doubles[d + 2] = r.durationUs;
    chunk.doubles[d + 3] = r.origPkts ?? NaN;
    chunk.doubles[d + 4] = r.respPkts ?? NaN;
    chunk.doubles[d + 5] = r.origBytes ?? NaN;
    chunk.doubles[d + 6] = r.respBytes ?? NaN;
    chunk.sourceLines[j] = r.sourceLine;
    this.rows += 1;
  }

  /** The chunk row `i` (the next one) goes into, made or grown when it has no room. */
  private room(i: number): Chunk {
    if (i < this.firstCapacity) return this.chunks[0] as Chunk;
    if (i < CHUNK_ROWS) {
      const first = this.chunks[0] as Chunk;
      this.firstCapacity = Math.min(CHUNK_ROWS, this.firstCapacity * 2);
      const rows = this.firstCapacity;
      const bigger: Chunk = {
        codes: grown(first.codes, rows * CODES),
        ints: grown(first.ints, rows * INTS),
        doubles: grown(first.doubles, rows * DOUBLES),
        sourceLines: grown(first.sourceLines, rows),
      };
      this.chunks[0] = bigger;
      return bigger;
    }
    const k = i >>> CHUNK_BITS;
    if (k === this.chunks.length) this.chunks.push(chunkOf(CHUNK_ROWS));
    return this.chunks[k] as Chunk;
  }

  at(index: number): FlowRecord | undefined {
    const i = index < 0 ? this.rows + index : index;
    if (!(i >= 0 && i < this.rows)) return undefined;
    const chunk = this.chunks[i >>> CHUNK_BITS] as Chunk;
    const j = i & ROW_MASK;
    const { codes, ints, doubles } = chunk;
    const c = j * CODES;
    const n = j * INTS;
    const d = j * DOUBLES;
    const record: FlowRecord = {
      protocol: PROTOCOLS[codes[c] as number] as FlowProtocol,
      origAddr: this.texts.text(ints[n] as number),
      origPort: ints[n + 1] as number,
      respAddr: this.texts.text(ints[n + 2] as number),
      respPort: ints[n + 3] as number,
      firstUs: doubles[d] as number,
      lastUs: doubles[d + 1] as number,
      durationUs: doubles[d + 2] as number,
      bytesKind: BYTES_KINDS[codes[c + 1] as number] as FlowRecord['bytesKind'],
      direction: DIRECTIONS[codes[c + 2] as number] as FlowRecord['direction'],
      sourceFile: this.texts.text(ints[n + 7] as number),
      sourceLine: chunk.sourceLines[j] as number,
    };
    const vlan = ints[n + 4] as number;
    if (vlan !== NONE) record.vlan = vlan;
    for (let k = 0; k < COUNTERS.length; k += 1) {
      const value = doubles[d + 3 + k] as number;
      if (!Number.isNaN(value)) record[COUNTERS[k] as (typeof COUNTERS)[number]] = value;
    }
    const state = ints[n + 5] as number;
    if (state !== NONE) record.state = this.texts.text(state);
    const history = ints[n + 6] as number;
    if (history !== NONE) record.history = this.texts.text(history);
    const endReason = END_REASONS[codes[c + 3] as number];
    if (endReason !== undefined) record.endReason = endReason;
    const recordKind = RECORD_KINDS[codes[c + 4] as number];
    if (recordKind !== undefined) record.recordKind = recordKind;
    return record;
  }

  /** One of a record's times or counters (NaN for an absent counter). */
  number(index: number, field: NumberField): number {
    const i = this.checked(index);
    return (this.chunks[i >>> CHUNK_BITS] as Chunk).doubles[(i & ROW_MASK) * DOUBLES + NUMBER_COLUMN[field]] as number;
  }

  /** Sets a time or counter of a record already pushed: a parser that aggregates packets (tshark) counts in place. */
  setNumber(index: number, field: NumberField, value: number): void {
    const i = this.checked(index);
    (this.chunks[i >>> CHUNK_BITS] as Chunk).doubles[(i & ROW_MASK) * DOUBLES + NUMBER_COLUMN[field]] = value;
  }

  private checked(index: number): number {
    if (!(index >= 0 && index < this.rows)) throw new RangeError(`FlowRecordTable: no record ${index}`);
    return index;
  }

  /** Says, after the fact, why record `index` ended (softflowd's log names the flows it evicted). */
  setEndReason(index: number, reason: EndReason): void {
    const i = this.checked(index);
    (this.chunks[i >>> CHUNK_BITS] as Chunk).codes[(i & ROW_MASK) * CODES + 3] = codeOf('FlowRecordTable', 'endReason', END_REASONS, reason);
  }

  *[Symbol.iterator](): Iterator<FlowRecord> {
    for (let i = 0; i < this.rows; i += 1) yield this.at(i) as FlowRecord;
  }
}
