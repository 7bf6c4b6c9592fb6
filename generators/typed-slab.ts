/**
 * Small typed arrays carved out of shared 64 KB buffers. A connection's frame templates and event queue are a few
 * dozen bytes each, but every `new Float64Array(8)` is an ArrayBuffer of its own with a backing store the garbage
 * collector tracks one by one: at a million connections that was several million of them, most of the generator's
 * memory and GC time. Views into shared buffers cost only the view. Memory is never returned piecemeal: the slab
 * lives as long as the generation that uses it (a buffer is freed once no view into it remains).
 */
const SLAB_BYTES = 64 * 1024;

export class TypedSlab {
  private buffer = new ArrayBuffer(SLAB_BYTES);
  private used = 0;
  /** Where the last `take` put its bytes in the buffer it returned. */
  private offset = 0;

  f64(length: number): Float64Array {
    return new Float64Array(this.take(length * 8), this.offset, length);
  }

  i32(length: number): Int32Array {
    return new Int32Array(this.take(length * 4), this.offset, length);
  }

  u32(length: number): Uint32Array {
    return new Uint32Array(this.take(length * 4), this.offset, length);
  }

  u8(length: number): Uint8Array {
    return new Uint8Array(this.take(length), this.offset, length);
  }

  /** Reserves `bytes` (8-byte aligned) and returns the buffer they are in; `offset` says where. */
  private take(bytes: number): ArrayBuffer {
    const size = (bytes + 7) & ~7;
    if (size > SLAB_BYTES) {
      this.offset = 0;
      return new ArrayBuffer(size);
    }
    if (this.used + size > SLAB_BYTES) {
      this.buffer = new ArrayBuffer(SLAB_BYTES);
      this.used = 0;
    }
    this.offset = this.used;
    this.used += size;
    return this.buffer;
  }
}

/** The generator's slab: views made from it are kept by connections, so one process-wide slab is enough. */
export const generatorSlab = new TypedSlab();
