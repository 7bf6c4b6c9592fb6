import type { ConnectionSpec, PatternActivity, TimelineActivity } from '../harness/scenario/scenario.js';
import { ACK_DELAY_S, EXCHANGE_SPACING_S } from '../harness/scenario/exchange-timing.js';
import { EventQueue } from './event-queue.js';
import { CODE_KIND, eventCode, Kind, type Dir } from './packet.js';
import {
  F_HELD_TS, F_KA_ACK_AT, F_KA_LAST, F_LAST_ACTIVITY, F_PATTERN_LAST, F_QUEUE, F_T, PARKED_QUEUE_MAX, U_BURST, U_BURST_CLOCK,
  U_EVENT_BITS, U_EXCHANGE, U_HELD, U_QUEUE, U_RANDOM, type ParkedRows,
} from './parked-rows.js';
import { Mulberry32 } from './prng.js';

/**
 * One connection's packets as a time-ordered stream of events, following the timing model shared with the
 * scenario parser (harness/scenario/exchange-timing.ts): an exchange at t is request at t, response at t+rtt and
 * (TCP) the client's ACK at t+rtt+1ms; the next exchange of a burst starts at t+rtt+2ms. Sequence numbers are not
 * decided here but at encoding, in capture order. All times are integer microseconds.
 *
 * The stream is a state machine that refills a small queue one unit at a time (handshake, one exchange, a whole
 * timeline, the close) and hands out events by writing into the caller's `EventHead`, so a packet costs no object.
 * Keepalives are inserted as the events are handed out, so an idle gap of any length costs no memory.
 *
 * A stream whose next event is at least `parkGapUs` after the one before it parks instead: it ends for the merge,
 * holding that event, and its state goes into a row of ParkedRows (`parkInto`) until the merge clock reaches the
 * held event; `ConnectionEvents.resume` rebuilds it from the row and hands out the held event first. Where a
 * stream parks never changes what it hands out.
 */
/** The exchange timing the scenario validator checks against, in microseconds (exchange-timing.ts). */
const ACK_DELAY_US = toUs(ACK_DELAY_S);
const EXCHANGE_SPACING_US = toUs(EXCHANGE_SPACING_S);
/** "Just after": a burst pushed past the previous one, the close after the last packet. */
const MS = 1000;

export function toUs(seconds: number): number {
  return Math.round(seconds * 1e6);
}

/** Where the next event goes: the merge keeps one per stream. */
export interface EventHead {
  tsUs: number;
  /** Kind, direction and push flag, packed by `eventCode`. */
  code: number;
  len: number;
}

export interface EventSource {
  /** Writes the next event into `head`; false when the stream has ended. */
  next(head: EventHead): boolean;
}

/**
 * Burst start offsets (microseconds from the activity start), drawing jitter in burst order. With `spanS` the
 * bursts spread evenly over the span, first and last exact; with `gapS` burst i is nominally at i*gap, the first
 * exact. Either way a jittered start moves by a uniform draw from [-jitter, +jitter] around its own nominal place
 * (scenario.ts PatternActivity.jitterS), so the pattern never drifts.
 */
export class BurstClock {
  private readonly gapUs: number;
  /**
   * `i`: how many bursts this clock has already given (a parked connection's clock resumes there). `random` is an
   * object, not a closure: a call through one of many closures is never inlined, and its number comes back boxed.
   */
  constructor(
    private readonly activity: PatternActivity,
    private readonly random: RandomSource,
    private i = 0,
  ) {
    this.gapUs = toUs(activity.gapS ?? 0);
  }

  /** How many bursts were given so far. */
  get given(): number {
    return this.i;
  }

  private jitter(): number {
    const j = this.activity.jitterS;
    return j > 0 ? j * (2 * this.random.next() - 1) : 0;
  }

