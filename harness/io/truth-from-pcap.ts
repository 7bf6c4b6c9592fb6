import { decimalSecondsToMicros } from '../core/time-text.js';
import { trimNumber } from '../core/duration.js';
import { stat } from 'node:fs/promises';
import { fileSha256 } from './file-hash.js';
import { captureName, zeroTail, zeroTailError } from './capture-file.js';
import path from 'node:path';
import { TRUTH_SCHEMA_VERSION, type GroundTruth, type LinkType, type TruthConnection, type TruthProtocol } from '../core/ground-truth.js';
import { InputError } from '../core/input-error.js';
import { runProcessLines } from '../executor/process-runner.js';
import { detectAdapter, findAdapter } from '../monitors/registry.js';
import { refuseBadBinaryVariables } from '../monitors/named-binary.js';
import { ConnectionTruth } from '../../generators/truth-builder.js';
import { GenerationInterrupted } from '../../generators/generate.js';
import { formatUtc } from '../../reports/report-model.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../../generators/packet.js';

/**
 * Ground truth for a capture harness did not generate (a real capture, or the Zeek fixtures), read packet by packet
 * with tshark, Wireshark's own dissector, the reference that keeps no state timeouts. Connections are 5-tuples
 * (ICMP echo: address pair and identifier; any other ICMP message: address pair and type, as the tshark reference and
 * Zeek key it); the client is the sender of a bare SYN, else of the first packet.
 *
 * A packet is keyed on its OUTERMOST IP header and the header right after it, as every monitor keys it. An ICMP error
 * (unreachable, TTL exceeded, fragmentation needed) quotes the IP and TCP/UDP header of the packet it answers: it is
 * an ICMP packet from the router (or host) that sent it, never a packet of the quoted connection. A tunnel (GRE, IP in
 * IP, 6in4, ESP) carries another protocol than TCP, UDP or ICMP, which harness cannot score: its packets are not in
 * the truth, and the run says so (DerivedTruth.notes). A tunnel inside UDP (VXLAN, Geneve) is its outer UDP flow.
 * Every field is read with all its occurrences (`-E occurrence=a`) and the first is taken: the outermost header's.
 */
const FIELDS = [
  'frame.time_epoch', 'vlan.id', 'ieee8021ad.id', 'ip.src', 'ipv6.src', 'ip.dst', 'ipv6.dst', 'ip.proto', 'ipv6.nxt',
  'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport', 'icmp.type', 'icmp.ident', 'icmpv6.type', 'icmpv6.echo.identifier',
  'ip.len', 'ipv6.plen', 'tcp.flags.syn', 'tcp.flags.ack', 'tcp.flags.fin', 'tcp.flags.reset', 'tcp.len', 'tcp.seq_raw', 'udp.length', 'frame.cap_len',
  'frame.len', 'frame.protocols', 'ip.hdr_len', 'frame.encap_type', 'ip.id', 'ip.frag_offset', 'ip.flags.mf', 'ipv6.fraghdr.ident',
] as const;

/** Wiretap's encapsulation numbers (tshark's frame.encap_type) of the link layers whose header length is known. */
const LINK_TYPE_OF_ENCAP: Record<string, LinkType> = { '1': 'ethernet', '7': 'raw-ip', '25': 'linux-sll', '210': 'linux-sll2' };

/** IPv6 extension headers as tshark's protocol stack names them: between the IPv6 header and the transport. */
const V6_EXTENSIONS = new Set(['ipv6.hopopts', 'ipv6.dstopts', 'ipv6.routing', 'ipv6.fraghdr', 'ipv6.shim6']);

/** The outermost IP header of a packet and what follows it, from tshark's protocol stack (`eth:ethertype:ip:icmp:ip:tcp`). */
export interface OuterLayers {
  v6: boolean;
  /** The layer right after the IP header (its IPv6 extension headers skipped): `tcp`, `udp`, `icmp`, `gre`, `data`..., or undefined when the frame ends there. */
  next: string | undefined;
  /** The IPv6 header's extension headers include a fragment header. */
  v6Fragment: boolean;
  /** An IP header further in, behind a transport that is not ICMP (a tunnel in UDP such as VXLAN): named by the layer after the transport. */
  tunnelInTransport?: string;
  /** The VLAN tags before the IP header, outermost first: `vlan` (802.1Q, TPID 0x8100) or `ieee8021ad` (802.1ad, 0x88a8). */
  tags: string[];
}

