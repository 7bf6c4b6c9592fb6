import type { BatchOrigin, ConnColumnBatch, ConnColumnsConsumer } from './conn-columns.js';

/**
 * Zeek gives every conn.log entry its own `uid` (a random 96-bit id in base62, one per connection): the same uid on
 * two rows means the log holds rows twice (concatenated with itself, a rotated file appended again), never a second
 * record of a connection. Scored, such a log shows every connection "fragmented (2)" at exit 0, so it is refused.
 * Logs of different files concatenated (several header blocks, distinct uids) are a log like any other.
 *
 * The check has to cost the parse next to nothing (a million rows in under half a second, on two threads), and a
 * log's rows are parsed by several threads while its uids are unique across all of them. So it is done in two steps:
 * - quick, on every read: each row's uid is hashed by the thread that parses it (two 32-bit hashes, UidHash), and
 *   the reading thread keeps the pairs of every row (UidFilter, 8 bytes a row, no string), then looks for one seen
 *   twice once the rows are read (or at a bad line: among the rows before it). That is only a suspicion: two uids
 *   may share a 64-bit hash;
 * - exact, only then: the log is read again in one thread keeping every uid as text (ExactUids), which refuses the
 *   second occurrence at its line and column, or finds that the suspicion was a hash collision and reads it through.
 * So a log with no repeated uid costs a hash per row (computed as the row is scanned), 8 bytes copied per row and
 * a pass over those at the end; a doubled log costs a second, slower read that ends at its first repeated row.
 */

/** Where the two running hashes of a uid start (UidHash.ofText, and the parser's scan of a TSV row). */
export const UID_HASH_A = 0x811c9dc5 | 0;
export const UID_HASH_B = 5381;

/**
 * The two running hashes (before `UidHash.finish`) of a uid's bytes, as the parser's fast scan computes them inline;
 * for its slow scan, which is rare.
 */
export function uidByteHashes(bytes: Uint8Array, start: number, end: number): { a: number; b: number } {
  let a = UID_HASH_A;
  let b = UID_HASH_B;
  for (let i = start; i < end; i += 1) {
    const c = bytes[i] as number;
    a = Math.imul(a ^ c, 0x01000193);
    b = ((b << 5) + b + c) | 0;
  }
  return { a, b };
}

/** The two hashes of the uid of the row just hashed; `check` is 0 for a row without uid (none is 0 otherwise). */
export class UidHash {
  slot = 0;
  check = 0;

  /**
   * Hashes a uid read as text (a JSON log): FNV-1a and djb2 side by side, then mixed (finish). The parser runs the
   * same steps over a TSV uid's bytes as it scans them (a JSON log and a TSV log are never one log).
   */
  ofText(text: string): void {
    let a = UID_HASH_A;
    let b = UID_HASH_B;
    for (let i = 0; i < text.length; i += 1) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = ((b << 5) + b + c) | 0;
    }
    this.finish(a, b);
  }

  none(): void {
    this.slot = 0;
    this.check = 0;
  }

  /**
   * Mixes every input bit into all bits of both (FNV-1a's low bits depend on the bytes' low bits only, and djb2
   * is weaker still): the partitions take the slot hash's top bits, their tables its low bits.
   */
  finish(a: number, b: number): void {
    a ^= a >>> 16;
    a = Math.imul(a, 0x85ebca6b);
    a ^= a >>> 13;
    a = Math.imul(a, 0xc2b2ae35);
    a ^= a >>> 16;
    b ^= b >>> 15;
    b = Math.imul(b, 0x2c1b3c6d);
    b ^= b >>> 12;
    b = Math.imul(b, 0x297a2d39);
    b ^= b >>> 15;
    this.slot = a;
    this.check = b === 0 ? 1 : b;
  }
}

/** Thrown by UidFilter.check when two rows' uids hash alike: the log is to be read again with ExactUids. */
export class UidSeenTwice extends Error {
  constructor() {
    super('two rows of the conn.log have uids that hash alike');
    this.name = 'UidSeenTwice';
  }
}

/** Partitions by the slot hash's top bits: 256, so that each one's table is small enough to stay in cache. */
const PARTITION_BITS = 8;
const PARTITIONS = 1 << PARTITION_BITS;

/**
 * Every row's uid hashes, kept in front of the consumer that takes the rows (it sees every batch before the
 * consumer does); `check` then says whether a pair came twice. One table of a million random keys missed the cache
 * on nearly every row: on a loaded 2-core VM it made the parse of 1 M rows 300 ms slower (single thread, median
 * 460 -> 760 ms). So each batch's hashes are only copied as they come (two memcpy), and `check` sorts them into 256
 * partitions by their top bits, then looks for a repeat one partition at a time, in a table that fits in cache.
 */
export class UidFilter<T extends ConnColumnsConsumer> implements ConnColumnsConsumer {
  readonly keepsBatches: boolean;
  /** Each row's hashes in the order the rows came, rows without uid (check 0) included: copied a batch at a time. */
  private slots = spareInts.take(1 << 14);
  private checks = spareInts.take(1 << 14);
  private rows = 0;

  constructor(readonly consumer: T) {
    this.keepsBatches = consumer.keepsBatches === true;
  }

