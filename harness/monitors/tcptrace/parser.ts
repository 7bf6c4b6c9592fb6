import { consumeFile, consumeText, fieldColumn, namingTwice, preview, repeatedName, type LineConsumer } from '../../core/text-lines.js';
import { canonicalIp } from '../../core/ip-address.js';
import type { FlowRecord } from '../../core/flow-record.js';
import { IncompleteInputError, InputError } from '../../core/input-error.js';
import { TextIntern } from '../../core/text-intern.js';

/**
 * `tcptrace -n -l --csv` output: `#` comment lines, a `conn_#,host_a,...` header, then one line per TCP connection
 * with space-padded fields. Its times are printed as `seconds.microseconds` with the microseconds as an unpadded
 * integer: `1700000001.20000` is 1700000001.020000 (checked against tshark's packet times on a real capture).
 * `conn_#` is tcptrace's own number for the connection, the one its -oN/-iN options name it by: one row per number in
 * a run's output, so a number seen twice means rows given twice (the file's rows appended again), and every
 * connection would be scored as split in two at exit 0: refused at the second.
 */
const REQUIRED = ['host_a', 'host_b', 'port_a', 'port_b', 'first_packet', 'last_packet', 'total_packets_a2b', 'total_packets_b2a'] as const;
const EXPECTED = 'tcptrace -l --csv output: # comments, a conn_#,host_a,host_b,... header, then one line per connection';

export async function readTcptraceCsv(path: string, label = path): Promise<FlowRecord[]> {
  return consumeFile(tcptraceCsv(label), path, label);
}

export function parseTcptraceCsv(text: string, file: string): FlowRecord[] {
  return consumeText(tcptraceCsv(file), text);
}

