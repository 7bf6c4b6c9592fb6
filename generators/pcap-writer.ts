import { createHash } from 'node:crypto';
import { openSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { fdHandle, type FdHandle } from '../harness/io/atomic-write.js';
import { openSinkJob, type SinkJob } from './pcap-sink.js';
import { trackTempFile } from '../harness/io/temp-files.js';

/**
 * Classic pcap (libpcap 2.4, little-endian, linktype 1 Ethernet, snaplen 65535), streamed to `<file>.tmp` in large
 * chunks and renamed into place on close, with its sha256 computed on the way. Callers write records straight
 * into `buf` at `pos` (see `endRecord`) and await `flush()` only when `room()` says the chunk is full, so the
 * per-packet path has no promise in it.
 *
 * A full chunk is handed (shared memory, not copied) to the sink worker, which hashes and writes it off the main
 * thread and hands it back; at most MAX_CHUNKS chunks exist, which bounds memory and is the backpressure. A pcap
 * that fits in one chunk never involves the worker.
 */
export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const LINKTYPE_ETHERNET = 1;
export const SNAPLEN = 65535;
export const RECORD_HEADER = 16;
/**
 * With sync writes in the sink, 256 KB chunks beat 4 MB ones (a chunk still in cache when hashed: 250-300 ms against
 * 510-590 ms a 1 M-packet generation). Since the sink writes beside the hash, fewer handoffs win instead: measured
 * as the on-CPU time of a 1 M-packet generation (median of 5, three rounds, loaded machine), 1 MB chunks cost the
 * main thread 182-216 ms and the other threads 182-237 ms, where 256 KB ones cost 234-286 and 257-313 ms (each
 * handoff wakes the worker and a pool thread). Checked again once the sink wrote on its own thread: 512 KB chunks
 * were slower (wall median 285 ms against 269), 2 MB ones no clearly faster. Measured again on 2026-12-04 (5
 * alternating rounds of 8 generations, main-thread CPU from schedstat): 4 MB chunks cost the main thread a median
 * of 123-162 ms against 198-275 for 1 MB, wall 142-178 ms against 211-281, the other threads alike (134-148 ms); a
 * quarter of the handoffs, each an await, a message and a worker wake-up. Inside the generator bench, between its
 * 170 MB writes and hashes, the two sizes measured alike (ratios 0.58-0.78 either way, a noisy hour). Ctrl-C still
 * stops the generation within a few milliseconds (one chunk). It must hold two largest records (the floor in
 * `create`).
 */
const DEFAULT_CHUNK = 4 * 1024 * 1024;
/** One being filled, one being hashed/written, two queued: enough to keep both threads busy through a hiccup. */
const MAX_CHUNKS = 4;
/**
 * Chunks of finished writers, kept for the next one: a fresh chunk is shared memory the kernel must zero and fault
 * in page by page, which cost each 1 M-packet generation ~15 ms of its main thread. One writer's worth (16 MB kept).
 */
const SPARE_CHUNKS = MAX_CHUNKS;
const spareChunks: SharedArrayBuffer[] = [];

export interface PcapSummary {
  path: string;
  sha256: string;
  /** File size. */
  bytes: number;
  packets: number;
  /** Sum of captured frame lengths. */
  frameBytes: number;
}

export interface PcapWriterOptions {
  chunkBytes?: number;
}

export class PcapWriter {
  buf: Buffer;
  view: DataView;
  pos = 0;
  packets = 0;
  frameBytes = 0;
  /** Every chunk allocated, by number; `current` is being filled, `free` wait for it. */
  private readonly chunks: SharedArrayBuffer[] = [];
  /** The byte and DataView views of each chunk, made once. */
  private readonly bufs: Buffer[] = [];
  private readonly views: DataView[] = [];
  private current = 0;
  private readonly free: number[] = [];
  private waiting: { resolve: (chunk: number) => void; reject: (e: Error) => void } | undefined;
  private job: SinkJob | undefined;
  private written = 0;
  private closed = false;
  private failure: Error | undefined;
  private readonly nanos: boolean;

  private constructor(
    private readonly fh: FdHandle,
    readonly path: string,
    private readonly tmpPath: string,
    resolution: 'us' | 'ns',
    private readonly chunkBytes: number,
    /** Called once the temporary file is renamed into place or removed (see trackTempFile). */
    private readonly untrack: () => void,
  ) {
    const first = this.newChunk();
    this.buf = this.bufs[first] as Buffer;
    this.view = this.views[first] as DataView;
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

  static async create(path: string, resolution: 'us' | 'ns' = 'us', options: PcapWriterOptions = {}): Promise<PcapWriter> {
    const tmpPath = `${path}.tmp`;
    const untrack = trackTempFile(tmpPath);
    // Opened synchronously, as writeFileAtomic's temporaries are: a second Ctrl-C's exit handler then knows it exists.
    let fh: FdHandle;
    try {
      fh = fdHandle(openSync(tmpPath, 'w'));
    } catch (e) {
      untrack();
      throw e;
    }
    const chunk = Math.max(options.chunkBytes ?? DEFAULT_CHUNK, 2 * (SNAPLEN + RECORD_HEADER));
    return new PcapWriter(fh, path, tmpPath, resolution, chunk, untrack);
  }

  /** Free bytes in the current chunk. */
  room(): number {
    return this.chunkBytes - this.pos;
  }

  /**
   * Completes the record whose frame (of `frameLength` bytes) the caller wrote at `pos + RECORD_HEADER`:
   * fills the record header and moves `pos` past it.
   */
  endRecord(tsUs: number, frameLength: number): void {
    if (frameLength > SNAPLEN) throw new Error(`frame of ${frameLength} bytes exceeds the snaplen ${SNAPLEN}`);
    const v = this.view;
    const p = this.pos;
    const sec = Math.floor(tsUs / 1e6);
    const frac = (tsUs - sec * 1e6) * (this.nanos ? 1000 : 1);
    v.setUint32(p, sec, true);
    v.setUint32(p + 4, frac, true);
    v.setUint32(p + 8, frameLength, true);
    v.setUint32(p + 12, frameLength, true);
    this.pos = p + RECORD_HEADER + frameLength;
    this.packets += 1;
    this.frameBytes += frameLength;
  }

  /** Hands the filled part of the chunk to the sink worker and continues in a free chunk. */
  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.pos === 0) return;
    const job = (this.job ??= openSinkJob(this.fh.fd, (b) => this.chunkBack(b), (e) => this.fail(e)));
    job.send(this.current, this.chunks[this.current] as SharedArrayBuffer, this.pos);
    this.written += this.pos;
    const next = this.free.pop() ?? (this.chunks.length < MAX_CHUNKS ? this.newChunk() : await this.returnedChunk());
    this.current = next;
    this.buf = this.bufs[next] as Buffer;
    this.view = this.views[next] as DataView;
    this.pos = 0;
  }

  async close(): Promise<PcapSummary> {
    if (this.closed) throw new Error('pcap writer closed twice');
    this.closed = true;
    try {
      let sha256: string;
      if (this.job === undefined) {
        // Small pcap, one chunk: hashing it here is cheaper than a trip to the worker.
        const data = this.buf.subarray(0, this.pos);
        sha256 = createHash('sha256').update(data).digest('hex');
        await writeFully(this.fh, data);
        this.written += data.length;
      } else {
        if (this.failure) throw this.failure;
        if (this.pos > 0) {
          this.job.send(this.current, this.chunks[this.current] as SharedArrayBuffer, this.pos);
          this.written += this.pos;
        }
        sha256 = await this.job.end();
      }
      this.keepChunks();
      await this.fh.close();
      await rename(this.tmpPath, this.path);
      this.untrack();
      return { path: this.path, sha256, bytes: this.written, packets: this.packets, frameBytes: this.frameBytes };
    } catch (e) {
      await this.fh.close().catch(() => undefined);
      await rm(this.tmpPath, { force: true });
      this.untrack();
      throw this.naming(e);
    }
  }

  /** A write's errno error names no file: this pcap's path, for the one line a full disk gets. */
  private naming<E>(e: E): E {
    const errno = e as NodeJS.ErrnoException;
    if (e instanceof Error && typeof errno.code === 'string' && errno.path === undefined) errno.path = this.path;
    return e;
  }

  /** Gives up: closes and removes the temporary file, leaving any earlier file at `path` untouched. */
  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // The worker must be done with the descriptor before it is closed (and its number reused).
    if (this.job) await this.job.end().catch(() => undefined);
    this.keepChunks();
    await this.fh.close().catch(() => undefined);
    await rm(this.tmpPath, { force: true });
    this.untrack();
  }

  /** Takes the next chunk (a spare one of the same size, or a new one) and returns its number. */
  private newChunk(): number {
    const bytes = this.chunkBytes;
    const spare = spareChunks.findIndex((c) => c.byteLength === bytes);
    const memory = spare < 0 ? new SharedArrayBuffer(bytes) : (spareChunks.splice(spare, 1)[0] as SharedArrayBuffer);
    this.bufs.push(Buffer.from(memory));
    this.views.push(new DataView(memory));
    return this.chunks.push(memory) - 1;
  }

  /**
   * Once the sink is done with every chunk: keeps them for the next writer (the contents left do not matter), the
   * most recent ones when there are too many.
   */
  private keepChunks(): void {
    spareChunks.push(...this.chunks);
    if (spareChunks.length > SPARE_CHUNKS) spareChunks.splice(0, spareChunks.length - SPARE_CHUNKS);
    this.chunks.length = 0;
  }

  private returnedChunk(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  private chunkBack(chunk: number): void {
    const w = this.waiting;
    this.waiting = undefined;
    if (w) w.resolve(chunk);
    else this.free.push(chunk);
  }

  private fail(e: Error): void {
    this.failure ??= this.naming(e);
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(e);
  }
}

async function writeFully(fh: FdHandle, data: Buffer): Promise<void> {
  let off = 0;
  while (off < data.length) {
    const { bytesWritten } = await fh.write(data, off, data.length - off);
    off += bytesWritten;
  }
}
