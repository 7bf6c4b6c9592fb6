import { generatorSlab } from './typed-slab.js';

/**
 * A growable FIFO of packet events held in one typed array, so that a connection's pending events cost no objects
 * and a single typed-array view (hundreds of thousands of connections hold one at once at a million). An event is
 * its time and its code (kind, direction and push flag packed by `eventCode`, below 64) with its payload length,
 * packed as `len * 64 + code`: event i is at [2i, 2i + 1]. The queue is refilled only when empty, so `reset`
 * before filling keeps it compact.
 */
const CODE_SPAN = 64;

export class EventQueue {
  private e: Float64Array;
  head = 0;
  tail = 0;

  constructor(capacity = 8) {
    this.e = generatorSlab.f64(2 * capacity);
  }

  get empty(): boolean {
    return this.head === this.tail;
  }

  reset(): void {
    this.head = 0;
    this.tail = 0;
  }

  tsAt(i: number): number {
    return this.e[2 * i] as number;
  }

  /** `%` on a number read from a Float64Array is a floating-point remainder, a call out of compiled code per event. */
  codeAt(i: number): number {
    const packed = this.e[2 * i + 1] as number;
    return packed - Math.floor(packed / CODE_SPAN) * CODE_SPAN;
  }

  lenAt(i: number): number {
    return Math.floor((this.e[2 * i + 1] as number) / CODE_SPAN);
  }

  push(tsUs: number, code: number, len: number): void {
    const i = this.tail;
    if (2 * i === this.e.length) this.grow();
    this.e[2 * i] = tsUs;
    this.e[2 * i + 1] = len * CODE_SPAN + code;
    this.tail = i + 1;
  }

  /** Stable sort of the queued events by time: same-time events keep the order they were pushed in. */
  sortByTime(): void {
    const n = this.tail - this.head;
    const e = this.e;
    const order = Array.from({ length: n }, (_, k) => this.head + k);
    order.sort((a, b) => (e[2 * a] as number) - (e[2 * b] as number) || a - b);
    const sorted = order.flatMap((i) => [e[2 * i] as number, e[2 * i + 1] as number]);
    e.set(sorted, 2 * this.head);
  }

  private grow(): void {
    const e = new Float64Array(2 * this.e.length);
    e.set(this.e);
    this.e = e;
  }
}
