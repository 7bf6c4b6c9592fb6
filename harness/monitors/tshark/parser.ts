import { consumeFile, consumeText, fieldColumn, preview, type LineConsumer } from '../../core/text-lines.js';
import { decimalSecondsToMicros } from '../../core/time-text.js';
import { canonicalIp } from '../../core/ip-address.js';
import { TextIntern } from '../../core/text-intern.js';
import type { FlowProtocol, FlowRecord } from '../../core/flow-record.js';
import { FlowRecordTable } from '../../core/flow-record-table.js';
import { InputError } from '../../core/input-error.js';

/**
 * tshark as the no-timeout reference: one line per packet (`-T fields -E header=y`), grouped here into one
 * bidirectional record per conversation. Per-packet fields rather than `-z conv` because conv prints times
 * relative to the capture start with rounding, while frame.time_epoch is the absolute timestamp to the nanosecond.
 * TCP and UDP group by tshark's own stream index (which never times out: a new TCP stream starts only on port reuse
 * after a close); ICMP echo by address pair and identifier; other ICMP by address pair and type; anything else by
 * address pair and IP protocol.
 *
 * frame.number comes first: tshark numbers every frame it reads 1, 2, 3, ... and prints a line for each, so a number
 * that repeats or goes back is a list no tshark run wrote (one concatenated with itself, a line repeated or moved),
 * and is refused rather than folded into the same conversations (twice their packets, "accurate"). Times are not
 * checked so: a capture may hold frames out of time order, and tshark prints them in file order.
 */
export const TSHARK_FIELDS = [
  'frame.number',
  'frame.time_epoch',
  'vlan.id',
  'ip.src',
  'ip.dst',
  'ip.len',
  'ip.proto',
  'ipv6.src',
  'ipv6.dst',
  'ipv6.plen',
  'ipv6.nxt',
  'tcp.stream',
  'tcp.srcport',
  'tcp.dstport',
  'udp.stream',
  'udp.srcport',
  'udp.dstport',
  'icmp.type',
  'icmp.code',
  'icmp.ident',
  'icmpv6.type',
  'icmpv6.code',
  'icmpv6.echo.identifier',
  // An 802.1ad (0x88a8) S-tag: vlan.id is then the inner C-tag. Last, so lists written before it read the same way up to it.
  'ieee8021ad.id',
] as const;

const F = Object.fromEntries(TSHARK_FIELDS.map((name, index) => [name, index])) as Record<(typeof TSHARK_FIELDS)[number], number>;
const HEADER = TSHARK_FIELDS.join('\t');
/** The command whose output this reads (the adapter runs it so); `harness score --monitor tshark` takes the same. */
export const TSHARK_OPTIONS = ['-n', '-T', 'fields', '-E', 'header=y', '-E', 'separator=/t', '-E', 'occurrence=f', ...TSHARK_FIELDS.flatMap((field) => ['-e', field])];
const COMMAND = `tshark -r <pcap> ${TSHARK_OPTIONS.join(' ')}`;
const EXPECTED = `the output of \`${COMMAND}\`, whose first line is the header`;
const IPV6_HEADER_BYTES = 40;
/** Headers between IP and its transport: IPv6 hop-by-hop, routing, fragment, destination options, mobility, HIP, shim6, experimental; AH. */
const LOOKED_PAST = new Set([0, 43, 44, 60, 135, 139, 140, 253, 254, 51]);

export async function readTsharkPackets(path: string, label = path): Promise<FlowRecordTable> {
  return consumeFile(tsharkPackets(label), path, label);
}

export function parseTsharkPackets(text: string, file: string): FlowRecord[] {
  return Array.from(consumeText(tsharkPackets(file), text));
}

/**
 * Conversations are counted in place in a FlowRecordTable (a million of them as objects, each with a string key,
 * were ~350 MB); TCP and UDP find theirs by tshark's stream index, the rest by a key of addresses and type.
 */
