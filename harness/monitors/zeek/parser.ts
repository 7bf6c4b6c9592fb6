import { readFile } from 'node:fs/promises';
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

/** The raw text values of one conn.log row, in the shape both forms share. */
interface RowValues {
  ts: string;
  origH: string;
  origP: string;
  respH: string;
  respP: string;
  proto: string;
  duration?: string;
  origPkts?: string;
  respPkts?: string;
  origIpBytes?: string;
  respIpBytes?: string;
  connState?: string;
  history?: string;
  vlan?: string;
}

type FieldName = keyof RowValues;
const FIELD_OF_COLUMN: Record<string, FieldName> = {
  ts: 'ts',
  'id.orig_h': 'origH',
  'id.orig_p': 'origP',
  'id.resp_h': 'respH',
  'id.resp_p': 'respP',
  proto: 'proto',
  duration: 'duration',
  orig_pkts: 'origPkts',
  resp_pkts: 'respPkts',
  orig_ip_bytes: 'origIpBytes',
  resp_ip_bytes: 'respIpBytes',
  conn_state: 'connState',
  history: 'history',
  vlan: 'vlan',
};

function parseTsv(text: string, file: string): FlowRecord[] {
  const records: FlowRecord[] = [];
  let separator = '\t';
  let unset = '-';
  let empty = '(empty)';
  let columns: string[] | undefined;
  /** For each wanted field, its column index (or -1). */
  let wanted: [FieldName, number][] = [];
  const addresses = new AddressCanon();
  let pos = 0;
  let lineNo = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    let line = text.slice(pos, end);
    pos = end + 1;
    lineNo += 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '') continue;
    if (line.charCodeAt(0) === 35 /* # */) {
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
        throw new InputError({ file, line: lineNo, col: (key.length + separator.length + 1) }, `a "${value}" log`, 'a conn.log (#path conn)');
      } else if (key === '#fields') {
        columns = parts.slice(1);
        for (const name of REQUIRED_FIELDS) {
          if (!columns.includes(name)) {
            throw new InputError({ file, line: lineNo, col: 1 }, `#fields without "${name}"`, `conn.log fields including ${REQUIRED_FIELDS.join(', ')}`);
          }
        }
        wanted = [];
        columns.forEach((name, index) => {
          const field = FIELD_OF_COLUMN[name];
          if (field) wanted.push([field, index]);
        });
      }
      continue;
    }
    if (!columns) {
      throw new InputError({ file, line: lineNo, col: 1 }, `a data line before any #fields header: "${preview(line)}"`, EXPECTED_FILE);
    }
    const cells = line.split(separator);
    if (cells.length !== columns.length) {
      throw new InputError({ file, line: lineNo, col: line.length + 1 },
        `${cells.length} tab-separated fields`, `${columns.length} fields as the #fields header lists`);
    }
    const row: Partial<Record<FieldName, string>> = {};
    for (const [field, index] of wanted) {
      const cell = cells[index] as string;
      if (cell !== unset && cell !== empty) row[field] = cell;
    }
    const columnOf = (field: FieldName): number => {
      const index = wanted.find(([f]) => f === field)?.[1] ?? 0;
      let col = 1;
      for (let i = 0; i < index; i += 1) col += (cells[i] as string).length + separator.length;
      return col;
    };
    records.push(buildRecord(row, file, lineNo, columnOf, addresses));
  }
  return records;
}

function parseJsonLines(text: string, file: string): FlowRecord[] {
  const records: FlowRecord[] = [];
  const addresses = new AddressCanon();
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
    const row: Partial<Record<FieldName, string>> = {};
    for (const [column, field] of Object.entries(FIELD_OF_COLUMN)) {
      let v = object[column];
      // Some pipelines nest the conn_id record instead of flattening it.
      if (v === undefined && id && column.startsWith('id.')) v = id[column.slice(3)];
      if (typeof v === 'string') row[field] = v;
      else if (typeof v === 'number' && Number.isFinite(v)) row[field] = String(v);
    }
    records.push(buildRecord(row, file, lineNo, () => 1, addresses));
  }
  return records;
}

