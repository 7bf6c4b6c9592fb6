import type { CompareOptions } from '../comparator/compare-cell.js';
import type { RunResults } from '../core/results.js';
import type { TimeoutSetting } from '../core/timeout-setting.js';
import type { ShardSpec } from './shard-plan.js';

/**
 * What `harness run` and `harness check` ask of the pipeline: generate each scenario, run every planned cell on it,
 * score, and return RunResults (reports are written by the caller).
 */
export interface SensorPlan {
  /** Column name in reports; for `harness run` the monitor id (argus views add ` (merged)` etc.). */
  sensor: string;
  monitor: string;
  settings: TimeoutSetting[];
  /** A user's own config file for this monitor, absolute path. */
  userConfig?: string;
  /**
   * The monitor's binary this sensor runs (`zeek@/opt/zeek-6/bin/zeek`, a suite's `binary:`), so two versions run
   * side by side; absent: the one the adapter finds (its environment variable, else PATH).
   */
  binary?: string;
}

export interface RunRequest {
  scenarioPaths: string[];
  sensors: SensorPlan[];
  /** The run directory: pcaps, truth, every cell's raw output, results.json. */
  outDir: string;
  compare: CompareOptions;
  /**
   * `--tolerance` as the user gave it, when given: refused once the scenarios are read if not shorter than their
   * longest connection (with it a record of any length is "accurate"). The default is exempt.
   */
  toleranceFlag?: string;
  /** Wall-clock limit for one monitor process. */
  cellTimeLimitMs: number;
  /** Parallel cells; default the number of cores. */
  concurrency?: number;
  /** No file a monitor writes may grow past this (--max-output); default DEFAULT_MAX_OUTPUT_BYTES. */
  maxOutputBytes?: number;
  signal: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  /** A scenario whose pcap would be larger is refused before anything is generated (--max-pcap-size). */
  maxPcapBytes?: number;
  /** argv of the command, for provenance. */
  command: string[];
  /** Run only this shard's share of the cells; the results are a partial for `harness merge`. */
  shard?: ShardSpec;
  /** `harness check`: the suite's sha256, part of the plan id. */
  suiteSha256?: string;
  /**
   * Each cell keeps in memory only what results.json keeps of its scores (the worst, its distribution), once every
   * score is in its scores file: a million connections times a few cells of per-connection detail do not fit in
   * memory. Only for a caller that needs no other score afterwards (`harness run` offline; not check, baselines or
   * the live pipeline's offline-live comparison, which read every score).
   */
  summarizeCellsInMemory?: boolean;
  /**
   * Throws (RunFolderGone) when the run folder was removed or replaced since the run claimed it: called before
   * anything is written there, so that a folder deleted mid-run is never made again by the run's later writes.
   */
  checkRunFolder?: () => void;
}

export type ProgressEvent =
  | { kind: 'generating'; scenario: string; bytes: number; estimatedBytes: number }
  /** `derived`: a capture's truth read from it, nothing generated. */
  | { kind: 'generated'; scenario: string; packets: number; derived?: boolean }
  | { kind: 'planned'; total: number; shard?: { index: number; count: number; planId: string; planTasks: number } }
  | { kind: 'cell-done'; scenario: string; column: string; setting: string; status: string; verdict: string; done: number; total: number }
  | { kind: 'skipped'; monitor: string; reason: string }
  /** A live run's plan before its first replay, and each replay as it starts: one line each. */
  | { kind: 'live'; line: string };

export type RunPipeline = (request: RunRequest) => Promise<RunResults>;
