import { createHash, type Hash } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';

/**
 * Classic pcap (libpcap 2.4, little-endian, linktype 1 Ethernet, snaplen 65535), streamed to `<file>.tmp` in large
 * chunks and renamed into place on close, with its sha256 computed on the way. Callers write records straight
 * into `buf` at `pos` (see `beginRecord`/`endRecord`) and await `flush()` only when `room()` says the chunk is full,
 * so the per-packet path has no promise in it.
 */
export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const LINKTYPE_ETHERNET = 1;
export const SNAPLEN = 65535;
export const RECORD_HEADER = 16;
const DEFAULT_CHUNK = 4 * 1024 * 1024;

export interface PcapSummary {
  path: string;
  sha256: string;
  /** File size. */
  bytes: number;
  packets: number;
  /** Sum of captured frame lengths. */
  frameBytes: number;
}

export class PcapWriter {
  buf: Buffer;
  pos = 0;
  packets = 0;
  frameBytes = 0;
  private spare: Buffer;
  private pending: Promise<void> | undefined;
  private written = 0;
  private readonly hash: Hash = createHash('sha256');
  private closed = false;
  private failure: Error | undefined;
  private readonly nanos: boolean;

  private constructor(
    private readonly fh: FileHandle,
    readonly path: string,
    private readonly tmpPath: string,
    resolution: 'us' | 'ns',
    chunkBytes: number,
  ) {
    this.buf = Buffer.allocUnsafe(chunkBytes);
    this.spare = Buffer.allocUnsafe(chunkBytes);
    this.nanos = resolution === 'ns';
    const b = this.buf;
    b.writeUInt32LE(this.nanos ? PCAP_MAGIC_NS : PCAP_MAGIC_US, 0);
    b.writeUInt16LE(2, 4);
    b.writeUInt16LE(4, 6);
    b.writeInt32LE(0, 8); // thiszone
    b.writeUInt32LE(0, 12); // sigfigs
    b.writeUInt32LE(SNAPLEN, 16);
    b.writeUInt32LE(LINKTYPE_ETHERNET, 20);
    this.pos = 24;
  }

  static async create(path: string, resolution: 'us' | 'ns' = 'us', chunkBytes = DEFAULT_CHUNK): Promise<PcapWriter> {
    const tmpPath = `${path}.tmp`;
    const fh = await open(tmpPath, 'w');
    return new PcapWriter(fh, path, tmpPath, resolution, Math.max(chunkBytes, 2 * (SNAPLEN + RECORD_HEADER)));
  }

  /** Free bytes in the current chunk. */
  room(): number {
    return this.buf.length - this.pos;
  }

  /**
   * Completes the record whose frame (of `frameLength` bytes) the caller wrote at `pos + RECORD_HEADER`:
   * fills the record header and moves `pos` past it.
   */
  endRecord(tsUs: number, frameLength: number): void {
    if (frameLength > SNAPLEN) throw new Error(`frame of ${frameLength} bytes exceeds the snaplen ${SNAPLEN}`);
    const b = this.buf;
    const p = this.pos;
    const sec = Math.floor(tsUs / 1e6);
    const frac = (tsUs - sec * 1e6) * (this.nanos ? 1000 : 1);
    b.writeUInt32LE(sec, p);
    b.writeUInt32LE(frac, p + 4);
    b.writeUInt32LE(frameLength, p + 8);
    b.writeUInt32LE(frameLength, p + 12);
    this.pos = p + RECORD_HEADER + frameLength;
    this.packets += 1;
    this.frameBytes += frameLength;
  }

  /** Hands the filled part of the chunk to the file and continues in the other chunk (double buffering). */
  async flush(): Promise<void> {
    if (this.pos === 0) return;
    const data = this.buf.subarray(0, this.pos);
    this.hash.update(data);
    // At most one write in flight: waiting for it here is the backpressure, and frees `spare` for reuse.
    await this.settle();
    // The handler is attached now so that a failing write is never an unhandled rejection; settle() rethrows it.
    this.pending = writeFully(this.fh, data).catch((e: unknown) => {
      this.failure = e instanceof Error ? e : new Error(String(e));
    });
    this.written += data.length;
    const next = this.spare;
    this.spare = this.buf;
    this.buf = next;
    this.pos = 0;
  }

  private async settle(): Promise<void> {
    if (this.pending) await this.pending;
    this.pending = undefined;
    if (this.failure) throw this.failure;
  }

  async close(): Promise<PcapSummary> {
    if (this.closed) throw new Error('pcap writer closed twice');
    this.closed = true;
    await this.flush();
    await this.settle();
    await this.fh.close();
    await rename(this.tmpPath, this.path);
    return { path: this.path, sha256: this.hash.digest('hex'), bytes: this.written, packets: this.packets, frameBytes: this.frameBytes };
  }

  /** Gives up: closes and removes the temporary file, leaving any earlier file at `path` untouched. */
  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pending) await this.pending;
    await this.fh.close().catch(() => undefined);
    await rm(this.tmpPath, { force: true });
  }
}

async function writeFully(fh: FileHandle, data: Buffer): Promise<void> {
  let off = 0;
  while (off < data.length) {
    const { bytesWritten } = await fh.write(data, off, data.length - off);
    off += bytesWritten;
  }
}
