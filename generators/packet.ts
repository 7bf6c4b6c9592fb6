import { ipVersion } from '../harness/core/ip-address.js';
import { ipBytes, macOf } from './addresses.js';
import { foldChecksum, sum16 } from './checksum.js';
import { generatorSlab } from './typed-slab.js';

/**
 * Frame encoders: Ethernet (optionally 802.1Q), IPv4/IPv6, TCP/UDP/ICMP echo, all checksums valid. Frames are
 * written straight into a caller's buffer (the pcap writer's chunk) so the hot path allocates nothing.
 *
 * Each connection keeps, per direction, a template of its headers with every fixed field filled in and the sum of
 * those fixed words; a packet copies the template, patches the few fields that change (lengths, IP id, seq, ack,
 * flags, echo sequence) and finishes the checksums by adding only those words and the payload's table entry.
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

/** An event's kind, direction and push flag packed in one small integer, so queued events need no object. */
export const CODE_KIND = 0x0f;
export const CODE_DIR1 = 0x10;
export const CODE_PUSH = 0x20;

export function eventCode(dir: Dir, kind: Kind, push: boolean): number {
  return kind | (dir === 1 ? CODE_DIR1 : 0) | (push ? CODE_PUSH : 0);
}

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

/** Room for both directions' templates: Ethernet, VLAN, IPv6 and TCP headers, rounded up to 8-byte words. */
const TEMPLATE_SCRATCH = new Uint8Array(2 * 8 * Math.ceil((18 + 40 + 20) / 8));

const N_L4_BASE = 0;
const N_IP_BASE = 2;
/** Where a FlowContext's words keep the next sequence number and IPv4 id of each direction (a parked connection saves them). */
export const N_SEQ = 4;
export const N_IP_ID = 6;
const TEMPLATE_AT = 8;

/** Everything fixed about one connection's frames, plus the little state that changes (seq, IP id, echo seq). */
export class FlowContext {
  readonly ipVersion: 4 | 6;
  readonly tcp: boolean;
  readonly udp: boolean;
  /** Ethernet (+VLAN) header length: the same both ways. */
  readonly linkLen: number;
  readonly ipHeaderLen: number;
  readonly l4HeaderLen: number;
  /**
   * Everything the encoder reads per packet, in one array (one typed-array view per connection: hundreds of
   * thousands of connections are alive at once at a million, and each view costs ~100 bytes of its own):
   * [N_L4_BASE + dir] unfolded sum of the fixed L4 header words plus the pseudo-header's addresses and protocol;
   * [N_IP_BASE + dir] unfolded sum of the fixed IPv4 header words; [N_SEQ + dir] next sequence number each side
   * sends (unsigned 32-bit); [N_IP_ID + dir] next IPv4 id; from TEMPLATE_AT, the link, IP and base L4 header with
   * variable fields zero, as little-endian float64 words (8 bytes a store, zero-padded): the client's direction in
   * words [0, template64Words), the server's after it.
   */
  readonly words: Float64Array;
  readonly template64Words: number;
  /**
   * The same template bytes as 32-bit words (each direction 2 x template64Words of them), only when one of the
   * float64 words would be a NaN, whose bits a float store need not keep.
   */
  readonly template32: Int32Array | undefined;
  echoSeq = 0;
  /** TCP flags of the last frame encoded (0 for UDP/ICMP). */
  lastFlags = 0;

