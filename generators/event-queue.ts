import { generatorSlab } from './typed-slab.js';

/**
 * A growable FIFO of packet events held as parallel typed arrays, so that a connection's pending events cost no
 * objects. An event is its time, a code (kind, direction and push flag packed by `eventCode`) and a payload length.
 * The queue is refilled only when empty, so `reset` before filling keeps it compact.
 */
export class EventQueue {
  ts: Float64Array;
  code: Uint8Array;
  len: Uint32Array;
  head = 0;
  tail = 0;

  constructor(capacity = 16) {
    this.ts = generatorSlab.f64(capacity);
    this.code = generatorSlab.u8(capacity);
    this.len = generatorSlab.u32(capacity);
  }

  get empty(): boolean {
    return this.head === this.tail;
  }

  reset(): void {
    this.head = 0;
    this.tail = 0;
  }

  push(tsUs: number, code: number, len: number): void {
    const i = this.tail;
    if (i === this.ts.length) this.grow();
    this.ts[i] = tsUs;
    this.code[i] = code;
    this.len[i] = len;
    this.tail = i + 1;
  }

  /** Stable sort of the queued events by time: same-time events keep the order they were pushed in. */
  sortByTime(): void {
    const n = this.tail - this.head;
    const order = Array.from({ length: n }, (_, k) => this.head + k);
    const ts = this.ts;
    order.sort((a, b) => (ts[a] as number) - (ts[b] as number) || a - b);
    const t2 = order.map((i) => ts[i] as number);
    const c2 = order.map((i) => this.code[i] as number);
    const l2 = order.map((i) => this.len[i] as number);
    for (let k = 0; k < n; k++) {
      this.ts[this.head + k] = t2[k] as number;
      this.code[this.head + k] = c2[k] as number;
      this.len[this.head + k] = l2[k] as number;
    }
  }

  private grow(): void {
    const cap = this.ts.length * 2;
    const ts = new Float64Array(cap);
    ts.set(this.ts);
    const code = new Uint8Array(cap);
    code.set(this.code);
    const len = new Uint32Array(cap);
    len.set(this.len);
    this.ts = ts;
    this.code = code;
    this.len = len;
  }
}
