import { TextIntern } from '../core/text-intern.js';
import { consumeFile, consumeText, preview, type LineConsumer } from '../core/text-lines.js';
import type { FlowProtocol, FlowRecord } from '../core/flow-record.js';
import { FlowRecordTable } from '../core/flow-record-table.js';
import { InputError } from '../core/input-error.js';
import { canonicalAddress } from '../core/ip-address.js';

/**
 * What `TZ=UTC nfdump -R DIR -o json` prints (nfdump 1.7): a JSON array with one object per record, one
 * `"key" : value,` pair per line. nfpcapd, softflowd and pmacct's nfprobe all end up here through nfcapd files.
 *
 * Read line by line rather than with JSON.parse: a million records is several hundred megabytes of text, more than
 * one string can hold, and per-line parsing keeps the `{` line of each record for `source`.
 *
 * Facts this relies on (checked on nfdump 1.7.1):
 * - `first`/`last` are local time as `YYYY-MM-DDTHH:MM:SS.mmm`, no zone: run nfdump with TZ=UTC. Only milliseconds
 *   survive (nfcapd files store msec), so firstUs/lastUs are whole milliseconds.
 * - `in_bytes` counts IP bytes (a UDP datagram with 60 payload bytes is 88), `in_packets` packets, one direction.
 * - ICMP records carry `icmp_type`/`icmp_code` instead of ports; they become origPort/respPort as Zeek does.
 * - An empty selection prints `[`, `No matching flows`, `]`; otherwise the last line is `}]`.
 */
export const NFDUMP_JSON_EXPECTED = 'nfdump -o json output: a "[" line, then records of "key" : value lines in { }';

interface RawRecord {
  line: number;
  type?: string;
  first?: string;
  firstCol: number;
  last?: string;
  lastCol: number;
  inPackets?: number;
  inBytes?: number;
  outPackets?: number;
  outBytes?: number;
  proto?: number;
  srcPort?: number;
  dstPort?: number;
  icmpType?: number;
  icmpCode?: number;
  srcAddr?: string;
  dstAddr?: string;
  vlan?: number;
  tcpFlags?: string;
}

function emptyRecord(line: number): RawRecord {
  return { line, firstCol: 0, lastCol: 0 };
}

/** Incremental parser: feed it lines in order, collect the records at the end. Pure apart from its own state. */
export class NfdumpJsonParser {
  readonly records = new FlowRecordTable();
  /** Records of another type (NSEL events and the like), skipped and counted. */
  skipped = 0;
  private lineNo = 0;
  private phase: 'before' | 'array' | 'record' | 'after' = 'before';
  private current: RawRecord = emptyRecord(0);
  /** Addresses and flags kept by the records, each one flat copy (not a view into the line it was read from). */
  private readonly texts = new TextIntern();

  /**
   * @param file path as the user named it, for errors
   * @param sourceFile what each record's `source.file` says (relative to the cell folder in a run)
   */
  constructor(private readonly file: string, private readonly sourceFile: string = file) {}

  pushLine(raw: string): void {
    this.lineNo += 1;
    const line = raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
    // Fast path first: most lines are `\t"key" : value,` inside a record.
    if (this.phase === 'record') {
      const q = line.indexOf('"');
      if (q >= 0 && q < 4) {
        this.field(line, q);
        return;
      }
    }
    const trimmed = line.trim();
    if (trimmed === '') return;
    switch (this.phase) {
      case 'before':
        if (trimmed === '[') { this.phase = 'array'; return; }
        break;
      case 'array':
        if (trimmed === '{') { this.current = emptyRecord(this.lineNo); this.phase = 'record'; return; }
        if (trimmed === ']') { this.phase = 'after'; return; }
        if (trimmed === 'No matching flows') return;
        break;
      case 'record':
        if (trimmed === '}' || trimmed === '},') { this.finish(); this.phase = 'array'; return; }
        // nfdump closes the last record and the array on one line.
        if (trimmed === '}]') { this.finish(); this.phase = 'after'; return; }
        break;
      case 'after':
        break;
    }
    const col = line.length - line.trimStart().length + 1;
    throw new InputError({ file: this.file, line: this.lineNo, col }, `"${preview(trimmed, 57)}"`, this.expectation());
  }

