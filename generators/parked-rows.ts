/**
 * Quiet connections parked as rows of two typed arrays, waiting in a heap for their next packet. At a million
 * connections most of those alive at once are in a long gap between bursts; as objects (stream, frame templates,
 * event queue, truth builder: ~1.5 KB each, promoted to the old generation because they live for minutes) they
 * were most of the generator's memory. A row is ~210 bytes the garbage collector never scans, and a resumed
 * connection's objects live only through its next burst, so they die young.
 *
 * A row holds everything a connection's state cannot derive from its spec and copy index: the columns are laid
 * out here and filled by the parts that own the state (ConnectionEvents, ConnectionTruth, ScenarioConnections).
 * Ties in the heap go to the lower order, as in the packet merge.
 */

// Float64 columns: times in microseconds and counts that may pass 2^32. The start is not kept: the copy gives it.
/** The event the connection parked at: its next packet. */
export const F_HELD_TS = 0;
export const F_T = 1;
export const F_PATTERN_LAST = 2;
export const F_LAST_ACTIVITY = 3;
export const F_KA_LAST = 4;
export const F_KA_ACK_AT = 5;
export const F_FIRST = 6;
export const F_LAST = 7;
export const F_CLIENT_PKTS = 8;
export const F_SERVER_PKTS = 9;
export const F_CLIENT_IP = 10;
export const F_SERVER_IP = 11;
export const F_CLIENT_PAYLOAD = 12;
export const F_SERVER_PAYLOAD = 13;
export const F_LONGEST_GAP = 14;
export const F_HISTORY = 15;
/** Times of the events queued after the held one (their codes and lengths are at U_QUEUE). */
export const F_QUEUE = 16;
/** A connection with more events queued than this stays live (a unit is usually an exchange: 3 events). */
export const PARKED_QUEUE_MAX = 3;
const NF = F_QUEUE + PARKED_QUEUE_MAX;

// Uint32 columns.
/** The connection's place in the scenario: its spec and copy follow from it. */
export const U_ORDER = 0;
/** The held event's code and length, packed as length * 64 + code. */
export const U_HELD = 1;
export const U_CLIENT_SEQ = 2;
export const U_SERVER_SEQ = 3;
/** Client IP id << 16 | server IP id. */
export const U_IP_IDS = 4;
export const U_ECHO_SEQ = 5;
export const U_BURST = 6;
export const U_EXCHANGE = 7;
export const U_BURST_CLOCK = 8;
export const U_RANDOM = 9;
/** The event stream's small fields, packed (connection-events.ts). */
export const U_EVENT_BITS = 10;
/** The truth builder's small fields, packed (truth-builder.ts). */
export const U_TRUTH_BITS = 11;
/** Codes and lengths of the queued events, packed as U_HELD is. */
export const U_QUEUE = 12;
const NU = U_QUEUE + PARKED_QUEUE_MAX;

/** Rows come in blocks, so growing copies nothing and never holds twice the rows. */
const BLOCK_BITS = 12;
const BLOCK_ROWS = 1 << BLOCK_BITS;
const IN_BLOCK = BLOCK_ROWS - 1;

export class ParkedRows {
  private fBlocks: Float64Array[] = [];
  private uBlocks: Uint32Array[] = [];
  private used = 0;
  private free: number[] = [];
  /** Row numbers, a binary min-heap by (held time, order). */
  private heap = new Int32Array(1024);
  private heapSize = 0;

  get size(): number {
    return this.heapSize;
  }

  /** Time of the earliest parked connection's next packet; +Infinity when none is parked. */
  get nextUs(): number {
    return this.heapSize === 0 ? Number.POSITIVE_INFINITY : this.heldUs(this.heap[0] as number);
  }

  /** Float64 column `column` of `row` is floats(row)[fAt(row) + column]. */
  floats(row: number): Float64Array {
    return this.fBlocks[row >>> BLOCK_BITS] as Float64Array;
  }

  fAt(row: number): number {
    return (row & IN_BLOCK) * NF;
  }

  /** Uint32 column `column` of `row` is ints(row)[uAt(row) + column]. */
  ints(row: number): Uint32Array {
    return this.uBlocks[row >>> BLOCK_BITS] as Uint32Array;
  }

  uAt(row: number): number {
    return (row & IN_BLOCK) * NU;
  }

  /** A free row for the caller to fill before `park(row)`. */
  take(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    if ((this.used & IN_BLOCK) === 0 && this.used >>> BLOCK_BITS === this.fBlocks.length) {
      this.fBlocks.push(new Float64Array(BLOCK_ROWS * NF));
      this.uBlocks.push(new Uint32Array(BLOCK_ROWS * NU));
    }
    return this.used++;
  }

  /** Puts a filled row (F_HELD_TS and U_ORDER set) in the heap. */
  park(row: number): void {
    if (this.heapSize === this.heap.length) {
      const grown = new Int32Array(2 * this.heap.length);
      grown.set(this.heap);
      this.heap = grown;
    }
    const h = this.heap;
    let i = this.heapSize++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent] as number;
      if (!this.before(row, p)) break;
      h[i] = p;
      i = parent;
    }
    h[i] = row;
  }

  /** Takes the earliest row out of the heap; the caller reads it, then `release`s it. */
  popEarliest(): number {
    const h = this.heap;
    const top = h[0] as number;
    const last = h[--this.heapSize] as number;
    if (this.heapSize > 0) {
      const n = this.heapSize;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && this.before(h[r] as number, h[l] as number) ? r : l;
        const child = h[c] as number;
        if (!this.before(child, last)) break;
        h[i] = child;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }

  /**
   * The row is read: its room is free again. Once fewer than half the rows are parked, the parked ones move into
   * the lowest rows and the blocks above them go, so the rows shrink as connections finish, while their truths
   * grow: both are largest at different times.
   */
  release(row: number): void {
    this.free.push(row);
    if (this.heapSize < this.used / 2 && (this.heapSize === 0 || this.used >= 4 * BLOCK_ROWS)) this.shrink();
  }

  /** Moves every parked row at or above `size` into a free row below it (the heap keeps its order: only row numbers change). */
  private shrink(): void {
    const n = this.heapSize;
    const holes = this.free.filter((r) => r < n);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const row = this.heap[i] as number;
      if (row < n) continue;
      const to = holes[k++] as number;
      this.floats(to).set(this.floats(row).subarray(this.fAt(row), this.fAt(row) + NF), this.fAt(to));
      this.ints(to).set(this.ints(row).subarray(this.uAt(row), this.uAt(row) + NU), this.uAt(to));
      this.heap[i] = to;
    }
    this.used = n;
    this.free = [];
    // The first block stays: a scenario that parks one connection at a time allocates it once.
    const blocks = Math.max(1, Math.ceil(n / BLOCK_ROWS));
    this.fBlocks.length = Math.min(this.fBlocks.length, blocks);
    this.uBlocks.length = this.fBlocks.length;
    if (this.heap.length > 2 * Math.max(n, 512)) this.heap = this.heap.slice(0, 2 * Math.max(n, 512));
  }

  private heldUs(row: number): number {
    return this.floats(row)[this.fAt(row) + F_HELD_TS] as number;
  }

  private order(row: number): number {
    return this.ints(row)[this.uAt(row) + U_ORDER] as number;
  }

  private before(a: number, b: number): boolean {
    const ta = this.heldUs(a);
    const tb = this.heldUs(b);
    return ta < tb || (ta === tb && this.order(a) < this.order(b));
  }
}
