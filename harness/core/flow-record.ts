/**
 * A FlowRecord is one line of what a monitor reported, normalized so that every monitor can be compared with
 * the ground truth the same way. Adapters build them; the comparator never looks at a monitor's own format.
 */
export type FlowProtocol = 'tcp' | 'udp' | 'icmp' | 'other';

export type EndReason =
  | 'idle-timeout'
  | 'active-timeout'
  | 'end-of-flow'
  | 'end-of-capture'
  | 'status'
  /** Expired early because the tool's flow table was full (softflowd -m, Suricata emergency mode). */
  | 'evicted'
  | 'unknown';

export interface FlowRecord {
  protocol: FlowProtocol;
  vlan?: number;
  /** Who the monitor says started it (for a unidirectional record: the source). Canonical address text. */
  origAddr: string;
  /** Port, or for ICMP the echo identifier when the monitor reports it (else the type, as Zeek does). */
  origPort: number;
  respAddr: string;
  respPort: number;
  /** Microseconds since the Unix epoch. */
  firstUs: number;
  lastUs: number;
  durationUs: number;
  origPkts?: number;
  respPkts?: number;
  origBytes?: number;
  respBytes?: number;
  /** What the byte counters count: IP packets (Zeek's *_ip_bytes), whole Ethernet frames (argus), or payload. */
  bytesKind: 'ip' | 'ethernet' | 'payload' | 'unknown';
  /** `uni`: a NetFlow/IPFIX record of one direction only; its counters are all in orig*. */
  direction: 'bi' | 'uni';
  /** Monitor's own state text (Zeek conn_state, argus state, ...). */
  state?: string;
  history?: string;
  endReason?: EndReason;
  /** argus: `start` opens a flow, `status` continues the same flow. Absent elsewhere. */
  recordKind?: 'start' | 'status';
  /**
   * Where it came from: the raw output file (relative to the cell folder) and the 1-based line or record number.
   * Two plain fields, not a { file, line } object: a million-row log would otherwise allocate a million more objects
   * for records most of which (a production conn.log) match nothing; the comparator makes `{ file, line }` only for
   * the records it reports.
   */
  sourceFile: string;
  sourceLine: number;
}

/** A record's origin in the form reports and results.json carry it. */
export function sourceOf(record: FlowRecord): { file: string; line: number } {
  return { file: record.sourceFile, line: record.sourceLine };
}
