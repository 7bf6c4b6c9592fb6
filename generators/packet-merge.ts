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

function before(a: PacketStream, b: PacketStream): boolean {
  const ta = a.tsUs;
  const tb = b.tsUs;
  return ta < tb || (ta === tb && a.order < b.order);
}

export class StreamHeap {
  private readonly items: PacketStream[] = [];

  get size(): number {
    return this.items.length;
  }

  top(): PacketStream | undefined {
    return this.items[0];
  }

  push(s: PacketStream): void {
    const a = this.items;
    a.push(s);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = a[parent] as PacketStream;
      if (!before(s, p)) break;
      a[i] = p;
      i = parent;
    }
    a[i] = s;
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

  /** Restores order after the top stream advanced to a later event. */
  siftDown(): void {
    const a = this.items;
    const n = a.length;
    const s = a[0] as PacketStream;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && before(a[r] as PacketStream, a[l] as PacketStream)) c = r;
      const child = a[c] as PacketStream;
      if (!before(child, s)) break;
      a[i] = child;
      i = c;
    }
    a[i] = s;
  }
}
