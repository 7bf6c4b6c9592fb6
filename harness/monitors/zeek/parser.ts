import { open } from 'node:fs/promises';
import { cutShort, fieldColumn, namingTwice, preview, repeatedName } from '../../core/text-lines.js';
import { decimalSecondsBytesToMicros, decimalSecondsToMicros, isoToMicros } from '../../core/time-text.js';
import { canonicalIp } from '../../core/ip-address.js';
import type { FlowRecordTable } from '../../core/flow-record-table.js';
import type { FlowRecord } from '../../core/flow-record.js';
import { InputError } from '../../core/input-error.js';
import { beyondDoubleText, refuseRepeatedKey } from '../../core/json-position.js';
import { ConnColumnsWriter, FlowRecordAssembler, FlowRecordTableAssembler, ProtocolCode, type ConnColumnBatch, type ConnColumnsConsumer } from './conn-columns.js';
import { readConnLogInParallel } from './parallel-read.js';
import { ExactUids, repeatedUid, UID_HASH_A, UID_HASH_B, uidByteHashes, UidFilter, UidHash, UidSeenTwice } from './unique-uids.js';

/**
 * Zeek's conn.log, in either of the two forms Zeek writes it: tab-separated with `#fields`/`#types` headers (the
 * default), or one JSON object per line (`LogAscii::use_json = T`). The form is told from the first non-empty line.
 * A conn.log says nothing about why a record ended, so every record's endReason is `unknown`: S1 followed by OTH
 * suggests an idle timeout, but guessing would hide exactly what the harness is meant to show.
 *
 * A site's conn.log runs to millions of lines and GBs, so the file is read in chunks and TSV rows are scanned as
 * bytes: numbers and times are parsed in place, and addresses and state words are interned by their bytes, so a
 * row allocates its FlowRecord and little else (the garbage of per-cell strings dominated the old parser's time).
 * Rows are written as columns (conn-columns.ts) and records built from those, so that a large log can be parsed by
 * several threads (this one and workers), each reading a range of lines with this same parser (parallel-read.ts).
 */
const EXPECTED_FILE = 'a Zeek conn.log: TSV starting with "#separator" header lines, or JSON lines from LogAscii::use_json';
/**
 * What a TSV conn.log must name in #fields. duration too: a log cut without it (zeek-cut) read every record as 0 s
 * long, every long connection inaccurate at exit 0. (A JSON line leaves out the key of an unset duration, so there
 * an absent key is a one-packet connection.)
 */
const REQUIRED_FIELDS = ['ts', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'duration'] as const;
const CHUNK_BYTES = 1 << 20;

export interface ReadConnLogOptions {
  /**
   * Threads to parse with (1: this one only). Every thread count gives the same rows and the same first error.
   * readConnLogColumns uses one per core for a log of PARALLEL_MIN_BYTES (parallel-read.ts) or more; readConnLog
   * one unless asked: its FlowRecord objects are built on this thread whatever parses, and on 1 M rows (loaded
   * 2-core machine) two threads took the same wall time as one (median 2.41 s vs 2.38 s; the seed parser 2.46 s)
   * for a third more CPU, while the harness already scores several cells at once.
   */
  threads?: number;
}

export async function readConnLog(path: string, label = path, options: ReadConnLogOptions = {}): Promise<FlowRecord[]> {
  const threads = options.threads ?? 1;
  return (await readConnLogColumns(path, label, () => new FlowRecordAssembler(label, [] as FlowRecord[]), { threads })).records;
}

/**
 * The same records kept column by column, as a cell holds them while it scores them. The parser's batches become
 * the table's rows whole (FlowRecordTableAssembler), so the parse is all the work, and a large log is parsed by one
 * thread per core (readConnLogColumns' default) unless `threads` says otherwise.
 */
export async function readConnLogTable(path: string, label = path, options: ReadConnLogOptions = {}): Promise<FlowRecordTable> {
  return (await readConnLogColumns(path, label, () => new FlowRecordTableAssembler(label), options)).records;
}

/**
 * The parsed rows of a conn.log as batches of columns, handed in file order to a consumer made by `makeConsumer`
 * (a second one is made if a parallel read has to start over in one thread). For a reader that needs no FlowRecord
 * objects (a sum per address pair over a million rows): the same parsing and checking, without a million objects.
 */
export async function readConnLogColumns<T extends ConnColumnsConsumer>(
  path: string, label: string, makeConsumer: () => T, options: ReadConnLogOptions = {},
): Promise<T> {
  // Each row's uid hashed, and the hashes checked on this thread once the rows are read (unique-uids.ts)...
  const filters: UidFilter<T>[] = [];
  const checked = (): UidFilter<T> => {
    const filter = new UidFilter(makeConsumer());
    filters.push(filter);
    return filter;
  };
  try {
    try {
      const parallel = await readConnLogInParallel(path, label, checked, (task, onBatch, lend) => parseConnLogRange(path, label, task, onBatch, lend),
        options.threads);
      const read = parallel ?? checked();
      if (!parallel) await parseConnLogRange(path, label, WHOLE_FILE, (batch) => read.add(batch, FIRST_RANGE), !read.keepsBatches);
      read.check();
      return read.consumer;
    } catch (error) {
      // At a bad line, a uid repeated before it is the first error: the rows before it were handed over (see
      // parseConnLogRange), so they are checked now.
      if (error instanceof InputError) filters.at(-1)?.check();
      throw error;
    } finally {
      for (const filter of filters) filter.release();
    }
  } catch (error) {
    if (!(error instanceof UidSeenTwice)) throw error;
  }
  // ...and when two hash alike, the log read again in one thread with every uid kept as text: this read refuses the
  // repeated uid where it is, or (two uids with one hash) gives the rows.
  const consumer = makeConsumer();
  await parseConnLogRange(path, label, WHOLE_FILE, (batch) => consumer.add(batch, FIRST_RANGE), consumer.keepsBatches !== true, new ExactUids());
  return consumer;
}

const WHOLE_FILE: ConnLogRange = { start: 0, end: Infinity, prefixEnd: 0 };
const FIRST_RANGE = { range: 0, lineOffset: 0 };