  next(): number {
    const a = this.activity;
    const n = a.bursts;
    const i = this.i++;
    if (a.spanS !== undefined) {
      if (i === 0 || n === 1) return 0;
      if (i === n - 1) return toUs(a.spanS);
      return Math.max(0, toUs((i * a.spanS) / (n - 1) + this.jitter()));
    }
    if (i === 0) return 0;
    // Around its own nominal place i*gap, never the previous burst's drawn place: jitter does not accumulate.
    const jitterUs = a.jitterS > 0 ? toUs(this.jitter()) : 0;
    return Math.max(0, i * this.gapUs + jitterUs);
  }
}

const enum Phase {
  Handshake,
  Activity,
  Close,
  End,
}

const NO_TIME = Number.NEGATIVE_INFINITY;

/** Uniform draws in [0, 1), such as Mulberry32. */
export interface RandomSource {
  next(): number;
}

/** Jitter-free bursts draw nothing: their connection need not keep its random stream alive. */
const NO_DRAWS: RandomSource = {
  next(): number {
    throw new Error('a burst clock without jitter drew a random number (generator bug)');
  },
};

/** A TCP connection's keepalives, inserted between its established events; only connections with keepalives have one. */
class KeepaliveState {
  /** The handshake's three packets pass the keepalive check untouched: keepalives belong to the established connection. */
  skip: number;
  last = NO_TIME;
  closing = false;
  ackAt = NO_TIME;
  constructor(
    readonly intervalUs: number,
    readonly len: number,
    readonly holdEnd: number | undefined,
    handshake: boolean,
  ) {
    this.skip = handshake ? 3 : 0;
  }
}

// U_EVENT_BITS: phase in bits 0-1, keepalive skip in 2-3, keepalive closing in 4, queued events from bit 5.
const BITS_SKIP = 2;
const BITS_CLOSING = 4;
const BITS_QUEUED = 5;

/**
 * Every time field of an object is a number box of its own: what can be derived from the spec and the start
 * (activity start, hold end) is derived when needed, and the keepalive state exists only for connections that send
 * keepalives. A quiet one parks as a row (ParkedRows), so only the connections sending at once have one of these.
 */
export class ConnectionEvents implements EventSource {
  private readonly q = new EventQueue();
  private phase: Phase;
  private readonly tcp: boolean;
  private readonly kindRequest: Kind;
  private readonly kindReply: Kind;
  private readonly rtt: number;
  private readonly t0: number;
  /** Last event of the handshake or the activity: the close follows it. */
  private lastActivity = NO_TIME;
  // Pattern state.
  private readonly pattern: PatternActivity | undefined;
  private readonly bursts: BurstClock | undefined;
  /** The connection's random stream, kept only when its bursts are jittered (its state is parked with it). */
  private readonly random: Mulberry32 | undefined;
  private burst = 0;
  private exchange = 0;
  private t = 0;
  /** End of the previous exchange as the exchange reports it (may precede its last packet for an empty one). */
  private patternLast = NO_TIME;
  private readonly ka: KeepaliveState | undefined;
  /** Time of the last event handed out by this object: the next one parks when it is `parkGapUs` later or more. */
  private lastTs = NO_TIME;
  /** The event the stream parked at, NO_TIME when none: a resumed stream hands it out first. */
  private heldTs = NO_TIME;
  private heldCode = 0;
  private heldLen = 0;

