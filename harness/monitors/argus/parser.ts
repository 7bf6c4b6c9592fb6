import { consumeFile, consumeText, preview, type LineConsumer } from '../../core/text-lines.js';
import { decimalSecondsToMicros } from '../../core/time-text.js';
import { canonicalAddress } from '../../core/ip-address.js';
import { TextIntern } from '../../core/text-intern.js';
import { FlowRecordTable } from '../../core/flow-record-table.js';
import { LastRecordOfFlow } from '../../core/last-record-of-flow.js';
import type { EndReason, FlowProtocol, FlowRecord } from '../../core/flow-record.js';
import { InputError } from '../../core/input-error.js';

/**
 * argus records as `ra`/`racluster` print them in CSV with the fields of RA_FIELDS (see ./adapter.ts for the
 * command). argus has no JSON output (`-M json` is silently ignored), so this exact field list is the format.
 */
export const RA_FIELDS = [
  'stime', 'ltime', 'dur', 'proto', 'saddr', 'sport', 'dir', 'daddr', 'dport',
  'spkts', 'dpkts', 'pkts', 'sbytes', 'dbytes', 'bytes', 'state', 'cause',
] as const;

/** The header `ra` prints for RA_FIELDS when run without `-L -1`; accepted (and skipped) on the first line. */
export const RA_HEADER =
  'StartTime,LastTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,SrcPkts,DstPkts,TotPkts,SrcBytes,DstBytes,TotBytes,State,Cause';

const FIELD_COUNT = RA_FIELDS.length;
const EXPECTED_LINE = `${FIELD_COUNT} comma-separated ra fields (${RA_FIELDS.join(' ')})`;

export interface ArgusParseOptions {
  /** Named in errors: the path the user gave. */
  file: string;
  /** Kept in each record's `source.file`: relative to the cell folder when run() parses. Defaults to `file`. */
  sourceFile?: string;
  /**
   * `raw`: argus' own records, where `cause` Start opens a flow and every other cause continues it;
   * `merged`: racluster's output, one record per directed 5-tuple, so no record kind.
   */
  view: 'raw' | 'merged';
}

/** Parses ra CSV text (pure). Throws InputError at the first line that is not an ra record. */
export function parseRaCsv(text: string, options: ArgusParseOptions): FlowRecord[] {
  return Array.from(consumeText(raCsv(options), text));
}

