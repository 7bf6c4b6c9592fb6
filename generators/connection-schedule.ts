import type { ConnectionSpec } from '../harness/scenario/scenario.js';
import { connectionCopies, type ExpandedConnection } from '../harness/scenario/load-scenario.js';
import { roundMicros } from '../harness/core/duration.js';
import { toUs } from './connection-events.js';

/**
 * The scenario's connections in start order, handed out one at a time, so that the generator creates a
 * connection's state only when the merge clock reaches its start and its memory grows with the connections alive
 * at once, not with the scenario's size. A connection's `order` is its place in the scenario (specs in file order,
 * copies in copy order): the merge breaks time ties by it and the truth lists connections by it, so both stay
 * what they were when every connection was created up front.
 *
 * Copies of one spec start in copy order (the stagger is never negative); specs interleave, so the specs that have
 * started and still have copies wait in a small heap by their next start, the rest in a list sorted by first start.
 */
export interface ScheduledConnection {
  order: number;
  spec: ConnectionSpec;
  /** The spec's place in the scenario's list. */
  specIndex: number;
  copy: ExpandedConnection;
  startUs: number;
}

interface SpecCursor {
  spec: ConnectionSpec;
  specIndex: number;
  copies: Iterator<ExpandedConnection>;
  next: ExpandedConnection;
  nextUs: number;
  nextOrder: number;
}

/** How many connections the specs make (every copy of each). */
export function connectionCount(specs: readonly ConnectionSpec[]): number {
  return specs.reduce((n, spec) => n + spec.count, 0);
}

export class ConnectionSchedule {
  /** Every scenario connection's order is below this. */
  readonly total: number;
  /** Start of the next connection to hand out; +Infinity once all are. */
  nextStartUs = Number.POSITIVE_INFINITY;
  /** Spec indexes by first start (ties in file order), and how many of them are open. */
  private readonly byFirstStart: number[];
  private opened = 0;
  private readonly firstOrder: number[];
  private readonly open: SpecCursor[] = [];

  constructor(
    private readonly specs: readonly ConnectionSpec[],
    private readonly scenarioStartUs: number,
  ) {
    this.firstOrder = [];
    let total = 0;
    for (const spec of specs) {
      this.firstOrder.push(total);
      total += spec.count;
    }
    this.total = total;
    const firstUs = specs.map((spec) => this.firstStartUs(spec));
    this.byFirstStart = specs.map((_, i) => i).sort((a, b) => (firstUs[a] as number) - (firstUs[b] as number) || a - b);
    this.refresh();
  }

  /** The next connection in start order; only to be called while `nextStartUs` is finite. */
  take(): ScheduledConnection {
    this.openDue();
    const top = this.open[0];
    if (top === undefined) throw new Error('connection schedule: take() after the last connection');
    const taken: ScheduledConnection = { order: top.nextOrder, spec: top.spec, specIndex: top.specIndex, copy: top.next, startUs: top.nextUs };
    const following = top.copies.next();
    if (following.done === true) this.popTop();
    else {
      const nextUs = this.startUs(following.value);
      if (nextUs < top.nextUs) throw new Error(`connection ${following.value.id} starts before ${top.next.id} (generator bug)`);
      top.next = following.value;
      top.nextUs = nextUs;
      top.nextOrder += 1;
      this.siftDown(0);
    }
    this.refresh();
    return taken;
  }

  /** The spec whose copies have orders from `firstOrderOf(index)` on, for the connection of order `order`. */
  specIndexOf(order: number): number {
    const first = this.firstOrder;
    let lo = 0;
    let hi = first.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((first[mid] as number) <= order) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  firstOrderOf(specIndex: number): number {
    return this.firstOrder[specIndex] as number;
  }

  /** Where copy 0 starts: expandConnections' startS of copy 0 (spec.startS + 0 x stagger, rounded). */
  private firstStartUs(spec: ConnectionSpec): number {
    return this.scenarioStartUs + toUs(roundMicros(spec.startS));
  }

  /** Where a copy starts, in microseconds. */
  startUs(copy: ExpandedConnection): number {
    return this.scenarioStartUs + toUs(copy.startS);
  }

  /** Opens every spec whose first copy starts no later than the earliest open cursor (or the first spec left). */
  private openDue(): void {
    while (this.opened < this.byFirstStart.length) {
      const index = this.byFirstStart[this.opened] as number;
      const spec = this.specs[index] as ConnectionSpec;
      const top = this.open[0];
      const firstUs = this.firstStartUs(spec);
      if (top !== undefined && firstUs > top.nextUs) return;
      this.opened += 1;
      const copies = connectionCopies(spec);
      const first = copies.next();
      if (first.done === true) continue;
      this.push({ spec, specIndex: index, copies, next: first.value, nextUs: this.startUs(first.value), nextOrder: this.firstOrder[index] as number });
    }
  }

  private refresh(): void {
    this.openDue();
    const top = this.open[0];
    this.nextStartUs = top === undefined ? Number.POSITIVE_INFINITY : top.nextUs;
  }

  private before(a: SpecCursor, b: SpecCursor): boolean {
    return a.nextUs < b.nextUs || (a.nextUs === b.nextUs && a.nextOrder < b.nextOrder);
  }

  private push(c: SpecCursor): void {
    const a = this.open;
    let i = a.push(c) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = a[parent] as SpecCursor;
      if (!this.before(c, p)) break;
      a[i] = p;
      i = parent;
    }
    a[i] = c;
  }

  private popTop(): void {
    const a = this.open;
    const last = a.pop() as SpecCursor;
    if (a.length === 0) return;
    a[0] = last;
    this.siftDown(0);
  }

  private siftDown(from: number): void {
    const a = this.open;
    const n = a.length;
    const c = a[from] as SpecCursor;
    let i = from;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const k = r < n && this.before(a[r] as SpecCursor, a[l] as SpecCursor) ? r : l;
      const child = a[k] as SpecCursor;
      if (!this.before(child, c)) break;
      a[i] = child;
      i = k;
    }
    a[i] = c;
  }
}
