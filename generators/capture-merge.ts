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

const ROOM_NEEDED = RECORD_HEADER + MAX_FRAME + FRAME_SLACK;

export class CaptureMerge {
  readonly heap = new StreamHeap();
  firstUs = -1;
  lastUs = -1;
  /** Streams ordered below this are the scenario's (an empty connection has an order but no stream). */
  private backgroundFrom = 0;
  private live = 0;
  private lastScenarioUs: number;
  private clockLimitUs = Number.POSITIVE_INFINITY;
  private clock: PacketStream | undefined;
  private started = false;

  constructor(
    startUs: number,
    private readonly scenarioEnded: (lastScenarioUs: number) => ScenarioEnd,
  ) {
    this.lastScenarioUs = startUs;
  }

  /** Scenario streams come first: their `order` must be below every background stream's. */
  addScenario(s: PacketStream | undefined): void {
    if (s === undefined) return;
    if (this.clock !== undefined) throw new Error('scenario streams must be added before the clock');
    this.heap.push(s);
    this.backgroundFrom = Math.max(this.backgroundFrom, s.order + 1);
    this.live += 1;
  }

  addClock(s: PacketStream | undefined): void {
    if (s === undefined) return;
    this.clock = s;
    this.heap.push(s);
  }

  /** Writes packets until the writer's chunk is nearly full (true) or every stream has ended (false). */
  fill(writer: PcapWriter): boolean {
    if (!this.started) {
      this.started = true;
      if (this.live === 0) this.endScenario();
    }
    const heap = this.heap;
    const clock = this.clock;
    const backgroundFrom = this.backgroundFrom;
    for (;;) {
      const s = heap.top();
      if (s === undefined) return false;
      const ts = s.tsUs;
      if (s === clock && ts > this.clockLimitUs) {
        heap.pop();
        continue;
      }
      if (writer.room() < ROOM_NEEDED) return true;
      const ctx = s.ctx;
      const code = s.code;
      const len = s.len;
      const frameLength = encodeFrame(writer, writer.pos + RECORD_HEADER, ctx, code, len);
      writer.endRecord(ts, frameLength);
      s.truth.addPacket(ts, (code & CODE_DIR1) === 0 ? 0 : 1, frameLength - ctx.linkLen, len, ctx.lastFlags);
      if (this.firstUs < 0) this.firstUs = ts;
      this.lastUs = ts;
      const isScenario = s.order < backgroundFrom;
      if (isScenario && ts > this.lastScenarioUs) this.lastScenarioUs = ts;
      if (s.advance()) heap.siftDown();
      else {
        heap.pop();
        if (isScenario && --this.live === 0) this.endScenario();
      }
    }
  }

  private endScenario(): void {
    const end = this.scenarioEnded(this.lastScenarioUs);
    this.clockLimitUs = end.clockLimitUs;
    if (end.sentinel) this.heap.push(end.sentinel);
  }
}