/**
 * A range of a conn.log's bytes, starting and ending at line boundaries. A range after the first reads the file's
 * header lines (bytes 0 to prefixEnd) first, then numbers its own lines from 1.
 */
export interface ConnLogRange {
  start: number;
  end: number;
  prefixEnd: number;
}

export interface RangeOutcome {
  /** Lines read in the range. */
  lines: number;
  /**
   * A header line that changes how rows read (#separator, #fields...) came after data: ranges after this one were
   * read with the header in force at their start, so they must be read again in order.
   */
  headerChangedAfterData: boolean;
}

/**
 * Parses one range of a conn.log, handing batches of columns to `onBatch`; throws InputError at the first bad line.
 * `lend`: each batch is valid during the call only (a consumer on this thread); else it is the callee's to keep.
 * `exactUids`: each uid is checked against the earlier ones as text (a read of the whole file in one thread), and
 * not hashed for the reader's check.
 */
export async function parseConnLogRange(
  path: string, label: string, range: ConnLogRange, onBatch: (batch: ConnColumnBatch) => void, lend = false, exactUids?: ExactUids,
): Promise<RangeOutcome> {
  const writer = new ConnColumnsWriter(onBatch, lend);
  const parser = new ConnLogParser(label, writer, true, exactUids);
  const handle = await open(path, 'r');
  try {
    if (range.start > 0) {
      const prefix = Buffer.allocUnsafe(range.prefixEnd);
      const { bytesRead } = await handle.read(prefix, 0, range.prefixEnd, 0);
      parser.feed(prefix, bytesRead, false);
      parser.beginRange();
    }
    let position = range.start;
    let buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    let filled = 0;
    for (;;) {
      if (filled === buffer.length) {
        // One line (or an undecided start) longer than the buffer: grow rather than split it.
        const bigger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(bigger, 0, 0, filled);
        buffer = bigger;
      }
      const want = Math.min(buffer.length - filled, range.end - position);
      const { bytesRead } = want > 0 ? await handle.read(buffer, filled, want, position) : { bytesRead: 0 };
      position += bytesRead;
      filled += bytesRead;
      const eof = bytesRead === 0;
      const consumed = parser.feed(buffer, filled, eof);
      if (eof) break;
      buffer.copyWithin(0, consumed, filled);
      filled -= consumed;
    }
    writer.flush();
  } catch (error) {
    // The rows before a bad line go to the reader first: its uid check must see a repeated uid that came earlier,
    // whatever batch the bad line fell in, so that the first error in the file is the one reported.
    if (error instanceof InputError) writer.flush();
    throw error;
  } finally {
    await handle.close();
  }
  return parser.outcome();
}

/** A conn.log's text, checked as a file is (its uids kept as text: no second read to fall back on). */
export function parseConnLog(text: string, file: string): FlowRecord[] {
  const assembler = new FlowRecordAssembler(file, [] as FlowRecord[]);
  const writer = new ConnColumnsWriter((batch) => assembler.add(batch, { range: 0, lineOffset: 0 }), true);
  const parser = new ConnLogParser(file, writer, false, new ExactUids());
  const bytes = Buffer.from(text, 'utf8');
  parser.feed(bytes, bytes.length, true);
  writer.flush();
  return assembler.records;
}

/** The conn.log columns we read, as slots (fixed layout: no per-row object). */
const SLOT_COLUMNS = [
  'ts', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'duration',
  'orig_pkts', 'resp_pkts', 'orig_ip_bytes', 'resp_ip_bytes', 'conn_state', 'history', 'vlan', 'uid',
] as const;
const enum Slot { Ts, OrigH, OrigP, RespH, RespP, Proto, Duration, OrigPkts, RespPkts, OrigIpBytes, RespIpBytes, ConnState, History, Vlan, Uid }
const SLOT_COUNT = SLOT_COLUMNS.length;
const SLOT_OF_COLUMN = new Map<string, number>(SLOT_COLUMNS.map((name, slot) => [name, slot]));

/** How a slot's cell is read while scanning. */
const enum Kind { Skip, Seconds, Count, Address, Word, Uid }
const KIND_OF_SLOT = Int8Array.from(SLOT_COLUMNS, (name) => {
  if (name === 'ts' || name === 'duration') return Kind.Seconds;
  if (name === 'id.orig_h' || name === 'id.resp_h') return Kind.Address;
  if (name === 'proto' || name === 'conn_state' || name === 'history') return Kind.Word;
  if (name === 'uid') return Kind.Uid;
  return Kind.Count;
});

const enum Form { Undecided, Empty, Tsv, Json }
const SEPARATOR_LINE = Buffer.from('#separator ', 'latin1');
/** Enough bytes to show the 60-character preview of a first line even if every character takes 4 bytes. */
const PREVIEW_BYTES = 256;

/**
 * Lines in, FlowRecords out. `feed` takes a buffer holding the unread rest of the file and returns how far it got:
 * the start of the last, incomplete line, which the caller keeps and extends by the next chunk.
 */
class ConnLogParser {
  private form = Form.Undecided;
  private lineNo = 0;
  private dataSeen = false;
  private headerChangedAfterData = false;
  private separator = '\t';
  private separatorBytes = Buffer.from('\t');
  /** The line of the last #separator header. */
  private separatorLine = 0;
  private unsetBytes = Buffer.from('-');
  private emptyBytes = Buffer.from('(empty)');
  private columns: string[] | undefined;
  /** For each column, the slot it fills, or -1. */
  private slotOfColumn: Int32Array = new Int32Array(0);
  private slotOfColumnList: number[] = [];
  /** For each column, how scanCells reads it. */
  private kindOfColumn: Int8Array = new Int8Array(0);
  /** Byte range of each slot's cell on the current row; start -1 when unset. */
  private readonly slotStart = new Int32Array(SLOT_COUNT);
  private readonly slotEnd = new Int32Array(SLOT_COUNT);
  /** What the scan read from each slot's cell: see scanCells. */
  private readonly slotValue = new Float64Array(SLOT_COUNT);
  private readonly ipv4: Ipv4Interner;
  private readonly addresses: ByteInterner;
  private readonly words: ByteInterner;
  /** JSON values by text: the JSON form reads text, not bytes. */
  private readonly jsonStrings = new Map<string, number>();
  private readonly uidHash = new UidHash();
  /** The uid's running hashes as scanCells left them (UidHash.finish makes them the row's). */
  private uidA = 0;
  private uidB = 0;