  /** `random` is the connection's stream after its initial draws; `parkGapUs` +Infinity never parks. */
  constructor(
    private readonly spec: ConnectionSpec,
    startUs: number,
    random: Mulberry32,
    private readonly parkGapUs = Number.POSITIVE_INFINITY,
    burstsGiven = 0,
  ) {
    this.tcp = spec.protocol === 'tcp';
    this.kindRequest = this.tcp ? Kind.Data : spec.protocol === 'udp' ? Kind.Udp : Kind.EchoRequest;
    this.kindReply = this.tcp ? Kind.Data : spec.protocol === 'udp' ? Kind.Udp : Kind.EchoReply;
    this.rtt = toUs(spec.rttS);
    this.t0 = startUs;
    const handshake = this.handshake();
    this.phase = handshake ? Phase.Handshake : Phase.Activity;
    if (spec.activity.kind === 'pattern') {
      this.pattern = spec.activity;
      if (spec.activity.jitterS > 0) {
        this.random = random;
        this.bursts = new BurstClock(spec.activity, random, burstsGiven);
      } else this.bursts = new BurstClock(spec.activity, NO_DRAWS, burstsGiven);
    }
    const ka = this.tcp ? spec.keepalive : undefined;
    const intervalUs = ka === undefined ? 0 : toUs(ka.intervalS);
    if (ka !== undefined && intervalUs > 0) {
      this.ka = new KeepaliveState(intervalUs, ka.style === 'one-byte' ? 1 : 0, spec.close === 'none' ? this.holdEnd() : undefined, handshake);
    }
  }

  /** True once `next` has parked the stream (returned false holding its next event). */
  get parked(): boolean {
    return this.heldTs !== NO_TIME;
  }

  /** A parked stream's state into `row` (its order is the caller's to write). */
  parkInto(rows: ParkedRows, row: number): void {
    const f = rows.floats(row);
    const u = rows.ints(row);
    const fi = rows.fAt(row);
    const ui = rows.uAt(row);
    f[fi + F_HELD_TS] = this.heldTs;
    u[ui + U_HELD] = this.heldLen * 64 + this.heldCode;
    f[fi + F_T] = this.t;
    f[fi + F_PATTERN_LAST] = this.patternLast;
    f[fi + F_LAST_ACTIVITY] = this.lastActivity;
    u[ui + U_BURST] = this.burst;
    u[ui + U_EXCHANGE] = this.exchange;
    u[ui + U_BURST_CLOCK] = this.bursts === undefined ? 0 : this.bursts.given;
    u[ui + U_RANDOM] = this.random === undefined ? 0 : this.random.state;
    const q = this.q;
    const queued = q.tail - q.head;
    for (let k = 0; k < queued; k++) {
      f[fi + F_QUEUE + k] = q.tsAt(q.head + k);
      u[ui + U_QUEUE + k] = q.lenAt(q.head + k) * 64 + q.codeAt(q.head + k);
    }
    let bits = this.phase | (queued << BITS_QUEUED);
    const ka = this.ka;
    if (ka !== undefined) {
      f[fi + F_KA_LAST] = ka.last;
      f[fi + F_KA_ACK_AT] = ka.ackAt;
      bits |= (ka.skip << BITS_SKIP) | (ka.closing ? 1 << BITS_CLOSING : 0);
    }
    u[ui + U_EVENT_BITS] = bits;
  }

  /** The stream started at `startUs` and parked in `row`, as it was; its first `next` hands out the held event. */
  static resume(spec: ConnectionSpec, startUs: number, rows: ParkedRows, row: number, parkGapUs: number): ConnectionEvents {
    const f = rows.floats(row);
    const u = rows.ints(row);
    const fi = rows.fAt(row);
    const ui = rows.uAt(row);
    const e = new ConnectionEvents(spec, startUs, new Mulberry32(u[ui + U_RANDOM] as number), parkGapUs, u[ui + U_BURST_CLOCK] as number);
    e.heldTs = f[fi + F_HELD_TS] as number;
    const held = u[ui + U_HELD] as number;
    e.heldCode = held % 64;
    e.heldLen = Math.floor(held / 64);
    e.t = f[fi + F_T] as number;
    e.patternLast = f[fi + F_PATTERN_LAST] as number;
    e.lastActivity = f[fi + F_LAST_ACTIVITY] as number;
    e.burst = u[ui + U_BURST] as number;
    e.exchange = u[ui + U_EXCHANGE] as number;
    const bits = u[ui + U_EVENT_BITS] as number;
    e.phase = (bits & 3) as Phase;
    const queued = bits >>> BITS_QUEUED;
    for (let k = 0; k < queued; k++) {
      const packed = u[ui + U_QUEUE + k] as number;
      e.q.push(f[fi + F_QUEUE + k] as number, packed % 64, Math.floor(packed / 64));
    }
    const ka = e.ka;
    if (ka !== undefined) {
      ka.last = f[fi + F_KA_LAST] as number;
      ka.ackAt = f[fi + F_KA_ACK_AT] as number;
      ka.skip = (bits >>> BITS_SKIP) & 3;
      ka.closing = (bits & (1 << BITS_CLOSING)) !== 0;
    }
    return e;
  }

