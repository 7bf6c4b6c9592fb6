import { open } from 'node:fs/promises';

/**
 * The timestamps of a classic pcap file (what our generator and `tcpdump -w` write), in microseconds since the
 * epoch (fractional for nanosecond files), read in chunks: the replay's schedule and the reference capture's truth
 * of when each packet really passed.
 */
const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;

export async function readPcapTimestamps(file: string): Promise<number[]> {
  const handle = await open(file, 'r');
  try {
    const header = Buffer.alloc(24);
    const { bytesRead } = await handle.read(header, 0, 24, 0);
    if (bytesRead < 24) throw new Error(`${file}: shorter than a pcap header`);
    let little: boolean;
    let nano: boolean;
    if (header.readUInt32LE(0) === MAGIC_US || header.readUInt32LE(0) === MAGIC_NS) { little = true; nano = header.readUInt32LE(0) === MAGIC_NS; }
    else if (header.readUInt32BE(0) === MAGIC_US || header.readUInt32BE(0) === MAGIC_NS) { little = false; nano = header.readUInt32BE(0) === MAGIC_NS; }
    else throw new Error(`${file}: not a classic pcap file (magic ${header.readUInt32LE(0).toString(16)})`);
    const times: number[] = [];
    const chunk = Buffer.alloc(1 << 20);
    let carry = Buffer.alloc(0);
    let position = 24;
    for (;;) {
      const read = await handle.read(chunk, 0, chunk.length, position);
      if (read.bytesRead === 0) break;
      position += read.bytesRead;
      let buf = carry.length ? Buffer.concat([carry, chunk.subarray(0, read.bytesRead)]) : chunk.subarray(0, read.bytesRead);
      let at = 0;
      while (buf.length - at >= 16) {
        const sec = little ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
        const frac = little ? buf.readUInt32LE(at + 4) : buf.readUInt32BE(at + 4);
        const capLen = little ? buf.readUInt32LE(at + 8) : buf.readUInt32BE(at + 8);
        if (buf.length - at < 16 + capLen) break;
        times.push(sec * 1e6 + (nano ? frac / 1e3 : frac));
        at += 16 + capLen;
      }
      carry = Buffer.from(buf.subarray(at));
      buf = Buffer.alloc(0);
    }
    return times;
  } finally {
    await handle.close();
  }
}