  /**
   * `requireLineEnd`: a file (a log a user names, a monitor's output) must end its last line; text handed in whole
   * (parseConnLog) may stop without one. `exactUids`: each row's uid checked as text against the earlier rows'
   * (refused at the second), rather than hashed into the batch for the reader's check (unique-uids.ts).
   */
  constructor(
    private readonly file: string, private readonly out: ConnColumnsWriter, private readonly requireLineEnd = true,
    private readonly exactUids?: ExactUids,
  ) {
    this.ipv4 = new Ipv4Interner(out);
    this.addresses = new ByteInterner(17, canonicalIp, out);
    this.words = new ByteInterner(14, (text) => text, out);
  }

  /** After the header of the file: the lines that follow are a range's own, numbered from 1. */
  beginRange(): void {
    this.lineNo = 0;
    this.dataSeen = true;
  }

  outcome(): RangeOutcome {
    return { lines: this.lineNo, headerChangedAfterData: this.headerChangedAfterData };
  }

  feed(buf: Buffer, end: number, final: boolean): number {
    if (this.form === Form.Undecided && !this.decide(buf, end, final)) return 0;
    if (this.form === Form.Empty) return end;
    const tsv = this.form === Form.Tsv;
    let pos = 0;
    while (pos < end) {
      let nl = buf.indexOf(10, pos);
      if (nl < 0 || nl >= end) {
        if (!final) return pos;
        // Zeek ends every line with a newline: text after the last one is a log cut short (see cutShort).
        if (this.requireLineEnd) {
          const rest = buf.toString('utf8', pos, end);
          if (rest.trim() !== '') throw cutShort(this.file, this.lineNo + 1, rest);
          return end;
        }
        nl = end;
      }
      this.lineNo += 1;
      if (tsv) {
        let lineEnd = nl;
        if (lineEnd > pos && buf[lineEnd - 1] === 13) lineEnd -= 1;
        if (lineEnd > pos) this.tsvLine(buf, pos, lineEnd);
      } else {
        this.jsonLine(buf, pos, nl);
      }
      pos = nl + 1;
    }
    return end;
  }

  /** Tells the form from the first non-blank byte; false when the buffer does not yet hold enough to tell. */
  private decide(buf: Buffer, end: number, final: boolean): boolean {
    let start = 0;
    while (start < end) {
      const c = buf[start];
      if (c !== 10 && c !== 13 && c !== 32 && c !== 9) break;
      start += 1;
    }
    if (start >= end) {
      if (!final) return false;
      this.form = Form.Empty;
      return true;
    }
    if (buf[start] === 123 /* { */) {
      this.form = Form.Json;
      return true;
    }
    if (end - start < SEPARATOR_LINE.length && !final) return false;
    // Zeek always opens a TSV log with its separator line; any other `#` text (a Markdown file) is not a log.
    if (buf.compare(SEPARATOR_LINE, 0, SEPARATOR_LINE.length, start, Math.min(end, start + SEPARATOR_LINE.length)) === 0) {
      this.form = Form.Tsv;
      return true;
    }
    let nl = buf.indexOf(10, start);
    if (nl < 0 || nl >= end) {
      if (!final && end - start < PREVIEW_BYTES) return false;
      nl = end;
    }
    let line = 1;
    for (let i = 0; i < start; i += 1) if (buf[i] === 10) line += 1;
    const first = buf.toString('utf8', start, Math.min(nl, start + PREVIEW_BYTES));
    throw new InputError({ file: this.file, line, col: 1 }, `"${preview(first)}"`, EXPECTED_FILE);
  }

  private tsvLine(buf: Buffer, lineStart: number, lineEnd: number): void {
    if (buf[lineStart] === 35 /* # */) {
      this.headerLine(buf.toString('utf8', lineStart, lineEnd));
      return;
    }
    if (!this.columns) {
      const line = buf.toString('utf8', lineStart, lineEnd);
      throw new InputError({ file: this.file, line: this.lineNo, col: 1 }, `a data line before any #fields header: "${preview(line)}"`, EXPECTED_FILE);
    }
    this.slotStart.fill(-1);
    const columns = this.separatorBytes.length === 1 ? this.scanCells(buf, lineStart, lineEnd) : this.scanCellsSlowly(buf, lineStart, lineEnd);
    const columnCount = this.slotOfColumn.length;
    if (columns !== columnCount) {
      const line = buf.toString('utf8', lineStart, lineEnd);
      throw new InputError({ file: this.file, line: this.lineNo, col: line.length + 1 },
        `${columns} tab-separated fields`, `${columnCount} fields as the #fields header lists`);
    }
    this.dataSeen = true;
    this.tsvRecord(buf, lineStart, lineEnd);
  }