  private handshake(): boolean {
    return this.tcp && this.spec.open === 'handshake';
  }

  private activityStart(): number {
    return this.handshake() ? this.t0 + this.rtt + EXCHANGE_SPACING_US : this.t0;
  }

  private holdEnd(): number | undefined {
    return this.tcp && this.spec.holdS !== undefined ? this.t0 + toUs(this.spec.holdS) : undefined;
  }

  next(head: EventHead): boolean {
    if (this.heldTs !== NO_TIME) {
      head.tsUs = this.heldTs;
      head.code = this.heldCode;
      head.len = this.heldLen;
      this.lastTs = this.heldTs;
      this.heldTs = NO_TIME;
      return true;
    }
    if (!this.produce(head)) return false;
    const ts = head.tsUs;
    if (this.lastTs !== NO_TIME && ts - this.lastTs >= this.parkGapUs && this.q.tail - this.q.head <= PARKED_QUEUE_MAX) {
      this.heldTs = ts;
      this.heldCode = head.code;
      this.heldLen = head.len;
      return false;
    }
    this.lastTs = ts;
    return true;
  }

  /** The next event into `head`; false when the stream has ended. */
  private produce(head: EventHead): boolean {
    const ka = this.ka;
    if (ka !== undefined && ka.ackAt !== NO_TIME) {
      head.tsUs = ka.ackAt;
      head.code = eventCode(1, Kind.Ack, false);
      head.len = 0;
      ka.last = ka.ackAt;
      ka.ackAt = NO_TIME;
      return true;
    }
    const q = this.q;
    if (q.head === q.tail) {
      q.reset();
      while (q.tail === 0 && this.fill()) {
        // An empty exchange adds nothing: keep filling until an event or the end.
      }
    }
    if (q.head === q.tail) {
      if (ka !== undefined && !ka.closing && ka.last !== NO_TIME && ka.holdEnd !== undefined && ka.last + ka.intervalUs + this.rtt <= ka.holdEnd) {
        this.keepalive(ka, head);
        return true;
      }
      return false;
    }
    const ts = q.tsAt(q.head);
    if (ka !== undefined) {
      if (ka.skip > 0) ka.skip -= 1;
      else if (!ka.closing && ka.last !== NO_TIME && ka.last + ka.intervalUs + this.rtt < ts) {
        this.keepalive(ka, head);
        return true;
      }
    }
    const code = q.codeAt(q.head);
    head.tsUs = ts;
    head.code = code;
    head.len = q.lenAt(q.head);
    q.head += 1;
    if (ka !== undefined) {
      ka.last = ts;
      const kind = code & CODE_KIND;
      if (kind === Kind.Fin || kind === Kind.Rst) ka.closing = true;
    }
    return true;
  }

  /** The client's keepalive `interval` after the last packet; its ACK follows one RTT later. */
  private keepalive(ka: KeepaliveState, head: EventHead): void {
    head.tsUs = ka.last + ka.intervalUs;
    head.code = eventCode(0, Kind.Keepalive, false);
    head.len = ka.len;
    ka.ackAt = ka.last + ka.intervalUs + this.rtt;
  }