function* raCsv(options: ArgusParseOptions): LineConsumer<FlowRecordTable> {
  // Column by column: argus writes a record per flow and per status interval, a million and more at scale.
  const records = new FlowRecordTable();
  const sourceFile = options.sourceFile ?? options.file;
  const raw = options.view === 'raw';
  // Index and state of the last record of each unordered 5-tuple, to say why that record ended once the next one
  // shows up.
  const lastOfFlow = raw ? new LastRecordOfFlow(records) : undefined;
  // The flows are keyed on ra's protocol name too: the table keeps only "other" for every protocol it has no code for.
  const protocolNames = new Map<string, number>();
  const fields: string[] = new Array<string>(FIELD_COUNT);
  const starts: number[] = new Array<number>(FIELD_COUNT);
  // Records keep their addresses and state as flat copies, not views into the lines they were read from.
  const texts = new TextIntern();
  for (let item = yield; item !== undefined; item = yield) {
    const [line, lineNo] = item;
    if (line.trim() === '') continue;
    if (lineNo === 1 && line === RA_HEADER) continue;

    let count = 0;
    let from = 0;
    for (;;) {
      if (count === FIELD_COUNT) { count += 1; break; }
      const comma = line.indexOf(',', from);
      starts[count] = from;
      fields[count] = comma < 0 ? line.slice(from) : line.slice(from, comma);
      count += 1;
      if (comma < 0) break;
      from = comma + 1;
    }
    const where = (index: number): { file: string; line: number; col: number } => position(options.file, lineNo, starts, index);
    if (count !== FIELD_COUNT) {
      throw new InputError({ file: options.file, line: lineNo, col: 1 }, `${count > FIELD_COUNT ? 'more than ' + FIELD_COUNT : count} fields in "${preview(line, 57)}"`, EXPECTED_LINE);
    }
    const f = fields as string[];
    const firstUs = decimalSecondsToMicros(f[0] as string);
    if (firstUs === undefined) throw new InputError(where(0), `stime "${preview(f[0] as string, 57)}"`, 'epoch seconds with a fraction (ra -u), e.g. 1700000000.000000');
    const lastUs = decimalSecondsToMicros(f[1] as string);
    if (lastUs === undefined) throw new InputError(where(1), `ltime "${preview(f[1] as string, 57)}"`, 'epoch seconds with a fraction (ra -u), e.g. 1700000000.020000');
    const protoText = protocolName(f[3] as string);
    if (protoText === '' || protoText === 'man') {
      throw new InputError(where(3), protoText === '' ? 'an empty proto' : 'an argus management record', "a flow record's protocol (print with `- not man`)");
    }
    const protocol = protocolOf(protoText);
    const origAddr = texts.of(canonicalAddress(f[4] as string));
    const respAddr = texts.of(canonicalAddress(f[7] as string));
    let origPort: number;
    let respPort: number;
    if (protocol === 'icmp') {
      const typeCode = parsePort(f[5] as string);
      const ident = parsePort(f[8] as string);
      if (typeCode === undefined) throw new InputError(where(5), `sport "${preview(f[5] as string, 57)}"`, 'an ICMP type/code such as 0x0008');
      if (ident === undefined) throw new InputError(where(8), `dport "${preview(f[8] as string, 57)}"`, 'an ICMP identifier such as 0x3412');
      // argus keeps the ICMP header's bytes as a little-endian short: type in the low byte, code in the high byte,
      // and the echo identifier byte-swapped (id 0x1234 on the wire prints as 0x3412; measured against tshark).
      const type = typeCode & 0xff;
      if (isEcho(protoText, type)) {
        origPort = swap16(ident);
        respPort = origPort;
      } else {
        origPort = type;
        respPort = typeCode >> 8;
      }
    } else {
      const sp = parsePort(f[5] as string);
      const dp = parsePort(f[8] as string);
      if (sp === undefined) throw new InputError(where(5), `sport "${preview(f[5] as string, 57)}"`, 'a port number (or empty for a protocol without ports)');
      if (dp === undefined) throw new InputError(where(8), `dport "${preview(f[8] as string, 57)}"`, 'a port number (or empty for a protocol without ports)');
      origPort = sp;
      respPort = dp;
    }
    for (let i = 9; i <= 14; i += 1) {
      if (!isCount(f[i] as string)) throw new InputError(where(i), `${RA_FIELDS[i]} "${preview(f[i] as string, 57)}"`, 'a whole number');
    }
    const cause = f[16] as string;
    const record: FlowRecord = {
      protocol,
      origAddr,
      origPort,
      respAddr,
      respPort,
      firstUs,
      lastUs,
      // ra's dur is a 32-bit float (68237.32 s prints as 68237.320312): the difference of the timestamps is exact.
      durationUs: lastUs - firstUs,
      origPkts: Number(f[9]),
      respPkts: Number(f[10]),
      origBytes: Number(f[12]),
      respBytes: Number(f[13]),
      bytesKind: 'ethernet',
      direction: 'bi',
      state: texts.of((f[15] as string).trim()),
      sourceFile,
      sourceLine: lineNo,
    };
    if (cause !== 'Start' && !CONTINUATION_CAUSES.has(cause)) {
      throw new InputError(where(16), `cause "${preview(cause, 57)}"`, 'one of Start, Status, Stop, Shutdown, Timeout');
    }
    // racluster writes each flow whole, as one record of cause Start: a continuation is ra's raw output, whose every
    // status report the merged view would count as a fragment of its own ("fragmented (58)" for a flow argus kept).
    if (!raw && cause !== 'Start') {
      throw new InputError(where(16), `cause "${preview(cause, 57)}" in the merged view`, 'racluster output, whose every record is a whole flow (cause Start); ra\'s own records go with --view raw');
    }
    if (raw) record.recordKind = cause === 'Start' ? 'start' : 'status';
    records.push(record);
    if (lastOfFlow) {
      let kind = protocolNames.get(protoText);
      if (kind === undefined) protocolNames.set(protoText, (kind = protocolNames.size));
      const previous = lastOfFlow.replace(records.length - 1, kind);
      if (previous >= 0) {
        // A new ICMP echo flow follows every exchange whatever the timeout (argus keys echo flows finer than type and id).
        records.setEndReason(previous, record.recordKind === 'status' ? 'status' : endOfFlowOr(records.state(previous), protocol === 'icmp' ? 'unknown' : 'idle-timeout'));
      }
    }
  }
  if (lastOfFlow) {
    // The last record of a flow ended at its close, or was still open at the end of the capture (or idled out
    // after its last status report: argus writes nothing when it drops a flow it has already reported).
    for (const index of lastOfFlow.lastRecords()) records.setEndReason(index, endOfFlowOr(records.state(index), 'unknown'));
  }
  return records;
}