  /**
   * One pass over a row with a one-byte separator: each cell we read is parsed as its bytes go by (digits, decimal
   * seconds, a dotted quad), so no byte is read twice on the usual row. A cell the quick reading cannot take gets
   * NaN or -1 and is read again, exactly, when the record is built. Returns the number of cells.
   */
  private scanCells(buf: Buffer, lineStart: number, lineEnd: number): number {
    const slotStart = this.slotStart;
    const slotEnd = this.slotEnd;
    const slotValue = this.slotValue;
    const slotOfColumn = this.slotOfColumn;
    const kindOfColumn = this.kindOfColumn;
    const columnCount = slotOfColumn.length;
    const sep = this.separatorBytes[0] as number;
    const unsetLength = this.unsetBytes.length;
    const emptyLength = this.emptyBytes.length;
    let cellStart = lineStart;
    let column = 0;
    for (;;) {
      const slot = column < columnCount ? (slotOfColumn[column] as number) : -1;
      const kind = column < columnCount ? (kindOfColumn[column] as number) : Kind.Skip;
      let p = cellStart;
      let value = -1;
      if (kind === Kind.Skip || kind === Kind.Word) {
        while (p < lineEnd && buf[p] !== sep) p += 1;
      } else if (kind === Kind.Count) {
        let v = 0;
        for (; p < lineEnd; p += 1) {
          const c = buf[p] as number;
          if (c === sep) break;
          const d = c - 48;
          if (d < 0 || d > 9) v = -1;
          else if (v >= 0) v = v * 10 + d;
        }
        value = v;
      } else if (kind === Kind.Uid) {
        // UidHash.ofText's steps as the bytes go by: no second pass over the uid.
        let a = UID_HASH_A;
        let b = UID_HASH_B;
        for (; p < lineEnd; p += 1) {
          const c = buf[p] as number;
          if (c === sep) break;
          a = Math.imul(a ^ c, 0x01000193);
          b = ((b << 5) + b + c) | 0;
        }
        this.uidA = a;
        this.uidB = b;
      } else if (kind === Kind.Seconds) {
        value = NaN;
        let whole = 0;
        let frac = 0;
        let fracDigits = -1;
        let ok = true;
        for (; p < lineEnd; p += 1) {
          const c = buf[p] as number;
          if (c === sep) break;
          const d = c - 48;
          if (d >= 0 && d <= 9) {
            if (fracDigits < 0) whole = whole * 10 + d;
            else if (fracDigits < 6) {
              frac = frac * 10 + d;
              fracDigits += 1;
            } else ok = false;
          } else if (c === 46 /* . */ && fracDigits < 0) fracDigits = 0;
          else ok = false;
        }
        // Plain `digits[.digits]` with at most 6 fraction digits; anything else (rounding, exponents, ISO times,
        // garbage) goes to the exact slow reading.
        if (ok && p > cellStart && buf[cellStart] !== 46) {
          for (let d = fracDigits < 0 ? 0 : fracDigits; d < 6; d += 1) frac *= 10;
          // Past 2^53 µs (a ts in milliseconds) left as NaN: the slow reading refuses it with the cell's own message.
          const us = whole * 1e6 + frac;
          if (us <= Number.MAX_SAFE_INTEGER) value = us;
        }
      } else {
        // A strict dotted quad as node's isIP takes it (no leading zeros) is its own canonical text: key it by value.
        let address = 0;
        let octet = 0;
        let digits = 0;
        let dots = 0;
        let ok = true;
        for (; p < lineEnd; p += 1) {
          const c = buf[p] as number;
          if (c === sep) break;
          const d = c - 48;
          if (d >= 0 && d <= 9) {
            if (digits > 0 && octet === 0) ok = false;
            octet = octet * 10 + d;
            digits += 1;
            if (octet > 255) ok = false;
          } else if (c === 46 && digits > 0) {
            address = address * 256 + octet;
            octet = 0;
            digits = 0;
            dots += 1;
          } else ok = false;
        }
        if (ok && dots === 3 && digits > 0) value = address * 256 + octet;
      }
      if (slot >= 0) {
        const length = p - cellStart;
        if ((length !== unsetLength && length !== emptyLength) || !this.isNoValue(buf, cellStart, p)) {
          slotStart[slot] = cellStart;
          slotEnd[slot] = p;
          slotValue[slot] = value;
        }
      }
      column += 1;
      if (p >= lineEnd) return column;
      cellStart = p + 1;
    }
  }

  /** A row with a separator of several bytes (never seen from Zeek, but its header allows it). */
  private scanCellsSlowly(buf: Buffer, lineStart: number, lineEnd: number): number {
    const slotOfColumn = this.slotOfColumn;
    const columnCount = slotOfColumn.length;
    const sepBytes = this.separatorBytes;
    let cellStart = lineStart;
    let column = 0;
    for (;;) {
      let cellEnd = buf.indexOf(sepBytes, cellStart);
      if (cellEnd < 0 || cellEnd > lineEnd) cellEnd = lineEnd;
      if (column < columnCount) {
        const slot = slotOfColumn[column] as number;
        if (slot >= 0 && !this.isNoValue(buf, cellStart, cellEnd)) {
          this.slotStart[slot] = cellStart;
          this.slotEnd[slot] = cellEnd;
          const kind = KIND_OF_SLOT[slot];
          this.slotValue[slot] = kind === Kind.Count ? countOfBytes(buf, cellStart, cellEnd) : kind === Kind.Seconds ? NaN : -1;
          if (kind === Kind.Uid) this.hashUidSlowly(buf, cellStart, cellEnd);
        }
      }
      column += 1;
      if (cellEnd >= lineEnd) return column;
      cellStart = cellEnd + sepBytes.length;
    }
  }

  /** scanCells' steps over a uid's bytes, for scanCellsSlowly: the same uid gives the same hashes either way. */
  private hashUidSlowly(buf: Buffer, start: number, end: number): void {
    const { a, b } = uidByteHashes(buf, start, end);
    this.uidA = a;
    this.uidB = b;
  }

  /** Zeek's unset (`-`) or empty-set (`(empty)`) marker. */
  private isNoValue(buf: Buffer, start: number, end: number): boolean {
    return sameBytes(buf, start, end, this.unsetBytes) || sameBytes(buf, start, end, this.emptyBytes);
  }