  /** Appends the next unit of events to the queue; false once there is nothing left. */
  private fill(): boolean {
    const q = this.q;
    switch (this.phase) {
      case Phase.Handshake: {
        const t0 = this.t0;
        const rtt = this.rtt;
        q.push(t0, eventCode(0, Kind.Syn, false), 0);
        q.push(t0 + rtt, eventCode(1, Kind.SynAck, false), 0);
        q.push(t0 + rtt + ACK_DELAY_US, eventCode(0, Kind.Ack, false), 0);
        this.lastActivity = t0 + rtt + ACK_DELAY_US;
        this.patternLast = this.lastActivity;
        this.phase = Phase.Activity;
        return true;
      }
      case Phase.Activity: {
        const before = q.tail;
        if (this.pattern !== undefined) this.patternUnit(this.pattern);
        else {
          this.timeline(this.spec.activity as TimelineActivity);
          this.phase = Phase.Close;
        }
        if (q.tail > before) this.lastActivity = q.tsAt(q.tail - 1);
        return true;
      }
      case Phase.Close:
        this.close();
        this.phase = Phase.End;
        return true;
      case Phase.End:
        return false;
    }
  }

  /** One exchange of the pattern, starting a new burst when the previous one is complete. */
  private patternUnit(a: PatternActivity): void {
    if (this.exchange === 0) {
      if (this.burst >= a.bursts || a.exchangesPerBurst <= 0) {
        this.phase = Phase.Close;
        return;
      }
      let t = this.activityStart() + (this.bursts as BurstClock).next();
      // A burst never starts before the previous one ended, whatever the jitter drew: the stream stays in time order.
      if (this.patternLast !== NO_TIME && t <= this.patternLast) t = this.patternLast + MS;
      this.t = t;
    }
    const t = this.t;
    const last = t + this.exchangeAt(a.requestBytes, a.responseBytes);
    this.patternLast = last;
    this.t = Math.max(t + this.rtt + EXCHANGE_SPACING_US, last + MS);
    if (++this.exchange === a.exchangesPerBurst) {
      this.exchange = 0;
      this.burst += 1;
    }
  }

  /**
   * Pushes one exchange at `this.t` and returns its end as an offset from it. Times cross this call only as a field
   * and a small integer: a time passed to or returned from a call that is not inlined costs a heap number, and this
   * runs once per exchange.
   */
  private exchangeAt(req: number, resp: number): number {
    const t = this.t;
    const q = this.q;
    const rtt = this.rtt;
    if (!this.tcp) {
      q.push(t, eventCode(0, this.kindRequest, false), req);
      // A UDP request without a response is one datagram; ICMP always answers.
      if (this.kindReply === Kind.Udp && resp <= 0) return 0;
      q.push(t + rtt, eventCode(1, this.kindReply, false), resp);
      return rtt;
    }
    let last = 0;
    if (req > 0) last = this.tcpMessage(t, 0, req);
    const rt = Math.max(rtt, last + 1);
    if (resp > 0) {
      last = rt + this.tcpMessage(t + rt, 1, resp);
      const at = Math.max(rtt + ACK_DELAY_US, last + 1);
      q.push(t + at, eventCode(0, Kind.Ack, false), 0);
      return at;
    }
    if (req > 0) {
      q.push(t + rt, eventCode(1, Kind.Ack, false), 0);
      return rt;
    }
    return last;
  }

  /**
   * One message split into MSS-sized segments 1 us apart; the receiver ACKs every second one (the last is ACKed by
   * the reply). Returns the last segment's time as an offset from t (see exchangeAt).
   */
  private tcpMessage(t: number, dir: Dir, bytes: number): number {
    const q = this.q;
    const mss = this.spec.mss;
    const ackCode = eventCode((dir ^ 1) as Dir, Kind.Ack, false);
    let ts = t;
    let remaining = bytes;
    let k = 0;
    for (;;) {
      const n = Math.min(mss, remaining);
      remaining -= n;
      q.push(ts, eventCode(dir, Kind.Data, remaining === 0), n);
      k += 1;
      if (remaining === 0) return ts - t;
      if (k % 2 === 0) {
        ts += 1;
        q.push(ts, ackCode, 0);
      }
      ts += 1;
    }
  }

