import { formatByteSize } from '../core/byte-size.js';
import { formatDuration } from '../core/duration.js';
import { InputError } from '../core/input-error.js';
import { activityEndS, activityStartS, closestBurstApproach, EXCHANGE_SPACING_S } from './exchange-timing.js';
import type { ConnectionSpec, Scenario } from './scenario.js';
import { positionInFile } from './yaml-position.js';

/**
 * How far in time and how large a scenario's capture will be, known from the scenario alone before a packet is
 * made: classic pcap keeps seconds in 32 bits, so a packet after 2106-02-07T06:28:15Z cannot be written (it would
 * wrap to 1970), and a clock every microsecond over a day is 86 billion packets, terabytes no one meant to write.
 */

/** The last microsecond a classic pcap record can hold: 2^32 - 1 seconds, 999999 us. */
export const PCAP_LAST_US = 4294967295 * 1e6 + 999999;

/** Offset (seconds from the scenario start) after which the last copy of `spec` sends nothing more. */
export function connectionEndS(spec: ConnectionSpec): number {
  const lastCopyStartS = spec.startS + spec.staggerS * Math.max(0, spec.count - 1);
  // A close adds at most a few round trips after the activity or the hold.
  const closeS = spec.protocol === 'tcp' && spec.close !== 'none' ? 2 * spec.rttS + 0.01 : 0;
  return lastCopyStartS + Math.max(activityEndS(spec), spec.holdS ?? 0) + closeS;
}

/** Offset (seconds from the scenario start) of the last packet of the whole capture, sentinel included. */
export function scenarioEndS(scenario: Pick<Scenario, 'connections' | 'sentinel'>): number {
  const last = Math.max(0, ...scenario.connections.map(connectionEndS));
  return last + (scenario.sentinel?.afterS ?? 0);
}

export interface PcapEstimate {
  packets: number;
  bytes: number;
  /**
   * The part writing the most bytes, to name in a refusal: `connection c1 (count 1000)`, `clock (every 1us)`, and
   * the key in the scenario's YAML that makes it so (for the refusal's line:col).
   */
  largest: { what: string; bytes: number; path: (string | number)[] };
}

const RECORD_OVERHEAD = 16 + 14;
const L4_HEADER: Record<ConnectionSpec['protocol'], number> = { tcp: 20, udp: 8, icmp: 8 };
const ipHeader = (addr: string): number => (addr.includes(':') ? 40 : 20);

/**
 * The packets and bytes `generate` will write, from the same timing rules (exchange-timing.ts), within a few
 * percent: every message's MSS segments and ACKs, keepalives filling a hold, the clock over the whole span.
 */
export function estimatePcap(scenario: Scenario): PcapEstimate {
  let packets = 0;
  let bytes = 0;
  let largest: PcapEstimate['largest'] = { what: '', bytes: -1, path: [] };
  const add = (what: string, path: (string | number)[], n: number, payloadBytes: number, header: number): void => {
    const b = n * (RECORD_OVERHEAD + header) + payloadBytes;
    packets += n;
    bytes += b;
    if (b > largest.bytes) largest = { what, bytes: b, path };
  };
  scenario.connections.forEach((spec, i) => {
    const one = connectionPackets(spec);
    const label = `connection ${spec.id}${spec.count > 1 ? ` (count ${spec.count})` : ''}`;
    add(label, ['connections', i, ...one.key], one.packets * spec.count, one.payloadBytes * spec.count, ipHeader(spec.server.addr) + L4_HEADER[spec.protocol] + (spec.vlan === undefined ? 0 : 4));
  });
  const endS = scenarioEndS(scenario);
  if (scenario.clock !== undefined) {
    const n = Math.floor(endS / scenario.clock.intervalS) + 1;
    add(`clock (every ${formatDuration(scenario.clock.intervalS)})`, ['clock', 'every'], n, n * scenario.clock.payloadBytes, ipHeader(scenario.clock.server.addr) + 8);
  }
  if (scenario.sentinel !== undefined) add('sentinel', ['sentinel'], 1, 32, ipHeader(scenario.sentinel.server.addr) + 8);
  return { packets, bytes, largest };
}

/**
 * One copy's packets and payload, and the key of the connection's YAML that makes most of them: its count when it has
 * copies, else its keepalive when keepalives outnumber the rest, else its pattern's bursts or its timeline.
 */