  private tsvRecord(buf: Buffer, lineStart: number, lineEnd: number): void {
    const slotStart = this.slotStart;
    const slotEnd = this.slotEnd;
    for (let slot = Slot.Ts; slot <= Slot.Proto; slot += 1) {
      if (slotStart[slot] < 0) this.failAt(buf, lineStart, lineEnd, slot, `no ${SLOT_COLUMNS[slot]}`, `a conn.log record with ${SLOT_COLUMNS[slot]} set`);
    }
    let firstUs = this.slotValue[Slot.Ts] as number;
    if (firstUs !== firstUs) {
      const tsStart = slotStart[Slot.Ts] as number;
      const tsEnd = slotEnd[Slot.Ts] as number;
      const tsText = buf.toString('utf8', tsStart, tsEnd);
      // Zeek writes ISO 8601 times when LogAscii::json_timestamps = JSON::TS_ISO8601.
      firstUs = decimalSecondsBytesToMicros(buf, tsStart, tsEnd) ?? isoToMicros(tsText)
        ?? this.failAt(buf, lineStart, lineEnd, Slot.Ts, tsFound(tsText), 'seconds since the epoch such as 1700000000.000000');
    }
    let durationUs = 0;
    const durationStart = slotStart[Slot.Duration] as number;
    if (durationStart >= 0) {
      durationUs = this.slotValue[Slot.Duration] as number;
      if (durationUs !== durationUs) {
        const durationEnd = slotEnd[Slot.Duration] as number;
        durationUs = decimalSecondsBytesToMicros(buf, durationStart, durationEnd)
          ?? this.failAt(buf, lineStart, lineEnd, Slot.Duration, `duration "${buf.toString('utf8', durationStart, durationEnd)}"`,
            `seconds such as 1.020000, or ${unsetText(this.unsetBytes)} when unset (the #unset_field text)`);
      }
    }
    const protocol = protocolCodeOfBytes(buf, slotStart[Slot.Proto] as number, slotEnd[Slot.Proto] as number);
    if (protocol === ProtocolCode.Other && !isUnknownTransport(buf.toString('latin1', slotStart[Slot.Proto] as number, slotEnd[Slot.Proto] as number))) {
      this.failAt(buf, lineStart, lineEnd, Slot.Proto, `proto "${buf.toString('utf8', slotStart[Slot.Proto] as number, slotEnd[Slot.Proto] as number)}"`, PROTO_EXPECTED);
    }
    const origAddr = this.address(buf, lineStart, lineEnd, Slot.OrigH);
    // ICMP: Zeek writes the type in id.orig_p and the code in id.resp_p.
    const origPort = this.port(buf, lineStart, lineEnd, Slot.OrigP);
    const respAddr = this.address(buf, lineStart, lineEnd, Slot.RespH);
    const respPort = this.port(buf, lineStart, lineEnd, Slot.RespP);
    const vlan = this.count(buf, lineStart, lineEnd, Slot.Vlan);
    const origPkts = this.count(buf, lineStart, lineEnd, Slot.OrigPkts);
    const respPkts = this.count(buf, lineStart, lineEnd, Slot.RespPkts);
    const origBytes = this.count(buf, lineStart, lineEnd, Slot.OrigIpBytes);
    const respBytes = this.count(buf, lineStart, lineEnd, Slot.RespIpBytes);
    const stateStart = slotStart[Slot.ConnState] as number;
    const state = stateStart < 0 ? -1 : this.words.get(buf, stateStart, slotEnd[Slot.ConnState] as number);
    const historyStart = slotStart[Slot.History] as number;
    const history = historyStart < 0 ? -1 : this.words.get(buf, historyStart, slotEnd[Slot.History] as number);
    // Last, so that a row that is wrong in another way too is refused for that, whichever way uids are checked.
    const uid = this.uidHash;
    const uidStart = slotStart[Slot.Uid] as number;
    if (uidStart < 0) uid.none();
    else if (this.exactUids) {
      const text = buf.toString('utf8', uidStart, slotEnd[Slot.Uid] as number);
      const first = this.exactUids.earlierLine(text, this.lineNo);
      if (first !== undefined) {
        const { found, expected } = repeatedUid(text, first);
        this.failAt(buf, lineStart, lineEnd, Slot.Uid, found, expected);
      }
      uid.none();
    } else uid.finish(this.uidA, this.uidB);
    this.out.add(protocol, origAddr, origPort, respAddr, respPort, firstUs, durationUs, this.lineNo,
      vlan, origPkts, respPkts, origBytes, respBytes, state, history, uid.slot, uid.check);
  }

  /** The address's string-table index. */
  private address(buf: Buffer, lineStart: number, lineEnd: number, slot: number): number {
    const start = this.slotStart[slot] as number;
    const end = this.slotEnd[slot] as number;
    const v4 = this.slotValue[slot] as number;
    const index = v4 >= 0 ? this.ipv4.get(v4, buf, start, end) : this.addresses.get(buf, start, end);
    return index >= 0 ? index : this.failAt(buf, lineStart, lineEnd, slot, `address "${buf.toString('utf8', start, end)}"`, 'an IPv4 or IPv6 address');
  }

  private port(buf: Buffer, lineStart: number, lineEnd: number, slot: number): number {
    const start = this.slotStart[slot] as number;
    const end = this.slotEnd[slot] as number;
    const n = this.slotValue[slot] as number;
    return n >= 0 && n <= 65535 && end > start && end - start <= 15 ? n
      : this.failAt(buf, lineStart, lineEnd, slot, `port "${buf.toString('utf8', start, end)}"`, 'a port number 0-65535');
  }

  /** The count, or -1 when unset. */
  private count(buf: Buffer, lineStart: number, lineEnd: number, slot: number): number {
    const start = this.slotStart[slot] as number;
    if (start < 0) return -1;
    const end = this.slotEnd[slot] as number;
    const n = this.slotValue[slot] as number;
    return n >= 0 && end > start && end - start <= 15 ? n
      : this.failAt(buf, lineStart, lineEnd, slot, `${SLOT_COLUMNS[slot]} "${buf.toString('utf8', start, end)}"`, 'a count (a non-negative integer)');
  }

  /** Throws at the column where `slot`'s cell starts, counted in characters as an editor shows it. */
  private failAt(buf: Buffer, lineStart: number, lineEnd: number, slot: number, found: string, expected: string): never {
    const line = buf.toString('utf8', lineStart, lineEnd);
    const index = this.slotOfColumnList.indexOf(slot);
    const separator = this.separator;
    const col = line.split(separator).slice(0, Math.max(index, 0)).join(separator).length + (index > 0 ? separator.length + 1 : 1);
    throw new InputError({ file: this.file, line: this.lineNo, col }, found, expected);
  }

