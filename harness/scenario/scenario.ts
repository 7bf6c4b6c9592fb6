/**
 * A Scenario is traffic described with controlled quiet periods: the resolved, validated form of a
 * `scenarios/*.yaml` file. All durations are seconds (microsecond resolution); all times are offsets from
 * `startUs` unless named otherwise. The parser (./parse-scenario.ts) builds it; the generator consumes it.
 */
export type Protocol = 'tcp' | 'udp' | 'icmp';

export interface Endpoint {
  /** Canonical text form: dotted IPv4, or compressed lower-case IPv6. */
  addr: string;
  /** TCP/UDP port; for ICMP always 0. */
  port: number;
}

export interface Scenario {
  name: string;
  description: string;
  /** Path of the YAML file as the user named it. */
  file: string;
  seed: number;
  /** Capture start, microseconds since the Unix epoch (UTC). */
  startUs: number;
  timestampResolution: 'us' | 'ns';
  /** Inter-packet gaps at least this long are listed as quiet periods in the ground truth. */
  quietThresholdS: number;
  clock?: ClockFlow;
  sentinel?: Sentinel;
  connections: ConnectionSpec[];
}

/** An unrelated packet every `intervalS`, so monitors whose timers only advance on packets really expire idle flows. */
export interface ClockFlow {
  intervalS: number;
  client: Endpoint;
  server: Endpoint;
  payloadBytes: number;
  vlan?: number;
}

/** One packet `afterS` after the last packet of every other connection, so end-of-capture flushing cannot mask the last quiet period. */
export interface Sentinel {
  afterS: number;
  client: Endpoint;
  server: Endpoint;
  vlan?: number;
}

export interface ConnectionSpec {
  id: string;
  protocol: Protocol;
  client: EndpointRange;
  server: Endpoint;
  vlan?: number;
  /** Offset of the first packet from the scenario start. */
  startS: number;
  /** Time from a request to its response (and from a SYN to its SYN-ACK). */
  rttS: number;
  /** `none` for UDP and ICMP, which have no handshake; TCP is `handshake` or `midstream`. */
  open: 'handshake' | 'midstream' | 'none';
  close: 'fin' | 'rst' | 'none';
  /** TCP maximum segment size: advertised on SYN, and payloads above it are segmented. */
  mss: number;
  /** ICMP echo identifier. */
  icmpId: number;
  activity: Activity;
  /**
   * Hold the connection open until this offset after its start, even when the activity ended earlier
   * (keepalives, if any, fill the time; then the close, if any).
   */
  holdS?: number;
  keepalive?: Keepalive;
  /** Copies of this connection; copy i uses the i-th client address/port of `client`. */
  count: number;
  /** Start offset between consecutive copies. */
  staggerS: number;
}

/** Client addresses and ports walked by copies: ports first, then addresses. A single endpoint has from = to. */
export interface EndpointRange {
  addrFrom: string;
  addrTo: string;
  portFrom: number;
  portTo: number;
}

export type Activity = PatternActivity | TimelineActivity;

export interface PatternActivity {
  kind: 'pattern';
  bursts: number;
  /** Nominal gap between the starts of consecutive bursts; absent when `spanS` fixes the placement. */
  gapS?: number;
  /** First-to-last burst start; bursts are spread evenly over it (first and last exact, jitter in between). */
  spanS?: number;
  /** Each burst start moves by a uniform draw from [-jitterS, +jitterS] (seeded). */
  jitterS: number;
  requestBytes: number;
  responseBytes: number;
  /** Request/response exchanges in one burst (each is request, response and, for TCP, an ACK). */
  exchangesPerBurst: number;
}

export interface TimelineActivity {
  kind: 'timeline';
  events: TimelineEvent[];
}

export interface TimelineEvent {
  /** Offset from the connection start. */
  atS: number;
  from: 'client' | 'server';
  /** Payload bytes (0 for a pure ACK on TCP); for ICMP from the client an echo request, from the server a reply. */
  bytes: number;
  /** When true the other side answers with `replyBytes` after one RTT. */
  replyBytes?: number;
}

export interface Keepalive {
  intervalS: number;
  /** `zero-byte`: an empty segment at seq-1; `one-byte`: one garbage byte at seq-1 (the BSD style). */
  style: 'zero-byte' | 'one-byte';
}
