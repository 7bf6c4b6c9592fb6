import { ipBytes, ipVersionOf, macFor } from './addresses.js';
import { foldChecksum, sum16 } from './checksum.js';

/**
 * Frame encoders: Ethernet (optionally 802.1Q), IPv4/IPv6, TCP/UDP/ICMP echo, all checksums valid. Frames are
 * written straight into a caller's buffer (the pcap writer's chunk) so the hot path allocates nothing.
 */

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

/** What a connection's packet stream asks for; sequence numbers are assigned at encoding, in capture order. */
export const enum Kind {
  Syn,
  SynAck,
  /** A pure ACK. */
  Ack,
  /** A data segment; `push` marks the last segment of a message. */
  Data,
  /** Zero- or one-byte segment at seq-1 (len says which). */
  Keepalive,
  /** FIN with ACK. */
  Fin,
  /** RST with ACK. */
  Rst,
  Udp,
  EchoRequest,
  EchoReply,
}

/** Direction of a packet: 0 client->server, 1 server->client. */
export type Dir = 0 | 1;

export interface PacketEvent {
  tsUs: number;
  dir: Dir;
  kind: Kind;
  /** Payload bytes (TCP/UDP payload, ICMP echo data). */
  len: number;
  push?: boolean;
}

/** What encoding one packet produced: the frame lives in the buffer it was written to, at the given offset. */
export interface Packet {
  tsUs: number;
  dir: Dir;
  frameLength: number;
  /** IP header and everything after it (IPv6: 40 + payload length), as Zeek's *_ip_bytes count. */
  ipBytes: number;
  payloadBytes: number;
  /** TCP flags sent, 0 for UDP/ICMP; for the approximate Zeek history. */
  tcpFlags: number;
}

export type FlowProtocol = 'tcp' | 'udp' | 'icmp';

/** Everything fixed about one connection's frames, plus the little state that changes (seq, IP id, echo seq). */
export class FlowContext {
  readonly ipVersion: 4 | 6;
  /** Ethernet (+VLAN) header per direction. */
  readonly linkHeader: [Uint8Array, Uint8Array];
  readonly addr: [Uint8Array, Uint8Array];
  readonly port: [number, number];
  /** Unfolded sum of both addresses: the address part of every pseudo-header, whichever the direction. */
  readonly addrSum: number;
  /** Next sequence number each side sends (unsigned 32-bit). */
  readonly nextSeq: [number, number];
  readonly ipId: [number, number];
  echoSeq = 0;

  constructor(
    readonly protocol: FlowProtocol,
    clientAddr: string,
    clientPort: number,
    serverAddr: string,
    serverPort: number,
    readonly vlan: number | undefined,
    readonly mss: number,
    initial: { clientSeq: number; serverSeq: number; clientIpId: number; serverIpId: number },
  ) {
    this.ipVersion = ipVersionOf(clientAddr);
    if (ipVersionOf(serverAddr) !== this.ipVersion) throw new Error(`mixed IP versions: ${clientAddr} and ${serverAddr}`);
    this.addr = [ipBytes(clientAddr), ipBytes(serverAddr)];
    this.port = [clientPort, serverPort];
    const cMac = macFor(clientAddr);
    const sMac = macFor(serverAddr);
    this.linkHeader = [linkHeader(sMac, cMac, vlan, this.ipVersion), linkHeader(cMac, sMac, vlan, this.ipVersion)];
    this.addrSum = sum16(this.addr[0], 0, this.addr[0].length, sum16(this.addr[1], 0, this.addr[1].length));
    this.nextSeq = [initial.clientSeq >>> 0, initial.serverSeq >>> 0];
    this.ipId = [initial.clientIpId & 0xffff, initial.serverIpId & 0xffff];
  }
}

export function linkHeader(dst: Uint8Array, src: Uint8Array, vlan: number | undefined, ipVersion: 4 | 6): Uint8Array {
  const h = new Uint8Array(vlan === undefined ? 14 : 18);
  h.set(dst, 0);
  h.set(src, 6);
  let o = 12;
  if (vlan !== undefined) {
    h[12] = 0x81;
    h[13] = 0x00;
    h[14] = (vlan >> 8) & 0x0f;
    h[15] = vlan & 0xff;
    o = 16;
  }
  h[o] = ipVersion === 4 ? 0x08 : 0x86;
  h[o + 1] = ipVersion === 4 ? 0x00 : 0xdd;
  return h;
}