  private headerLine(line: string): void {
    if (this.dataSeen && /^#(separator |unset_field|empty_field|fields|path)/.test(line)) this.headerChangedAfterData = true;
    if (line.startsWith('#separator ')) {
      this.separator = unescapeZeek(line.slice('#separator '.length));
      this.separatorBytes = Buffer.from(this.separator, 'utf8');
      this.separatorLine = this.lineNo;
      return;
    }
    const separator = this.separator;
    const parts = line.split(separator);
    const key = parts[0] as string;
    // `#separator ,` over tab-separated headers: no header was recognised and the first row was "a data line before
    // any #fields header". Say which separator the header lines do not use.
    const named = HEADER_KEY.exec(line);
    if (named && key !== named[1]) {
      throw new InputError({ file: this.file, line: this.separatorLine, col: 1 },
        `#separator ${separatorText(separator)}, but line ${this.lineNo} splits "${named[1] as string}" from its value by ${separatorText(named[2] as string)}`,
        'header and data lines split by the #separator text (Zeek writes \\x09, a tab)');
    }
    const value = parts[1] ?? '';
    if (key === '#unset_field') this.unsetBytes = Buffer.from(value, 'utf8');
    else if (key === '#empty_field') this.emptyBytes = Buffer.from(value, 'utf8');
    else if (key === '#path' && value !== 'conn') {
      throw new InputError({ file: this.file, line: this.lineNo, col: key.length + separator.length + 1 }, `a "${value}" log`, 'a conn.log (#path conn)');
    } else if (key === '#fields') {
      const columns = parts.slice(1);
      // A column named twice was read from whichever came last: refused, as a JSON key given twice is.
      const repeated = repeatedName(columns);
      if (repeated !== undefined) {
        throw new InputError({ file: this.file, line: this.lineNo, col: fieldColumn(parts, repeated.again + 1, separator.length) }, namingTwice('#fields', repeated, `"${repeated.name}"`), 'each conn.log field once in #fields');
      }
      for (const name of REQUIRED_FIELDS) {
        if (!columns.includes(name)) {
          throw new InputError({ file: this.file, line: this.lineNo, col: 1 }, `#fields without "${name}"`, `conn.log fields including ${REQUIRED_FIELDS.join(', ')}`);
        }
      }
      this.columns = columns;
      this.slotOfColumnList = columns.map((name) => SLOT_OF_COLUMN.get(name) ?? -1);
      this.slotOfColumn = Int32Array.from(this.slotOfColumnList);
      this.kindOfColumn = Int8Array.from(this.slotOfColumnList, (slot) => (slot < 0 ? Kind.Skip : (KIND_OF_SLOT[slot] as number)));
    }
  }

  private jsonLine(buf: Buffer, lineStart: number, lineEnd: number): void {
    const raw = buf.toString('utf8', lineStart, lineEnd);
    const line = raw.trim();
    if (line === '') return;
    const file = this.file;
    const lineNo = this.lineNo;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new InputError({ file, line: lineNo, col: 1 }, `"${preview(line)}", which is not JSON`, 'one JSON object per line (a Zeek conn.log in JSON)');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new InputError({ file, line: lineNo, col: 1 }, `"${preview(line)}"`, 'one JSON object per line (a Zeek conn.log in JSON)');
    }
    refuseRepeatedKey(raw, value, file, lineNo, 'each key once in a conn.log JSON line, as Zeek writes it');
    const object = value as Record<string, unknown>;
    // A stream of every log (json-streaming-logs, a Filebeat or Corelight export) names each line's log: a dns line
    // was read as a connection of 0 s, one more fragment, or a log of them all "missed", at exit 0.
    if (object._path !== undefined && object._path !== 'conn') {
      throw new InputError({ file, line: lineNo, col: raw.indexOf('"_path"') + 1 }, `a line of another log ("_path": ${JSON.stringify(object._path)})`, 'conn.log lines only ("_path": "conn", or no _path)');
    }
    if (typeof object.event_type === 'string') {
      throw new InputError({ file, line: lineNo, col: raw.indexOf('"event_type"') + 1 }, `a Suricata eve.json event ("event_type": ${JSON.stringify(object.event_type)})`, 'a Zeek conn.log; an eve.json is scored with --monitor suricata');
    }
    const id = typeof object.id === 'object' && object.id !== null ? (object.id as Record<string, unknown>) : undefined;
    const values: (string | undefined)[] = new Array<string | undefined>(SLOT_COUNT).fill(undefined);
    for (let slot = 0; slot < SLOT_COUNT; slot += 1) {
      const column = SLOT_COLUMNS[slot] as string;
      let v = object[column];
      // Some pipelines nest the conn_id record instead of flattening it. One that writes both, disagreeing, leaves
      // the connection unknown: refused, as a key given twice is.
      const nested = id && column.startsWith('id.') ? id[column.slice(3)] : undefined;
      if (v === undefined) v = nested;
      else if (nested !== undefined && nested !== v) {
        throw new InputError({ file, line: lineNo, col: 1 }, `"${column}": ${JSON.stringify(v)} and "id": {"${column.slice(3)}": ${JSON.stringify(nested)}}`, 'one value for each connection field (the flattened and the nested id agree)');
      }
      if (typeof v === 'string') values[slot] = v;
      else if (typeof v === 'number' && Number.isFinite(v)) values[slot] = String(v);
      // Zeek writes each of these as a string or a number; `"duration": true` or `[68236.043]` was read as unset,
      // a connection of 0 s scored at exit 0.
      else if (v !== undefined) {
        throw new InputError({ file, line: lineNo, col: 1 }, `"${column}": ${beyondDoubleText(v) ?? JSON.stringify(v) ?? String(v)}`, `${column} as Zeek writes it: ${KIND_OF_SLOT[slot] === Kind.Seconds || KIND_OF_SLOT[slot] === Kind.Count ? 'a number' : 'a string'}, or the key left out when unset`);
      }
    }
    this.dataSeen = true;
    this.jsonRecord(values, file, lineNo, line);
  }

