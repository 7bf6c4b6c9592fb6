import type { EventHead, EventSource } from './connection-events.js';
import type { FlowContext } from './packet.js';
import type { ConnectionTruth } from './truth-builder.js';

/**
 * K-way merge of the connections' lazy packet streams in global time order. Only each stream's next event is
 * held (in the stream itself, as plain fields), so memory grows with the number of live connections, not packets.
 * Ties go to the stream added first, which makes the order (and the pcap bytes) deterministic.
 */
export class PacketStream implements EventHead {
  tsUs = 0;
  code = 0;
  len = 0;

  private constructor(
    readonly order: number,
    readonly ctx: FlowContext,
    readonly truth: ConnectionTruth,
    readonly events: EventSource,
  ) {}

  static start(order: number, ctx: FlowContext, truth: ConnectionTruth, events: EventSource): PacketStream | undefined {
    const s = new PacketStream(order, ctx, truth, events);
    return events.next(s) ? s : undefined;
  }

  /** Moves to the next event; false when the stream has ended. */
  advance(): boolean {
    const previous = this.tsUs;
    if (!this.events.next(this)) return false;
    if (this.tsUs < previous) {
      throw new Error(`connection ${this.truth.identity.id}: packet at ${this.tsUs} us after one at ${previous} us (generator bug)`);
    }
    return true;
  }
}

/**
 * A binary min-heap of streams by (time, order). Each stream's time and order are also kept by heap position in
 * typed arrays: a sift compares numbers read from two contiguous arrays instead of loading two objects per
 * comparison, which was most of the merge's cost (every packet sifts its stream down about log2(live) levels).
 * Orders are unique, so the pop sequence (and the pcap) does not depend on how ties inside the heap fall.
 */
export class StreamHeap {
  private readonly items: PacketStream[] = [];
  private times = new Float64Array(1024);
  private orders = new Float64Array(1024);

  constructor() {
    // A new [] holds small integers until its first object goes in: the merge loop compiled for the previous
    // generation's heap (an array of objects) was thrown away at this one's first push, and the loop ran
    // unoptimized until compiled again. Made an array of objects before any code sees it.
    this.items.push(undefined as unknown as PacketStream);
    this.items.pop();
  }

  get size(): number {
    return this.items.length;
  }

  top(): PacketStream | undefined {
    return this.items[0];
  }

  push(s: PacketStream): void {
    const a = this.items;
    let i = a.length;
    if (i === this.times.length) this.grow();
    const times = this.times;
    const orders = this.orders;
    a.push(s);
    const ts = s.tsUs;
    const order = s.order;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent] as number;
      if (!(ts < pt || (ts === pt && order < (orders[parent] as number)))) break;
      a[i] = a[parent] as PacketStream;
      times[i] = pt;
      orders[i] = orders[parent] as number;
      i = parent;
    }
    a[i] = s;
    times[i] = ts;
    orders[i] = order;
  }

  /** Removes the top stream (after it ended). */
  pop(): PacketStream | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      this.siftDown();
    }
    return top;
  }

  /** Restores order after the top stream advanced to a later event (or was replaced by `pop`). */
  siftDown(): void {
    const a = this.items;
    const times = this.times;
    const orders = this.orders;
    const n = a.length;
    const s = a[0] as PacketStream;
    const ts = s.tsUs;
    const order = s.order;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let c = l;
      if (l + 1 < n) {
        // Which child is earlier is a coin toss for the branch predictor: chosen by arithmetic on the comparisons
        // (0 or 1), not by a branch, it cost a 1 M-packet generation ~6 ms less.
        const lt = times[l] as number;
        const rt = times[l + 1] as number;
        c = l + (Number(rt < lt) | (Number(rt === lt) & Number((orders[l + 1] as number) < (orders[l] as number))));
      }
      const ct = times[c] as number;
      if (!(ct < ts || (ct === ts && (orders[c] as number) < order))) break;
      a[i] = a[c] as PacketStream;
      times[i] = ct;
      orders[i] = orders[c] as number;
      i = c;
    }
    a[i] = s;
    times[i] = ts;
    orders[i] = order;
  }

  private grow(): void {
    const times = new Float64Array(2 * this.times.length);
    times.set(this.times);
    this.times = times;
    const orders = new Float64Array(2 * this.orders.length);
    orders.set(this.orders);
    this.orders = orders;
  }
}
