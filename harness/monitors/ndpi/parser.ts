import { consumeFile, consumeText, fieldColumn, namingTwice, repeatedName, type LineConsumer } from '../../core/text-lines.js';
import { decimalSecondsToMicros } from '../../core/time-text.js';
import type { FlowProtocol, FlowRecord } from '../../core/flow-record.js';
import { InputError } from '../../core/input-error.js';
import { TextIntern } from '../../core/text-intern.js';
import { canonicalAddress } from '../../core/ip-address.js';

/**
 * ndpiReader's `-C flows.csv` (nDPI 4.2): a `#flow_id,protocol,first_seen,...` header, then one bidirectional flow
 * per line. Measured: first_seen/last_seen are epoch seconds with milliseconds (`1700000000.000`); c_to_s_bytes
 * and s_to_c_bytes count whole frames (a bare TCP ACK is 54 = Ethernet + IP + TCP); ICMP has ports 0; `protocol`
 * is the IP protocol number. Columns are found by header name, so a later nDPI adding columns still parses.
 */
const EXPECTED = 'an ndpiReader -C CSV: a header line "#flow_id,protocol,first_seen,last_seen,..."';
const REQUIRED = ['protocol', 'first_seen', 'last_seen', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'c_to_s_pkts', 'c_to_s_bytes', 's_to_c_pkts', 's_to_c_bytes'] as const;
type Column = (typeof REQUIRED)[number];

export async function readNdpiCsv(path: string, sourceFile = path): Promise<FlowRecord[]> {
  return consumeFile(ndpiCsv(path, sourceFile), path);
}

export function parseNdpiCsv(text: string, file: string, sourceFile = file): FlowRecord[] {
  return consumeText(ndpiCsv(file, sourceFile), text);
}