  /**
   * A JSON line's values as text, checked in the same order as a TSV row; JSON gives no useful column (but for a
   * repeated uid: where its key is).
   */
  private jsonRecord(values: (string | undefined)[], file: string, line: number, text: string): void {
    const fail = (found: string, expected: string): never => {
      throw new InputError({ file, line, col: 1 }, found, expected);
    };
    for (let slot = Slot.Ts; slot <= Slot.Proto; slot += 1) {
      if (values[slot] === undefined) fail(`no ${SLOT_COLUMNS[slot]}`, `a conn.log record with ${SLOT_COLUMNS[slot]} set`);
    }
    const tsText = values[Slot.Ts] as string;
    const firstUs = decimalSecondsToMicros(tsText) ?? isoToMicros(tsText)
      ?? fail(
        // LogAscii::json_timestamps = JSON::TS_MILLIS writes whole milliseconds: say so rather than only "not seconds".
        tsFound(tsText, ' (JSON::TS_MILLIS)'),
        'seconds since the epoch such as 1700000000.000000 (JSON::TS_EPOCH, the default) or an ISO 8601 time (JSON::TS_ISO8601)',
      );
    const durationText = values[Slot.Duration];
    const durationUs = durationText === undefined ? 0 : decimalSecondsToMicros(durationText)
      ?? fail(`duration "${durationText}"`, 'seconds such as 1.020000, or the key left out when unset');
    const address = (slot: number): number => {
      const text = values[slot] as string;
      return this.jsonString(canonicalIp(text) ?? fail(`address "${text}"`, 'an IPv4 or IPv6 address'));
    };
    const port = (slot: number): number => {
      const text = values[slot] as string;
      const n = countOfText(text);
      return n >= 0 && n <= 65535 ? n : fail(`port "${text}"`, 'a port number 0-65535');
    };
    const count = (slot: number): number => {
      const text = values[slot];
      if (text === undefined) return -1;
      const n = countOfText(text);
      return n >= 0 ? n : fail(`${SLOT_COLUMNS[slot]} "${text}"`, 'a count (a non-negative integer)');
    };
    const protocol = protocolCodeOf(values[Slot.Proto] as string);
    if (protocol === ProtocolCode.Other && !isUnknownTransport(values[Slot.Proto] as string)) fail(`proto ${JSON.stringify(values[Slot.Proto])}`, PROTO_EXPECTED);
    const origAddr = address(Slot.OrigH);
    const origPort = port(Slot.OrigP);
    const respAddr = address(Slot.RespH);
    const respPort = port(Slot.RespP);
    const vlan = count(Slot.Vlan);
    const origPkts = count(Slot.OrigPkts);
    const respPkts = count(Slot.RespPkts);
    const origBytes = count(Slot.OrigIpBytes);
    const respBytes = count(Slot.RespIpBytes);
    const state = values[Slot.ConnState];
    const history = values[Slot.History];
    const uid = this.uidHash;
    const uidText = values[Slot.Uid];
    if (uidText === undefined || uidText === '-') uid.none();
    else if (this.exactUids) {
      const first = this.exactUids.earlierLine(uidText, line);
      if (first !== undefined) {
        const { found, expected } = repeatedUid(uidText, first);
        throw new InputError({ file, line, col: text.indexOf('"uid"') + 1 }, found, expected);
      }
      uid.none();
    } else uid.ofText(uidText);
    this.out.add(protocol, origAddr, origPort, respAddr, respPort, firstUs, durationUs, line, vlan, origPkts, respPkts,
      origBytes, respBytes, state === undefined ? -1 : this.jsonString(state), history === undefined ? -1 : this.jsonString(history), uid.slot, uid.check);
  }

  private jsonString(text: string): number {
    let index = this.jsonStrings.get(text);
    if (index === undefined) {
      index = this.out.addString(text);
      this.jsonStrings.set(text, index);
    }
    return index;
  }
}

/**
 * Strings made once per distinct byte sequence: a conn.log of a million rows names a few thousand addresses and a
 * few dozen states. Open addressing keyed by an FNV-1a hash of the bytes. The table starts small and doubles, so
 * that it stays in cache for the usual few thousand values; at its largest, when half full, it starts over, so a
 * log of endless distinct values costs a miss per row and no more memory.
 */
class ByteInterner {
  private mask: number;
  private hashes: Int32Array;
  /** The raw bytes of each entry as latin1 text (one char per byte), to compare on a hash match. */
  private keys: (string | undefined)[];
  /** String-table indices. */
  private values: Int32Array;
  private size = 0;

  constructor(private readonly maxBits: number, private readonly make: (text: string) => string | undefined, private readonly table: ConnColumnsWriter) {
    const capacity = 1 << 10;
    this.mask = capacity - 1;
    this.hashes = new Int32Array(capacity);
    this.keys = new Array<string | undefined>(capacity).fill(undefined);
    this.values = new Int32Array(capacity);
  }

  /** The string-table index of the value for these bytes, or -1 when `make` refuses their text. */
  get(buf: Buffer, start: number, end: number): number {
    let hash = 0x811c9dc5 | 0;
    for (let i = start; i < end; i += 1) hash = Math.imul(hash ^ (buf[i] as number), 0x01000193);
    const mask = this.mask;
    const keys = this.keys;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const key = keys[i];
      if (key === undefined) break;
      if (this.hashes[i] === hash && sameText(key, buf, start, end)) return this.values[i] as number;
    }
    const value = this.make(buf.toString('utf8', start, end));
    if (value === undefined) return -1;
    if (this.size * 2 >= keys.length) this.makeRoom();
    const index = this.table.addString(value);
    this.insert(hash, buf.toString('latin1', start, end), index);
    return index;
  }

  private makeRoom(): void {
    const keys = this.keys;
    const hashes = this.hashes;
    const values = this.values;
    const capacity = keys.length < 1 << this.maxBits ? keys.length * 2 : keys.length;
    this.mask = capacity - 1;
    this.hashes = new Int32Array(capacity);
    this.keys = new Array<string | undefined>(capacity).fill(undefined);
    this.values = new Int32Array(capacity);
    this.size = 0;
    if (capacity === keys.length) return;
    for (let i = 0; i < keys.length; i += 1) {
      const key = keys[i];
      if (key !== undefined) this.insert(hashes[i] as number, key, values[i] as number);
    }
  }

  private insert(hash: number, key: string, value: number): void {
    const mask = this.mask;
    let i = hash & mask;
    while (this.keys[i] !== undefined) i = (i + 1) & mask;
    this.keys[i] = key;
    this.hashes[i] = hash;
    this.values[i] = value;
    this.size += 1;
  }
}

