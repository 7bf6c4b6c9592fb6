/**
 * Ground truth: what the generated pcap really contains, written beside it as `<name>.truth.json`.
 * Times are integer microseconds since the Unix epoch; every number is exact, computed from the packets written.
 */
export const TRUTH_SCHEMA_VERSION = 1;

export type TruthProtocol = 'tcp' | 'udp' | 'icmp';

export interface TruthEndpoint {
  addr: string;
  /** TCP/UDP port; for ICMP the echo identifier (in a truth derived from a capture, any other ICMP message: its type). */
  port: number;
}

export interface QuietPeriod {
  startUs: number;
  endUs: number;
  lengthUs: number;
}

export interface TruthConnection {
  /** Unique within the truth file: the scenario connection id, `#k` appended for copy k when count > 1. */
  id: string;
  protocol: TruthProtocol;
  ipVersion: 4 | 6;
  vlan?: number;
  /**
   * QinQ: the second VLAN tag (Zeek's inner_vlan); its frames carry both tags, which a tool counting frame bytes
   * counts. Only in a truth derived from a capture.
   */
  innerVlan?: number;
  client: TruthEndpoint;
  server: TruthEndpoint;
  firstUs: number;
  lastUs: number;
  durationUs: number;
  clientPkts: number;
  /** IP bytes: IP header and everything after it, as Zeek's orig_ip_bytes counts. */
  clientIpBytes: number;
  clientPayloadBytes: number;
  serverPkts: number;
  serverIpBytes: number;
  serverPayloadBytes: number;
  open: 'handshake' | 'midstream' | 'none';
  close: 'fin' | 'rst' | 'none';
  /** Which side sent the first packet in the capture. */
  firstSender: 'client' | 'server';
  /**
   * Inter-packet gaps at least the scenario's quiet threshold long, in time order. Always empty for background
   * connections (clock, sentinel): a clock every 30 s against a 30 s threshold would list thousands of periods;
   * their longestGapUs is still exact, so use that (not this list) for what a background flow's gaps do.
   */
  quietPeriods: QuietPeriod[];
  longestGapUs: number;
  /** The clock flow and the sentinel: scored separately, never spurious. */
  background: boolean;
  /** `clock`, `sentinel`, or absent for a scenario connection. */
  role?: 'clock' | 'sentinel';
  /**
   * Truth read from a team's own capture: the capture cut this connection at its start and/or end (why, in words),
   * so it was longer than the capture shows. Never set for a synthesized scenario.
   */
  cut?: { start?: string; end?: string };
}

/**
 * The capture's link layer. Generated captures are Ethernet; a team's own may be raw IP, Linux cooked (`tcpdump -i
 * any`) or another: the frame bytes a monitor counts ("ethernet" bytes) carry that header instead of Ethernet's.
 */
export type LinkType = 'ethernet' | 'raw-ip' | 'linux-sll' | 'linux-sll2' | 'other';

/** Bytes of link header each frame carries (before any VLAN tag); undefined when unknown. */
export const LINK_HEADER_BYTES: Readonly<Record<LinkType, number | undefined>> = { ethernet: 14, 'raw-ip': 0, 'linux-sll': 16, 'linux-sll2': 20, other: undefined };

export interface GroundTruth {
  schemaVersion: typeof TRUTH_SCHEMA_VERSION;
  generator: string;
  scenario: { name: string; description: string; file: string; seed: number };
  pcap: {
    file: string;
    sha256: string;
    linkType: LinkType;
    timestampResolution: 'us' | 'ns';
    firstUs: number;
    lastUs: number;
    spanUs: number;
    packets: number;
    /** Bytes of captured frames (sum of caplen). */
    frameBytes: number;
  };
  quietThresholdUs: number;
  connections: TruthConnection[];
}

/**
 * The connections whose ids are among `ids`, by id. A report looks up the few connections its cells kept scores of
 * (the worst); a map of every connection, made for that, held ~100 MB at a million connections.
 */
export function connectionsNamed(connections: readonly TruthConnection[], ids: Iterable<string>): Map<string, TruthConnection> {
  const wanted = new Set(ids);
  const found = new Map<string, TruthConnection>();
  for (const c of connections) {
    if (found.size === wanted.size) break;
    const id = c.id;
    if (wanted.has(id)) found.set(id, c);
  }
  return found;
}

/** The connection ids `cells` kept scores of. */
export function scoredIds(cells: readonly { scores: readonly { connectionId: string }[] }[]): Set<string> {
  const ids = new Set<string>();
  for (const cell of cells) for (const score of cell.scores) ids.add(score.connectionId);
  return ids;
}