  /** Call after the last line: a truncated file (no closing `]`) is an error, not a short result. */
  end(): FlowRecordTable {
    if (this.phase === 'before') {
      throw new InputError({ file: this.file, line: Math.max(this.lineNo, 1), col: 1 }, 'no "[" line (an empty file?)', NFDUMP_JSON_EXPECTED);
    }
    if (this.phase !== 'after') {
      throw new InputError({ file: this.file, line: this.lineNo, col: 1 }, 'the end of the file inside the record array', 'a closing "]" (was nfdump cut short?)');
    }
    return this.records;
  }

  private expectation(): string {
    switch (this.phase) {
      case 'before': return NFDUMP_JSON_EXPECTED;
      case 'array': return '"{" opening a record, or "]" closing the array';
      case 'record': return 'a "key" : value line, or "}" closing the record';
      case 'after': return 'nothing after the closing "]"';
    }
  }

  private field(line: string, q: number): void {
    const keyEnd = line.indexOf('"', q + 1);
    const colon = keyEnd < 0 ? -1 : line.indexOf(':', keyEnd + 1);
    if (colon < 0) {
      throw new InputError({ file: this.file, line: this.lineNo, col: q + 1 }, `"${preview(line.trim(), 57)}"`, 'a "key" : value line');
    }
    const key = line.slice(q + 1, keyEnd);
    let start = colon + 1;
    while (line.charCodeAt(start) === 32) start += 1;
    let end = line.length;
    if (line.charCodeAt(end - 1) === 44) end -= 1; // trailing ','
    const r = this.current;
    switch (key) {
      case 'type': this.once(r.type, key, q); r.type = this.text(line, start, end, key); break;
      case 'first': this.once(r.first, key, q); r.first = this.text(line, start, end, key); r.firstCol = start + 1; break;
      case 'last': this.once(r.last, key, q); r.last = this.text(line, start, end, key); r.lastCol = start + 1; break;
      case 'in_packets': this.once(r.inPackets, key, q); r.inPackets = this.count(line, start, end, key); break;
      case 'in_bytes': this.once(r.inBytes, key, q); r.inBytes = this.count(line, start, end, key); break;
      case 'out_packets': this.once(r.outPackets, key, q); r.outPackets = this.count(line, start, end, key); break;
      case 'out_bytes': this.once(r.outBytes, key, q); r.outBytes = this.count(line, start, end, key); break;
      case 'proto': this.once(r.proto, key, q); r.proto = this.count(line, start, end, key); break;
      case 'src_port': this.once(r.srcPort, key, q); r.srcPort = this.count(line, start, end, key); break;
      case 'dst_port': this.once(r.dstPort, key, q); r.dstPort = this.count(line, start, end, key); break;
      case 'icmp_type': this.once(r.icmpType, key, q); r.icmpType = this.count(line, start, end, key); break;
      case 'icmp_code': this.once(r.icmpCode, key, q); r.icmpCode = this.count(line, start, end, key); break;
      case 'src4_addr': this.once(r.srcAddr, key, q); r.srcAddr = this.texts.of(this.text(line, start, end, key)); break;
      case 'dst4_addr': this.once(r.dstAddr, key, q); r.dstAddr = this.texts.of(this.text(line, start, end, key)); break;
      case 'src6_addr': this.once(r.srcAddr, key, q); r.srcAddr = this.texts.of(canonicalAddress(this.text(line, start, end, key))); break;
      case 'dst6_addr': this.once(r.dstAddr, key, q); r.dstAddr = this.texts.of(canonicalAddress(this.text(line, start, end, key))); break;
      case 'src_vlan': this.once(r.vlan, key, q); r.vlan = this.count(line, start, end, key); break;
      case 'tcp_flags': this.once(r.tcpFlags, key, q); r.tcpFlags = this.texts.of(this.text(line, start, end, key)); break;
      default: break;
    }
  }

