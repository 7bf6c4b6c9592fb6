import type { GroundTruth } from './ground-truth.js';
import type { CellAggregate, ConnectionScore, Recommendation, SpuriousRecord, Verdict } from './score.js';
import type { TimeoutSetting } from './timeout-setting.js';
import type { ToolState } from './tool-state.js';

/**
 * `results.json`: what one `harness run` found, enough to render every report again. Version 2: a scenario of many
 * connections keeps only its worst connections' scores and truth here (see summarize-results.ts); every score is
 * in the cell's `scoresFile`, one JSON line per connection.
 */
export const RESULTS_SCHEMA_VERSION = 2;

export interface RunResults {
  schemaVersion: typeof RESULTS_SCHEMA_VERSION;
  tool: { name: 'harness'; version: string };
  createdAt: string;
  /** argv of the harness command that made it. */
  command: string[];
  runDir: string;
  huntThresholdsS: number[];
  /** A record's duration counts as right when within this much of the truth (absolute) ... */
  toleranceS: number;
  /** ... or this fraction of the true duration, whichever is larger. */
  toleranceRatio: number;
  scenarios: ScenarioResult[];
  /** Per monitor: did a one-gap calibration pcap show that it applies its timeouts to a pcap? */
  calibrations?: CalibrationRecord[];
  /** Present when Ctrl-C (or SIGTERM) stopped the run: what it holds is what finished before. */
  interrupted?: Interruption;
  /** Which plan of cells this run carried out; with `shard`, only its share (a partial for `harness merge`). */
  plan?: PlanRecord;
  /** What the reader must know to trust the results, shown first by every report (a version that could not be read). */
  warnings?: string[];
}

/**
 * A run's plan: every cell (scenario x sensor x setting) it was asked for, identified by a hash of what decides the
 * results (scenarios' pcap sha256, harness version, sensors and binaries, sweep, judging rules). Shards of one plan
 * carry the same id; `harness merge` joins them only when every shard is there once.
 */
export interface PlanRecord {
  id: string;
  /** Cells (scenario x sensor x setting) in the whole plan, across every shard. */
  tasks: number;
  /** Sensors in plan order, so a merge puts cells back in the order an unsharded run writes them. */
  sensors: { sensor: string; monitor: string; binary?: string; settings: string[] }[];
  /** Present in a partial result: shard `index` of `count` (1-based), holding `tasks` of the plan's cells. */
  shard?: { index: number; count: number; tasks: number };
  /** A `harness check` plan: what its merge needs to judge the suite as an unsharded check would. */
  check?: CheckPlan;
}

export interface CheckPlan {
  suite: string;
  suiteSha256: string;
  failOnSkip: boolean;
  updateBaseline: boolean;
  /** Sensors the shard's machine did not run (not installed, version out of range), with why. */
  sensorSkips: { sensor: string; reason: string; bySuite: boolean }[];
}

export interface Interruption {
  /** Scenarios listed on the command line whose pcap was never (completely) generated: absent from `scenarios`. */
  scenariosNotGenerated: string[];
}

export interface CalibrationRecord {
  monitor: string;
  /** The binary a sensor named (`zeek@/opt/zeek-6/bin/zeek`), when not the one found on PATH. */
  binary?: string;
  version?: string;
  /** Undefined when calibration could not tell (it failed, or the tool takes no setting). */
  honoursTimeoutsOffline?: boolean;
  detail: string;
  commands: CommandRecord[];
}

export interface ScenarioResult {
  name: string;
  description: string;
  file: string;
  pcapFile: string;
  truthFile: string;
  /** Every background connection, and of the others those some cell keeps a score of (all of them when few). */
  truth: GroundTruth;
  /** Present when `truth.connections` holds only some of the capture's connections: how many there are. */
  connectionCount?: { scenario: number; background: number };
  settings: TimeoutSetting[];
  cells: Cell[];
  recommendations: Recommendation[];
  /** `synthesized`: generated from a scenario with exact truth; `derived`: read from a team's own capture with tshark. */
  truthSource?: 'synthesized' | 'derived';
}

export interface CommandRecord {
  argv: string[];
  cwd: string;
  exitCode: number | null;
  signal?: string;
  /** When it started (ms since the epoch), so overlapping processes (a monitor and its collector) can be told apart. */
  startMs?: number;
  wallMs: number;
  peakRssKb?: number;
  /** CPU time in user and kernel mode (the kernel's rusage, 10 ms resolution); absent without GNU time. */
  cpuUserMs?: number;
  cpuSystemMs?: number;
  timedOut: boolean;
  /** Last lines of stderr (the whole of it when short). */
  stderrTail: string;
  /** True for a background collector. */
  service: boolean;
  /** The harness reading a monitor's output back (nfdump, racluster): not part of what the sensor costs. */
  readsOutput?: boolean;
}

export type CellStatus = 'ok' | 'unsupported' | 'failed' | 'skipped';

/** What a live cell's sensor (and column) carries after the offline sensor's name. */
export const LIVE_SUFFIX = ' (live)';