/**
 * The outermost IP layer and the layer after it: an ICMP error's quoted header, or a tunnel's inner packet, is never
 * the packet's own transport (reading the stack from its end, a "host unreachable" quoting a TCP SYN was made a TCP
 * connection of the router's address and the SYN's ports, and a GRE tunnel's packets connections of the outer
 * addresses and the inner ports). An IPv6 packet's first next-header may name an extension header (hop-by-hop,
 * destination options, routing, fragment): those are skipped.
 */
export function outerLayers(protocols: string): OuterLayers | undefined {
  const layers = protocols.split(':');
  const i = layers.findIndex((l) => l === 'ip' || l === 'ipv6');
  if (i < 0) return undefined;
  let j = i + 1;
  let v6Fragment = false;
  while (V6_EXTENSIONS.has(layers[j] ?? '')) {
    if (layers[j] === 'ipv6.fraghdr') v6Fragment = true;
    j += 1;
  }
  const next = layers[j];
  const tags = layers.slice(0, i).filter((l) => l === 'vlan' || l === 'ieee8021ad');
  const result: OuterLayers = { v6: layers[i] === 'ipv6', next, v6Fragment, tags };
  if ((next === 'tcp' || next === 'udp') && layers.slice(j + 1).some((l) => l === 'ip' || l === 'ipv6')) result.tunnelInTransport = layers[j + 1] ?? next;
  return result;
}

/** The VLAN ids of a frame's tags, outermost first, from the layers' order and each kind's ids in order. */
export function vlanStack(tags: readonly string[], vlanIds: string, adIds: string): number[] {
  const q = vlanIds === '' ? [] : vlanIds.split(',');
  const ad = adIds === '' ? [] : adIds.split(',');
  let qi = 0;
  let adi = 0;
  const stack: number[] = [];
  for (const tag of tags) {
    const id = tag === 'vlan' ? q[qi++] : ad[adi++];
    if (id !== undefined && id !== '') stack.push(Number(id));
  }
  return stack;
}

/** tshark's names of the layers after an IP header that are tunnels, as a reader knows them. */
const LAYER_NAMES: Record<string, string> = { ip: 'IPv4 in IP', ipv6: 'IPv6 in IP (6in4, 6to4)', gre: 'GRE', esp: 'ESP', ah: 'AH', sctp: 'SCTP', igmp: 'IGMP', ospf: 'OSPF', vrrp: 'VRRP', pim: 'PIM', l2tp: 'L2TP', etherip: 'EtherIP' };

/** TCP, UDP and ICMP as the layer after the IP header names them; undefined for any other. */
function transportOf(next: string | undefined): TruthProtocol | undefined {
  return next === 'tcp' ? 'tcp' : next === 'udp' ? 'udp' : next === 'icmp' || next === 'icmpv6' ? 'icmp' : undefined;
}

const COLUMN = new Map<string, number>(FIELDS.map((f, i) => [f, i]));

/** Datagrams whose later fragments wait for their first at once, at most (a few MB). */
const EARLY_FRAGMENTS_HELD = 65_536;

const PROTO_BY_NUMBER: Record<string, TruthProtocol> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmp' };

/** A capture's truth, and what the reader must know of it (packets it leaves out, and why). */
export interface DerivedTruth {
  truth: GroundTruth;
  notes: string[];
}

/**
 * Reads the capture with tshark one line per packet, as the lines arrive: a capture of millions of packets is never
 * held whole, only one entry per connection. A connection the capture cut is marked: TCP seen without its SYN began
 * before the capture, TCP without FIN or RST was still open when it ended; UDP and ICMP whose first (last) packet
 * falls within `quietThresholdS` of the capture's first (last) packet may have begun (gone on) outside it.
 */
export async function truthFromPcap(pcap: string, quietThresholdS = 30, signal?: AbortSignal): Promise<GroundTruth> {
  return (await deriveTruth(pcap, quietThresholdS, signal)).truth;
}

