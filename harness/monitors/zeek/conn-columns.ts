import type { FlowProtocol, FlowRecord } from '../../core/flow-record.js';
import { FlowRecordTable, type ColumnsOrigin, type RowColumns } from '../../core/flow-record-table.js';

/**
 * Parsed conn.log rows as columns of typed arrays (RowColumns), in batches: what the parser writes, what a parse
 * worker hands to the main thread (in shared memory, not copied), and what FlowRecords are built
 * from or a FlowRecordTable takes whole. As the parser writes them, text values (addresses, states, histories) are
 * indices into a string table that only grows, `line` is the 1-based line within what its parser read (a worker's
 * range starts at 1), and -1 marks an unset value; each batch carries the strings added since the previous one, so
 * a million rows naming a few thousand addresses send those few thousand.
 */
export interface ConnColumnBatch extends RowColumns {
  /** The string table's entries added since the previous batch. */
  newStrings: string[];
  /**
   * Each row's uid as two 32-bit hashes (UidHash in unique-uids.ts; check 0: no uid), for the uniqueness check of
   * the reading thread. In memory of their own, which a table keeping the batch's other columns does not keep.
   */
  uidSlot: Int32Array;
  uidCheck: Int32Array;
}

export const PROTOCOLS: readonly FlowProtocol[] = ['tcp', 'udp', 'icmp', 'other'];
export const enum ProtocolCode { Tcp, Udp, Icmp, Other }

/**
 * Rows of a writer's first batch: a message per batch costs nothing, and a short log is not given memory for a long
 * one. Each further batch is twice the last, up to LARGEST_BATCH_ROWS (~23 MB): a batch of 2 MB or more is backed by
 * huge pages where glibc is asked to (bin/harness: glibc.malloc.hugetlb=1), and filling fresh 4 KB pages was a third
 * of what parsing a million-line conn.log cost (measured on a 1 M-line log: 460-520 ms with 8192-row batches, 390-440 ms with these).
 */
const FIRST_BATCH_ROWS = 1 << 13;
const LARGEST_BATCH_ROWS = 1 << 18;

/**
 * A batch's columns in one SharedArrayBuffer: a parse worker's batches reach the main thread without a copy or a
 * transfer, and a cell's score worker later reads the same rows from the same memory (FlowRecordTable.shared). The
 * 8-byte columns come first, so every column starts aligned to its element size.
 */
function emptyBatch(rows: number): ConnColumnBatch {
  const memory = new SharedArrayBuffer(rows * (8 * 8 + 6 * 4 + 1));
  let at = 0;
  const float64 = (): Float64Array => { const column = new Float64Array(memory, at, rows); at += rows * 8; return column; };
  const int32 = (): Int32Array => { const column = new Int32Array(memory, at, rows); at += rows * 4; return column; };
  const firstUs = float64();
  const durationUs = float64();
  const line = float64();
  const vlan = float64();
  const origPkts = float64();
  const respPkts = float64();
  const origBytes = float64();
  const respBytes = float64();
  const origAddr = int32();
  const origPort = int32();
  const respAddr = int32();
  const respPort = int32();
  const state = int32();
  const history = int32();
  const protocol = new Uint8Array(memory, at, rows);
  const uidMemory = new SharedArrayBuffer(rows * 2 * 4);
  return {
    count: 0, protocol, origAddr, origPort, respAddr, respPort, firstUs, durationUs, line, vlan, origPkts, respPkts, origBytes, respBytes, state, history,
    newStrings: [], uidSlot: new Int32Array(uidMemory, 0, rows), uidCheck: new Int32Array(uidMemory, rows * 4, rows),
  };
}

/**
 * Where the parser writes rows; hands each full batch (and the last, partial one) to `onBatch`. With `lend`, the
 * batch is lent for the call only and then refilled, for a consumer on this thread that copies what it needs: its
 * ~1 MB is then touched once, not once per 8192 rows (fresh memory is what a parse mostly paid for on a VM).
 */
export class ConnColumnsWriter {
  /** Every distinct text value the parser met, indexed by the columns. */
  readonly strings: string[] = [];
  private sentStrings = 0;
  private batch = emptyBatch(FIRST_BATCH_ROWS);
  /** The size of the batch being filled. */
  private batchRows = FIRST_BATCH_ROWS;

  constructor(private readonly onBatch: (batch: ConnColumnBatch) => void, private readonly lend = false) {}

