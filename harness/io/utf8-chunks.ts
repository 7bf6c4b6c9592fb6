/**
 * Text encoded as UTF-8 straight into chunks of about 1 MB, each piece once. Gathering pieces as strings, joining
 * them and then encoding the join copied every byte three times: 30,000 argus score lines (31 MB) took 322 ms that
 * way against 113 ms this way, of which JSON.stringify itself was 105 ms. Files of a million lines (per-connection
 * scores, a truth) are written through here, never as one string.
 *
 * Chunks are used again once written (`reuse`): a new 1 MB buffer is a new mapping of memory (the harness runs with
 * MALLOC_MMAP_THRESHOLD_ at 128 KB) that the kernel faults in and zeroes page by page, and that cost a 30,000-
 * connection run more than the encoding saved (profile: 3.2 s in Buffer.write against 2.9 s in JSON.stringify).
 */
export const CHUNK_BYTES = 1 << 20;
/** UTF-8 takes at most 3 bytes for one UTF-16 code unit (a surrogate pair: 4 bytes for 2 units). */
const MAX_BYTES_PER_UNIT = 3;
const NEWLINE = 0x0a;
/** One being filled, one being written: more never wait at once. */
const MAX_SPARE = 2;

export class Utf8Chunks {
  private chunk: Buffer;
  private used = 0;
  /** Chunks finished and not taken yet, in order. */
  private readonly finished: Uint8Array[] = [];
  /** Buffers of this encoder's chunks, given back and free to fill again. */
  private readonly spare: Buffer[] = [];
  /** Every buffer this encoder made its chunks in: only those are taken back by `reuse`. */
  private readonly own = new WeakSet<ArrayBufferLike>();

  constructor(private readonly chunkBytes = CHUNK_BYTES) {
    this.chunk = this.newChunk();
  }

  /**
   * Appends `text` (and a newline when `line`). A piece goes whole into one chunk: one that would not fit in what
   * is left of the current chunk starts the next, and one larger than a chunk is a chunk of its own.
   */
  add(text: string, line = false): void {
    // Checked by the most the text can take, so `write` never cuts it at the chunk's end (it would, silently).
    const most = text.length * MAX_BYTES_PER_UNIT + (line ? 1 : 0);
    if (most > this.chunkBytes - this.used) {
      this.finishChunk();
      if (most > this.chunkBytes) {
        this.finished.push(Buffer.from(line ? `${text}\n` : text, 'utf8'));
        return;
      }
    }
    this.used += this.chunk.write(text, this.used, 'utf8');
    if (line) this.chunk[this.used++] = NEWLINE;
  }

  /** True when a chunk is finished and waits to be taken. */
  get ready(): boolean {
    return this.finished.length > 0;
  }

  /** The finished chunks, in order, to write before `reuse` gives them back. */
  take(): Uint8Array[] {
    return this.finished.splice(0);
  }

  /** Everything added and not taken yet, the current chunk included. */
  end(): Uint8Array[] {
    this.finishChunk();
    return this.take();
  }

  /** Chunks taken and written: their memory holds the next ones. Anything not made here is left alone. */
  reuse(written: readonly Uint8Array[]): void {
    for (const chunk of written) {
      if (this.spare.length < MAX_SPARE && this.own.has(chunk.buffer)) {
        this.own.delete(chunk.buffer);
        this.spare.push(Buffer.from(chunk.buffer, 0, this.chunkBytes));
      }
    }
  }

  private finishChunk(): void {
    if (this.used === 0) return;
    this.finished.push(this.chunk.subarray(0, this.used));
    this.chunk = this.newChunk();
    this.used = 0;
  }

  private newChunk(): Buffer {
    const chunk = this.spare.pop() ?? Buffer.allocUnsafeSlow(this.chunkBytes);
    this.own.add(chunk.buffer);
    return chunk;
  }
}
