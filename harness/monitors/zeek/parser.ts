import { readFile } from 'node:fs/promises';
import { decimalSecondsToMicros, isoToMicros } from '../../core/time-text.js';
import { canonicalIp } from '../../core/ip-address.js';
import type { FlowProtocol, FlowRecord } from '../../core/flow-record.js';
import { InputError } from '../../core/input-error.js';

/**
 * Zeek's conn.log, in either of the two forms Zeek writes it: tab-separated with `#fields`/`#types` headers (the
 * default), or one JSON object per line (`LogAscii::use_json = T`). The form is told from the first non-empty line.
 * A conn.log says nothing about why a record ended, so every record's endReason is `unknown`: S1 followed by OTH
 * suggests an idle timeout, but guessing would hide exactly what the harness is meant to show.
 */
const EXPECTED_FILE = 'a Zeek conn.log: TSV starting with "#separator" header lines, or JSON lines from LogAscii::use_json';
const REQUIRED_FIELDS = ['ts', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto'] as const;

export async function readConnLog(path: string, label = path): Promise<FlowRecord[]> {
  const text = await readFile(path, 'utf8');
  return parseConnLog(text, label);
}

export function parseConnLog(text: string, file: string): FlowRecord[] {
  let start = 0;
  while (start < text.length) {
    const c = text.charCodeAt(start);
    if (c !== 10 && c !== 13 && c !== 32 && c !== 9) break;
    start += 1;
  }
  if (start >= text.length) return [];
  const first = text[start];
  if (first === '{') return parseJsonLines(text, file);
  // Zeek always opens a TSV log with its separator line; any other `#` text (a Markdown file) is not a log.
  if (text.startsWith('#separator ', start)) return parseTsv(text, file);
  const lineNo = countLines(text, start);
  throw new InputError({ file, line: lineNo, col: 1 }, `"${preview(firstLineAt(text, start))}"`, EXPECTED_FILE);
}

/** The conn.log columns we read, as slots of a reused value array (fixed layout: no per-row object). */
const SLOT_COLUMNS = [
  'ts', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'duration',
  'orig_pkts', 'resp_pkts', 'orig_ip_bytes', 'resp_ip_bytes', 'conn_state', 'history', 'vlan',
] as const;
const enum Slot { Ts, OrigH, OrigP, RespH, RespP, Proto, Duration, OrigPkts, RespPkts, OrigIpBytes, RespIpBytes, ConnState, History, Vlan }
const SLOT_COUNT = SLOT_COLUMNS.length;
const SLOT_OF_COLUMN = new Map<string, number>(SLOT_COLUMNS.map((name, slot) => [name, slot]));

type Values = (string | undefined)[];
/** Where a slot's text sits on its line, computed only when a value is wrong. */
type Locate = (slot: number) => number;

function parseTsv(text: string, file: string): FlowRecord[] {
  const records: FlowRecord[] = [];
  let separator = '\t';
  let unset = '-';
  let empty = '(empty)';
  let columns: string[] | undefined;
  /** For each column, the slot it fills, or -1. */
  let slotOfColumn: number[] = [];
  const values: Values = new Array<string | undefined>(SLOT_COUNT);
  let line = '';
  const locate: Locate = (slot) => {
    const index = slotOfColumn.indexOf(slot);
    return line.split(separator).slice(0, Math.max(index, 0)).join(separator).length + (index > 0 ? separator.length + 1 : 1);
  };
  let pos = 0;
  let lineNo = 0;
  const length = text.length;
  while (pos < length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = length;
    const lineStart = pos;
    let lineEnd = end;
    pos = end + 1;
    lineNo += 1;
    if (lineEnd > lineStart && text.charCodeAt(lineEnd - 1) === 13) lineEnd -= 1;
    if (lineEnd === lineStart) continue;
    if (text.charCodeAt(lineStart) === 35 /* # */) {
      line = text.slice(lineStart, lineEnd);
      if (line.startsWith('#separator ')) {
        separator = unescapeZeek(line.slice('#separator '.length));
        continue;
      }
      const parts = line.split(separator);
      const key = parts[0];
      const value = parts[1] ?? '';
      if (key === '#unset_field') unset = value;
      else if (key === '#empty_field') empty = value;
      else if (key === '#path' && value !== 'conn') {
        throw new InputError({ file, line: lineNo, col: key.length + separator.length + 1 }, `a "${value}" log`, 'a conn.log (#path conn)');
      } else if (key === '#fields') {
        columns = parts.slice(1);
        for (const name of REQUIRED_FIELDS) {
          if (!columns.includes(name)) {
            throw new InputError({ file, line: lineNo, col: 1 }, `#fields without "${name}"`, `conn.log fields including ${REQUIRED_FIELDS.join(', ')}`);
          }
        }
        slotOfColumn = columns.map((name) => SLOT_OF_COLUMN.get(name) ?? -1);
      }
      continue;
    }
    if (!columns) {
      line = text.slice(lineStart, lineEnd);
      throw new InputError({ file, line: lineNo, col: 1 }, `a data line before any #fields header: "${preview(line)}"`, EXPECTED_FILE);
    }
    values.fill(undefined);
    // Walk the separators once, slicing only the columns we read.
    let cellStart = lineStart;
    let column = 0;
    const columnCount = slotOfColumn.length;
    for (;;) {
      let cellEnd = text.indexOf(separator, cellStart);
      if (cellEnd < 0 || cellEnd > lineEnd) cellEnd = lineEnd;
      if (column < columnCount) {
        const slot = slotOfColumn[column] as number;
        if (slot >= 0) {
          const cell = text.slice(cellStart, cellEnd);
          if (cell !== unset && cell !== empty) values[slot] = cell;
        }
      }
      column += 1;
      if (cellEnd >= lineEnd) break;
      cellStart = cellEnd + separator.length;
    }
    if (column !== columnCount) {
      throw new InputError({ file, line: lineNo, col: lineEnd - lineStart + 1 },
        `${column} tab-separated fields`, `${columnCount} fields as the #fields header lists`);
    }
    line = '';
    records.push(buildRecord(values, file, lineNo, (slot) => {
      line = text.slice(lineStart, lineEnd);
      return locate(slot);
    }));
  }
  return records;
}

function parseJsonLines(text: string, file: string): FlowRecord[] {
  const records: FlowRecord[] = [];
  const values: Values = new Array<string | undefined>(SLOT_COUNT);
  let pos = 0;
  let lineNo = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const line = text.slice(pos, end).trim();
    pos = end + 1;
    lineNo += 1;
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new InputError({ file, line: lineNo, col: 1 }, `"${preview(line)}", which is not JSON`, 'one JSON object per line (a Zeek conn.log in JSON)');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new InputError({ file, line: lineNo, col: 1 }, `"${preview(line)}"`, 'one JSON object per line (a Zeek conn.log in JSON)');
    }
    const object = value as Record<string, unknown>;
    const id = typeof object.id === 'object' && object.id !== null ? (object.id as Record<string, unknown>) : undefined;
    values.fill(undefined);
    SLOT_COLUMNS.forEach((column, slot) => {
      let v = object[column];
      // Some pipelines nest the conn_id record instead of flattening it.
      if (v === undefined && id && column.startsWith('id.')) v = id[column.slice(3)];
      if (typeof v === 'string') values[slot] = v;
      else if (typeof v === 'number' && Number.isFinite(v)) values[slot] = String(v);
    });
    records.push(buildRecord(values, file, lineNo, () => 1));
  }
  return records;
}

