/**
 * softflowd's flow sequence numbers queued for expiry by overflow and not yet exported (debug-log.ts): a set that
 * fills to a batch (thousands) and empties again, two million times at a million connections. A Set did that with a
 * backing store regrown and shrunk every batch, each of a few hundred KB allocated straight into V8's old space, and
 * the log's reading grew the harness's heap by ~200 MB of garbage between full collections, its peak at that scale.
 * Here: open addressing over two typed arrays (off the V8 heap), rebuilt in place when deleted slots pile up, grown
 * only when the pending flows outgrow it.
 */
const EMPTY = -1;
const DELETED = -2;

export class PendingSeqs {
  private keys = new Float64Array(1024).fill(EMPTY);
  private spare = new Float64Array(1024);
  private live = 0;
  private used = 0;

  get size(): number {
    return this.live;
  }

  add(seq: number): void {
    if (!(seq >= 0 && Number.isSafeInteger(seq))) throw new RangeError(`PendingSeqs: ${seq} is no sequence number`);
    if (this.has(seq)) return;
    if ((this.used + 1) * 2 > this.keys.length) this.rebuild();
    const mask = this.keys.length - 1;
    let slot = hash(seq) & mask;
    while ((this.keys[slot] as number) >= 0) slot = (slot + 1) & mask;
    if (this.keys[slot] === EMPTY) this.used += 1;
    this.keys[slot] = seq;
    this.live += 1;
  }

  /** Removes `seq`; whether it was there. */
  delete(seq: number): boolean {
    const slot = this.slotOf(seq);
    if (slot < 0) return false;
    this.keys[slot] = DELETED;
    this.live -= 1;
    return true;
  }

  has(seq: number): boolean {
    return this.slotOf(seq) >= 0;
  }

  private slotOf(seq: number): number {
    const keys = this.keys;
    const mask = keys.length - 1;
    for (let slot = hash(seq) & mask; ; slot = (slot + 1) & mask) {
      const key = keys[slot] as number;
      if (key === EMPTY) return -1;
      if (key === seq) return slot;
    }
  }

  /** Every live key placed again, deleted slots dropped; twice the slots when the live keys fill a quarter. */
  private rebuild(): void {
    const old = this.keys;
    const size = this.live * 4 > old.length ? old.length * 2 : old.length;
    const fresh = this.spare.length === size ? this.spare : new Float64Array(size);
    fresh.fill(EMPTY);
    const mask = size - 1;
    for (const key of old) {
      if (key < 0) continue;
      let slot = hash(key) & mask;
      while (fresh[slot] !== EMPTY) slot = (slot + 1) & mask;
      fresh[slot] = key;
    }
    this.keys = fresh;
    this.spare = old;
    this.used = this.live;
  }
}

function hash(seq: number): number {
  const h = Math.imul((seq % 0x40000000) ^ Math.floor(seq / 0x40000000), 0x9e3779b1);
  return h ^ (h >>> 15);
}