function* ndpiCsv(file: string, sourceFile: string): LineConsumer<FlowRecord[]> {
  const header = (yield)?.[0] ?? '';
  if (!header.startsWith('#flow_id,')) {
    throw new InputError({ file, line: 1, col: 1 }, `"${header.slice(0, 60)}"`, EXPECTED);
  }
  const names = header.slice(1).split(',');
  const index = {} as Record<Column, number>;
  for (const name of REQUIRED) {
    const i = names.indexOf(name);
    if (i < 0) throw new InputError({ file, line: 1, col: 1 }, `a header without ${name}`, EXPECTED);
    // A column named twice was read from its first place without a word: which one nDPI meant is not known.
    const repeated = repeatedName(names, { only: [name] });
    if (repeated !== undefined) {
      // After the header's "#".
      throw new InputError({ file, line: 1, col: 1 + fieldColumn(names, repeated.again) }, namingTwice('a header', repeated), `${EXPECTED}, each column once`);
    }
    index[name] = i;
  }
  const needed = Math.max(...Object.values(index)) + 1;
  // ndpiReader writes every column of its header on every row, and prints the host name (server_name_sni) as it saw
  // it, commas included (an HTTP Host header may hold one), ahead of the counts. A row short of the header (a field
  // lost, a row cut at a comma) or one whose host name split it read its counts from the wrong columns: a TCP
  // connection of 15 packets was scored with 1718 at exit 0. Such a row's columns after the host name are found again
  // by the direction word nDPI writes in str_data_ratio (Download, Upload, Mixed) after the number data_ratio.
  const sniAt = names.indexOf('server_name_sni');
  /** Whether a host name's commas can move the columns read (those after it). */
  const hostNameBeforeCounts = sniAt >= 0 && sniAt < needed;
  const wordAt = names.indexOf('str_data_ratio');
  const ratioAt = names.indexOf('data_ratio');
  // nDPI numbers each flow once: a flow_id seen again is a file holding its rows twice (two runs' CSVs joined), and
  // scored, the same flow counted twice came out "fragmented (2)" with a coverage of 200%.
  const flowIdAt = names.indexOf('flow_id');
  const flowIdLine = new Map<string, number>();
  const records: FlowRecord[] = [];
  // Records keep their addresses as flat copies, not views into the lines they were read from.
  const texts = new TextIntern();
  for (let item = yield; item !== undefined; item = yield) {
    const [line, lineNo] = item;
    const n = lineNo - 1;
    if (line === '') continue;
    const cells = line.split(',');
    if (cells.length < names.length) {
      throw new InputError({ file, line: n + 1, col: line.length + 1 }, `${cells.length} fields`, `${names.length} comma-separated fields, as many as the header on line 1 names (ndpiReader writes every column on every row): is the row cut short, or a field lost?`);
    }
    const shift = cells.length > names.length && hostNameBeforeCounts ? hostNameCommas(cells, names.length, wordAt, ratioAt) : 0;
    if (shift === undefined) {
      throw new InputError(
        { file, line: n + 1, col: fieldColumn(cells, sniAt) },
        `${cells.length} fields, ${cells.length - names.length} more than the header names, and no single place for the columns after server_name_sni (str_data_ratio Download, Upload or Mixed after data_ratio)`,
        'a row of ndpiReader -C, where only text fields (a host name holding a comma) add fields',
      );
    }
    const at = (c: Column): number => index[c] + (index[c] > sniAt ? shift : 0);
    const col = (c: Column): number => fieldColumn(cells, at(c));
    if (flowIdAt >= 0) {
      const id = cells[flowIdAt] as string;
      const first = flowIdLine.get(id);
      if (first !== undefined) {
        throw new InputError({ file, line: n + 1, col: fieldColumn(cells, flowIdAt) }, `flow_id ${id} again: it is the flow of line ${first} too (a CSV holding its rows twice?)`, 'each flow once, as ndpiReader writes it');
      }
      flowIdLine.set(id, n + 1);
    }
    const whole = (c: Column): number => {
      const v = cells[at(c)] as string;
      if (!/^\d+$/.test(v)) throw new InputError({ file, line: n + 1, col: col(c) }, `${c} "${v}"`, 'a whole number');
      return Number(v);
    };
    const time = (c: Column): number => {
      const us = decimalSecondsToMicros(cells[at(c)] as string);
      if (us === undefined) throw new InputError({ file, line: n + 1, col: col(c) }, `${c} "${cells[at(c)] as string}"`, 'epoch seconds such as 1700000000.000');
      return us;
    };
    const firstUs = time('first_seen');
    const lastUs = time('last_seen');
    const proto = whole('protocol');
    records.push({
      protocol: protocolOf(proto),
      origAddr: texts.of(canonicalAddress(cells[at('src_ip')] as string)),
      origPort: whole('src_port'),
      respAddr: texts.of(canonicalAddress(cells[at('dst_ip')] as string)),
      respPort: whole('dst_port'),
      firstUs,
      lastUs,
      durationUs: lastUs - firstUs,
      origPkts: whole('c_to_s_pkts'),
      origBytes: whole('c_to_s_bytes'),
      respPkts: whole('s_to_c_pkts'),
      respBytes: whole('s_to_c_bytes'),
      bytesKind: 'ethernet',
      direction: 'bi',
      sourceFile,
      sourceLine: n + 1,
    });
  }
  return records;
}


const DIRECTION_WORDS = new Set(['Download', 'Upload', 'Mixed']);

/**
 * How many commas the host name of a row with more fields than the header's `width` holds: the one shift that puts
 * a direction word (ndpi_data_ratio2str) in str_data_ratio after a %.3f number in data_ratio. Undefined when the
 * header has neither column or no single shift fits.
 */
function hostNameCommas(cells: readonly string[], width: number, wordAt: number, ratioAt: number): number | undefined {
  if (wordAt < 0 || ratioAt < 0) return undefined;
  const fits: number[] = [];
  for (let shift = 0; shift <= cells.length - width; shift += 1) {
    if (DIRECTION_WORDS.has(cells[wordAt + shift] as string) && /^-?\d+\.\d{3}$/.test(cells[ratioAt + shift] as string)) fits.push(shift);
  }
  return fits.length === 1 ? fits[0] : undefined;
}

function protocolOf(proto: number): FlowProtocol {
  if (proto === 6) return 'tcp';
  if (proto === 17) return 'udp';
  if (proto === 1 || proto === 58) return 'icmp';
  return 'other';
}