function buildRecord(values: Values, file: string, line: number, locate: Locate): FlowRecord {
  for (let slot = Slot.Ts; slot <= Slot.Proto; slot += 1) {
    if (values[slot] === undefined) fail(file, line, locate, slot, `no ${SLOT_COLUMNS[slot]}`, `a conn.log record with ${SLOT_COLUMNS[slot]} set`);
  }
  const tsText = values[Slot.Ts] as string;
  // Zeek writes ISO 8601 times when LogAscii::json_timestamps = JSON::TS_ISO8601.
  const firstUs = decimalSecondsToMicros(tsText) ?? isoToMicros(tsText)
    ?? fail(file, line, locate, Slot.Ts, `ts "${tsText}"`, 'seconds since the epoch such as 1700000000.000000');
  const durationText = values[Slot.Duration];
  const durationUs = durationText === undefined ? 0 : decimalSecondsToMicros(durationText)
    ?? fail(file, line, locate, Slot.Duration, `duration "${durationText}"`, 'seconds such as 1.020000, or - when unset');
  const origIpBytes = values[Slot.OrigIpBytes];
  const respIpBytes = values[Slot.RespIpBytes];
  const record: FlowRecord = {
    protocol: protocolOf(values[Slot.Proto] as string),
    origAddr: address(values, Slot.OrigH, file, line, locate),
    // ICMP: Zeek writes the type in id.orig_p and the code in id.resp_p.
    origPort: port(values, Slot.OrigP, file, line, locate),
    respAddr: address(values, Slot.RespH, file, line, locate),
    respPort: port(values, Slot.RespP, file, line, locate),
    firstUs,
    lastUs: firstUs + durationUs,
    durationUs,
    bytesKind: origIpBytes !== undefined || respIpBytes !== undefined ? 'ip' : 'unknown',
    direction: 'bi',
    endReason: 'unknown',
    source: { file, line },
  };
  const vlan = count(values, Slot.Vlan, file, line, locate);
  if (vlan !== undefined) record.vlan = vlan;
  const origPkts = count(values, Slot.OrigPkts, file, line, locate);
  if (origPkts !== undefined) record.origPkts = origPkts;
  const respPkts = count(values, Slot.RespPkts, file, line, locate);
  if (respPkts !== undefined) record.respPkts = respPkts;
  const origBytes = count(values, Slot.OrigIpBytes, file, line, locate);
  if (origBytes !== undefined) record.origBytes = origBytes;
  const respBytes = count(values, Slot.RespIpBytes, file, line, locate);
  if (respBytes !== undefined) record.respBytes = respBytes;
  const state = values[Slot.ConnState];
  if (state !== undefined) record.state = state;
  const history = values[Slot.History];
  if (history !== undefined) record.history = history;
  return record;
}