/** Reads and parses one ra CSV file; `sourceFile` names it in the records (relative to the cell folder). */
export async function readRaCsv(path: string, view: 'raw' | 'merged', sourceFile?: string): Promise<FlowRecordTable> {
  return consumeFile(raCsv({ file: path, sourceFile: sourceFile ?? path, view }), path);
}

const CONTINUATION_CAUSES = new Set(['Status', 'Stop', 'Shutdown', 'Timeout', 'Close', 'Error']);

function endOfFlowOr(state: string | undefined, otherwise: EndReason): EndReason {
  return state === 'FIN' || state === 'RST' ? 'end-of-flow' : otherwise;
}

/**
 * ra's proto column as the name ra -n prints for it. argus labels UDP flows it takes for UDT (any UDP on port
 * 9000), RTP or RTCP by those names, and `ra -nn` prints numbers: each was read as "other" and its UDP (or TCP, ICMP)
 * connection scored "missed" beside a record of it.
 */
function protocolName(text: string): string {
  switch (text) {
    case 'udt':
    case 'rtp':
    case 'rtcp':
    case '17': return 'udp';
    case '6': return 'tcp';
    case '1': return 'icmp';
    case '58': return 'ipv6-icmp';
    default: return text;
  }
}

function protocolOf(text: string): FlowProtocol {
  switch (text) {
    case 'tcp': return 'tcp';
    case 'udp': return 'udp';
    case 'icmp':
    case 'ipv6-icmp':
    case 'icmp6': return 'icmp';
    default: return 'other';
  }
}

/** Echo request/reply: ICMPv4 types 8/0, ICMPv6 128/129. */
function isEcho(proto: string, type: number): boolean {
  return proto === 'icmp' ? type === 8 || type === 0 : type === 128 || type === 129;
}

function swap16(v: number): number {
  return ((v & 0xff) << 8) | ((v >> 8) & 0xff);
}


function isCount(text: string): boolean {
  return text.length > 0 && text.length <= 15 && allDigits(text);
}

function position(file: string, line: number, starts: number[], index: number): { file: string; line: number; col: number } {
  return { file, line, col: (starts[index] ?? 0) + 1 };
}

/** Decimal, `0x` hex (ICMP), or empty (protocols without ports) which becomes 0. */
function parsePort(text: string): number | undefined {
  if (text.length === 0) return 0;
  if (text.startsWith('0x')) {
    const hex = text.slice(2);
    if (hex.length === 0 || hex.length > 4) return undefined;
    for (let i = 0; i < hex.length; i += 1) {
      const c = hex.charCodeAt(i) | 0x20;
      if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return undefined;
    }
    return parseInt(hex, 16);
  }
  if (text.length > 5 || !allDigits(text)) return undefined;
  const value = Number(text);
  return value <= 65535 ? value : undefined;
}

function allDigits(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

