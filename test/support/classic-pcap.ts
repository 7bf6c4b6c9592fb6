import { LINKTYPE_ETHERNET, PCAP_MAGIC_US } from '../../generators/pcap-writer.js';

/**
 * A classic little-endian microsecond pcap (Ethernet) from frames given whole, for tests that need a capture the
 * generator would never write (a snaplen that cuts, IPv6 extension headers). Each frame is stored up to `snaplen`
 * bytes, with its original length in the record header.
 */
export function classicPcap(frames: readonly { us: number; frame: Buffer }[], snaplen = 65535): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(PCAP_MAGIC_US, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(snaplen, 16);
  header.writeUInt32LE(LINKTYPE_ETHERNET, 20);
  const records = frames.map(({ us, frame }) => {
    const kept = frame.subarray(0, Math.min(frame.length, snaplen));
    const r = Buffer.alloc(16);
    r.writeUInt32LE(Math.floor(us / 1e6), 0);
    r.writeUInt32LE(us % 1e6, 4);
    r.writeUInt32LE(kept.length, 8);
    r.writeUInt32LE(frame.length, 12);
    return Buffer.concat([r, kept]);
  });
  return Buffer.concat([header, ...records]);
}

/** An Ethernet frame (made-up MACs) carrying an IPv6 packet. */
export function ethernetIpv6(ip: Buffer): Buffer {
  return Buffer.concat([Buffer.alloc(6, 2), Buffer.alloc(6, 4), Buffer.from([0x86, 0xdd]), ip]);
}