function fail(file: string, line: number, locate: Locate, slot: number, found: string, expected: string): never {
  throw new InputError({ file, line, col: locate(slot) }, found, expected);
}

function address(values: Values, slot: number, file: string, line: number, locate: Locate): string {
  const text = values[slot] as string;
  return canonicalIp(text) ?? fail(file, line, locate, slot, `address "${text}"`, 'an IPv4 or IPv6 address');
}

function port(values: Values, slot: number, file: string, line: number, locate: Locate): number {
  const text = values[slot] as string;
  const n = parseCount(text);
  return n !== undefined && n <= 65535 ? n : fail(file, line, locate, slot, `port "${text}"`, 'a port number 0-65535');
}

function count(values: Values, slot: number, file: string, line: number, locate: Locate): number | undefined {
  const text = values[slot];
  if (text === undefined) return undefined;
  return parseCount(text) ?? fail(file, line, locate, slot, `${SLOT_COLUMNS[slot]} "${text}"`, 'a count (a non-negative integer)');
}

function protocolOf(proto: string): FlowProtocol {
  if (proto === 'tcp' || proto === 'udp' || proto === 'icmp') return proto;
  return 'other';
}

/** `\x09` -> tab: how Zeek writes its separator in the first header line. */
function unescapeZeek(text: string): string {
  return text.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function parseCount(text: string): number | undefined {
  const n = text.length;
  if (n === 0 || n > 15) return undefined;
  let v = 0;
  for (let i = 0; i < n; i += 1) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    v = v * 10 + c;
  }
  return v;
}

function countLines(text: string, upTo: number): number {
  let lines = 1;
  for (let i = 0; i < upTo; i += 1) if (text.charCodeAt(i) === 10) lines += 1;
  return lines;
}

function firstLineAt(text: string, start: number): string {
  const end = text.indexOf('\n', start);
  return text.slice(start, end < 0 ? text.length : end);
}

function preview(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}...` : text;
}