/** Payload bytes are a fixed printable pattern, so their checksum contribution is a table lookup by length. */
const PATTERN_SIZE = 65536;
export const PAYLOAD_PATTERN: Buffer = (() => {
  const p = Buffer.alloc(PATTERN_SIZE);
  const text = 'harness-quiet-connection-payload/';
  for (let i = 0; i < PATTERN_SIZE; i++) p[i] = text.charCodeAt(i % text.length);
  return p;
})();
const PATTERN_PREFIX_SUM: Float64Array = (() => {
  const t = new Float64Array(PATTERN_SIZE + 1);
  let even = 0;
  for (let len = 1; len <= PATTERN_SIZE; len++) {
    if (len & 1) t[len] = even + (PAYLOAD_PATTERN[len - 1] as number) * 256;
    else {
      even += (PAYLOAD_PATTERN[len - 2] as number) * 256 + (PAYLOAD_PATTERN[len - 1] as number);
      t[len] = even;
    }
  }
  return t;
})();
export const MAX_PAYLOAD = PATTERN_SIZE - 100;
/** Largest frame any event can produce: the pcap writer keeps this much room. */
export const MAX_FRAME = 18 + 40 + 60 + MAX_PAYLOAD;

const PROTO_NUMBER: Record<FlowProtocol, [number, number]> = { tcp: [6, 6], udp: [17, 17], icmp: [1, 58] };

/**
 * Encodes one event of `ctx` into buf at `off`, fills `out`, and advances the context's sequence state.
 * Returns the frame length.
 */
export function encodePacket(buf: Uint8Array, off: number, ctx: FlowContext, ev: PacketEvent, out: Packet): number {
  if (ev.len > MAX_PAYLOAD || ev.len < 0) throw new Error(`payload of ${ev.len} bytes: at most ${MAX_PAYLOAD} per packet`);
  const dir = ev.dir;
  const link = ctx.linkHeader[dir];
  copySmall(link, buf, off);
  const ipOff = off + link.length;
  const v6 = ctx.ipVersion === 6;
  const ipHeaderLen = v6 ? 40 : 20;
  const l4 = ipOff + ipHeaderLen;
  const protoNumber = PROTO_NUMBER[ctx.protocol][v6 ? 1 : 0];
  let l4HeaderLen: number;
  let l4Sum: number;
  let flags = 0;
  const len = ev.len;
  if (ctx.protocol === 'tcp') {
    const r = encodeTcp(buf, l4, ctx, ev);
    l4HeaderLen = r >> 8;
    flags = r & 0xff;
    l4Sum = 0;
  } else if (ctx.protocol === 'udp') {
    l4HeaderLen = 8;
    const srcPort = ctx.port[dir];
    const dstPort = ctx.port[dir ^ 1];
    const udpLen = 8 + len;
    buf[l4] = srcPort >> 8;
    buf[l4 + 1] = srcPort & 0xff;
    buf[l4 + 2] = dstPort >> 8;
    buf[l4 + 3] = dstPort & 0xff;
    buf[l4 + 4] = udpLen >> 8;
    buf[l4 + 5] = udpLen & 0xff;
    buf[l4 + 6] = 0;
    buf[l4 + 7] = 0;
    l4Sum = 0;
  } else {
    l4HeaderLen = 8;
    const request = ev.kind === Kind.EchoRequest;
    if (request) ctx.echoSeq = (ctx.echoSeq + 1) & 0xffff;
    buf[l4] = v6 ? (request ? 128 : 129) : request ? 8 : 0;
    buf[l4 + 1] = 0;
    buf[l4 + 2] = 0;
    buf[l4 + 3] = 0;
    const id = ctx.port[0];
    buf[l4 + 4] = id >> 8;
    buf[l4 + 5] = id & 0xff;
    buf[l4 + 6] = ctx.echoSeq >> 8;
    buf[l4 + 7] = ctx.echoSeq & 0xff;
    l4Sum = 0;
  }
  const l4Len = l4HeaderLen + len;
  // Buffer#copy takes offsets, so no view object is allocated per packet.
  if (len > 0) PAYLOAD_PATTERN.copy(buf, l4 + l4HeaderLen, 0, len);
  // Checksum: header words + payload table + pseudo-header (not for ICMPv4, which has none).
  l4Sum = sum16(buf, l4, l4 + l4HeaderLen, PATTERN_PREFIX_SUM[len] as number);
  if (!(ctx.protocol === 'icmp' && !v6)) l4Sum += ctx.addrSum + protoNumber + l4Len;
  let ck = foldChecksum(l4Sum);
  const ckOff = ctx.protocol === 'tcp' ? 16 : ctx.protocol === 'udp' ? 6 : 2;
  // UDP sends 0xffff for a computed zero: zero means "no checksum".
  if (ck === 0 && ctx.protocol === 'udp') ck = 0xffff;
  buf[l4 + ckOff] = ck >> 8;
  buf[l4 + ckOff + 1] = ck & 0xff;

  const ipTotal = ipHeaderLen + l4Len;
  if (v6) {
    buf[ipOff] = 0x60;
    buf[ipOff + 1] = 0;
    buf[ipOff + 2] = 0;
    buf[ipOff + 3] = 0;
    buf[ipOff + 4] = l4Len >> 8;
    buf[ipOff + 5] = l4Len & 0xff;
    buf[ipOff + 6] = protoNumber;
    buf[ipOff + 7] = 64;
    copySmall(ctx.addr[dir], buf, ipOff + 8);
    copySmall(ctx.addr[dir ^ 1], buf, ipOff + 24);
  } else {
    const id = ctx.ipId[dir];
    ctx.ipId[dir] = (id + 1) & 0xffff;
    buf[ipOff] = 0x45;
    buf[ipOff + 1] = 0;
    buf[ipOff + 2] = ipTotal >> 8;
    buf[ipOff + 3] = ipTotal & 0xff;
    buf[ipOff + 4] = id >> 8;
    buf[ipOff + 5] = id & 0xff;
    buf[ipOff + 6] = 0x40; // DF
    buf[ipOff + 7] = 0;
    buf[ipOff + 8] = 64;
    buf[ipOff + 9] = protoNumber;
    buf[ipOff + 10] = 0;
    buf[ipOff + 11] = 0;
    copySmall(ctx.addr[dir], buf, ipOff + 12);
    copySmall(ctx.addr[dir ^ 1], buf, ipOff + 16);
    const ipCk = foldChecksum(sum16(buf, ipOff, ipOff + 20));
    buf[ipOff + 10] = ipCk >> 8;
    buf[ipOff + 11] = ipCk & 0xff;
  }
  const frameLength = link.length + ipTotal;
  out.tsUs = ev.tsUs;
  out.dir = dir;
  out.frameLength = frameLength;
  out.ipBytes = ipTotal;
  out.payloadBytes = len;
  out.tcpFlags = flags;
  return frameLength;
}