/** The canonical text of each dotted quad seen, keyed by its 32-bit value; same growth and limit as ByteInterner. */
class Ipv4Interner {
  private bits = 10;
  private keys = new Float64Array(1 << 10);
  /** String-table indices; -1 marks an empty slot. */
  private values = new Int32Array(1 << 10).fill(-1);
  private size = 0;

  constructor(private readonly table: ConnColumnsWriter) {}

  /** The string-table index of the address's canonical text, or -1 when it is no address. */
  get(address: number, buf: Buffer, start: number, end: number): number {
    const shift = 32 - this.bits;
    const mask = (1 << this.bits) - 1;
    for (let i = Math.imul(address | 0, 0x9e3779b1) >>> shift; ; i = (i + 1) & mask) {
      const value = this.values[i] as number;
      if (value < 0) break;
      if (this.keys[i] === address) return value;
    }
    const value = canonicalIp(buf.toString('latin1', start, end));
    if (value === undefined) return -1;
    if (this.size * 2 >= this.values.length) this.makeRoom();
    const index = this.table.addString(value);
    this.insert(address, index);
    return index;
  }

  private makeRoom(): void {
    const keys = this.keys;
    const values = this.values;
    if (this.bits < 17) this.bits += 1;
    this.keys = new Float64Array(1 << this.bits);
    this.values = new Int32Array(1 << this.bits).fill(-1);
    this.size = 0;
    if (this.values.length === values.length) return;
    for (let i = 0; i < values.length; i += 1) {
      const value = values[i] as number;
      if (value >= 0) this.insert(keys[i] as number, value);
    }
  }

  private insert(address: number, value: number): void {
    const mask = (1 << this.bits) - 1;
    let i = Math.imul(address | 0, 0x9e3779b1) >>> (32 - this.bits);
    while ((this.values[i] as number) >= 0) i = (i + 1) & mask;
    this.keys[i] = address;
    this.values[i] = value;
    this.size += 1;
  }
}

function sameText(key: string, buf: Buffer, start: number, end: number): boolean {
  if (key.length !== end - start) return false;
  for (let i = 0; i < key.length; i += 1) if (key.charCodeAt(i) !== buf[start + i]) return false;
  return true;
}

function sameBytes(buf: Buffer, start: number, end: number, word: Buffer): boolean {
  const n = word.length;
  if (end - start !== n) return false;
  for (let i = 0; i < n; i += 1) if (buf[start + i] !== word[i]) return false;
  return true;
}

function protocolCodeOfBytes(buf: Buffer, start: number, end: number): ProtocolCode {
  const n = end - start;
  const a = buf[start];
  if (n === 3 && a === 116 && buf[start + 1] === 99 && buf[start + 2] === 112) return ProtocolCode.Tcp;
  if (n === 3 && a === 117 && buf[start + 1] === 100 && buf[start + 2] === 112) return ProtocolCode.Udp;
  if (n === 4 && a === 105 && buf[start + 1] === 99 && buf[start + 2] === 109 && buf[start + 3] === 112) return ProtocolCode.Icmp;
  return ProtocolCode.Other;
}

/**
 * Zeek's transport_proto has four values: a fifth (`TCP`, `6`) is a damaged or hand-made log, and read as "other"
 * it matched nothing and the log was refused as unrelated to the scenario instead of naming the field.
 */
const PROTO_EXPECTED = 'tcp, udp, icmp or unknown_transport, as Zeek writes its transport_proto';

function isUnknownTransport(proto: string): boolean {
  return proto === 'unknown_transport';
}

function protocolCodeOf(proto: string): ProtocolCode {
  if (proto === 'tcp') return ProtocolCode.Tcp;
  if (proto === 'udp') return ProtocolCode.Udp;
  if (proto === 'icmp') return ProtocolCode.Icmp;
  return ProtocolCode.Other;
}

/** A Zeek header key and the character after it. */
const HEADER_KEY = /^(#(?:set_separator|empty_field|unset_field|path|open|fields|types|close))([^A-Za-z0-9_])/;

function separatorText(separator: string): string {
  return separator === '\t' ? 'a tab' : JSON.stringify(separator);
}

/** The #unset_field text as a message shows it: bare unless it is empty or has spaces in it. */
function unsetText(unset: Buffer): string {
  const text = unset.toString('utf8');
  return text === '' || /\s|"/.test(text) ? JSON.stringify(text) : text;
}

/**
 * What a ts that is not seconds is shown as: 13 digits are milliseconds since the epoch (Zeek's JSON::TS_MILLIS, or
 * a converter that kept it), which `note` names.
 */
function tsFound(tsText: string, note = ''): string {
  return /^\d{13}$/.test(tsText) ? `ts ${tsText}, milliseconds since the epoch${note}` : `ts "${tsText}"`;
}

/** `\x09` -> tab: how Zeek writes its separator in the first header line. */
function unescapeZeek(text: string): string {
  return text.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** A count of at most 15 digits, or -1 (not undefined, so the hot path returns a small integer only). */
function countOfBytes(buf: Buffer, start: number, end: number): number {
  const n = end - start;
  if (n === 0 || n > 15) return -1;
  let v = 0;
  for (let i = start; i < end; i += 1) {
    const c = (buf[i] as number) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

function countOfText(text: string): number {
  const n = text.length;
  if (n === 0 || n > 15) return -1;
  let v = 0;
  for (let i = 0; i < n; i += 1) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