/** truthFromPcap, with the notes a run shows among its warnings. */
export async function deriveTruth(pcap: string, quietThresholdS = 30, signal?: AbortSignal): Promise<DerivedTruth> {
  // The same tshark the tshark adapter runs (HARNESS_TSHARK, else PATH).
  const adapter = await findAdapter('tshark');
  if (adapter !== undefined) await refuseBadBinaryVariables([adapter]);
  const detection = adapter === undefined ? undefined : await detectAdapter(adapter);
  if (!detection?.found) throw new InputError({ file: pcap, line: 0, col: 0 }, 'no tshark to read the capture', 'tshark installed (apt-get install -y tshark), or a <name>.truth.json');
  const tshark = detection.path;
  // Absolute: tshark runs in the capture's folder, where a path relative to the user's folder means nothing.
  // Fragments as the wire carries them, each a packet of its datagram's connection (as the monitors count them):
  // reassembled, tshark gave the datagram to its last fragment alone, one packet and the last fragment's bytes.
  const argv = [tshark, '-n', '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE', '-r', path.resolve(pcap), '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,', ...FIELDS.flatMap((f) => ['-e', f])];
  const quietThresholdUs = Math.round(quietThresholdS * 1e6);
  /**
   * The connection each key holds now. TCP keeps tshark's own rule for a 5-tuple used again: a bare SYN whose
   * sequence number is not the one its direction began with starts a new connection (a retransmitted SYN, the same
   * number, does not). The monitors that key on it (Zeek, Suricata, tshark) report two; the truth held one with a
   * made-up silence between them, and tshark itself was scored "fragmented".
   */
  const connections = new Map<string, { truth: ConnectionTruth; clientKey: string; sawSyn: boolean; fin: boolean; rst: boolean; baseSeq: [number | undefined, number | undefined] }>();
  /** Every connection in the order of its first packet, those a reused tuple closed included. */
  const everyConnection: NonNullable<ReturnType<typeof connections.get>>[] = [];
  /** How many connections each key has had: the second and later ids end in `-2`, `-3`... */
  const uses = new Map<string, number>();
  let packets = 0;
  let frameBytes = 0;
  let linkType: LinkType = 'ethernet';
  /** Each fragmented datagram's connection and direction, by source, destination and fragment id. */
  const fragmentOf = new Map<string, { entry: NonNullable<ReturnType<typeof connections.get>>; dir: 0 | 1 }>();
  /**
   * Fragments that came before their datagram's first fragment (sent last-fragment-first, as older Linux did, or
   * reordered on the way): held until the first names their connection. They were dropped from its packet counts.
   */
  const earlyFragments = new Map<string, { tsUs: number; ipBytes: number }[]>();
  /** Fragments whose first fragment the capture does not hold (or that waited past EARLY_FRAGMENTS_HELD). */
  let orphanFragments = 0;
  let firstUs = Number.POSITIVE_INFINITY;
  /** The latest packet's time so far: the previous packet's, since time going back is refused. */
  let lastUs = 0;
  /** The first packet whose transport header the snaplen cut (its flags and ports unknown), if any. */
  let cutHeader: { packet: number; capLen: number; header: string } | undefined;
  /** Each link type's packets (tshark's encapsulation numbers), when a pcapng's interfaces differ. */
  const encapCounts = new Map<string, number>();
  /** Packets of IP protocols harness does not score (a tunnel's, ESP, IGMP, OSPF...), by the layer after the IP header. */
  const notScored = new Map<string, number>();
  /** Packets of a tunnel inside UDP or TCP (VXLAN, Geneve...): scored as their outer flow, by the tunnel's layer. */
  const tunnelledIn = new Map<string, number>();
  /** The packet, a record of 0 bytes at time 0, that time went back to, if that was why the capture was refused. */
  let zeroRecordAt: number | undefined;
  const onLine = (line: string): void => {
    if (line === '') return;
    const f = line.split('\t');
    /** Every occurrence of a field, comma-separated, outermost first. */
    const every = (name: (typeof FIELDS)[number]): string => f[COLUMN.get(name) as number] ?? '';
    // The first occurrence: the outermost header's (an ICMP error's quoted header and a tunnel's inner packet come after it).
    const get = (name: (typeof FIELDS)[number]): string => {
      const all = every(name);
      const comma = all.indexOf(',');
      return comma < 0 ? all : all.slice(0, comma);
    };
    // tshark prints a flag as 1 or True, by version.
    const isSet = (name: (typeof FIELDS)[number]): boolean => get(name) === '1' || get(name) === 'True';
    packets += 1;
    const encap = get('frame.encap_type');
    if (packets === 1) linkType = LINK_TYPE_OF_ENCAP[encap] ?? 'other';
    encapCounts.set(encap, (encapCounts.get(encap) ?? 0) + 1);
    const capLen = Number(get('frame.cap_len') || 0);
    frameBytes += capLen;
    const tsUs = (decimalSecondsToMicros(get('frame.time_epoch')) ?? 0);
    // Time going back (two captures joined in the wrong order, a packet stamped early): every connection's first and
    // last packet, durations and silences would be read in file order, as the monitors read it, and be wrong (a
    // negative duration, the last packet taken for one 100 s before it). The monitors' own records are refused for
    // the same (last before first). A step of a few microseconds (several queues or interfaces merged) is refused
    // too: a truth that is right is worth one reordercap.
    if (packets > 1 && tsUs < lastUs) {
      // A record of 0 bytes at time 0: what zeros after the last record read as. Told apart once tshark is stopped.
      if (tsUs === 0 && capLen === 0) zeroRecordAt = packets;
      throw new InputError(
        { file: pcap, line: 0, col: 0 },
        `a capture out of time order: packet ${packets} at ${formatUtc(tsUs)} is ${trimNumber((lastUs - tsUs) / 1e6)} s before packet ${packets - 1} at ${formatUtc(lastUs)}`,
        'packets in time order, as the monitors read them (reordercap in.pcap sorted.pcap sorts them; mergecap joins captures by time unless given -a)',
      );
    }
    firstUs = Math.min(firstUs, tsUs);
    lastUs = tsUs;
    const outer = outerLayers(get('frame.protocols'));
    if (outer === undefined) return; // ARP and other frames without IP carry no connection.
    const v6 = outer.v6;
    const src = v6 ? get('ipv6.src') : get('ip.src');
    const dst = v6 ? get('ipv6.dst') : get('ip.dst');
    const named = transportOf(outer.next);
    // No transport layer after the IP header: a later fragment (its bytes are "data"), or a header the snaplen cut.
    const bare = outer.next === undefined || outer.next === 'data';
    // A datagram in fragments: the first carries the ports, the rest count under the same connection and direction.
    const fragmentId = v6 ? (outer.v6Fragment ? get('ipv6.fraghdr.ident') : '') : isSet('ip.flags.mf') || Number(get('ip.frag_offset') || 0) > 0 ? get('ip.id') : '';
    const fragmentKey = fragmentId === '' ? undefined : `${src}|${dst}|${fragmentId}`;
    // Cut by the snaplen: fewer bytes captured than the frame had.
    const cutBySnaplen = capLen < Number(get('frame.len') || 0);
    const ipBytes = v6 ? 40 + Number(get('ipv6.plen') || 0) : Number(get('ip.len') || 0);
    if (fragmentKey !== undefined && bare) {
      const of = fragmentOf.get(fragmentKey);
      if (of !== undefined) {
        of.entry.truth.add({ tsUs, dir: of.dir, frameLength: 0, ipBytes, payloadBytes: 0, tcpFlags: 0 });
        return;
      }
      if (!cutBySnaplen) {
        const waiting = earlyFragments.get(fragmentKey);
        if (waiting !== undefined) waiting.push({ tsUs, ipBytes });
        else {
          earlyFragments.set(fragmentKey, [{ tsUs, ipBytes }]);
          // The oldest datagram waiting is given up: a capture of fragments alone holds no more than this at once.
          if (earlyFragments.size > EARLY_FRAGMENTS_HELD) {
            const [oldest, held] = earlyFragments.entries().next().value as [string, unknown[]];
            orphanFragments += held.length;
            earlyFragments.delete(oldest);
          }
        }
        return;
      }
    }
    const protocol = named ?? (bare ? PROTO_BY_NUMBER[v6 ? get('ipv6.nxt') : get('ip.proto')] : undefined);
    if (!protocol) {
      if (!bare) notScored.set(outer.next as string, (notScored.get(outer.next as string) ?? 0) + 1);
      // The snaplen cut it within its IPv6 extension headers (a hop-by-hop header's next header is no transport): it
      // was dropped without a word, a made-up silence in its connection.
      else if (cutHeader === undefined && outer.next === undefined && cutBySnaplen) {
        cutHeader = { packet: packets, capLen, header: 'IP header chain (its transport header is not in it)' };
      }
      return;
    }
    if (outer.tunnelInTransport !== undefined) tunnelledIn.set(outer.tunnelInTransport, (tunnelledIn.get(outer.tunnelInTransport) ?? 0) + 1);
    // An IPv4 fragment after the first carries no transport header at all, whole as it is: it was refused as "cut
    // short", and no snaplen could have helped.
    if (cutHeader === undefined && cutBySnaplen && ((protocol === 'tcp' && (get('tcp.srcport') === '' || get('tcp.flags.syn') === '')) || (protocol === 'udp' && get('udp.srcport') === ''))) {
      cutHeader = { packet: packets, capLen, header: `${protocol.toUpperCase()} header` };
    }
    // A later fragment whose first fragment the capture does not hold: no ports to key it by, so not made a
    // connection of port 0.
    if (!cutBySnaplen && ((protocol === 'tcp' && get('tcp.srcport') === '') || (protocol === 'udp' && get('udp.srcport') === ''))) return;
    let sport = 0;
    let dport = 0;
    /** ICMP other than echo: keyed by its type (in both port fields), as the tshark reference and Zeek key it. */
    let icmpType: number | undefined;
    if (protocol === 'tcp') { sport = Number(get('tcp.srcport')); dport = Number(get('tcp.dstport')); }
    else if (protocol === 'udp') { sport = Number(get('udp.srcport')); dport = Number(get('udp.dstport')); }
    else {
      const type = Number(get(v6 ? 'icmpv6.type' : 'icmp.type') || 0);
      const echo = v6 ? type === 128 || type === 129 : type === 8 || type === 0;
      if (echo) sport = dport = Number(get(v6 ? 'icmpv6.echo.identifier' : 'icmp.ident') || 0);
      else sport = dport = icmpType = type;
    }
    // Every VLAN tag, outermost first, whatever its TPID: the first vlan.id was the outer tag under 0x8100/0x8100 and
    // the inner one under 0x88a8/0x8100 (802.1ad is tshark's ieee8021ad), so one traffic had two truths, and two
    // customers' flows on one outer tag were one connection. The connection's vlan is the outermost tag, as Zeek and
    // Suricata report it; the key and the id hold them all.
    const stack = vlanStack(outer.tags, every('vlan.id'), every('ieee8021ad.id'));
    const vlan = stack.length === 0 ? undefined : stack[0];
    const innerVlan = stack.length < 2 ? undefined : stack[1];
    const vlanText = stack.join('.');
    const a = `${src}|${sport}`;
    const b = `${dst}|${dport}`;
    const key = `${protocol}${icmpType === undefined ? '' : '-type'}|${vlanText}|${a < b ? `${a}|${b}` : `${b}|${a}`}`;
    // A TCP packet's own flags: a VXLAN packet's inner TCP FIN is no flag of its outer UDP flow.
    const tcp = protocol === 'tcp';
    const syn = tcp && isSet('tcp.flags.syn');
    const ack = tcp && isSet('tcp.flags.ack');
    const fin = tcp && isSet('tcp.flags.fin');
    const rst = tcp && isSet('tcp.flags.reset');
    let entry = connections.get(key);
    const seq = tcp && get('tcp.seq_raw') !== '' ? Number(get('tcp.seq_raw')) : undefined;
    if (entry !== undefined && syn && !ack && seq !== undefined) {
      const base = entry.baseSeq[a === entry.clientKey ? 0 : 1];
      if (base !== undefined && base !== seq) entry = undefined;
    }
    if (!entry) {
      const use = (uses.get(key) ?? 0) + 1;
      uses.set(key, use);
      const bareSyn = protocol === 'tcp' && syn && !ack;
      // A SYN-ACK first means the client is the receiver; otherwise the first sender is taken as the client.
      const clientIsSrc = !(protocol === 'tcp' && syn && ack);
      const client = clientIsSrc ? { addr: src, port: sport } : { addr: dst, port: dport };
      const server = clientIsSrc ? { addr: dst, port: dport } : { addr: src, port: sport };
      entry = {
        truth: new ConnectionTruth({
          id: `${icmpType === undefined ? `${protocol}-${client.addr}:${client.port}-${server.addr}:${server.port}` : `icmp-${client.addr}-${server.addr}-type${icmpType}`}${vlan === undefined ? '' : `-vlan${vlanText}`}${use === 1 ? '' : `-${use}`}`,
          protocol,
          ipVersion: v6 ? 6 : 4,
          ...(vlan === undefined ? {} : { vlan }),
          ...(innerVlan === undefined ? {} : { innerVlan }),
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
        baseSeq: [undefined, undefined],
      };
      connections.set(key, entry);
      everyConnection.push(entry);
    }
    const dir = a === entry.clientKey ? 0 : 1;
    // The number the direction began with: a SYN's own, else (begun before the capture) the one before its first byte.
    if (seq !== undefined && entry.baseSeq[dir] === undefined) entry.baseSeq[dir] = syn ? seq : (seq - 1) >>> 0;
    entry.fin ||= fin;
    entry.rst ||= rst;
    // ICMP: the IP payload after its 8-byte header. tshark's data.len leaves out what it decodes (the timestamp
    // Linux ping puts first): 48 of a 56-byte payload was counted.
    const payload = protocol === 'tcp' ? Number(get('tcp.len') || 0)
      : protocol === 'udp' ? Math.max(0, Number(get('udp.length') || 8) - 8)
        : Math.max(0, ipBytes - (v6 ? 40 : Number(get('ip.hdr_len') || 20)) - 8);
    const flags = (syn ? TCP_SYN : 0) | (ack ? TCP_ACK : 0) | (fin ? TCP_FIN : 0) | (rst ? TCP_RST : 0);
    const early = fragmentKey === undefined ? undefined : earlyFragments.get(fragmentKey);
    if (early !== undefined) {
      earlyFragments.delete(fragmentKey as string);
      // Before the first fragment, in their own order. A packet of the same connection between them (another
      // datagram's) would put one before the connection's last packet: it is counted at that packet's time.
      for (const e of early) entry.truth.add({ tsUs: Math.max(e.tsUs, entry.truth.lastUs), dir, frameLength: 0, ipBytes: e.ipBytes, payloadBytes: 0, tcpFlags: 0 });
    }
    entry.truth.add({ tsUs, dir, frameLength: 0, ipBytes, payloadBytes: payload, tcpFlags: flags });
    if (fragmentKey !== undefined) fragmentOf.set(fragmentKey, { entry, dir });
  };
  // Zeros after the last record (a padded or cut copy) read as a record at time 0 of 0 bytes, and were refused as
  // "out of time order ... 1970", or as a file tshark cannot read when fewer than a record header: named as zeros.
  const endsInZeros = async (): Promise<InputError | undefined> => {
    const tail = await zeroTail(pcap);
    return tail === undefined ? undefined : zeroTailError(pcap, tail);
  };
  const run = await runProcessLines(argv, { cwd: path.dirname(path.resolve(pcap)), timeoutMs: 6 * 3600_000, signal }, onLine).catch(async (error: unknown) => {
    throw (zeroRecordAt !== undefined ? await endsInZeros() : undefined) ?? error;
  });
  // Ctrl-C stopped tshark: the capture is not at fault.
  if (signal?.aborted) throw new GenerationInterrupted(path.basename(pcap));
  if (run.exitCode !== 0) {
    const zeros = await endsInZeros();
    if (zeros !== undefined) throw zeros;
    throw new InputError({ file: pcap, line: 0, col: 0 }, `a file tshark cannot read (${run.record.stderrTail.split('\n').pop() ?? ''})`, 'a pcap or pcapng capture');
  }
  if (cutHeader !== undefined) {
    // Read anyway, a SYN whose flags were cut away made the connection "begun before the capture", and the monitors,
    // which see the same cut frames, were scored as missing it: a wrong truth, not a finding.
    throw new InputError(
      { file: pcap, line: 0, col: 0 },
      `a capture cut short by its snaplen: packet ${cutHeader.packet} holds ${cutHeader.capLen} bytes, not its whole ${cutHeader.header} (its ports and flags cannot be read)`,
      'a capture whose frames hold at least their transport headers (tcpdump -s 0, or a snaplen of 128 or more)',
    );
  }
  const others = [...notScored].sort((x, y) => y[1] - x[1]).map(([layer, n]) => `${n} ${LAYER_NAMES[layer] ?? layer}`).join(', ');
  if (connections.size === 0) {
    // An empty truth would score every monitor "accurate" against nothing: the one wrong answer to never give.
    const size = (await stat(pcap)).size;
    const zeros = packets > 0 ? await endsInZeros() : undefined;
    if (zeros !== undefined) throw zeros;
    const found = size === 0 ? 'an empty file (0 bytes)'
      : packets === 0 ? 'a capture with no packets (a header only)'
        : `a capture of ${packets} packet${packets === 1 ? '' : 's'}, none of them TCP, UDP or ICMP over IPv4 or IPv6 that tshark could decode${others === '' ? '' : ` right after its outermost IP header (${others})`}`;
    throw new InputError({ file: pcap, line: 0, col: 0 }, `${found}: no connection to score against`, 'a capture holding at least one TCP, UDP or ICMP connection');
  }
  const edgeUs = quietThresholdUs;
  const truthConnections: TruthConnection[] = everyConnection.map((entry) => {
    const conn = entry.truth.toTruth();
    conn.close = entry.rst ? 'rst' : entry.fin ? 'fin' : 'none';
    const cut = cutAtEdges(conn, firstUs, lastUs, edgeUs);
    if (cut) conn.cut = cut;
    return conn;
  });
  const notes: string[] = [];
  const count = (n: number): string => `${n} packet${n === 1 ? '' : 's'}`;
  if (notScored.size > 0) {
    const n = [...notScored.values()].reduce((x, y) => x + y, 0);
    notes.push(`${count(n)} of IP protocols other than TCP, UDP and ICMP (${others}) are not in the truth: harness scores TCP, UDP and ICMP connections, keyed on the outermost IP header, so a tunnel's (GRE, IP in IP, 6in4) inner connections are not scored`);
  }
  for (const waiting of earlyFragments.values()) orphanFragments += waiting.length;
  if (orphanFragments > 0) {
    notes.push(`${count(orphanFragments)} ${orphanFragments === 1 ? 'is an IP fragment' : 'are IP fragments'} whose first fragment the capture does not hold (no ports to name a connection by): not in the truth`);
  }
  if (encapCounts.size > 1) {
    // Each link type has its own header length: one taken from the first packet judged every frame's bytes by it.
    linkType = 'other';
    notes.push(`a capture of several link types (tshark encapsulations ${[...encapCounts].map(([e, n]) => `${e}: ${count(n)}`).join(', ')}): the frame bytes a monitor counts (link header included) are not judged, only IP bytes`);
  }
  if (tunnelledIn.size > 0) {
    const n = [...tunnelledIn.values()].reduce((x, y) => x + y, 0);
    const names = [...tunnelledIn].sort((x, y) => y[1] - x[1]).map(([layer, k]) => `${k} ${layer}`).join(', ');
    notes.push(`${count(n)} carry a tunnelled IP packet inside UDP or TCP (${names}): each is in the truth as a packet of its outer flow; the inner connections are not scored`);
  }
  const truth: GroundTruth = {
    schemaVersion: TRUTH_SCHEMA_VERSION,
    generator: 'tshark (harness truth-from-pcap)',
    scenario: { name: captureName(pcap), description: `ground truth read from ${path.basename(pcap)} with tshark`, file: pcap, seed: 0 },
    pcap: {
      file: pcap,
      sha256: await fileSha256(pcap),
      linkType,
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
  return { truth, notes };
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
