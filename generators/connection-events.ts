import type { ConnectionSpec, PatternActivity, TimelineActivity } from '../harness/scenario/scenario.js';
import { Kind, type Dir, type PacketEvent } from './packet.js';

/**
 * One connection's packets as a lazy, time-ordered stream of events, following the timing model shared with the
 * scenario parser: an exchange at t is request at t, response at t+rtt and (TCP) the client's ACK at t+rtt+1ms;
 * the next exchange of a burst starts at t+rtt+2ms. Sequence numbers are not decided here but at encoding, in
 * capture order, so whatever the order of events the seq/ack numbers stay consistent.
 * All times are integer microseconds.
 */
const MS = 1000;

export function toUs(seconds: number): number {
  return Math.round(seconds * 1e6);
}

function ev(tsUs: number, dir: Dir, kind: Kind, len = 0, push?: boolean): PacketEvent {
  return push === undefined ? { tsUs, dir, kind, len } : { tsUs, dir, kind, len, push };
}

/**
 * Events of one copy of `spec` starting at absolute time `startUs`. `random` draws the jitter, in a fixed order.
 */
export function* connectionEvents(spec: ConnectionSpec, startUs: number, random: () => number): Generator<PacketEvent, void, undefined> {
  if (spec.protocol === 'tcp') yield* tcpEvents(spec, startUs, random);
  else yield* datagramEvents(spec, startUs, random);
}

function* tcpEvents(spec: ConnectionSpec, t0: number, random: () => number): Generator<PacketEvent, void, undefined> {
  const rtt = toUs(spec.rttS);
  let activityStart = t0;
  let last: number | undefined;
  if (spec.open === 'handshake') {
    yield ev(t0, 0, Kind.Syn);
    yield ev(t0 + rtt, 1, Kind.SynAck);
    yield ev(t0 + rtt + MS, 0, Kind.Ack);
    last = t0 + rtt + MS;
    activityStart = t0 + rtt + 2 * MS;
  }
  const holdEnd = spec.holdS === undefined ? undefined : t0 + toUs(spec.holdS);
  const established = tcpEstablished(spec, t0, activityStart, last, holdEnd, random);
  if (spec.keepalive === undefined) yield* established;
  else {
    const ka = spec.keepalive;
    yield* withKeepalives(established, last, toUs(ka.intervalS), ka.style === 'one-byte' ? 1 : 0, rtt, spec.close === 'none' ? holdEnd : undefined);
  }
}

function* tcpEstablished(
  spec: ConnectionSpec,
  t0: number,
  activityStart: number,
  lastBefore: number | undefined,
  holdEnd: number | undefined,
  random: () => number,
): Generator<PacketEvent, void, undefined> {
  const rtt = toUs(spec.rttS);
  let last = lastBefore;
  const activity = spec.activity.kind === 'pattern'
    ? patternEvents(spec.activity, activityStart, rtt, lastBefore, random, (s, req, resp) => tcpExchange(s, rtt, req, resp, spec.mss))
    : timelineEvents((events) => tcpTimeline(spec.activity as TimelineActivity, t0, rtt, spec.mss, events));
  for (const e of activity) {
    last = e.tsUs;
    yield e;
  }
  if (spec.close === 'none') return;
  let closeAt = last === undefined ? t0 : last + MS;
  if (holdEnd !== undefined && holdEnd > closeAt) closeAt = holdEnd;
  if (spec.close === 'rst') {
    yield ev(closeAt, 0, Kind.Rst);
    return;
  }
  yield ev(closeAt, 0, Kind.Fin);
  yield ev(closeAt + rtt, 1, Kind.Fin);
  yield ev(closeAt + rtt + MS, 0, Kind.Ack);
}

/**
 * Inserts client keepalives (zero- or one-byte at seq-1), each ACKed by the server one RTT later, wherever the
 * connection has been idle for `intervalUs` and the ACK still lands before the next packet; after the last
 * packet, until `holdEnd` when the connection is held open without a close.
 */
function* withKeepalives(
  inner: Iterable<PacketEvent>,
  lastBefore: number | undefined,
  intervalUs: number,
  len: number,
  rtt: number,
  holdEnd: number | undefined,
): Generator<PacketEvent, void, undefined> {
  let last = lastBefore;
  let closing = false;
  for (const e of inner) {
    if (!closing && last !== undefined) {
      while (last + intervalUs + rtt < e.tsUs) {
        yield ev(last + intervalUs, 0, Kind.Keepalive, len);
        yield ev(last + intervalUs + rtt, 1, Kind.Ack);
        last += intervalUs + rtt;
      }
    }
    if (e.kind === Kind.Fin || e.kind === Kind.Rst) closing = true;
    last = e.tsUs;
    yield e;
  }
  if (closing || last === undefined || holdEnd === undefined) return;
  while (last + intervalUs + rtt <= holdEnd) {
    yield ev(last + intervalUs, 0, Kind.Keepalive, len);
    yield ev(last + intervalUs + rtt, 1, Kind.Ack);
    last += intervalUs + rtt;
  }
}

/** Burst start offsets (microseconds from the activity start), drawing jitter in burst order. */
export function* burstOffsets(activity: PatternActivity, random: () => number): Generator<number, void, undefined> {
  const n = activity.bursts;
  const jitter = (): number => (activity.jitterS > 0 ? activity.jitterS * (2 * random() - 1) : 0);
  if (activity.spanS !== undefined) {
    for (let i = 0; i < n; i++) {
      if (i === 0 || n === 1) yield 0;
      else if (i === n - 1) yield toUs(activity.spanS);
      else yield Math.max(0, toUs((i * activity.spanS) / (n - 1) + jitter()));
    }
    return;
  }
  let at = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0) at = Math.max(at, at + toUs((activity.gapS ?? 0) + jitter()));
    yield at;
  }
}

