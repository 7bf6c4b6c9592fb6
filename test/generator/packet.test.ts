import { expect } from 'chai';
import { execa } from 'execa';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { ipv4Bytes, ipv6Bytes, macFor } from '../../generators/addresses.js';
import { internetChecksum } from '../../generators/checksum.js';
import { encodePacket, FlowContext, Kind, type Packet } from '../../generators/packet.js';
import { PcapWriter, RECORD_HEADER } from '../../generators/pcap-writer.js';

const initial = { clientSeq: 1000, serverSeq: 5000, clientIpId: 0, serverIpId: 0 };
const out = (): Packet => ({ tsUs: 0, dir: 0, frameLength: 0, ipBytes: 0, payloadBytes: 0, tcpFlags: 0 });

describe('packet encoders against known bytes', () => {
  it('computes the RFC 1071 example checksum', () => {
    // RFC 1071 section 3: words 0001 f203 f4f5 f6f7 sum to 0x2ddf0, folded 0xddf2, complemented 0x220d.
    expect(internetChecksum(Uint8Array.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]))).to.equal(0x220d);
  });

  it('writes the IPv4 header of the textbook example with checksum 0xb861', () => {
    // The header 4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7 (hand-checked: the words sum to 0x479e,
    // whose complement is 0xb861): a UDP datagram of 115 - 28 = 87 payload bytes, IP id 0, DF, TTL 64.
    const ctx = new FlowContext('udp', '192.168.0.1', 1234, '192.168.0.199', 53, undefined, 1460, initial);
    const buf = new Uint8Array(2000);
    const p = out();
    const n = encodePacket(buf, 0, ctx, { tsUs: 0, dir: 0, kind: Kind.Udp, len: 87 }, p);
    expect(n).to.equal(14 + 115);
    expect(Buffer.from(buf.subarray(14, 34)).toString('hex')).to.equal('45000073000040004011b861c0a80001c0a800c7');
    expect(p.ipBytes).to.equal(115);
    expect(p.payloadBytes).to.equal(87);
    // Ethernet: destination MAC of the server, source of the client, EtherType IPv4.
    expect(Buffer.from(buf.subarray(0, 14)).toString('hex')).to.equal('0200c0a800c70200c0a800010800');
  });

  it('tags 802.1Q frames and encodes IPv6 with hop limit 64', () => {
    const ctx = new FlowContext('udp', '2001:db8::1', 1000, '2001:db8::2', 2000, 100, 1460, initial);
    const buf = new Uint8Array(2000);
    const p = out();
    encodePacket(buf, 0, ctx, { tsUs: 0, dir: 1, kind: Kind.Udp, len: 4 }, p);
    expect(Buffer.from(buf.subarray(12, 18)).toString('hex')).to.equal('8100006486dd');
    expect(Buffer.from(buf.subarray(18, 26)).toString('hex')).to.equal('60000000000c1140');
    expect(Buffer.from(buf.subarray(26, 42))).to.deep.equal(Buffer.from(ipv6Bytes('2001:db8::2')));
    expect(p.ipBytes).to.equal(40 + 12);
  });

  it('falls back to 32-bit header words when a 64-bit word of the template would be a NaN', () => {
    // 255.255.x.x as the destination puts 0xff 0xff at the top of a little-endian 64-bit word: a NaN pattern.
    const ctx = new FlowContext('udp', '192.0.2.1', 1234, '255.255.0.1', 53, undefined, 1460, initial);
    expect(ctx.template32).to.not.equal(undefined);
    const plain = new FlowContext('udp', '192.0.2.1', 1234, '192.0.2.2', 53, undefined, 1460, initial);
    expect(plain.template32).to.equal(undefined);
    const buf = new Uint8Array(2000);
    encodePacket(buf, 0, ctx, { tsUs: 0, dir: 0, kind: Kind.Udp, len: 10 }, out());
    expect(Buffer.from(buf.subarray(26, 34)).toString('hex')).to.equal('c0000201ffff0001');
    expect(internetChecksum(buf, 14, 34)).to.equal(0);
  });

  it('parses IPv6 text forms and derives MACs from addresses', () => {
    expect(Buffer.from(ipv6Bytes('::ffff:192.0.2.1')).toString('hex')).to.equal('00000000000000000000ffffc0000201');
    expect(Buffer.from(ipv6Bytes('2001:db8:0:0:1::')).toString('hex')).to.equal('20010db8000000000001000000000000');
    expect(Buffer.from(macFor('2001:db8::10')).toString('hex')).to.equal('020000000010');
    expect(() => ipv6Bytes('1::2::3')).to.throw(/IPv6/);
  });

  it('reads every dotted quad to its four bytes and refuses what is not one', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }), fc.boolean(), (bytes, padded) => {
        const text = bytes.map((b) => (padded ? String(b).padStart(3, '0') : String(b))).join('.');
        expect([...ipv4Bytes(text)]).to.deep.equal(bytes);
        expect(Buffer.from(macFor(text)).toString('hex')).to.equal(`0200${Buffer.from(bytes).toString('hex')}`);
      }),
    );
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.256', '1.300.3.4', '1..3.4', '.1.2.3', '1.2.3.', '1.2.3.4 ', ' 1.2.3.4', '1.2.3.0004', '1.2.3.a', '1.2.3.-4', '1:2:3:4']) {
      expect(() => ipv4Bytes(bad), bad).to.throw(/not an IPv4 address/);
    }
  });

  it('keeps TCP seq/ack consistent: SYN and FIN count one, data its length, keepalive at seq-1', () => {
    const ctx = new FlowContext('tcp', '192.0.2.1', 40000, '192.0.2.2', 80, undefined, 1460, initial);
    const buf = new Uint8Array(4000);
    const p = out();
    const seqAck = (): [number, number, number] => [Buffer.from(buf).readUInt32BE(34 + 4), Buffer.from(buf).readUInt32BE(34 + 8), buf[34 + 13] as number];
    encodePacket(buf, 0, ctx, { tsUs: 0, dir: 0, kind: Kind.Syn, len: 0 }, p);
    expect(seqAck()).to.deep.equal([1000, 0, 0x02]);
    expect(Buffer.from(buf.subarray(54, 58)).toString('hex')).to.equal('020405b4'); // MSS 1460 option
    encodePacket(buf, 0, ctx, { tsUs: 1, dir: 1, kind: Kind.SynAck, len: 0 }, p);
    expect(seqAck()).to.deep.equal([5000, 1001, 0x12]);
    encodePacket(buf, 0, ctx, { tsUs: 2, dir: 0, kind: Kind.Data, len: 100, push: true }, p);
    expect(seqAck()).to.deep.equal([1001, 5001, 0x18]);
    encodePacket(buf, 0, ctx, { tsUs: 3, dir: 0, kind: Kind.Keepalive, len: 0 }, p);
    expect(seqAck()).to.deep.equal([1100, 5001, 0x10]);
    encodePacket(buf, 0, ctx, { tsUs: 4, dir: 1, kind: Kind.Fin, len: 0 }, p);
    expect(seqAck()).to.deep.equal([5001, 1101, 0x11]);
    encodePacket(buf, 0, ctx, { tsUs: 5, dir: 0, kind: Kind.Rst, len: 0 }, p);
    expect(seqAck()).to.deep.equal([1101, 5002, 0x14]);
  });

  it('writes TCP, UDP and ICMP (v4 and v6) checksums that tshark verifies as good', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gen-packet-'));
    const file = path.join(dir, 'one-of-each.pcap');
    const w = await PcapWriter.create(file);
    const p = out();
    const frames: [FlowContext, Kind, number][] = [
      [new FlowContext('tcp', '192.0.2.1', 40000, '192.0.2.2', 9000, undefined, 1460, initial), Kind.Syn, 0],
      [new FlowContext('tcp', '2001:db8::1', 40000, '2001:db8::2', 9000, 5, 1460, initial), Kind.Data, 333],
      [new FlowContext('udp', '192.0.2.1', 1, '192.0.2.2', 2, undefined, 1460, initial), Kind.Udp, 17],
      [new FlowContext('udp', '2001:db8::1', 1, '2001:db8::2', 2, undefined, 1460, initial), Kind.Udp, 0],
      [new FlowContext('icmp', '192.0.2.1', 0x1234, '192.0.2.2', 0x1234, undefined, 1460, initial), Kind.EchoRequest, 32],
      [new FlowContext('icmp', '2001:db8::1', 0x1234, '2001:db8::2', 0x1234, 9, 1460, initial), Kind.EchoRequest, 57],
    ];
    frames.forEach(([ctx, kind, len], i) => {
      const n = encodePacket(w.buf, w.pos + RECORD_HEADER, ctx, { tsUs: 1_700_000_000_000_000 + i, dir: 0, kind, len }, p);
      w.endRecord(1_700_000_000_000_000 + i, n);
    });
    const summary = await w.close();
    expect(summary.packets).to.equal(6);
    const { stdout } = await execa('tshark', [
      '-n', '-r', file, '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE',
      '-T', 'fields', '-E', 'separator=,', '-e', 'ip.checksum.status', '-e', 'tcp.checksum.status', '-e', 'udp.checksum.status',
      '-e', 'icmp.checksum.status', '-e', 'icmpv6.checksum.status',
    ]);
    // status 1 = Good, 0 = Bad, 2 = unverified: every present status must be 1.
    const statuses = stdout.trim().split('\n').map((l) => l.split(',').filter((s) => s !== ''));
    expect(statuses).to.deep.equal([['1', '1'], ['1'], ['1', '1'], ['1'], ['1', '1'], ['1']]);
    const bytes = await readFile(file);
    expect(bytes.readUInt32LE(0)).to.equal(0xa1b2c3d4);
    expect(bytes.readUInt32LE(16)).to.equal(65535);
    expect(bytes.readUInt32LE(20)).to.equal(1);
  });
});
