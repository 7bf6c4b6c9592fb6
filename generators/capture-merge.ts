import { StreamHeap, type PacketStream } from './packet-merge.js';
import { CODE_DIR1, encodeFrame, FRAME_SLACK, MAX_FRAME } from './packet.js';
import { RECORD_HEADER, type PcapWriter } from './pcap-writer.js';

/**
 * The generator's per-packet loop: takes the earliest event of all streams, encodes it into the pcap writer's
 * chunk, counts it into its connection's truth, and advances that stream. It runs synchronously until the chunk
 * is nearly full, so the hot loop has no await in it (the caller awaits the flush and calls again).
 *
 * The clock runs until the sentinel (or the last scenario packet): both are known only once every scenario stream
 * has ended, which the merge sees in time order.
 */
export interface ScenarioEnd {
  /** The clock sends nothing after this. */
  clockLimitUs: number;
  sentinel?: PacketStream;
}

/**
 * The scenario's connections, started when the merge clock reaches them (see ConnectionSchedule). The merge's
 * callees are methods of objects that live as long as the process's classes, never closures made per generation:
 * compiled code that inlined one closure is thrown away when the next generation brings another, and the
 * per-packet loop ran unoptimized through much of the next generations while it was compiled again.
 */
export interface ScenarioStarts {
  /** Every scenario stream's order is below this; background streams (clock, sentinel) are ordered after. */
  readonly total: number;
  /** Start of the next connection not started yet; +Infinity once every one is. */
  readonly nextStartUs: number;
  /** Starts that connection: its stream, or undefined when it sends nothing. */
  startNext(): PacketStream | undefined;
  /** Told of every stream (the clock's and the sentinel's too) after its last packet. */
  ended(stream: PacketStream): void;
}

/** What follows the scenario: called once every scenario connection has ended, with the last one's last packet time. */
export interface ScenarioEnding {
  scenarioEnded(lastScenarioUs: number): ScenarioEnd;
}

const ROOM_NEEDED = RECORD_HEADER + MAX_FRAME + FRAME_SLACK;
const NEVER = Number.POSITIVE_INFINITY;

export class CaptureMerge {
  readonly heap = new StreamHeap();
  firstUs = -1;
  lastUs = -1;
  /** Streams ordered below this are the scenario's (an empty connection has an order but no stream). */
  private readonly backgroundFrom: number;
  private live = 0;
  private lastScenarioUs = 0;
  private clockLimitUs = NEVER;
  private clock: PacketStream | undefined;
  private scenarioOver = false;

  /**
   * A connection starts before any packet at or after its start time is written: its first packet is never
   * earlier than its start, so every packet of a connection not started yet is later than the one being written.
   * `starts` is told of every stream after its last packet, so its connection's state can shrink to its truth.
   */
  constructor(
    startUs: number,
    private readonly starts: ScenarioStarts,
    private readonly ending: ScenarioEnding,
  ) {
    this.lastScenarioUs = startUs;
    this.backgroundFrom = starts.total;
  }

  addClock(s: PacketStream | undefined): void {
    if (s === undefined) return;
    if (s.order < this.backgroundFrom) throw new Error('the clock must be ordered after every scenario connection');
    this.clock = s;
    this.heap.push(s);
  }

  /** Writes packets until the writer's chunk is nearly full (true) or every stream has ended (false). */
  fill(writer: PcapWriter): boolean {
    const heap = this.heap;
    const starts = this.starts;
    const clock = this.clock;
    const backgroundFrom = this.backgroundFrom;
    this.endScenarioIfOver();
    // Changes only when a connection starts or a stream ends: read then, not per packet.
    let nextStartUs = starts.nextStartUs;
    // Kept in locals through the loop and stored on the way out: a double stored into an object field per packet
    // cost a heap number each (~17 MB of garbage a 1 M-packet generation).
    let lastUs = this.lastUs;
    let lastScenarioUs = this.lastScenarioUs;
    for (;;) {
      const s = heap.top();
      if (nextStartUs !== NEVER && (s === undefined || nextStartUs <= s.tsUs)) {
        const started = starts.startNext();
        nextStartUs = starts.nextStartUs;
        if (started === undefined) {
          this.lastScenarioUs = lastScenarioUs;
          this.endScenarioIfOver();
        } else {
          heap.push(started);
          this.live += 1;
        }
        continue;
      }
      if (s === undefined) return this.leave(lastUs, lastScenarioUs, false);
      const ts = s.tsUs;
      if (s === clock && ts > this.clockLimitUs) {
        heap.pop();
        starts.ended(s);
        continue;
      }
      if (writer.room() < ROOM_NEEDED) return this.leave(lastUs, lastScenarioUs, true);
      const ctx = s.ctx;
      const code = s.code;
      const len = s.len;
      const frameLength = encodeFrame(writer, writer.pos + RECORD_HEADER, ctx, code, len);
      writer.endRecord(ts, frameLength);
      s.truth.addPacket(ts, (code & CODE_DIR1) === 0 ? 0 : 1, frameLength - ctx.linkLen, len, ctx.lastFlags);
      if (this.firstUs < 0) this.firstUs = ts;
      lastUs = ts;
      const isScenario = s.order < backgroundFrom;
      if (isScenario && ts > lastScenarioUs) lastScenarioUs = ts;
      if (s.advance()) heap.siftDown();
      else {
        heap.pop();
        starts.ended(s);
        // A stream that ended while quiet is parked until its next packet: that may be the next start now.
        nextStartUs = starts.nextStartUs;
        if (isScenario) {
          this.live -= 1;
          this.lastScenarioUs = lastScenarioUs;
          this.endScenarioIfOver();
        }
      }
    }
  }

  private leave(lastUs: number, lastScenarioUs: number, more: boolean): boolean {
    this.lastUs = lastUs;
    this.lastScenarioUs = lastScenarioUs;
    return more;
  }

  /** Once every scenario connection has started and ended: the clock's limit and the sentinel are known. */
  private endScenarioIfOver(): void {
    if (this.scenarioOver || this.live > 0 || this.starts.nextStartUs !== NEVER) return;
    this.scenarioOver = true;
    const end = this.ending.scenarioEnded(this.lastScenarioUs);
    this.clockLimitUs = end.clockLimitUs;
    if (end.sentinel) this.heap.push(end.sentinel);
  }
}