/** For headers of a few bytes a plain loop beats TypedArray#set, which crosses into C++. */
function copySmall(src: Uint8Array, dst: Uint8Array, at: number): void {
  for (let i = 0; i < src.length; i++) dst[at + i] = src[i] as number;
}

/** Writes the TCP header (checksum zero) and returns (header length << 8) | flags. */
function encodeTcp(buf: Uint8Array, o: number, ctx: FlowContext, ev: PacketEvent): number {
  const dir = ev.dir;
  const other = (dir ^ 1) as Dir;
  const seqs = ctx.nextSeq;
  let seq = seqs[dir];
  let ack = seqs[other];
  let flags = TCP_ACK;
  let withMss = false;
  switch (ev.kind) {
    case Kind.Syn:
      flags = TCP_SYN;
      ack = 0;
      withMss = true;
      seqs[dir] = (seq + 1) >>> 0;
      break;
    case Kind.SynAck:
      flags = TCP_SYN | TCP_ACK;
      withMss = true;
      seqs[dir] = (seq + 1) >>> 0;
      break;
    case Kind.Ack:
      break;
    case Kind.Data:
      if (ev.push) flags |= TCP_PSH;
      seqs[dir] = (seq + ev.len) >>> 0;
      break;
    case Kind.Keepalive:
      seq = (seq - 1) >>> 0;
      break;
    case Kind.Fin:
      flags |= TCP_FIN;
      seqs[dir] = (seq + 1) >>> 0;
      break;
    case Kind.Rst:
      flags |= TCP_RST;
      break;
    default:
      throw new Error(`event kind ${ev.kind} on a TCP connection`);
  }
  const headerLen = withMss ? 24 : 20;
  const sp = ctx.port[dir];
  const dp = ctx.port[other];
  buf[o] = sp >> 8;
  buf[o + 1] = sp & 0xff;
  buf[o + 2] = dp >> 8;
  buf[o + 3] = dp & 0xff;
  buf[o + 4] = seq >>> 24;
  buf[o + 5] = (seq >>> 16) & 0xff;
  buf[o + 6] = (seq >>> 8) & 0xff;
  buf[o + 7] = seq & 0xff;
  buf[o + 8] = ack >>> 24;
  buf[o + 9] = (ack >>> 16) & 0xff;
  buf[o + 10] = (ack >>> 8) & 0xff;
  buf[o + 11] = ack & 0xff;
  buf[o + 12] = (headerLen / 4) << 4;
  buf[o + 13] = flags;
  buf[o + 14] = 0xff; // window 65535, no scaling: small flows never fill it
  buf[o + 15] = 0xff;
  buf[o + 16] = 0;
  buf[o + 17] = 0;
  buf[o + 18] = 0;
  buf[o + 19] = 0;
  if (withMss) {
    buf[o + 20] = 2;
    buf[o + 21] = 4;
    buf[o + 22] = ctx.mss >> 8;
    buf[o + 23] = ctx.mss & 0xff;
  }
  return (headerLen << 8) | flags;
}
