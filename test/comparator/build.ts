import type { FlowRecord } from '../../harness/core/flow-record.js';
import type { GroundTruth, QuietPeriod, TruthConnection } from '../../harness/core/ground-truth.js';
import { TRUTH_SCHEMA_VERSION } from '../../harness/core/ground-truth.js';

/** Small hand-built truths and records for comparator tests. Times in seconds from T0 unless named Us. */
export const T0 = 1_700_000_000_000_000;
export const s = (seconds: number): number => T0 + Math.round(seconds * 1e6);
export const us = (seconds: number): number => Math.round(seconds * 1e6);

export function conn(over: Partial<TruthConnection> & { id: string; firstS: number; lastS: number }): TruthConnection {
  const { firstS, lastS, ...rest } = over;
  const base: TruthConnection = {
    id: over.id,
    protocol: 'tcp',
    ipVersion: 4,
    client: { addr: '192.0.2.10', port: 40000 },
    server: { addr: '198.51.100.20', port: 9000 },
    firstUs: s(firstS),
    lastUs: s(lastS),
    durationUs: s(lastS) - s(firstS),
    clientPkts: 10,
    clientIpBytes: 1000,
    clientPayloadBytes: 600,
    serverPkts: 5,
    serverIpBytes: 800,
    serverPayloadBytes: 600,
    open: 'handshake',
    close: 'none',
    firstSender: 'client',
    quietPeriods: [],
    longestGapUs: 0,
    background: false,
  };
  return { ...base, ...rest };
}

/** Quiet periods from [startS, endS] pairs; also returns the longest gap. */
export function quiet(...gaps: [number, number][]): { quietPeriods: QuietPeriod[]; longestGapUs: number } {
  const quietPeriods = gaps.map(([a, b]) => ({ startUs: s(a), endUs: s(b), lengthUs: s(b) - s(a) }));
  return { quietPeriods, longestGapUs: Math.max(0, ...quietPeriods.map((q) => q.lengthUs)) };
}

export function truthOf(connections: TruthConnection[], quietThresholdS = 60): GroundTruth {
  const first = Math.min(...connections.map((c) => c.firstUs));
  const last = Math.max(...connections.map((c) => c.lastUs));
  return {
    schemaVersion: TRUTH_SCHEMA_VERSION,
    generator: 'hand-built in a test',
    scenario: { name: 't', description: 'test', file: 't.yaml', seed: 1 },
    pcap: { file: 't.pcap', sha256: '0', linkType: 'ethernet', timestampResolution: 'us', firstUs: first, lastUs: last, spanUs: last - first, packets: 0, frameBytes: 0 },
    quietThresholdUs: us(quietThresholdS),
    connections,
  };
}

let line = 0;
export function rec(over: Partial<FlowRecord> & { firstS: number; lastS: number }): FlowRecord {
  const { firstS, lastS, ...rest } = over;
  line += 1;
  const base: FlowRecord = {
    protocol: 'tcp',
    origAddr: '192.0.2.10',
    origPort: 40000,
    respAddr: '198.51.100.20',
    respPort: 9000,
    firstUs: s(firstS),
    lastUs: s(lastS),
    durationUs: s(lastS) - s(firstS),
    bytesKind: 'ip',
    direction: 'bi',
    sourceFile: 'conn.log',
    sourceLine: line,
  };
  return { ...base, ...rest };
}

/** The same record seen from the server's side. */
export function reversed(r: FlowRecord): FlowRecord {
  return { ...r, origAddr: r.respAddr, origPort: r.respPort, respAddr: r.origAddr, respPort: r.origPort };
}