  /**
   * A timeline is an explicit, short list, so its events are queued at once and sorted (stable, so same-time
   * events keep their listed order): replies of one event may fall after the next event.
   */
  private timeline(activity: TimelineActivity): void {
    const q = this.q;
    const rtt = this.rtt;
    for (const e of activity.events) {
      const t = this.t0 + toUs(e.atS);
      const dir: Dir = e.from === 'client' ? 0 : 1;
      const other = (dir ^ 1) as Dir;
      if (!this.tcp) {
        const kind = (d: Dir): Kind => (this.kindRequest === Kind.Udp ? Kind.Udp : d === 0 ? Kind.EchoRequest : Kind.EchoReply);
        q.push(t, eventCode(dir, kind(dir), false), e.bytes);
        if (e.replyBytes !== undefined) q.push(t + rtt, eventCode(other, kind(other), false), e.replyBytes);
        continue;
      }
      let last = t;
      if (e.bytes > 0) last = t + this.tcpMessage(t, dir, e.bytes);
      else q.push(t, eventCode(dir, Kind.Ack, false), 0);
      const rt = Math.max(t + rtt, last + 1);
      if (e.replyBytes !== undefined && e.replyBytes > 0) {
        const replyLast = rt + this.tcpMessage(rt, other, e.replyBytes);
        q.push(Math.max(t + rtt + ACK_DELAY_US, replyLast + 1), eventCode(dir, Kind.Ack, false), 0);
      } else if (e.replyBytes !== undefined) {
        // `reply: 0` answers with a bare ACK; an event without a reply is that one message alone (exchange-timing.ts).
        q.push(rt, eventCode(other, Kind.Ack, false), 0);
      }
    }
    q.sortByTime();
  }

  private close(): void {
    const spec = this.spec;
    if (!this.tcp || spec.close === 'none') return;
    const q = this.q;
    let closeAt = this.lastActivity === NO_TIME ? this.t0 : this.lastActivity + MS;
    const holdEnd = this.holdEnd();
    if (holdEnd !== undefined && holdEnd > closeAt) closeAt = holdEnd;
    if (spec.close === 'rst') {
      q.push(closeAt, eventCode(0, Kind.Rst, false), 0);
      return;
    }
    q.push(closeAt, eventCode(0, Kind.Fin, false), 0);
    q.push(closeAt + this.rtt, eventCode(1, Kind.Fin, false), 0);
    q.push(closeAt + this.rtt + ACK_DELAY_US, eventCode(0, Kind.Ack, false), 0);
  }
}

/** The clock: one UDP packet every `intervalUs` from `startUs`, without end (the merge stops it). */
export class ClockEvents implements EventSource {
  private t: number;
  private readonly code = eventCode(0, Kind.Udp, false);
  constructor(
    startUs: number,
    private readonly intervalUs: number,
    private readonly payload: number,
  ) {
    if (intervalUs <= 0) throw new Error('clock interval must be positive');
    this.t = startUs;
  }

  next(head: EventHead): boolean {
    head.tsUs = this.t;
    head.code = this.code;
    head.len = this.payload;
    this.t += this.intervalUs;
    return true;
  }
}

/** A single client UDP packet: the sentinel. */
export class SingleEvent implements EventSource {
  private done = false;
  constructor(
    private readonly tsUs: number,
    private readonly payload: number,
  ) {}

  next(head: EventHead): boolean {
    if (this.done) return false;
    this.done = true;
    head.tsUs = this.tsUs;
    head.code = eventCode(0, Kind.Udp, false);
    head.len = this.payload;
    return true;
  }
}

