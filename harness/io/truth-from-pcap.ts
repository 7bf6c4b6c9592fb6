import { decimalSecondsToMicros } from '../core/time-text.js';
import { stat } from 'node:fs/promises';
import { fileSha256 } from './file-hash.js';
import path from 'node:path';
import { TRUTH_SCHEMA_VERSION, type GroundTruth, type TruthConnection, type TruthProtocol } from '../core/ground-truth.js';
import { InputError } from '../core/input-error.js';
import { runProcessLines } from '../executor/process-runner.js';
import { detectAdapter, findAdapter } from '../monitors/registry.js';
import { refuseBadBinaryVariables } from '../monitors/named-binary.js';
import { ConnectionTruth } from '../../generators/truth-builder.js';
import { GenerationInterrupted } from '../../generators/generate.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../../generators/packet.js';

/**
 * Ground truth for a capture harness did not generate (a real capture, or the Zeek fixtures), read packet by packet
 * with tshark, Wireshark's own dissector, the reference that keeps no state timeouts. Connections are 5-tuples
 * (ICMP echo: address pair and identifier); the client is the sender of a bare SYN, else of the first packet.
 */
const FIELDS = [
  'frame.time_epoch', 'vlan.id', 'ip.src', 'ipv6.src', 'ip.dst', 'ipv6.dst', 'ip.proto', 'ipv6.nxt',
  'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport', 'icmp.ident', 'icmpv6.echo.identifier',
  'ip.len', 'ipv6.plen', 'tcp.flags.syn', 'tcp.flags.ack', 'tcp.flags.fin', 'tcp.flags.reset', 'tcp.len', 'udp.length', 'data.len', 'frame.cap_len',
] as const;

const COLUMN = new Map<string, number>(FIELDS.map((f, i) => [f, i]));

const PROTO_BY_NUMBER: Record<string, TruthProtocol> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmp' };

/**
 * Reads the capture with tshark one line per packet, as the lines arrive: a capture of millions of packets is never
 * held whole, only one entry per connection. A connection the capture cut is marked: TCP seen without its SYN began
 * before the capture, TCP without FIN or RST was still open when it ended; UDP and ICMP whose first (last) packet
 * falls within `quietThresholdS` of the capture's first (last) packet may have begun (gone on) outside it.
 */