  /**
   * Refuses a key whose field (`current`, undefined until a key sets it) this record already has: a record pasted
   * into another, a hand-edited count. Read as the last, it changed the record's numbers at exit 0.
   */
  private once(current: unknown, key: string, q: number): void {
    if (current === undefined) return;
    const address = key.endsWith('_addr') ? (key.startsWith('src') ? 'source' : 'destination') : undefined;
    const what = address === undefined ? `"${key}" a second time` : `"${key}" after the record already gave its ${address} address`;
    throw new InputError({ file: this.file, line: this.lineNo, col: q + 1 }, `${what} in the record opened on line ${this.current.line}`, 'each key once per record, as nfdump writes it');
  }

  private text(line: string, start: number, end: number, key: string): string {
    if (line.charCodeAt(start) === 34 && line.charCodeAt(end - 1) === 34 && end - start >= 2) return line.slice(start + 1, end - 1);
    throw new InputError({ file: this.file, line: this.lineNo, col: start + 1 }, `${key} ${preview(line.slice(start, end), 57) || 'empty'}`, `${key} as a quoted string, as nfdump -o json writes it`);
  }

  private count(line: string, start: number, end: number, key: string): number {
    let n = 0;
    if (end <= start) this.badNumber(line, start, end, key);
    for (let i = start; i < end; i += 1) {
      const d = line.charCodeAt(i) - 48;
      if (d < 0 || d > 9) this.badNumber(line, start, end, key);
      n = n * 10 + d;
    }
    return n;
  }

  private badNumber(line: string, start: number, end: number, key: string): never {
    throw new InputError({ file: this.file, line: this.lineNo, col: start + 1 }, `${key} ${preview(line.slice(start, end), 57) || 'empty'}`, 'a whole number');
  }

  private finish(): void {
    const r = this.current;
    if (r.type !== undefined && r.type !== 'FLOW') {
      this.skipped += 1;
      return;
    }
    const where = { file: this.file, line: r.line, col: 1 };
    const missing = (['first', 'last', 'proto', 'srcAddr', 'dstAddr'] as const).filter((k) => r[k] === undefined);
    if (missing.length > 0) {
      const names = missing.map((k) => ({ first: 'first', last: 'last', proto: 'proto', srcAddr: 'src4_addr/src6_addr', dstAddr: 'dst4_addr/dst6_addr' })[k]);
      throw new InputError(where, `a record without ${names.join(', ')}`, 'every flow record to have first, last, proto and source/destination addresses');
    }
    const firstUs = nfdumpTimeUs(r.first as string);
    if (firstUs === undefined) {
      throw new InputError({ file: this.file, line: r.line, col: r.firstCol }, `first "${preview(r.first as string, 57)}"`, 'a time YYYY-MM-DDTHH:MM:SS.mmm');
    }
    const lastUs = nfdumpTimeUs(r.last as string);
    if (lastUs === undefined) {
      throw new InputError({ file: this.file, line: r.line, col: r.lastCol }, `last "${preview(r.last as string, 57)}"`, 'a time YYYY-MM-DDTHH:MM:SS.mmm');
    }
    if (lastUs < firstUs) {
      throw new InputError({ file: this.file, line: r.line, col: r.lastCol }, `last "${r.last as string}" before first "${r.first as string}"`, 'a record whose last packet is at or after its first');
    }
    const protocol = protocolOf(r.proto as number);
    const icmp = protocol === 'icmp';
    // A TCP or UDP record always has both ports; one above 65535 (or missing, read as 0) matched no true connection,
    // and every connection was scored missed at exit 0.
    if (protocol === 'tcp' || protocol === 'udp') {
      for (const [key, port] of [['src_port', r.srcPort], ['dst_port', r.dstPort]] as const) {
        if (port === undefined || port > 65535) throw new InputError(where, port === undefined ? `a ${protocol} record without ${key}` : `${key} ${port}`, `${key} in 0..65535`);
      }
    }
    // An ICMP record always has both (nfdump prints them in place of the ports). A missing one read as 0 turned any
    // ICMP record into an echo reply (type 0) and scored it against the wrong connection: refused like a missing port.
    if (icmp) {
      for (const [key, value] of [['icmp_type', r.icmpType], ['icmp_code', r.icmpCode]] as const) {
        if (value === undefined || value > 255) throw new InputError(where, value === undefined ? `an icmp record without ${key}` : `${key} ${value}`, `${key} in 0..255`);
      }
    }
    const record: FlowRecord = {
      protocol,
      origAddr: r.srcAddr as string,
      origPort: (icmp ? r.icmpType : r.srcPort) ?? 0, // 0 only for protocol 'other', which has no ports
      respAddr: r.dstAddr as string,
      respPort: (icmp ? r.icmpCode : r.dstPort) ?? 0,
      firstUs,
      lastUs,
      durationUs: lastUs - firstUs,
      origPkts: r.inPackets,
      origBytes: r.inBytes,
      bytesKind: 'ip',
      direction: 'uni',
      sourceFile: this.sourceFile,
      sourceLine: r.line,
    };
    // A bidirectional IPFIX exporter (softflowd -b) fills out_*; the exporters the harness runs leave them out.
    if (r.outPackets !== undefined && r.outPackets > 0) {
      record.direction = 'bi';
      record.respPkts = r.outPackets;
      record.respBytes = r.outBytes;
    }
    if (r.vlan !== undefined && r.vlan > 0) record.vlan = r.vlan;
    if (protocol === 'tcp' && r.tcpFlags !== undefined) record.history = r.tcpFlags;
    this.records.push(record);
  }
}