  constructor(
    protocol: FlowProtocol,
    clientAddr: string,
    clientPort: number,
    serverAddr: string,
    serverPort: number,
    vlan: number | undefined,
    readonly mss: number,
    initial: { clientSeq: number; serverSeq: number; clientIpId: number; serverIpId: number },
  ) {
    this.ipVersion = ipVersion(clientAddr);
    if (ipVersion(serverAddr) !== this.ipVersion) throw new Error(`mixed IP versions: ${clientAddr} and ${serverAddr}`);
    this.tcp = protocol === 'tcp';
    this.udp = protocol === 'udp';
    const v6 = this.ipVersion === 6;
    const addr = [ipBytes(clientAddr), ipBytes(serverAddr)] as const;
    const port = [clientPort, serverPort] as const;
    const cMac = macOf(addr[0]);
    const sMac = macOf(addr[1]);
    const links = [linkHeader(sMac, cMac, vlan, this.ipVersion), linkHeader(cMac, sMac, vlan, this.ipVersion)] as const;
    this.linkLen = links[0].length;
    this.ipHeaderLen = v6 ? 40 : 20;
    this.l4HeaderLen = this.tcp ? 20 : 8;
    const protoNumber = PROTO_NUMBER[protocol][v6 ? 1 : 0];
    const addrSum = sum16(addr[0], 0, addr[0].length, sum16(addr[1], 0, addr[1].length));
    const pseudo = protocol === 'icmp' && !v6 ? 0 : addrSum + protoNumber;
    const headerLen = this.linkLen + this.ipHeaderLen + this.l4HeaderLen;
    this.template64Words = Math.ceil(headerLen / 8);
    const bytesPerDir = 8 * this.template64Words;
    const words = generatorSlab.f64(TEMPLATE_AT + 2 * this.template64Words);
    const nums = words;
    // Built in a scratch buffer (the constructor is synchronous) and kept only as the two word arrays below.
    const all = TEMPLATE_SCRATCH.subarray(0, 2 * bytesPerDir).fill(0);
    for (const dir of [0, 1] as const) {
      const t = all.subarray(dir * bytesPerDir, (dir + 1) * bytesPerDir);
      t.set(links[dir], 0);
      const ip = this.linkLen;
      const src = addr[dir];
      const dst = addr[dir ^ 1] as Uint8Array;
      if (v6) {
        t[ip] = 0x60;
        t[ip + 6] = protoNumber;
        t[ip + 7] = 64;
        t.set(src, ip + 8);
        t.set(dst, ip + 24);
      } else {
        t[ip] = 0x45;
        t[ip + 6] = 0x40; // DF
        t[ip + 8] = 64;
        t[ip + 9] = protoNumber;
        t.set(src, ip + 12);
        t.set(dst, ip + 16);
        nums[N_IP_BASE + dir] = sum16(t, ip, ip + 20);
      }
      const l4 = ip + this.ipHeaderLen;
      if (protocol === 'icmp') {
        const id = clientPort;
        t[l4 + 4] = id >> 8;
        t[l4 + 5] = id & 0xff;
      } else {
        const sp = port[dir];
        const dp = port[dir ^ 1];
        t[l4] = sp >> 8;
        t[l4 + 1] = sp & 0xff;
        t[l4 + 2] = dp >> 8;
        t[l4 + 3] = dp & 0xff;
        if (this.tcp) {
          t[l4 + 14] = 0xff; // window 65535, no scaling: small flows never fill it
          t[l4 + 15] = 0xff;
        }
      }
      nums[N_L4_BASE + dir] = sum16(t, l4, l4 + this.l4HeaderLen, pseudo);
    }
    // Copied as bytes (a float64 store could change a NaN's bits); the 32-bit view reads the very same bytes.
    const templateBytes = 2 * bytesPerDir;
    new Uint8Array(words.buffer, words.byteOffset + 8 * TEMPLATE_AT, templateBytes).set(all);
    let nan = false;
    for (let i = 0; i < 2 * this.template64Words; i++) if (Number.isNaN(words[TEMPLATE_AT + i])) nan = true;
    this.template32 = nan ? new Int32Array(words.buffer, words.byteOffset + 8 * TEMPLATE_AT, templateBytes / 4) : undefined;
    nums[N_SEQ] = initial.clientSeq >>> 0;
    nums[N_SEQ + 1] = initial.serverSeq >>> 0;
    nums[N_IP_ID] = initial.clientIpId & 0xffff;
    nums[N_IP_ID + 1] = initial.serverIpId & 0xffff;
    this.words = words;
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
/**
 * The largest payload of one packet: the largest UDP or ICMP datagram a scenario may ask for (MAX_DATAGRAM_PAYLOAD in
 * harness/scenario/parse-scenario.ts: one 65535-byte frame with Ethernet, VLAN, IPv6 and UDP headers; a test keeps
 * the two equal). It was PATTERN_SIZE - 100 (65436), below what a scenario may ask, so a UDP request of 65437..65469
 * bytes passed validation and crashed the generator with a stack trace.
 */
export const MAX_PAYLOAD = 65535 - 14 - 4 - 40 - 8;
/**
 * The pattern as little-endian float64 words, as long as the largest payload: 8 bytes a store. The bytes are
 * printable ASCII, so no word is a NaN (that needs a top byte 0x7f/0xff followed by 0xf?), whose bits a float
 * store might not keep.
 */
const PATTERN_WORDS: Float64Array = (() => {
  const w = new Float64Array(Math.ceil(MAX_PAYLOAD / 8));
  const v = new DataView(PAYLOAD_PATTERN.buffer, PAYLOAD_PATTERN.byteOffset, 8 * w.length);
  for (let i = 0; i < w.length; i++) {
    w[i] = v.getFloat64(8 * i, true);
    if (Number.isNaN(w[i])) throw new Error('payload pattern word is a NaN');
  }
  return w;
})();
/** Largest frame any event can produce: the pcap writer keeps this much room. */
export const MAX_FRAME = 18 + 40 + 60 + MAX_PAYLOAD;
/** Bytes after a frame that encoding may overwrite: writers keep this much room beyond MAX_FRAME. */
export const FRAME_SLACK = 8;

const PROTO_NUMBER: Record<FlowProtocol, [number, number]> = { tcp: [6, 6], udp: [17, 17], icmp: [1, 58] };

/**
 * Where frames are encoded: a buffer and a DataView on the same bytes. Up to FRAME_SLACK bytes after a frame may be
 * overwritten (headers and payloads are copied in whole words).
 */
export interface FrameBuffer {
  buf: Uint8Array;
  view: DataView;
}

/**
 * Encodes one event (`code` from `eventCode`, `len` payload bytes) of `ctx` at `off` in `fb` and advances the
 * context's sequence state; `ctx.lastFlags` tells the TCP flags sent. Returns the frame length; the IP bytes are
 * the frame length minus `ctx.linkLen`.
 */
export function encodeFrame(fb: FrameBuffer, off: number, ctx: FlowContext, code: number, len: number): number {
  if (len > MAX_PAYLOAD) throw new Error(`payload of ${len} bytes: at most ${MAX_PAYLOAD} per packet`);
  const buf = fb.buf;
  const view = fb.view;
  const dir = (code & CODE_DIR1) === 0 ? 0 : 1;
  const nums = ctx.words;
  const t32 = ctx.template32;
  if (t32 === undefined) {
    // Four words a round: the loop's own work (counter, branch) cost as much as the stores.
    const words = ctx.template64Words;
    const first = TEMPLATE_AT + dir * words;
    let i = 0;
    for (; i + 4 <= words; i += 4) {
      const o = off + 8 * i;
      const w = first + i;
      view.setFloat64(o, nums[w] as number, true);
      view.setFloat64(o + 8, nums[w + 1] as number, true);
      view.setFloat64(o + 16, nums[w + 2] as number, true);
      view.setFloat64(o + 24, nums[w + 3] as number, true);
    }
    for (; i < words; i++) view.setFloat64(off + 8 * i, nums[first + i] as number, true);
  } else {
    const words = 2 * ctx.template64Words;
    const first = dir * words;
    for (let i = 0; i < words; i++) view.setInt32(off + 4 * i, t32[first + i] as number, true);
  }
  const ipOff = off + ctx.linkLen;
  const l4 = ipOff + ctx.ipHeaderLen;
  let l4HeaderLen = ctx.l4HeaderLen;
  let l4Sum = nums[N_L4_BASE + dir] as number;
  let ckOff: number;
  let flags = 0;
  if (ctx.tcp) {
    const other = dir ^ 1;
    let seq = nums[N_SEQ + dir] as number;
    let ack = nums[N_SEQ + other] as number;
    flags = TCP_ACK;
    const kind = code & CODE_KIND;
    switch (kind) {
      case Kind.Syn:
        flags = TCP_SYN;
        ack = 0;
        l4HeaderLen = 24;
        nums[N_SEQ + dir] = (seq + 1) >>> 0;
        break;
      case Kind.SynAck:
        flags = TCP_SYN | TCP_ACK;
        l4HeaderLen = 24;
        nums[N_SEQ + dir] = (seq + 1) >>> 0;
        break;
      case Kind.Ack:
        break;
      case Kind.Data:
        if (code & CODE_PUSH) flags |= TCP_PSH;
        nums[N_SEQ + dir] = (seq + len) >>> 0;
        break;
      case Kind.Keepalive:
        seq = (seq - 1) >>> 0;
        break;
      case Kind.Fin:
        flags |= TCP_FIN;
        nums[N_SEQ + dir] = (seq + 1) >>> 0;
        break;
      case Kind.Rst:
        flags |= TCP_RST;
        break;
      default:
        throw new Error(`event kind ${kind} on a TCP connection`);
    }
    view.setUint32(l4 + 4, seq);
    view.setUint32(l4 + 8, ack);
    const offsetByte = (l4HeaderLen >> 2) << 4;
    view.setUint16(l4 + 12, offsetByte * 256 + flags);
    l4Sum += (seq >>> 16) + (seq & 0xffff) + (ack >>> 16) + (ack & 0xffff) + offsetByte * 256 + flags;
    if (l4HeaderLen === 24) {
      const mss = ctx.mss;
      view.setUint32(l4 + 20, 0x02040000 + mss);
      l4Sum += 0x0204 + mss;
    }
    l4Sum += l4HeaderLen + len; // pseudo-header length
    ckOff = l4 + 16;
  } else if (ctx.udp) {
    const udpLen = 8 + len;
    view.setUint16(l4 + 4, udpLen);
    l4Sum += 2 * udpLen; // the header field and the pseudo-header
    ckOff = l4 + 6;
  } else {
    const request = (code & CODE_KIND) === Kind.EchoRequest;
    if (request) ctx.echoSeq = (ctx.echoSeq + 1) & 0xffff;
    const v6 = ctx.ipVersion === 6;
    const type = v6 ? (request ? 128 : 129) : request ? 8 : 0;
    buf[l4] = type;
    const es = ctx.echoSeq;
    view.setUint16(l4 + 6, es);
    l4Sum += type * 256 + es;
    if (v6) l4Sum += 8 + len; // ICMPv6 has a pseudo-header, ICMPv4 none
    ckOff = l4 + 2;
  }
  const l4Len = l4HeaderLen + len;
  if (len > 0) {
    const at = l4 + l4HeaderLen;
    // In 64-bit words, however long: copyWithin (a memmove) was 2-4x slower into the writer's chunks, which are
    // shared memory, where V8 copies element by element (a 1460-byte segment: ~400 ns against ~200), and it cost a
    // call out of compiled code per packet besides.
    let i = 0;
    for (; i + 32 <= len; i += 32) {
      const w = i >> 3;
      view.setFloat64(at + i, PATTERN_WORDS[w] as number, true);
      view.setFloat64(at + i + 8, PATTERN_WORDS[w + 1] as number, true);
      view.setFloat64(at + i + 16, PATTERN_WORDS[w + 2] as number, true);
      view.setFloat64(at + i + 24, PATTERN_WORDS[w + 3] as number, true);
    }
    for (; i < len; i += 8) view.setFloat64(at + i, PATTERN_WORDS[i >> 3] as number, true);
  }
  l4Sum += PATTERN_PREFIX_SUM[len] as number;
  let ck = foldChecksum(l4Sum);
  // UDP sends 0xffff for a computed zero: zero means "no checksum".
  if (ck === 0 && ctx.udp) ck = 0xffff;
  view.setUint16(ckOff, ck);

  const ipTotal = ctx.ipHeaderLen + l4Len;
  if (ctx.ipVersion === 6) {
    view.setUint16(ipOff + 4, l4Len);
  } else {
    const id = nums[N_IP_ID + dir] as number;
    nums[N_IP_ID + dir] = (id + 1) & 0xffff;
    view.setUint32(ipOff + 2, ipTotal * 65536 + id);
    const ipCk = foldChecksum((nums[N_IP_BASE + dir] as number) + ipTotal + id);
    view.setUint16(ipOff + 10, ipCk);
  }
  ctx.lastFlags = flags;
  return ctx.linkLen + ipTotal;
}

const scratch: FrameBuffer = (() => {
  const ab = new ArrayBuffer(MAX_FRAME + FRAME_SLACK);
  return { buf: new Uint8Array(ab), view: new DataView(ab) };
})();

/** The object form of `encodeFrame`, for callers that hold an event and want the packet's numbers back. */
export function encodePacket(buf: Uint8Array, off: number, ctx: FlowContext, ev: PacketEvent, out: Packet): number {
  if (ev.len < 0) throw new Error(`payload of ${ev.len} bytes`);
  const frameLength = encodeFrame(scratch, 0, ctx, eventCode(ev.dir, ev.kind, ev.push === true), ev.len);
  buf.set(scratch.buf.subarray(0, frameLength), off);
  out.tsUs = ev.tsUs;
  out.dir = ev.dir;
  out.frameLength = frameLength;
  out.ipBytes = frameLength - ctx.linkLen;
  out.payloadBytes = ev.len;
  out.tcpFlags = ctx.lastFlags;
  return frameLength;
}