export async function truthFromPcap(pcap: string, quietThresholdS = 30, signal?: AbortSignal): Promise<GroundTruth> {
  // The same tshark the tshark adapter runs (HARNESS_TSHARK, else PATH).
  const adapter = await findAdapter('tshark');
  if (adapter !== undefined) await refuseBadBinaryVariables([adapter]);
  const detection = adapter === undefined ? undefined : await detectAdapter(adapter);
  if (!detection?.found) throw new InputError({ file: pcap, line: 0, col: 0 }, 'no tshark to read the capture', 'tshark installed (apt-get install -y tshark), or a <name>.truth.json');
  const tshark = detection.path;
  // Absolute: tshark runs in the capture's folder, where a path relative to the user's folder means nothing.
  const argv = [tshark, '-n', '-r', path.resolve(pcap), '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=f', ...FIELDS.flatMap((f) => ['-e', f])];
  const quietThresholdUs = Math.round(quietThresholdS * 1e6);
  const connections = new Map<string, { truth: ConnectionTruth; clientKey: string; sawSyn: boolean; fin: boolean; rst: boolean }>();
  let packets = 0;
  let frameBytes = 0;
  let firstUs = Number.POSITIVE_INFINITY;
  let lastUs = 0;
  /** The first packet whose transport header the snaplen cut (its flags and ports unknown), if any. */
  let cutHeader: { packet: number; capLen: number; protocol: string } | undefined;
  const onLine = (line: string): void => {
    if (line === '') return;
    const f = line.split('\t');
    const get = (name: (typeof FIELDS)[number]): string => f[COLUMN.get(name) as number] ?? '';
    packets += 1;
    frameBytes += Number(get('frame.cap_len') || 0);
    const tsUs = (decimalSecondsToMicros(get('frame.time_epoch')) ?? 0);
    firstUs = Math.min(firstUs, tsUs);
    lastUs = Math.max(lastUs, tsUs);
    const v6 = get('ipv6.src') !== '';
    const protocol = PROTO_BY_NUMBER[v6 ? get('ipv6.nxt') : get('ip.proto')];
    if (!protocol) return;
    if (cutHeader === undefined && ((protocol === 'tcp' && (get('tcp.srcport') === '' || get('tcp.flags.syn') === '')) || (protocol === 'udp' && get('udp.srcport') === ''))) {
      cutHeader = { packet: packets, capLen: Number(get('frame.cap_len') || 0), protocol };
    }
    const src = v6 ? get('ipv6.src') : get('ip.src');
    const dst = v6 ? get('ipv6.dst') : get('ip.dst');
    let sport = 0;
    let dport = 0;
    if (protocol === 'tcp') { sport = Number(get('tcp.srcport')); dport = Number(get('tcp.dstport')); }
    else if (protocol === 'udp') { sport = Number(get('udp.srcport')); dport = Number(get('udp.dstport')); }
    else { sport = dport = Number(get(v6 ? 'icmpv6.echo.identifier' : 'icmp.ident') || 0); }
    const vlanText = get('vlan.id');
    const vlan = vlanText === '' ? undefined : Number(vlanText);
    const a = `${src}|${sport}`;
    const b = `${dst}|${dport}`;
    const key = `${protocol}|${vlan ?? ''}|${a < b ? `${a}|${b}` : `${b}|${a}`}`;
    const syn = get('tcp.flags.syn') === '1' || get('tcp.flags.syn') === 'True';
    const ack = get('tcp.flags.ack') === '1' || get('tcp.flags.ack') === 'True';
    const fin = get('tcp.flags.fin') === '1' || get('tcp.flags.fin') === 'True';
    const rst = get('tcp.flags.reset') === '1' || get('tcp.flags.reset') === 'True';
    let entry = connections.get(key);
    if (!entry) {
      const bareSyn = protocol === 'tcp' && syn && !ack;
      // A SYN-ACK first means the client is the receiver; otherwise the first sender is taken as the client.
      const clientIsSrc = !(protocol === 'tcp' && syn && ack);
      const client = clientIsSrc ? { addr: src, port: sport } : { addr: dst, port: dport };
      const server = clientIsSrc ? { addr: dst, port: dport } : { addr: src, port: sport };
      entry = {
        truth: new ConnectionTruth({
          id: `${protocol}-${client.addr}:${client.port}-${server.addr}:${server.port}${vlan === undefined ? '' : `-vlan${vlan}`}`,
          protocol,
          ipVersion: v6 ? 6 : 4,
          ...(vlan === undefined ? {} : { vlan }),
          client,
          server,
          open: protocol !== 'tcp' ? 'none' : bareSyn || (syn && ack) ? 'handshake' : 'midstream',
          close: 'none',
          background: false,
        }, quietThresholdUs),
        clientKey: clientIsSrc ? a : b,
        sawSyn: bareSyn,
        fin: false,
        rst: false,
      };
      connections.set(key, entry);
    }
    entry.fin ||= fin;
    entry.rst ||= rst;
    const ipBytes = v6 ? 40 + Number(get('ipv6.plen') || 0) : Number(get('ip.len') || 0);
    const payload = protocol === 'tcp' ? Number(get('tcp.len') || 0)
      : protocol === 'udp' ? Math.max(0, Number(get('udp.length') || 8) - 8)
        : Number(get('data.len') || 0);
    const flags = (syn ? TCP_SYN : 0) | (ack ? TCP_ACK : 0) | (fin ? TCP_FIN : 0) | (rst ? TCP_RST : 0);
    entry.truth.add({ tsUs, dir: a === entry.clientKey ? 0 : 1, frameLength: 0, ipBytes, payloadBytes: payload, tcpFlags: flags });
  };
  const run = await runProcessLines(argv, { cwd: path.dirname(path.resolve(pcap)), timeoutMs: 6 * 3600_000, signal }, onLine);
  // Ctrl-C stopped tshark: the capture is not at fault.
  if (signal?.aborted) throw new GenerationInterrupted(path.basename(pcap));
  if (run.exitCode !== 0) {
    throw new InputError({ file: pcap, line: 0, col: 0 }, `a file tshark cannot read (${run.record.stderrTail.split('\n').pop() ?? ''})`, 'a pcap or pcapng capture');
  }
  if (cutHeader !== undefined) {
    // Read anyway, a SYN whose flags were cut away made the connection "begun before the capture", and the monitors,
    // which see the same cut frames, were scored as missing it: a wrong truth, not a finding.
    throw new InputError(
      { file: pcap, line: 0, col: 0 },
      `a capture cut short by its snaplen: packet ${cutHeader.packet} holds ${cutHeader.capLen} bytes, not its whole ${cutHeader.protocol.toUpperCase()} header (its ports and flags cannot be read)`,
      'a capture whose frames hold at least their transport headers (tcpdump -s 0, or a snaplen of 128 or more)',
    );
  }
  if (connections.size === 0) {
    // An empty truth would score every monitor "accurate" against nothing: the one wrong answer to never give.
    const size = (await stat(pcap)).size;
    const found = size === 0 ? 'an empty file (0 bytes)'
      : packets === 0 ? 'a capture with no packets (a header only)'
        : `a capture of ${packets} packet${packets === 1 ? '' : 's'}, none of them TCP, UDP or ICMP over IPv4 or IPv6 that tshark could decode`;
    throw new InputError({ file: pcap, line: 0, col: 0 }, `${found}: no connection to score against`, 'a capture holding at least one TCP, UDP or ICMP connection');
  }
  const edgeUs = quietThresholdUs;
  const truthConnections: TruthConnection[] = [...connections.values()].map((entry) => {
    const conn = entry.truth.toTruth();
    conn.close = entry.rst ? 'rst' : entry.fin ? 'fin' : 'none';
    const cut = cutAtEdges(conn, firstUs, lastUs, edgeUs);
    if (cut) conn.cut = cut;
    return conn;
  });
  return {
    schemaVersion: TRUTH_SCHEMA_VERSION,
    generator: 'tshark (harness truth-from-pcap)',
    scenario: { name: path.basename(pcap).replace(/\.(pcap|pcapng|cap)$/, ''), description: `ground truth read from ${path.basename(pcap)} with tshark`, file: pcap, seed: 0 },
    pcap: {
      file: pcap,
      sha256: await fileSha256(pcap),
      linkType: 'ethernet',
      timestampResolution: 'us',
      firstUs: packets > 0 ? firstUs : 0,
      lastUs,
      spanUs: packets > 0 ? lastUs - firstUs : 0,
      packets,
      frameBytes,
    },
    quietThresholdUs,
    connections: truthConnections,
  };
}


/** Where the capture may have cut a connection (see truthFromPcap), or undefined when it shows the whole of it. */
export function cutAtEdges(conn: TruthConnection, captureFirstUs: number, captureLastUs: number, edgeUs: number): TruthConnection['cut'] {
  const cut: NonNullable<TruthConnection['cut']> = {};
  const seconds = `${edgeUs / 1e6} s`;
  if (conn.protocol === 'tcp') {
    if (conn.open === 'midstream') cut.start = 'no SYN: it began before the capture';
    if (conn.close === 'none') cut.end = 'no FIN or RST: still open when the capture ended';
  } else {
    if (conn.firstUs - captureFirstUs < edgeUs) cut.start = `first packet within ${seconds} of the capture's start: it may have begun before`;
    if (captureLastUs - conn.lastUs < edgeUs) cut.end = `last packet within ${seconds} of the capture's end: it may have gone on after`;
  }
  return cut.start === undefined && cut.end === undefined ? undefined : cut;
}