function* tsharkPackets(file: string): LineConsumer<FlowRecordTable> {
  const records = new FlowRecordTable();
  const byStream: Record<'tcp' | 'udp', number[]> = { tcp: [], udp: [] };
  const byKey = new Map<string, number>();
  // The originator as first seen: a packet from it counts towards orig*.
  const origAddrOf: string[] = [];
  const origPortOf: number[] = [];
  const vlanOf: number[] = [];
  let headerSeen = false;
  let headerLine = 0;
  let lastFrame = 0;
  let lastFrameLine = 0;
  const texts = new TextIntern();
  for (let item = yield; item !== undefined; item = yield) {
    const [line, lineNo] = item;
    if (!headerSeen) {
      if (line !== HEADER) {
        // The list this parser read before frame.number was added: say what is missing rather than show column 1.
        if (line === TSHARK_FIELDS.slice(1).join('\t')) {
          throw new InputError({ file, line: lineNo, col: 1 }, 'a header without frame.number, which tells a packet list repeated or reordered from the one tshark wrote', EXPECTED);
        }
        const got = line.split('\t');
        const at = got.findIndex((name, i) => name !== TSHARK_FIELDS[i]);
        const col = at <= 0 ? 1 : got.slice(0, at).join('\t').length + 2;
        throw new InputError({ file, line: lineNo, col }, `"${preview(line)}"`, EXPECTED);
      }
      headerSeen = true;
      headerLine = lineNo;
      continue;
    }
    if (line === '') continue;
    if (line === HEADER) {
      throw new InputError({ file, line: lineNo, col: 1 }, `the header again (first on line ${headerLine})`, 'one header, on the first line, as one tshark run writes: is this list concatenated with another?');
    }
    const cells = line.split('\t');
    if (cells.length !== TSHARK_FIELDS.length) {
      throw new InputError({ file, line: lineNo, col: line.length + 1 }, `${cells.length} tab-separated fields`, `${TSHARK_FIELDS.length}, one per field of the header`);
    }
    const fail = (index: number, expected: string): never => {
      throw new InputError({ file, line: lineNo, col: fieldColumn(cells, index) }, `${TSHARK_FIELDS[index]} "${cells[index]}"`, expected);
    };
    const cell = (index: number): string => cells[index] as string;
    // Every frame, IP or not, has its line: checked before non-IP frames are passed over.
    const frame = /^[1-9][0-9]{0,14}$/.test(cell(F['frame.number'])) ? Number(cell(F['frame.number'])) : fail(F['frame.number'], 'a frame number from 1');
    if (frame <= lastFrame) {
      throw new InputError(
        { file, line: lineNo, col: 1 },
        `frame ${frame}, after frame ${lastFrame} on line ${lastFrameLine}`,
        'frame numbers rising, as tshark writes each frame once in the order it reads them: is this list concatenated with itself, or a line repeated or moved?',
      );
    }
    lastFrame = frame;
    lastFrameLine = lineNo;
    const v4 = cell(F['ip.src']) !== '';
    const v6 = !v4 && cell(F['ipv6.src']) !== '';
    if (!v4 && !v6) continue; // ARP and other non-IP frames carry no connection.
    const timeUs = decimalSecondsToMicros(cell(F['frame.time_epoch']));
    if (timeUs === undefined) fail(F['frame.time_epoch'], 'seconds since the epoch such as 1700000000.000000000');
    // Flat copies, not views into the line: the conversations keep them to the end.
    const src = texts.of(canonicalIp(cell(v4 ? F['ip.src'] : F['ipv6.src'])) ?? fail(v4 ? F['ip.src'] : F['ipv6.src'], 'an IP address'));
    const dst = texts.of(canonicalIp(cell(v4 ? F['ip.dst'] : F['ipv6.dst'])) ?? fail(v4 ? F['ip.dst'] : F['ipv6.dst'], 'an IP address'));
    const lenIndex = v4 ? F['ip.len'] : F['ipv6.plen'];
    const len = integer(cell(lenIndex)) ?? fail(lenIndex, 'a length in bytes');
    const ipBytes = v4 ? len : len + IPV6_HEADER_BYTES;
    const protoIndex = v4 ? F['ip.proto'] : F['ipv6.nxt'];
    const ipProto = integer(cell(protoIndex)) ?? fail(protoIndex, 'an IP protocol number');
    // The outer tag, as Zeek and Suricata report it and the derived truth keys it: 802.1ad's S-tag when there is one.
    const vlanIndex = cell(F['ieee8021ad.id']) !== '' ? F['ieee8021ad.id'] : F['vlan.id'];
    const vlanText = cell(vlanIndex);
    const vlan = vlanText === '' ? undefined : integer(vlanText) ?? fail(vlanIndex, 'a VLAN id');
    // The transport of the outermost IP header (past IPv6 extension headers and AH): a GRE, IP-in-IP or 6in4
    // packet's inner TCP is no TCP of its outer addresses, and a VXLAN packet is its outer UDP.
    const transport = LOOKED_PAST.has(ipProto) ? (cell(F['tcp.stream']) !== '' ? 6 : cell(F['udp.stream']) !== '' ? 17 : ipProto) : ipProto;

    let protocol: FlowProtocol;
    let key: string | undefined;
    let stream = -1;
    let srcPort = 0;
    let dstPort = 0;
    const lo = src < dst ? src : dst;
    const hi = src < dst ? dst : src;
    // The outer protocol decides: an ICMP error quoting a TCP header still belongs to ICMP.
    if (ipProto === 1 || ipProto === 58) {
      protocol = 'icmp';
      const [typeI, codeI, identI] = ipProto === 1
        ? [F['icmp.type'], F['icmp.code'], F['icmp.ident']]
        : [F['icmpv6.type'], F['icmpv6.code'], F['icmpv6.echo.identifier']];
      const type = integer(cell(typeI)) ?? fail(typeI, 'an ICMP type');
      const code = integer(cell(codeI)) ?? 0;
      const echo = ipProto === 1 ? type === 8 || type === 0 : type === 128 || type === 129;
      if (echo && cell(identI) !== '') {
        const ident = integer(cell(identI)) ?? fail(identI, 'an echo identifier');
        srcPort = ident;
        dstPort = ident;
        key = `i|${vlan ?? ''}|${lo}|${hi}|echo|${ident}`;
      } else {
        // As Zeek does: type and code in the port fields.
        srcPort = type;
        dstPort = code;
        key = `i|${vlan ?? ''}|${lo}|${hi}|type|${type}`;
      }
    } else if (transport === 6 && cell(F['tcp.stream']) !== '') {
      protocol = 'tcp';
      stream = integer(cell(F['tcp.stream'])) ?? fail(F['tcp.stream'], 'a stream index');
      srcPort = integer(cell(F['tcp.srcport'])) ?? fail(F['tcp.srcport'], 'a port');
      dstPort = integer(cell(F['tcp.dstport'])) ?? fail(F['tcp.dstport'], 'a port');
    } else if (transport === 17 && cell(F['udp.stream']) !== '') {
      protocol = 'udp';
      stream = integer(cell(F['udp.stream'])) ?? fail(F['udp.stream'], 'a stream index');
      srcPort = integer(cell(F['udp.srcport'])) ?? fail(F['udp.srcport'], 'a port');
      dstPort = integer(cell(F['udp.dstport'])) ?? fail(F['udp.dstport'], 'a port');
    } else {
      protocol = 'other';
      key = `o|${vlan ?? ''}|${lo}|${hi}|${ipProto}`;
    }

    const time = timeUs as number;
    const streams = protocol === 'tcp' || protocol === 'udp' ? byStream[protocol] : undefined;
    let conv = streams ? streams[stream] : byKey.get(key as string);
    if (conv === undefined) {
      conv = records.length;
      records.push({
        protocol,
        origAddr: src,
        origPort: srcPort,
        respAddr: dst,
        respPort: dstPort,
        firstUs: time,
        lastUs: time,
        durationUs: 0,
        origPkts: 0,
        respPkts: 0,
        origBytes: 0,
        respBytes: 0,
        bytesKind: 'ip',
        direction: 'bi',
        endReason: 'end-of-capture',
        sourceFile: file,
        sourceLine: lineNo,
        ...(vlan === undefined ? {} : { vlan }),
      });
      origAddrOf.push(src);
      origPortOf.push(srcPort);
      vlanOf.push(vlan ?? -1);
      if (streams) streams[stream] = conv;
      else byKey.set(key as string, conv);
    }
    // tshark's stream index ignores the VLAN: one 5-tuple on two VLANs at once is one stream, and its record was
    // labelled with its first packet's VLAN ("accurate" with 36 of 21 packets). It holds both: it names none.
    if (vlanOf[conv] !== MIXED_VLANS && vlanOf[conv] !== (vlan ?? -1)) {
      vlanOf[conv] = MIXED_VLANS;
      records.clearVlan(conv);
    }
    if (time < records.number(conv, 'firstUs')) records.setNumber(conv, 'firstUs', time);
    if (time > records.number(conv, 'lastUs')) records.setNumber(conv, 'lastUs', time);
    // The first sender is the originator; a packet from the same address and port goes its way (both ends of a
    // conversation can share an address only on loopback, where the ports tell them apart).
    const fromOrig = src === origAddrOf[conv] && (src !== dst || srcPort === origPortOf[conv]);
    const pkts = fromOrig ? 'origPkts' : 'respPkts';
    const bytes = fromOrig ? 'origBytes' : 'respBytes';
    records.setNumber(conv, pkts, records.number(conv, pkts) + 1);
    records.setNumber(conv, bytes, records.number(conv, bytes) + ipBytes);
  }
  if (!headerSeen) throw new InputError({ file, line: 1, col: 1 }, 'an empty file', EXPECTED);
  for (let i = 0; i < records.length; i += 1) records.setNumber(i, 'durationUs', records.number(i, 'lastUs') - records.number(i, 'firstUs'));
  return records;
}


/** A conversation whose packets carry more than one VLAN (or some none). */
const MIXED_VLANS = -2;

/** Decimal, or hexadecimal as tshark prints BASE_HEX fields (`0x1234`). */
function integer(text: string): number | undefined {
  if (text === '') return undefined;
  const n = text.startsWith('0x') ? parseInt(text.slice(2), 16) : Number(text);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