type Exchange = (startUs: number, requestBytes: number, responseBytes: number) => Generator<PacketEvent, number, undefined>;

function* patternEvents(
  activity: PatternActivity,
  activityStart: number,
  rtt: number,
  lastBefore: number | undefined,
  random: () => number,
  exchange: Exchange,
): Generator<PacketEvent, void, undefined> {
  let last = lastBefore;
  for (const offset of burstOffsets(activity, random)) {
    let t = activityStart + offset;
    // A burst never starts before the previous one ended, whatever the jitter drew: the stream stays in time order.
    if (last !== undefined && t <= last) t = last + MS;
    for (let e = 0; e < activity.exchangesPerBurst; e++) {
      last = yield* exchange(t, activity.requestBytes, activity.responseBytes);
      t = Math.max(t + rtt + 2 * MS, last + MS);
    }
  }
}

/** One message split into MSS-sized segments 1 us apart; the receiver ACKs every second one (the last is ACKed by the reply). */
function* tcpMessage(t: number, dir: Dir, bytes: number, mss: number): Generator<PacketEvent, number, undefined> {
  const other = (dir ^ 1) as Dir;
  let ts = t;
  let remaining = bytes;
  let k = 0;
  for (;;) {
    const n = Math.min(mss, remaining);
    remaining -= n;
    yield ev(ts, dir, Kind.Data, n, remaining === 0);
    k += 1;
    if (remaining === 0) return ts;
    if (k % 2 === 0) {
      ts += 1;
      yield ev(ts, other, Kind.Ack);
    }
    ts += 1;
  }
}

function* tcpExchange(t: number, rtt: number, req: number, resp: number, mss: number): Generator<PacketEvent, number, undefined> {
  let last = t;
  if (req > 0) last = yield* tcpMessage(t, 0, req, mss);
  const rt = Math.max(t + rtt, last + 1);
  if (resp > 0) {
    last = yield* tcpMessage(rt, 1, resp, mss);
    const at = Math.max(t + rtt + MS, last + 1);
    yield ev(at, 0, Kind.Ack);
    return at;
  }
  if (req > 0) {
    yield ev(rt, 1, Kind.Ack);
    return rt;
  }
  return last;
}

/** UDP: a request datagram and, when responseBytes > 0, a response one RTT later. ICMP: echo request and reply. */
function udpExchange(rtt: number): Exchange {
  return function* (t, req, resp) {
    yield ev(t, 0, Kind.Udp, req);
    if (resp <= 0) return t;
    yield ev(t + rtt, 1, Kind.Udp, resp);
    return t + rtt;
  };
}

function icmpExchange(rtt: number): Exchange {
  return function* (t, req, resp) {
    yield ev(t, 0, Kind.EchoRequest, req);
    yield ev(t + rtt, 1, Kind.EchoReply, resp);
    return t + rtt;
  };
}

function* datagramEvents(spec: ConnectionSpec, t0: number, random: () => number): Generator<PacketEvent, void, undefined> {
  const rtt = toUs(spec.rttS);
  const exchange = spec.protocol === 'udp' ? udpExchange(rtt) : icmpExchange(rtt);
  if (spec.activity.kind === 'pattern') {
    yield* patternEvents(spec.activity, t0, rtt, undefined, random, exchange);
    return;
  }
  const activity = spec.activity;
  yield* timelineEvents((events) => {
    for (const e of activity.events) {
      const t = t0 + toUs(e.atS);
      const dir: Dir = e.from === 'client' ? 0 : 1;
      const other = (dir ^ 1) as Dir;
      const kind = (d: Dir): Kind => (spec.protocol === 'udp' ? Kind.Udp : d === 0 ? Kind.EchoRequest : Kind.EchoReply);
      events.push(ev(t, dir, kind(dir), e.bytes));
      if (e.replyBytes !== undefined) events.push(ev(t + rtt, other, kind(other), e.replyBytes));
    }
  });
}

/**
 * A timeline is an explicit, short list, so its events are built at once and sorted (stable, so same-time
 * events keep their listed order): replies of one event may fall after the next event.
 */
function* timelineEvents(build: (events: PacketEvent[]) => void): Generator<PacketEvent, void, undefined> {
  const events: PacketEvent[] = [];
  build(events);
  events.sort((a, b) => a.tsUs - b.tsUs);
  yield* events;
}

function tcpTimeline(activity: TimelineActivity, t0: number, rtt: number, mss: number, events: PacketEvent[]): void {
  for (const e of activity.events) {
    const t = t0 + toUs(e.atS);
    const dir: Dir = e.from === 'client' ? 0 : 1;
    const other = (dir ^ 1) as Dir;
    let last = t;
    if (e.bytes > 0) {
      for (const s of tcpMessage(t, dir, e.bytes, mss)) {
        events.push(s);
        last = s.tsUs;
      }
    } else events.push(ev(t, dir, Kind.Ack));
    const rt = Math.max(t + rtt, last + 1);
    if (e.replyBytes !== undefined && e.replyBytes > 0) {
      let replyLast = rt;
      for (const s of tcpMessage(rt, other, e.replyBytes, mss)) {
        events.push(s);
        replyLast = s.tsUs;
      }
      events.push(ev(Math.max(t + rtt + MS, replyLast + 1), dir, Kind.Ack));
    } else if (e.replyBytes !== undefined) {
      // `reply: 0` answers with a bare ACK; an event without a reply is that one message alone (exchange-timing.ts).
      events.push(ev(rt, other, Kind.Ack));
    }
  }
}
