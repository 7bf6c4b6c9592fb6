import { worstVerdict } from '../../harness/core/score.js';
import type { GroundTruth, TruthConnection } from '../../harness/core/ground-truth.js';
import { TRUTH_SCHEMA_VERSION } from '../../harness/core/ground-truth.js';
import type { Cell, CellStatus, RunResults } from '../../harness/core/results.js';
import { RESULTS_SCHEMA_VERSION } from '../../harness/core/results.js';
import type { ConnectionScore, Fragment } from '../../harness/core/score.js';
import { parseTimeoutSetting } from '../../harness/core/timeout-setting.js';

/**
 * Small RunResults for evaluation tests: each cell says, per connection, how many equal fragments the monitor cut
 * it into (0 = missed). Numbers follow from that alone, so each test can state what it expects by hand.
 */
const S = 1_000_000;
const START = 1_700_000_000 * S;

export interface ConnSpec {
  id: string;
  durationS: number;
  background?: boolean;
  close?: 'fin' | 'rst' | 'none';
}

export interface CellSpec {
  sensor: string;
  monitor?: string;
  view?: string;
  version?: string;
  status?: CellStatus;
  reason?: string;
  honours?: boolean;
  /** Connection id -> how many records the monitor cut it into (0 = missed); see scoreFor. */
  fragments: Record<string, number>;
  /** Last-record state per connection. */
  state?: Record<string, string>;
}

export function buildResults(scenario: string, conns: ConnSpec[], cells: CellSpec[]): RunResults {
  const truth: GroundTruth = {
    schemaVersion: TRUTH_SCHEMA_VERSION,
    generator: 'test',
    scenario: { name: scenario, description: '', file: `${scenario}.yaml`, seed: 1 },
    pcap: { file: 'x.pcap', sha256: '', linkType: 'ethernet', timestampResolution: 'us', firstUs: START, lastUs: START, spanUs: 0, packets: 0, frameBytes: 0 },
    quietThresholdUs: 30 * S,
    connections: conns.map(truthConnection),
  };
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'harness', version: 'test' },
    createdAt: '2024-01-01T00:00:00.000Z',
    command: [],
    runDir: '',
    huntThresholdsS: [3600],
    toleranceS: 2,
    toleranceRatio: 0.001,
    scenarios: [{
      name: scenario,
      description: '',
      file: `${scenario}.yaml`,
      pcapFile: 'x.pcap',
      truthFile: 'x.truth.json',
      truth,
      settings: [parseTimeoutSetting('default')],
      cells: cells.map((c) => buildCell(c, conns)),
      recommendations: [],
    }],
  };
}

function truthConnection(c: ConnSpec): TruthConnection {
  return {
    id: c.id, protocol: 'tcp', ipVersion: 4,
    client: { addr: '192.0.2.1', port: 1000 }, server: { addr: '192.0.2.2', port: 80 },
    firstUs: START, lastUs: START + c.durationS * S, durationUs: c.durationS * S,
    clientPkts: 1, clientIpBytes: 1, clientPayloadBytes: 1, serverPkts: 1, serverIpBytes: 1, serverPayloadBytes: 1,
    open: 'handshake', close: c.close ?? 'fin', firstSender: 'client', quietPeriods: [], longestGapUs: 0,
    background: c.background ?? false,
  };
}

/**
 * A connection cut into f fragments: f equal records separated by f-1 equal silences, each silence 1/(2f) of the
 * duration (so f = 1 covers 100%, f = 2 covers 75%, f = 4 covers 62.5%, f = 0 covers 0).
 */
export function scoreFor(c: ConnSpec, f: number, state?: string): ConnectionScore {
  const total = c.durationS * S;
  const silence = f > 1 ? total / (2 * f) : 0;
  const each = f > 0 ? (total - silence * (f - 1)) / f : 0;
  const fragmentList: Fragment[] = [];
  for (let k = 0; k < f; k++) {
    const first = START + k * (each + silence);
    fragmentList.push({ firstUs: first, lastUs: first + each, durationUs: each, flipped: false, sources: [], ...(state && k === f - 1 ? { state } : {}) });
  }
  const sum = each * f;
  return {
    connectionId: c.id, background: c.background ?? false, fragments: f, fragmentList,
    trueDurationUs: total, longestRecordUs: each, sumDurationUs: sum, coverage: total > 0 ? sum / total : 0,
    gapTimeLostUs: total - sum,
    packets: { expected: 2 }, bytes: { expected: 2, bytesKind: 'ip' },
    close: { expected: c.close ?? 'fin', seen: f > 0 ? (state === 'SF' ? 'fin' : 'none') : undefined, ok: f > 0 && state === 'SF' },
    hunts: [{ thresholdS: 3600, byLongestRecord: each >= 3600 * S, bySum: sum >= 3600 * S }],
    verdict: f === 0 ? 'missed' : f === 1 ? 'accurate' : 'fragmented',
  };
}

function buildCell(spec: CellSpec, conns: ConnSpec[]): Cell {
  const monitor = spec.monitor ?? 'zeek';
  const view = spec.view ?? 'default';
  const status = spec.status ?? 'ok';
  const scores = status === 'ok'
    ? conns.filter((c) => spec.fragments[c.id] !== undefined).map((c) => scoreFor(c, spec.fragments[c.id] as number, spec.state?.[c.id]))
    : [];
  const cell: Cell = {
    sensor: spec.sensor, monitor, displayName: monitor, view,
    column: view === 'default' ? spec.sensor : `${spec.sensor} (${view})`,
    setting: parseTimeoutSetting('default'), status,
    provenance: { dir: '', commands: [], configFiles: [], rawFiles: [], notes: [], wallMs: 0 },
    recordCount: scores.reduce((n, s) => n + s.fragments, 0),
    scores, spurious: [],
    // As the harness judges a cell (and a results.json read back is checked for): the worst of its connections'.
    verdict: status === 'ok' ? (worstVerdict(scores.filter((s) => !s.background).map((s) => s.verdict)) ?? 'accurate') : status === 'skipped' ? 'skipped' : status === 'unsupported' ? 'unsupported' : 'failed',
  };
  if (spec.version !== undefined) cell.version = spec.version;
  if (spec.reason !== undefined) cell.reason = spec.reason;
  if (spec.honours !== undefined) cell.honoursTimeoutsOffline = spec.honours;
  return cell;
}