function* tcptraceCsv(file: string): LineConsumer<FlowRecord[]> {
  const records: FlowRecord[] = [];
  // Records keep their addresses as flat copies, not views into the lines they were read from.
  const texts = new TextIntern();
  let index: Record<string, number> | undefined;
  let width = 0;
  let linesRead = 0;
  // A capture without TCP: tcptrace says so in a comment and prints no header.
  let noTcp = false;
  /** The line each conn_# came on. */
  const lineOfConnection = new Map<string, number>();
  /** tcptrace's own count of the rows it prints ("#58 TCP connections traced:"), and its line. */
  let declared: { count: number; line: number } | undefined;
  for (let item = yield; item !== undefined; item = yield) {
    const [line, lineNo] = item;
    linesRead = lineNo;
    if (line === '#no traced TCP packets') noTcp = true;
    const traced = !index && declared === undefined ? /^#(\d+) TCP connections? traced:$/.exec(line) : null;
    if (traced) declared = { count: Number(traced[1]), line: lineNo };
    if (line.trim() === '' || line.startsWith('#')) continue;
    // tcptrace -f prints its filter first and then only the connections it passes: the others would be scored
    // "missed" against a sensor that never left them out.
    if (!index && line.startsWith('Output filter:')) {
      throw new InputError({ file, line: lineNo, col: 1 }, `tcptrace's output filter ("${preview(line)}")`, 'unfiltered tcptrace -n -l --csv output: a connection the filter (-f) left out would be scored missed');
    }
    const cells = line.split(',');
    if (!index) {
      if (cells[0] !== 'conn_#') throw new InputError({ file, line: lineNo, col: 1 }, `"${preview(line)}"`, EXPECTED);
      // A column named twice was read from its last place without a word (the packets of another column, "accurate"
      // with 5 of 15 packets): which one tcptrace meant is not known.
      const repeated = repeatedName(cells, { skipEmpty: true });
      if (repeated !== undefined) {
        throw new InputError({ file, line: lineNo, col: fieldColumn(cells, repeated.again) }, namingTwice('a header', repeated), `${EXPECTED}, each column once`);
      }
      // No prototype: a column named constructor or toString is no column seen before.
      index = Object.create(null) as Record<string, number>;
      for (const [i, name] of cells.entries()) if (name !== '') index[name] = i;
      for (const name of REQUIRED) {
        if (index[name] === undefined) throw new InputError({ file, line: lineNo, col: 1 }, `a header without ${name}`, EXPECTED);
      }
      width = cells.length;
      continue;
    }
    if (cells.length !== width) {
      throw new InputError({ file, line: lineNo, col: line.length + 1 }, `${cells.length} comma-separated fields`, `${width} as in the conn_# header`);
    }
    const columns = index;
    const value = (name: string): string | undefined => {
      const i = columns[name];
      return i === undefined ? undefined : (cells[i] as string).trim();
    };
    const fail = (name: string, expected: string): never => {
      const i = columns[name] ?? 0;
      const col = cells.slice(0, i).join(',').length + (i > 0 ? 2 : 1);
      throw new InputError({ file, line: lineNo, col }, `${name} "${value(name) ?? ''}"`, expected);
    };
    const count = (name: string): number | undefined => {
      const text = value(name);
      if (text === undefined) return undefined;
      if (!/^\d+$/.test(text)) fail(name, 'a count');
      return Number(text);
    };
    const addr = (name: string): string => {
      // tcptrace prints IPv6 with leading zeros (`2001:0db8::0010`).
      return texts.of(canonicalIp(value(name) as string) ?? fail(name, 'an IP address (tcptrace -n)'));
    };
    const time = (name: string): number => tcptraceTimeToMicros(value(name) as string) ?? fail(name, 'seconds.microseconds such as 1700000001.20000');
    const port = (name: string): number => {
      const p = count(name) as number;
      return p <= 65535 ? p : fail(name, 'a port number 0-65535');
    };
    const firstUs = time('first_packet');
    const lastUs = time('last_packet');
    const record: FlowRecord = {
      protocol: 'tcp',
      origAddr: addr('host_a'),
      origPort: port('port_a'),
      respAddr: addr('host_b'),
      respPort: port('port_b'),
      firstUs,
      lastUs,
      durationUs: lastUs - firstUs,
      origPkts: count('total_packets_a2b') as number,
      respPkts: count('total_packets_b2a') as number,
      // actual_data_bytes: TCP payload as sent, retransmissions included.
      bytesKind: 'payload',
      direction: 'bi',
      sourceFile: file,
      sourceLine: lineNo,
    };
    const origBytes = count('actual_data_bytes_a2b');
    const respBytes = count('actual_data_bytes_b2a');
    if (origBytes !== undefined && respBytes !== undefined) {
      record.origBytes = origBytes;
      record.respBytes = respBytes;
    } else {
      record.bytesKind = 'unknown';
    }
    const synFinA = value('SYN/FIN_pkts_sent_a2b');
    const synFinB = value('SYN/FIN_pkts_sent_b2a');
    const rstA = count('resets_sent_a2b') ?? 0;
    const rstB = count('resets_sent_b2a') ?? 0;
    if (synFinA !== undefined && synFinB !== undefined) record.state = `SYN/FIN a2b ${synFinA} b2a ${synFinB}; RST ${rstA}/${rstB}`;
    const finBoth = synFinA !== undefined && synFinB !== undefined && !synFinA.endsWith('/0') && !synFinB.endsWith('/0');
    // A close is in the counters; an idle split (endpoint_reuse_interval) and the end of the capture look alike.
    record.endReason = rstA + rstB > 0 || finBoth ? 'end-of-flow' : 'unknown';
    // Last, so that a row wrong in another way too is refused for that.
    const number = value('conn_#') as string;
    const first = lineOfConnection.get(number);
    if (first !== undefined) {
      throw new InputError({ file, line: lineNo, col: 1 }, `conn_# ${number} again: it is the number of line ${first} too`,
        'each connection once (tcptrace numbers each connection of a run once): are the rows given twice, a file\'s rows appended to it again?');
    }
    lineOfConnection.set(number, lineNo);
    records.push(record);
  }
  if (!index && !noTcp) throw new InputError({ file, line: Math.max(linesRead, 1), col: 1 }, 'no conn_# header', EXPECTED);
  // Rows cut at a line's end (the disk filled, tcptrace exits 0) read well: the count tcptrace printed first tells.
  if (declared !== undefined && records.length !== declared.count) {
    throw new IncompleteInputError({ file, line: Math.max(linesRead, 1), col: 1 },
      `${records.length.toLocaleString('en-US')} connection row(s) at the end of the file, while line ${declared.line} says "${declared.count} TCP connections traced"`,
      `a row for each connection tcptrace counted: the file is cut short (disk full?), or rows were removed or added (-c, -o and -i leave connections out)`);
  }
  return records;
}

/** `1700000001.20000` -> 1700000001020000: the digits after the dot are a count of microseconds, not a fraction. */
export function tcptraceTimeToMicros(text: string): number | undefined {
  const m = /^(\d+)\.(\d{1,6})$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * 1e6 + Number(m[2]);
}