function connectionPackets(spec: ConnectionSpec): { packets: number; payloadBytes: number; key: string[] } {
  const tcp = spec.protocol === 'tcp';
  const message = (b: number): number => {
    if (!tcp) return 1;
    if (b <= 0) return 0;
    const segments = Math.ceil(b / spec.mss);
    return segments + Math.floor((segments - 1) / 2);
  };
  // A UDP pattern's `response: 0` sends no reply, but a timeline's `reply: 0` sends an empty datagram (as the
  // generator does): counted as none, a pcap twice --max-pcap-size passed the guard.
  const exchange = (req: number, resp: number | undefined, emptyReplySent = false): number => {
    if (!tcp) return 1 + (resp === undefined || (spec.protocol === 'udp' && resp <= 0 && !emptyReplySent) ? 0 : 1);
    return Math.max(1, message(req)) + (resp === undefined ? 0 : resp > 0 ? message(resp) + 1 : 1);
  };
  let packets = tcp && spec.open === 'handshake' ? 3 : 0;
  let payloadBytes = 0;
  const a = spec.activity;
  if (a.kind === 'pattern') {
    const n = a.bursts * a.exchangesPerBurst;
    packets += n * exchange(a.requestBytes, a.responseBytes);
    payloadBytes += n * (a.requestBytes + a.responseBytes);
  } else {
    for (const e of a.events) {
      packets += exchange(e.bytes, e.replyBytes, true);
      payloadBytes += e.bytes + (e.replyBytes ?? 0);
    }
  }
  let key = a.kind === 'pattern' ? ['activity', 'pattern', 'bursts'] : ['activity', 'timeline'];
  if (tcp && spec.keepalive !== undefined && spec.holdS !== undefined) {
    const idleS = Math.max(0, spec.holdS - Math.max(activityEndS(spec), activityStartS(spec)));
    const keepalives = 2 * Math.floor(idleS / spec.keepalive.intervalS);
    if (keepalives > packets) key = ['keepalive', 'every'];
    packets += keepalives;
  }
  if (tcp) packets += spec.close === 'fin' ? 3 : spec.close === 'rst' ? 1 : 0;
  return { packets, payloadBytes, key: spec.count > 1 ? ['count'] : key };
}

/**
 * How many quiet periods (silences of quiet_threshold or more) one copy of a connection can have, as the generator
 * lists them in the truth (truth-builder.ts: every gap between two of the connection's packets that long), an upper
 * bound from the same timing rules: between bursts when a gap (plus jitter) reaches the threshold, between timeline
 * events that far apart, before each keepalive and the close of a hold. A threshold no longer than one exchange
 * (rtt + 2 ms) can make any gap one: every packet's. `key`: what in the scenario makes them, for the refusal.
 */
export function quietPeriodsOfCopy(spec: ConnectionSpec, thresholdS: number): { count: number; key: 'quiet_threshold' | 'activity' | 'hold' | 'keepalive' } {
  const most = Math.max(0, connectionPackets(spec).packets - 1);
  if (thresholdS <= spec.rttS + EXCHANGE_SPACING_S) return { count: most, key: 'quiet_threshold' };
  let activity = 0;
  const a = spec.activity;
  if (a.kind === 'pattern') {
    const approach = closestBurstApproach(a);
    if (approach !== undefined && approach.gapS + approach.moving * a.jitterS >= thresholdS) activity = a.bursts - 1;
  } else {
    // From the connection's first packet (its SYN at 0, or the first event's) to each event.
    let prevS = spec.protocol === 'tcp' && spec.open === 'handshake' ? 0 : (a.events[0]?.atS ?? 0);
    for (const e of a.events) {
      if (e.atS - prevS >= thresholdS) activity += 1;
      prevS = e.atS;
    }
  }
  let held = 0;
  let key: 'activity' | 'hold' | 'keepalive' = 'activity';
  if (spec.holdS !== undefined) {
    const idleS = Math.max(0, spec.holdS - Math.max(activityEndS(spec), activityStartS(spec)));
    if (spec.protocol === 'tcp' && spec.keepalive !== undefined) {
      if (spec.keepalive.intervalS >= thresholdS) held = Math.floor(idleS / spec.keepalive.intervalS) + 1;
      if (held > activity) key = 'keepalive';
    } else if (idleS >= thresholdS) {
      held = 1;
      if (held > activity) key = 'hold';
    }
  }
  return { count: Math.min(most, activity + held), key };
}

/** Above this a scenario's pcap is refused unless --max-pcap-size allows it: 2.5 times `count: 1000000` of burst-20min. */
export const DEFAULT_MAX_PCAP_BYTES = 4e9;

/**
 * Refuses, before a byte is written, a scenario whose pcap would be larger than `maxBytes`: a clock every
 * microsecond or a huge count would fill the disk for hours, at the line:col of the key that makes most of it (its
 * count, its bursts, the clock's every). Returns the estimate for progress display.
 */
export async function checkPcapSize(scenario: Scenario, maxBytes: number, flag: string): Promise<PcapEstimate> {
  const estimate = estimatePcap(scenario);
  if (estimate.bytes > maxBytes) {
    throw new InputError(
      await positionInFile(scenario.file, estimate.largest.path),
      `a scenario whose pcap would be about ${formatByteSize(estimate.bytes)} (${countText(estimate.packets)} packets, most of them from ${estimate.largest.what})`,
      `at most ${formatByteSize(maxBytes)}: fewer packets, or ${flag} ${formatByteSize(Math.ceil(estimate.bytes * 1.1)).replace(' ', '')} to allow it`,
    );
  }
  return estimate;
}

function countText(n: number): string {
  if (n < 1e6) return n.toLocaleString('en-US');
  return n < 1e9 ? `${Number((n / 1e6).toPrecision(3))} million` : `${Number((n / 1e9).toPrecision(3))} billion`;
}