  add(batch: ConnColumnBatch, origin: BatchOrigin): void {
    const count = batch.count;
    // (The two arrays may differ in length: each was the largest spare when taken.)
    const capacity = Math.min(this.slots.length, this.checks.length);
    if (this.rows + count > capacity) {
      const length = Math.max(capacity * 2, this.rows + count);
      this.slots = spareInts.grow(this.slots, this.rows, length);
      this.checks = spareInts.grow(this.checks, this.rows, length);
    }
    this.slots.set(batch.uidSlot.subarray(0, count), this.rows);
    this.checks.set(batch.uidCheck.subarray(0, count), this.rows);
    this.rows += count;
    this.consumer.add(batch, origin);
  }

  /** Throws UidSeenTwice if two of the rows added so far had the same pair. */
  check(): void {
    const { slots, checks, rows } = this;
    const shift = 32 - PARTITION_BITS;
    // Where each partition starts in `sorted` (pairs side by side): counted, then summed.
    const starts = new Int32Array(PARTITIONS + 1);
    for (let j = 0; j < rows; j += 1) {
      if (checks[j] !== 0) starts[((slots[j] as number) >>> shift) + 1] += 2;
    }
    let most = 0;
    for (let p = 0; p < PARTITIONS; p += 1) {
      most = Math.max(most, starts[p + 1] as number);
      starts[p + 1] += starts[p] as number;
    }
    const sorted = spareInts.take(starts[PARTITIONS] as number);
    const next = starts.slice(0, PARTITIONS);
    for (let j = 0; j < rows; j += 1) {
      const check = checks[j] as number;
      if (check === 0) continue;
      const slot = slots[j] as number;
      const p = slot >>> shift;
      const at = next[p] as number;
      sorted[at] = slot;
      sorted[at + 1] = check;
      next[p] = at + 2;
    }
    // Open addressing, at most half full: two Int32 per slot, as many slots as Int32 entries in the partition.
    let size = 1;
    while (size < most) size *= 2;
    const table = new Int32Array(2 * size);
    try {
      for (let p = 0; p < PARTITIONS; p += 1) {
        const end = starts[p + 1] as number;
        let slotCount = 1;
        while (slotCount < end - (starts[p] as number)) slotCount *= 2;
        const mask = slotCount - 1;
        table.fill(0, 0, 2 * slotCount);
        for (let j = starts[p] as number; j < end; j += 2) {
          const slot = sorted[j] as number;
          const check = sorted[j + 1] as number;
          for (let i = slot & mask; ; i = (i + 1) & mask) {
            const seen = table[2 * i + 1] as number;
            if (seen === 0) {
              table[2 * i] = slot;
              table[2 * i + 1] = check;
              break;
            }
            if (seen === check && table[2 * i] === slot) throw new UidSeenTwice();
          }
        }
      }
    } finally {
      spareInts.give(sorted);
    }
  }

  /** Done with: its arrays go to the next read's filter. */
  release(): void {
    spareInts.give(this.slots);
    spareInts.give(this.checks);
    this.slots = this.checks = new Int32Array(0);
    this.rows = 0;
  }
}

/**
 * Int32Arrays of finished reads, for the next ones (a sweep reads a conn.log per cell; the bench, one after
 * another): on a VM, touching fresh memory cost the parse more than the check's own work (a copy of 1 M rows'
 * hashes took 2 to 190 ms by whether its memory was fresh). Three arrays are kept, none above 16 MB (4 M entries).
 */
class SpareInts {
  private readonly kept: Int32Array[] = [];

  /** An array of at least `length` entries, its content undefined: the largest kept, so that a read need not grow it. */
  take(length: number): Int32Array {
    let best = -1;
    for (let i = 0; i < this.kept.length; i += 1) {
      const k = (this.kept[i] as Int32Array).length;
      if (k >= length && (best < 0 || k > (this.kept[best] as Int32Array).length)) best = i;
    }
    if (best < 0) return new Int32Array(length);
    return this.kept.splice(best, 1)[0] as Int32Array;
  }

  /** `array`'s first `used` entries in an array of `length`; `array` is given back. */
  grow(array: Int32Array, used: number, length: number): Int32Array {
    const bigger = this.take(length);
    bigger.set(array.subarray(0, used));
    this.give(array);
    return bigger;
  }

  give(array: Int32Array): void {
    if (array.length === 0 || array.length > 1 << 22) return;
    this.kept.push(array);
    // The largest three (a read takes three: its two columns and check's partitions), at most 48 MB.
    this.kept.sort((a, b) => b.length - a.length);
    this.kept.length = Math.min(this.kept.length, 3);
  }
}

const spareInts = new SpareInts();

/** Every uid as text with the line it was first seen on: the exact check of the second read (one thread). */
export class ExactUids {
  private readonly lineOf = new Map<string, number>();

  /** The line an earlier row had `uid` on, or undefined (then `uid` is kept as seen on `line`). */
  earlierLine(uid: string, line: number): number | undefined {
    const first = this.lineOf.get(uid);
    if (first === undefined) this.lineOf.set(uid, line);
    return first;
  }
}

/** What a repeated uid's InputError says it found and expected. */
export function repeatedUid(uid: string, firstLine: number): { found: string; expected: string } {
  return {
    found: `uid "${uid}" again: it is the uid of line ${firstLine} too`,
    expected: 'each uid once (Zeek gives every connection its own uid): is this a log concatenated with itself, or a rotated log appended twice?',
  };
}