  /** The index of a new string-table entry. */
  addString(text: string): number {
    return this.strings.push(text) - 1;
  }

  add(
    protocol: number, origAddr: number, origPort: number, respAddr: number, respPort: number, firstUs: number,
    durationUs: number, line: number, vlan: number, origPkts: number, respPkts: number, origBytes: number,
    respBytes: number, state: number, history: number, uidSlot: number, uidCheck: number,
  ): void {
    const b = this.batch;
    const i = b.count;
    b.protocol[i] = protocol;
    b.origAddr[i] = origAddr;
    b.origPort[i] = origPort;
    b.respAddr[i] = respAddr;
    b.respPort[i] = respPort;
    b.firstUs[i] = firstUs;
    b.durationUs[i] = durationUs;
    b.line[i] = line;
    b.vlan[i] = vlan;
    b.origPkts[i] = origPkts;
    b.respPkts[i] = respPkts;
    b.origBytes[i] = origBytes;
    b.respBytes[i] = respBytes;
    b.state[i] = state;
    b.history[i] = history;
    b.uidSlot[i] = uidSlot;
    b.uidCheck[i] = uidCheck;
    b.count = i + 1;
    if (b.count === this.batchRows) this.flush();
  }

  /** Hands over the rows written since the last flush (if any, or if strings were added). */
  flush(): void {
    const b = this.batch;
    if (b.count === 0 && this.sentStrings === this.strings.length) return;
    b.newStrings = this.strings.slice(this.sentStrings);
    this.sentStrings = this.strings.length;
    // A lent batch is refilled in place: its reader copies the rows, so it stays small and touched once.
    if (!this.lend) {
      this.batchRows = Math.min(this.batchRows * 2, LARGEST_BATCH_ROWS);
      this.batch = emptyBatch(this.batchRows);
    }
    this.onBatch(b);
    if (this.lend) {
      b.count = 0;
      b.newStrings = [];
    }
  }
}

/** Where a batch comes from: each range has its own string table and numbers its lines from 1. */
export interface BatchOrigin {
  range: number;
  /** The lines of the file before the range, to add to each row's line. */
  lineOffset: number;
}

/** What takes a conn.log's batches, in file order. */
export interface ConnColumnsConsumer {
  /**
   * The batch is lent for the call (copy what is needed, keep no reference to it or its arrays), unless the
   * consumer says it keeps batches: then each is its own from the call on.
   */
  add(batch: ConnColumnBatch, origin: BatchOrigin): void;
  readonly keepsBatches?: boolean;
}

/** Each range's string table, grown from its batches' newStrings. */
export class RangeStrings {
  private readonly tables: string[][] = [];

  /** The batch's range's table, with the batch's new strings added. */
  update(batch: ConnColumnBatch, origin: BatchOrigin): string[] {
    let table = this.tables[origin.range];
    if (!table) {
      table = [];
      this.tables[origin.range] = table;
    }
    for (const text of batch.newStrings) table.push(text);
    return table;
  }
}

/**
 * Each range's string-table entries, each turned once into an id of the consumer's (`idOf`), as they arrive: a
 * consumer then reads a row's text as an integer, without a string lookup per row.
 */
export class RangeTextIds {
  private readonly ids: Int32Array[] = [];
  private readonly counts: number[] = [];

  constructor(private readonly idOf: (text: string) => number) {}

  /** The batch's range's ids by string-table index, with the batch's new strings added. */
  update(batch: ConnColumnBatch, origin: BatchOrigin): Int32Array {
    let ids = this.ids[origin.range] ?? new Int32Array(256);
    let count = this.counts[origin.range] ?? 0;
    const added = batch.newStrings;
    if (count + added.length > ids.length) {
      const bigger = new Int32Array(Math.max(count + added.length, ids.length * 2));
      bigger.set(ids);
      ids = bigger;
    }
    for (const text of added) ids[count++] = this.idOf(text);
    this.ids[origin.range] = ids;
    this.counts[origin.range] = count;
    return ids;
  }
}

/**
 * The rows of a conn.log straight into a FlowRecordTable, as a cell keeps them: each batch's arrays become the
 * table's (its text columns turned into the table's text ids and its lines made the file's, in place), so a row is
 * neither copied nor built as a FlowRecord; the records read back are those FlowRecordAssembler builds (tested so).
 */
