import type { ConnectionSpec, PatternActivity, Protocol, TimelineEvent } from './scenario.js';
import { formatDuration, roundMicros } from '../core/duration.js';

/**
 * When the packets of one exchange fall, shared by the validator (bursts must not overlap) and the generator
 * (which places the packets), so both agree to the microsecond.
 *
 * One exchange starting at t: request at t, response at t + rtt, and for TCP the client's ACK at t + rtt + 1 ms.
 * The next exchange of the same burst starts at t + rtt + 2 ms. A TCP handshake is SYN at 0, SYN-ACK at rtt,
 * ACK at rtt + 1 ms, and the activity starts at rtt + 2 ms.
 */
export const ACK_DELAY_S = 0.001;
export const EXCHANGE_SPACING_S = 0.002;

const ACK_DELAY_US = 1000;
const EXCHANGE_SPACING_US = 2000;

/**
 * From a TCP message's first segment to its last, in microseconds: MSS-sized segments 1 us apart, the receiver's ACK
 * 1 us after every second one (the generator's tcpMessage).
 */
export function messageSpanUs(bytes: number, mss: number): number {
  if (bytes <= 0) return 0;
  const segments = Math.ceil(bytes / mss);
  return segments - 1 + Math.floor((segments - 1) / 2);
}

/**
 * From an exchange's request to the moment the next may start, in microseconds, as the generator places its
 * packets: a message of many segments takes its time, so a 30 MB request is not the 22 ms of rtt + 2 ms.
 */
export function exchangeLengthUs(spec: Pick<ConnectionSpec, 'protocol' | 'rttS' | 'mss'>, requestBytes: number, responseBytes: number): number {
  const rttUs = Math.round(spec.rttS * 1e6);
  let endUs: number;
  if (spec.protocol !== 'tcp') endUs = spec.protocol === 'udp' && responseBytes <= 0 ? 0 : rttUs;
  else {
    const responseAtUs = Math.max(rttUs, (requestBytes > 0 ? messageSpanUs(requestBytes, spec.mss) : 0) + 1);
    if (responseBytes > 0) endUs = Math.max(rttUs + ACK_DELAY_US, responseAtUs + messageSpanUs(responseBytes, spec.mss) + 1);
    else endUs = requestBytes > 0 ? responseAtUs : 0;
  }
  return Math.max(rttUs + EXCHANGE_SPACING_US, endUs + ACK_DELAY_US);
}

/**
 * How long a burst occupies the connection: from its first request to the moment a next exchange could start.
 * Two burst starts closer than this would interleave their packets: the generator would push the later burst back,
 * and the pcap would no longer be the scenario.
 */
export function burstLengthS(activity: PatternActivity, spec: Pick<ConnectionSpec, 'protocol' | 'rttS' | 'mss'>): number {
  return roundMicros((activity.exchangesPerBurst * exchangeLengthUs(spec, activity.requestBytes, activity.responseBytes)) / 1e6);
}

/** Where neighbouring bursts of a pattern can come after jitter: closestBurstApproach. */
export interface BurstApproach {
  /** Between neighbouring burst starts before jitter: the gap, or the span over bursts - 1 (not rounded). */
  gapS: number;
  /** How many of two neighbours can move towards each other: 0, 1 or 2. */
  moving: 0 | 1 | 2;
  /** roundMicros(gapS - moving × jitter). */
  closestS: number;
}

/**
 * How close two neighbouring bursts of a pattern can come after jitter, shared by the validator (bursts must not
 * overlap) and the live structure limit (how far a scenario can be sped up), so both apply the same rule. Two
 * neighbours can each move by jitter towards the other. A span keeps its first and last bursts in place (the
 * generator's BurstClock): of 2 bursts neither moves, of 3 only the middle one, whose neighbours are fixed. Counting
 * 2 × jitter there refused a span of 2h over 3 bursts with jitter 50m, whose bursts stay 10m apart.
 * Undefined when there is nothing to keep apart (one burst, or no gap nor span).
 */
export function closestBurstApproach(activity: Pick<PatternActivity, 'bursts' | 'gapS' | 'spanS' | 'jitterS'>): BurstApproach | undefined {
  if (activity.bursts <= 1) return undefined;
  const gapS = activity.spanS !== undefined ? activity.spanS / (activity.bursts - 1) : activity.gapS;
  if (gapS === undefined) return undefined;
  const moving = activity.spanS === undefined || activity.bursts >= 4 ? 2 : activity.bursts === 3 ? 1 : 0;
  return { gapS, moving, closestS: roundMicros(gapS - moving * activity.jitterS) };
}

/** The words for it: ` minus 2 × jitter 5s`, ` minus jitter 5s (of 3 bursts ...)`, or '' when no burst moves. */
export function jitterWords(approach: BurstApproach, jitterS: number): string {
  return approach.moving === 2
    ? ` minus 2 × jitter ${formatDuration(jitterS)}`
    : approach.moving === 1 ? ` minus jitter ${formatDuration(jitterS)} (of 3 bursts over a span, only the middle one moves)` : '';
}

/**
 * The same for one timeline event: an answered event is one exchange, an unanswered one its message alone (one
 * packet, or for TCP every segment of it). Counting only rtt + 2 ms let a 1 MB message at mss 64 (23 ms on the wire)
 * be followed 2 ms later by another that the generator interleaved with it, and a hold end before its data did.
 */
export function eventLengthS(event: TimelineEvent, spec: Pick<ConnectionSpec, 'protocol' | 'rttS' | 'mss'>): number {
  if (spec.protocol !== 'tcp') return event.replyBytes === undefined ? EXCHANGE_SPACING_S : roundMicros(spec.rttS + EXCHANGE_SPACING_S);
  const us = event.replyBytes === undefined
    ? Math.max(EXCHANGE_SPACING_US, messageSpanUs(event.bytes, spec.mss) + ACK_DELAY_US)
    : exchangeLengthUs(spec, event.bytes, event.replyBytes);
  return roundMicros(us / 1e6);
}

export function handshakeLengthS(rttS: number): number {
  return roundMicros(rttS + EXCHANGE_SPACING_S);
}

/** Offset (from the connection start) at which the first burst starts and before which no timeline event may fall. */
export function activityStartS(spec: { protocol: Protocol; open: ConnectionSpec['open']; rttS: number }): number {
  return spec.protocol === 'tcp' && spec.open === 'handshake' ? handshakeLengthS(spec.rttS) : 0;
}

/**
 * Nominal end of the activity, offset from the connection start (the last burst or event plus its length).
 * With jitter, a pattern can end up to `jitterS` later, which this includes.
 */
export function activityEndS(spec: Pick<ConnectionSpec, 'protocol' | 'open' | 'rttS' | 'mss' | 'activity'>): number {
  const start = activityStartS(spec);
  const a = spec.activity;
  if (a.kind === 'timeline') {
    const last = a.events[a.events.length - 1];
    return last === undefined ? start : roundMicros(last.atS + eventLengthS(last, spec));
  }
  // One burst starts at the activity's start whatever span, gap or jitter say (the generator's BurstClock): counted,
  // a phantom hour refused a valid hold and swelled the pcap-time check and the size estimate.
  const lastStart = a.bursts <= 1 ? 0 : a.spanS !== undefined ? a.spanS : (a.bursts - 1) * (a.gapS ?? 0) + a.jitterS;
  return roundMicros(start + lastStart + burstLengthS(a, spec));
}