function protocolOf(proto: number): FlowProtocol {
  if (proto === 6) return 'tcp';
  if (proto === 17) return 'udp';
  if (proto === 1 || proto === 58) return 'icmp';
  return 'other';
}

const dayCache = new Map<string, number>();

/** `2023-11-14T22:13:20.000` (UTC) -> integer microseconds; undefined if it is not that shape. */
export function nfdumpTimeUs(text: string): number | undefined {
  if (text.length < 19 || text.charCodeAt(10) !== 84 /* T */ || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined;
  const day = text.slice(0, 10);
  let dayMs = dayCache.get(day);
  if (dayMs === undefined) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
    const [year, month, date] = [Number(day.slice(0, 4)), Number(day.slice(5, 7)), Number(day.slice(8, 10))];
    dayMs = Date.UTC(year, month - 1, date);
    // Date.UTC rolls 2023-02-30 over to March 2 (and month 13 into the next year): a day no calendar has is refused.
    const back = new Date(dayMs);
    if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== date) return undefined;
    if (dayCache.size > 10_000) dayCache.clear();
    dayCache.set(day, dayMs);
  }
  const h = twoDigits(text, 11);
  const m = twoDigits(text, 14);
  const s = twoDigits(text, 17);
  // Hours up to 99 read as digits: a 77-hour record from "T99:13:20" was scored at exit 0.
  if (h < 0 || m < 0 || s < 0 || h > 23 || m > 59 || s > 59) return undefined;
  let micros = 0;
  if (text.length > 19) {
    if (text.charCodeAt(19) !== 46 /* . */ || text.length === 20 || text.length > 26) return undefined;
    let scale = 100_000;
    for (let i = 20; i < text.length; i += 1) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return undefined;
      micros += d * scale;
      scale /= 10;
    }
  }
  return (dayMs + (h * 3600 + m * 60 + s) * 1000) * 1000 + micros;
}

function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48;
  const b = text.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}


/** The parser as a line consumer, so that one reader serves a string and a streamed file alike. */
function* nfdumpLines(file: string, sourceFile: string): LineConsumer<FlowRecordTable> {
  const parser = new NfdumpJsonParser(file, sourceFile);
  for (let item = yield; item !== undefined; item = yield) parser.pushLine(item[0]);
  return parser.end();
}

/** Parses nfdump JSON held in a string. */
export function parseNfdumpJson(text: string, file: string, sourceFile = file): FlowRecord[] {
  return Array.from(consumeText(nfdumpLines(file, sourceFile), text));
}

/**
 * Streams a file of nfdump JSON (files of a million records are larger than one string may be) into a table: an
 * exporter writes about four records per connection, too many to keep as objects.
 */
export async function readNfdumpJson(path: string, sourceFile = path): Promise<FlowRecordTable> {
  return consumeFile(nfdumpLines(path, sourceFile), path);
}