export class FlowRecordTableAssembler implements ConnColumnsConsumer {
  readonly keepsBatches = true;
  readonly records = new FlowRecordTable();
  private readonly textIds = new RangeTextIds((text) => this.records.textId(text));
  private readonly origin: ColumnsOrigin;

  constructor(file: string) {
    // Zeek's *_ip_bytes count IP bytes; a conn.log does not say why a record ended.
    this.origin = { sourceFile: file, bytesKind: 'ip', endReason: 'unknown' };
  }

  add(batch: ConnColumnBatch, origin: BatchOrigin): void {
    const ids = this.textIds.update(batch, origin);
    const { origAddr, respAddr, state, history, line } = batch;
    const lineOffset = origin.lineOffset;
    for (let i = 0; i < batch.count; i += 1) {
      origAddr[i] = ids[origAddr[i] as number] as number;
      respAddr[i] = ids[respAddr[i] as number] as number;
      const s = state[i] as number;
      if (s >= 0) state[i] = ids[s] as number;
      const h = history[i] as number;
      if (h >= 0) history[i] = ids[h] as number;
      line[i] = lineOffset + (line[i] as number);
    }
    // The table keeps the columns it is given: not the uid hashes (checked by then) nor the batch's new strings.
    const { newStrings: _strings, uidSlot: _slot, uidCheck: _check, ...columns } = batch;
    this.records.appendColumns(columns, this.origin);
  }
}

/**
 * FlowRecords from batches, in the order the batches come, into `records`: an array, or (for a cell, where a
 * million objects would outlive their scoring) a FlowRecordTable, which keeps each record's fields in columns.
 */
export class FlowRecordAssembler<Sink extends { push(record: FlowRecord): unknown }> implements ConnColumnsConsumer {
  private readonly strings = new RangeStrings();

  constructor(private readonly file: string, readonly records: Sink) {}

  add(batch: ConnColumnBatch, origin: BatchOrigin): void {
    const strings = this.strings.update(batch, origin);
    const lineOffset = origin.lineOffset;
    const { protocol, origAddr, origPort, respAddr, respPort, firstUs, durationUs, line, vlan, origPkts, respPkts, origBytes, respBytes, state, history } = batch;
    const records = this.records;
    const file = this.file;
    for (let i = 0; i < batch.count; i += 1) {
      const originBytes = origBytes[i] as number;
      const responderBytes = respBytes[i] as number;
      const stateIndex = state[i] as number;
      const historyIndex = history[i] as number;
      records.push(newRecord(
        PROTOCOLS[protocol[i] as number] as FlowProtocol, strings[origAddr[i] as number] as string, origPort[i] as number,
        strings[respAddr[i] as number] as string, respPort[i] as number, firstUs[i] as number, durationUs[i] as number,
        originBytes >= 0 || responderBytes >= 0 ? 'ip' : 'unknown', file, lineOffset + (line[i] as number),
        unlessUnset(vlan[i] as number), unlessUnset(origPkts[i] as number), unlessUnset(respPkts[i] as number),
        unlessUnset(originBytes), unlessUnset(responderBytes),
        stateIndex < 0 ? undefined : strings[stateIndex], historyIndex < 0 ? undefined : strings[historyIndex],
      ));
    }
  }
}

const unlessUnset = (value: number): number | undefined => (value < 0 ? undefined : value);

/**
 * Every record is built here, all fields in one order and unset ones present as undefined, so that V8 gives all
 * records one shape (JSON.stringify leaves the undefined ones out).
 */
function newRecord(
  protocol: FlowProtocol, origAddr: string, origPort: number, respAddr: string, respPort: number,
  firstUs: number, durationUs: number, bytesKind: FlowRecord['bytesKind'], file: string, line: number,
  vlan: number | undefined, origPkts: number | undefined, respPkts: number | undefined,
  origBytes: number | undefined, respBytes: number | undefined, state: string | undefined, history: string | undefined,
): FlowRecord {
  return {
    protocol,
    origAddr,
    origPort,
    respAddr,
    respPort,
    firstUs,
    lastUs: firstUs + durationUs,
    durationUs,
    bytesKind,
    direction: 'bi',
    endReason: 'unknown',
    sourceFile: file,
    sourceLine: line,
    vlan,
    origPkts,
    respPkts,
    origBytes,
    respBytes,
    state,
    history,
  };
}