function buildRecord(
  row: Partial<Record<FieldName, string>>,
  file: string,
  line: number,
  columnOf: (field: FieldName) => number,
  addresses: AddressCanon,
): FlowRecord {
  const fail = (field: FieldName, found: string, expected: string): never => {
    throw new InputError({ file, line, col: columnOf(field) }, found, expected);
  };
  for (const field of ['ts', 'origH', 'origP', 'respH', 'respP', 'proto'] as const) {
    if (row[field] === undefined) fail(field, `no ${columnName(field)}`, `a conn.log record with ${columnName(field)} set`);
  }
  const tsText = row.ts as string;
  let firstUs = decimalToMicros(tsText);
  if (firstUs === undefined) {
    // Zeek writes ISO 8601 times when LogAscii::json_timestamps = JSON::TS_ISO8601.
    firstUs = isoToMicros(tsText);
    if (firstUs === undefined) fail('ts', `ts "${tsText}"`, 'seconds since the epoch such as 1700000000.000000');
  }
  let durationUs = 0;
  if (row.duration !== undefined) {
    const d = decimalToMicros(row.duration);
    if (d === undefined) fail('duration', `duration "${row.duration}"`, 'seconds such as 1.020000, or - when unset');
    durationUs = d as number;
  }
  const address = (field: 'origH' | 'respH'): string => {
    const canonical = addresses.get(row[field] as string);
    if (canonical === undefined) fail(field, `address "${row[field]}"`, 'an IPv4 or IPv6 address');
    return canonical as string;
  };
  const port = (field: 'origP' | 'respP'): number => {
    const n = parseCount(row[field] as string);
    if (n === undefined || n > 65535) fail(field, `port "${row[field]}"`, 'a port number 0-65535');
    return n as number;
  };
  const count = (field: FieldName): number | undefined => {
    const text = row[field];
    if (text === undefined) return undefined;
    const n = parseCount(text);
    if (n === undefined) fail(field, `${columnName(field)} "${text}"`, 'a count (a non-negative integer)');
    return n;
  };
  const first = firstUs as number;
  const record: FlowRecord = {
    protocol: protocolOf(row.proto as string),
    origAddr: address('origH'),
    // ICMP: Zeek writes the type in id.orig_p and the code in id.resp_p.
    origPort: port('origP'),
    respAddr: address('respH'),
    respPort: port('respP'),
    firstUs: first,
    lastUs: first + durationUs,
    durationUs,
    bytesKind: row.origIpBytes !== undefined || row.respIpBytes !== undefined ? 'ip' : 'unknown',
    direction: 'bi',
    endReason: 'unknown',
    source: { file, line },
  };
  const vlan = count('vlan');
  if (vlan !== undefined) record.vlan = vlan;
  const origPkts = count('origPkts');
  if (origPkts !== undefined) record.origPkts = origPkts;
  const respPkts = count('respPkts');
  if (respPkts !== undefined) record.respPkts = respPkts;
  const origBytes = count('origIpBytes');
  if (origBytes !== undefined) record.origBytes = origBytes;
  const respBytes = count('respIpBytes');
  if (respBytes !== undefined) record.respBytes = respBytes;
  if (row.connState !== undefined) record.state = row.connState;
  if (row.history !== undefined) record.history = row.history;
  return record;
}

function columnName(field: FieldName): string {
  return Object.entries(FIELD_OF_COLUMN).find(([, f]) => f === field)?.[0] ?? field;
}

function protocolOf(proto: string): FlowProtocol {
  if (proto === 'tcp' || proto === 'udp' || proto === 'icmp') return proto;
  return 'other';
}

/** `\x09` -> tab: how Zeek writes its separator in the first header line. */
function unescapeZeek(text: string): string {
  return text.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * Decimal seconds text to integer microseconds without float drift: `1700000001.500000` -> 1700000001500000.
 * A seventh fraction digit rounds (JSON durations such as 0.009999990463256836 are doubles); exponent forms
 * (`5e-7`, which JSON.stringify-style writers produce for tiny values) go through Number, exact at that size.
 */
export function decimalToMicros(text: string): number | undefined {
  const n = text.length;
  let i = 0;
  let whole = 0;
  let wholeDigits = 0;
  for (; i < n; i += 1) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    whole = whole * 10 + c;
    wholeDigits += 1;
  }
  let frac = 0;
  let fracDigits = 0;
  let roundUp = false;
  if (i < n && text.charCodeAt(i) === 46 /* . */) {
    i += 1;
    for (; i < n; i += 1) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      if (fracDigits < 6) frac = frac * 10 + c;
      else if (fracDigits === 6) roundUp = c >= 5;
      fracDigits += 1;
    }
  }
  if (i !== n) {
    const e = text.charCodeAt(i);
    if ((e === 101 || e === 69) && wholeDigits + fracDigits > 0) {
      const v = Number(text);
      return Number.isFinite(v) && v >= 0 ? Math.round(v * 1e6) : undefined;
    }
    return undefined;
  }
  if (wholeDigits + fracDigits === 0) return undefined;
  for (let d = Math.min(fracDigits, 6); d < 6; d += 1) frac *= 10;
  return whole * 1e6 + frac + (roundUp ? 1 : 0);
}

/** `2023-11-14T22:13:20.000001Z` (or with a +hh:mm / +hhmm offset) -> microseconds since the epoch. */
export function isoToMicros(text: string): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/.exec(text);
  if (!m) return undefined;
  let zone = m[3] ?? 'Z';
  if (zone !== 'Z' && !zone.includes(':')) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${m[1]}${zone}`);
  if (!Number.isFinite(ms)) return undefined;
  const fraction = decimalToMicros(`0.${m[2] ?? '0'}`) ?? 0;
  return ms * 1000 + fraction;
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

/** IPv4 dotted quads pass as they are once checked; IPv6 is compressed lower case. Memoised per file. */
class AddressCanon {
  private readonly cache = new Map<string, string | undefined>();

  get(text: string): string | undefined {
    const hit = this.cache.get(text);
    if (hit !== undefined || this.cache.has(text)) return hit;
    const canonical = canonicalAddress(text);
    if (this.cache.size < 100_000) this.cache.set(text, canonical);
    return canonical;
  }
}

export function canonicalAddress(text: string): string | undefined {
  if (text.includes(':')) {
    try {
      const host = new URL(`http://[${text}]/`).hostname;
      return host.slice(1, -1);
    } catch {
      return undefined;
    }
  }
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  for (const part of parts) {
    const v = parseCount(part);
    if (v === undefined || v > 255 || part.length > 3) return undefined;
  }
  return text;
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