/** A cell of the live replay (run or not: a monitor with no live form has unsupported ones), not of the pcap. */
export function isLiveCell(cell: Pick<Cell, 'live' | 'sensor'>): boolean {
  return cell.live !== undefined || cell.sensor.endsWith(LIVE_SUFFIX);
}

export interface Cell {
  /** The sensor (suite) or monitor id (run) this column belongs to. */
  sensor: string;
  monitor: string;
  displayName: string;
  view: string;
  /** Column name in reports: `argus` or `argus (merged)`. */
  column: string;
  version?: string;
  binary?: string;
  setting: TimeoutSetting;
  /** The tool's own knob values for the setting. */
  knobValues?: Record<string, number>;
  status: CellStatus;
  /** Why unsupported, failed or skipped (a skip carries the install command). */
  reason?: string;
  /** Calibration result on this machine; undefined if calibration could not run. */
  honoursTimeoutsOffline?: boolean;
  provenance: {
    /** Cell folder, relative to the run directory. */
    dir: string;
    commands: CommandRecord[];
    configFiles: { path: string; content: string }[];
    rawFiles: string[];
    notes: string[];
    wallMs: number;
  };
  recordCount: number;
  /** Normalized records as JSON lines, relative to the run directory. */
  recordsFile?: string;
  /** Every background connection's score and the worst others' (all of them when few); see `scoresFile`. */
  scores: ConnectionScore[];
  /** Every connection's score, one JSON line each, relative to the run directory. */
  scoresFile?: string;
  /** Present when `scores` holds only some connections: how many were scored. */
  connectionsScored?: number;
  /** How the scenario's (not background) connections spread over fragment counts and coverage, from every score. */
  distribution?: ScoreDistribution;
  /** The first spurious records; `aggregate.spurious` counts them all. */
  spurious: SpuriousRecord[];
  aggregate?: CellAggregate;
  verdict: Verdict;
  /** What running this setting cost the sensor, and the flow-table state it keeps; absent when nothing ran. */
  cost?: CellCost;
  /** Present when the cell ran live: the monitor on an interface, fed a time-scaled replay (harness run --live). */
  live?: LiveCellInfo;
}

/**
 * The cost of one cell, units in the field names. Measured figures cover the sensor's own processes (the monitor,
 * and for an exporter its collector), not the harness reading their output back (nfdump, racluster).
 */
export interface CellCost {
  /** Peak resident memory: the largest of the monitor's commands plus any collector running beside it, KiB. */
  peakRssKb?: number;
  /** CPU time, user + system, summed over the sensor's processes (10 ms resolution); absent without GNU time. */
  cpuMs?: number;
  cpuUserMs?: number;
  cpuSystemMs?: number;
  /** From the first sensor process's start to the last one's end, ms. */
  wallMs: number;
  /** Records the monitor wrote (all views read from the same output count once per view). */
  records: number;
  /** Flow-table entries the setting keeps, from the truth and the idle model (flow-table.ts). */
  table?: { peakEntries: number; meanEntries: number; exact: boolean; limitEntries?: number };
  /** The tool's own account of its table, where it gives one. */
  toolState?: ToolState;
}

/** What a live cell was judged on: scores, durations and times are in scenario time (replay time x speedup). */
export interface LiveCellInfo {
  interface: string;
  /** K: the scenario and the setting's timeouts were divided by it; results multiplied back. */
  speedup: number;
  /** The setting the monitor really ran, in replay seconds (e.g. 5m/150 = tcp 2 s). */
  replaySetting: TimeoutSetting;
  /**
   * The replay's timing error against the pcap's schedule, real-time microseconds (x speedup in scenario time);
   * absent when no replay ran (interrupted before it): zeros there read as a perfect measurement.
   */
  timingError?: { medianUs: number; p99Us: number; maxUs: number; driftUs: number };
  /** Packets in the scaled pcap, on the reference capture, and as the monitor counted them (when it reports a count). */
  packetsScheduled: number;
  packetsOnWire: number;
  packetsSeen?: number;
  /** Whether the immediate-mode shim was applied (softflowd, pmacctd) and the evidence. */
  immediateMode?: string;
  /** The reference capture, relative to the run folder: the truth of this cell. */
  referenceCapture: string;
  /** Same verdicts offline (unscaled) and live (scaled)? Only for monitors that honour timeouts offline. */
  invariance?: { agrees: boolean; detail: string };
}

/** Connection counts per bucket; the bucket bounds are FRAGMENT_BUCKETS and COVERAGE_BUCKETS in summarize-results.ts. */
export interface ScoreDistribution {
  fragments: number[];
  coverage: number[];
}

/**
 * The exit status of a command whose results these are: 130 exactly when they say the run was interrupted (a signal
 * that came once the work was done stopped nothing, and 130 beside complete reports marked nowhere disagreed).
 */
export function exitStatusOf(results: Pick<RunResults, 'interrupted'>, otherwise: number): number {
  return results.interrupted !== undefined ? 130 : otherwise;
}
