import type { FlowRecord } from '../core/flow-record.js';
import type { FlowRecordList } from '../core/flow-record-table.js';
import type { ToolState } from '../core/tool-state.js';
import type { TableLimitKey, TimeoutProtocol, TimeoutSetting } from '../core/timeout-setting.js';
import type { ActiveRule, TimerRule } from '../core/timer-rule.js';

export type { ToolState } from '../core/tool-state.js';
export type { ActiveRule, RecordContext, RuleAdvice, RuleTimeout, SilenceOutcome, TimerRule } from '../core/timer-rule.js';

/**
 * The contract every monitor folder under harness/monitors/<id>/ fulfils. Its `index.ts` default-exports one
 * MonitorAdapter. The executor, comparator and reports know monitors only through this interface, so adding a
 * monitor touches nothing outside its folder.
 */
export interface MonitorAdapter {
  /** Short id used on the command line: `zeek`, `argus`, `nfpcapd`, ... */
  id: string;
  displayName: string;
  /** How to get it: a shell command a user can paste (apt-get install ...), or instructions. */
  install: string;
  /** Environment variable naming the binary, e.g. HARNESS_ZEEK. */
  envVar: string;
  /**
   * Other binaries the adapter runs, each named by its own variable (the NetFlow exporters' nfcapd and nfdump:
   * HARNESS_NFCAPD, HARNESS_NFDUMP), refused like `envVar` when set to a binary that is not there.
   */
  helperBinaries?: readonly { envVar: string; command: string }[];
  /** The tool's own timeout knobs, with defaults and limits, for `harness monitors` and for translation. */
  knobs: Knob[];
  /**
   * The flow-table limits a setting may set for this tool, each with the tool's own knob (`maxflows` -> `-m`), which
   * its `translate` maps; a setting with any other is refused before translation, `note` saying why (Zeek has no
   * limit: its memory grows instead). Absent: the tool takes none.
   */
  tableLimits?: { knobs: Partial<Record<TableLimitKey, string>>; note: string; defaults?: Partial<Record<TableLimitKey, number>> };
  /** What we measured (monitors.md): false for softflowd, pmacct, nDPI. Calibration re-checks it on each run. */
  documentedHonoursTimeoutsOffline: boolean;
  /** Separately scored views of one run's output (argus: `raw` and `merged`); usually just ['default']. */
  views: string[];
  /**
   * Views that join a flow's records into one per key after the tool's timers have cut them (argus's `merged`:
   * racluster), each with how, in the tool's words: the model then expects one record whatever the timers did,
   * and says why, rather than blaming a cut it cannot see on a timer.
   */
  joiningViews?: Readonly<Record<string, string>>;
  /**
   * Its ICMP records show the whole key it keeps one ICMP state per (Zeek: the addresses, the type and its
   * counterpart type, as id.orig_p and id.resp_p), so two of one key never overlap: they are checked for overlap as
   * TCP and UDP records are (record-overlap.ts). Absent: the tool may key ICMP finer than it prints (argus keys an
   * echo on its sequence number), and only a record repeated is refused.
   */
  icmpKeyShown?: boolean;
  /** Calibration: a setting the tool accepts, and a gap longer than it; the executor builds the scenario. */
  calibration: { setting: TimeoutSetting; gapS: number };
  /**
   * Timer granularity: how much later than the timeout the tool may expire a flow (nfpcapd checks every 10 s).
   * Used by the ideal model and the recommendation.
   */
  granularityS: number;
  /**
   * What one packet costs this tool, relative to tshark's 1 (measured: docs/measured/monitors.md), so that shards
   * of a sweep are balanced by expected time, not by cell count. Absent: 1.
   */
  relativeCost?: number;
  /**
   * Protocols the tool reports at all (tcptrace: TCP only); default every one. A run that reports no record while
   * the capture holds a connection of one of these failed ("no output"), whatever its exit status.
   */
  protocols?: TimeoutProtocol[];
  /** argus and nfpcapd check idle timers only when a later packet arrives (monitors.md). */
  timerNeedsLaterPacket?: boolean;
  /**
   * The idle/active timeouts really in force for a setting, when the generic reading of `knobs` (setting value, else
   * the default of the knob that applies to that protocol) would be wrong: e.g. one knob for every protocol.
   */
  effectiveTimeouts?(setting: TimeoutSetting): EffectiveTimeouts;
  /**
   * The tool's own timer rule under a setting, layered over the user's config when a suite gives one: how a
   * silence is compared with the timeout, per-service and per-state overrides, table-full behaviour. Absent: a
   * silence longer than the effective timeout ends a record, within `granularityS` beyond it a range.
   */
  timerRule?(setting: TimeoutSetting, userConfig?: UserConfigText): TimerRule;
  /**
   * The knob values in force when the user's config runs under `setting` (`values` is what `translate` gave): the
   * config's own value for every knob the setting does not sweep. Absent: `values` as they are, which for a sensor
   * with a config reported the tool's defaults (ARGUS_TCP_TIMEOUT 60) beside a config that set 3600.
   */
  knobValuesWith?(setting: TimeoutSetting, values: Record<string, number>, userConfig: UserConfigText): Record<string, number>;
  /**
   * When the tool checks its active timeout (`activeS`, seconds, > 0) and with what comparison, read from its
   * source (harness/monitors/<id>/timer-rule.ts). Absent: the model cuts exactly at first packet + active.
   */
  activeRule?(activeS: number): ActiveRule;
  /**
   * For a tool without its own `timerRule`: how it compares a silence with its timeout, in words, for the report
   * (argus: at the status report after a later packet; nfpcapd: a sweep every 10 s).
   */
  timerComparison?: string;
  /** The tool's own knobs a setting may name as `<id>.<key>=value` (e.g. `zeek.port_inactivity_timeouts=4h`). */
  settingKnobs?: SettingKnob[];
  /**
   * What makes a log of this tool dated away from the capture it read, for `harness score`'s refusal of such a log
   * (softflowd without `-v 10 -A milli` stamps flows by its uptime): said beside the tcpreplay hint, which alone led
   * a user to --replayed-at and a verdict on a tool that had ignored its timeouts.
   */
  misdatedHint?: string;
  detect(env: NodeJS.ProcessEnv): Promise<Detection>;
  /** The generic setting in the tool's own knob values; never clamps silently. */
  translate(setting: TimeoutSetting): Translation;
  /** Runs the monitor on ctx.pcap in ctx.workDir and returns the normalized records of each view. */
  run(ctx: CellContext): Promise<MonitorOutput>;
  /**
   * Parses a log this monitor wrote (for `harness score`, and by run()). Throws InputError naming file:line:col
   * when the file is not this monitor's format.
   */
  parseLog(path: string, view?: string): Promise<FlowRecord[]>;
  /**
   * The tool's own account of its table in a log it wrote (Suricata's stats events in eve.json), for `harness score`
   * as `run` reads it: a cut by a full table is then its own reason, not an unexplained one.
   */
  logToolState?(path: string): Promise<ToolState | undefined>;
  /**
   * Checks a team's config file for this monitor (a suite's `config:`) before anything runs, and throws an
   * InputError naming file:line:col and what was expected: a typo'd timeout must not run silently as the default.
   * A monitor that takes no config file refuses any. Absent: the file is only checked by the tool itself.
   */
  checkConfig?(file: string, text: string): void;
  /**
   * How to run it on a live interface (harness run --live); absent when it only reads files (tcptrace), which the
   * live run says.
   */
  live?: LiveForm;
}

/** A monitor on a live interface: started before a replay, stopped after it so that it flushes (docs/measured/live.md). */
export interface LiveForm {
  /** The smallest idle timeout, seconds of real time, at which it still decides right live: a speedup K must keep every scaled timeout at or above it. */
  floorS: number;
  /** It opens pcap with a buffer timeout that holds packets back on a quiet link: run it with the immediate-mode shim. */
  needsImmediateMode: boolean;
  /** What the live run sets differently from the offline one, and timers K cannot scale, for the report. */
  notes(speedup: number): string[];
  /**
   * What the live run sets that the tool's own timers obey, in the tool's (replay) time, where it differs from the
   * offline run: the live model (harness/live/tool-time-model.ts) predicts with it. Absent: nothing differs.
   */
  timers?: LiveTimers;
  /**
   * Starts the monitor on ctx.iface with ctx.knobValues (already the scaled setting), calls ctx.listenThroughReplay()
   * once it has started, then stops it so that it flushes, and returns its records (in replay time).
   */
  run(ctx: LiveCellContext): Promise<LiveOutput>;
}

/** Timer settings a live form gives its tool, in the tool's own time (seconds of replay). */
export interface LiveTimers {
  /**
   * Lines of the tool's own config that the live form writes after the user's (argus: ARGUS_FLOW_STATUS_INTERVAL=1),
   * for the adapter's timerRule to read as the tool does (a later line wins).
   */
  configLines?: string[];
  /** How much later than a timeout the tool may expire a flow live (softflowd's expint=1), for the model's range. */
  granularityS?: number;
  /** The status interval live (argus). */
  statusIntervalS?: number;
  /** The tool's comparison in its own words live, for a tool without its own timerRule (softflowd's expint=1). */
  comparison?: string;
}

export interface LiveCellContext extends CellContext {
  /** The listening end of the private wire. */
  iface: string;
  /** Environment that applies the immediate-mode shim (LD_PRELOAD), for monitors that need it. */
  immediateModeEnv: Record<string, string>;
  /** Resolves once this monitor's capture is open on iface and the replay (plus a settle) is over. */
  listenThroughReplay(): Promise<void>;
  /** Sends a signal to the monitor a service runs (inside the namespace), not to the wrapper that entered it. */
  signalService(service: Service, signal: NodeJS.Signals): Promise<void>;
}

export interface LiveOutput extends MonitorOutput {
  /** Packets the monitor says it received, when it reports a count: fewer than the reference capture = a failed cell. */
  packetsSeen?: number;
  /** Traffic the tool dropped on purpose without reporting it (nDPI deletes idle flows), for the losses it explains. */
  discardRule?: { idleS: number; reason: string };
}
/** A user's own config file for this monitor, read: the timer rule takes the knobs it sets. */
export interface UserConfigText {
  file: string;
  text: string;
}

export interface SettingKnob {
  /** After `<id>.`: `port_inactivity_timeouts`, `midstream`. */
  key: string;
  kind: 'duration' | 'switch';
  /** What it sets, in the tool's own words: `Conn::port_inactivity_timeouts (every port in the table)`. */
  sets: string;
}

export interface EffectiveTimeouts {
  /** Seconds; null = never expires; absent = unknown. */
  idleS: Partial<Record<TimeoutProtocol, number | null>>;
  activeS?: number | null;
  statusIntervalS?: number;
}

export interface Knob {
  /** The tool's own name: `tcp_inactivity_timeout`, `ARGUS_TCP_TIMEOUT`, `-e inactive`. */
  name: string;
  /** What generic setting feeds it. */
  appliesTo: TimeoutProtocol | 'active' | 'status' | 'other';
  /** Default in seconds, null when there is none (0 = disabled is a value). */
  defaultS: number | null;
  minS?: number;
  maxS?: number;
  note?: string;
}

export type Detection =
  | { found: true; path: string; version: string; /** Why `version` is not the tool's own word, e.g. its probe timed out. */ versionWarning?: string }
  | { found: false; reason: string; install: string };

export type Translation =
  | {
      supported: true;
      /** The tool's knob values this setting becomes (seconds), e.g. { tcp_inactivity_timeout: 3600 }. */
      values: Record<string, number>;
      /** Anything the user should know (e.g. `udp left at its default 60 s`). */
      notes: string[];
    }
  | { supported: false; reason: string };

export interface ExecOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Write stdout to this file (in the cell folder) instead of keeping it in memory. */
  stdoutFile?: string;
  /** Write stderr to this file (in the cell folder): a debug log too long to keep in memory. */
  stderrFile?: string;
  /** Exit codes that count as success; default [0]. */
  okExitCodes?: number[];
  /** Wall-clock limit for this process; default the cell's limit. */
  timeoutMs?: number;
  /**
   * The harness reading the monitor's output back (nfdump -o json, racluster), not the sensor at work: recorded,
   * but left out of the cell's cost.
   */
  readsOutput?: boolean;
}

export interface ExecResult {
  exitCode: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
  wallMs: number;
  peakRssKb?: number;
}

export interface ServiceOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Wait until something listens on this port (UDP or TCP on 127.0.0.1) before returning. */
  readyPort?: { proto: 'udp' | 'tcp'; port: number };
}

export interface Service {
  /** Sends SIGTERM, waits for exit (SIGKILL after a grace period), returns how it ended. */
  stop(): Promise<ExecResult>;
  /** Waits for it to exit by itself, sending nothing; gives up (undefined) after timeoutMs. */
  wait(timeoutMs: number): Promise<ExecResult | undefined>;
  /** Process id of what was started (inside a namespace: the wrapper that entered it). */
  pid: number | undefined;
}

/** What the executor hands a monitor for one cell. Every process goes through it, so none outlives the run. */
export interface CellContext {
  /** Absolute path of the pcap. */
  pcap: string;
  /** Absolute path of this cell's empty working folder; raw outputs go here. */
  workDir: string;
  binary: string;
  version: string;
  setting: TimeoutSetting;
  /** The adapter's own translation of `setting` (already checked supported). */
  knobValues: Record<string, number>;
  /** A user's own config file for this monitor (suites), absolute path, if any. */
  userConfig?: string;
  /**
   * Runs one process (argv, never a shell string), recorded in the cell's provenance. Rejects with MonitorFailure on
   * a non-OK exit, a signal or a time-out.
   */
  exec(argv: string[], options?: ExecOptions): Promise<ExecResult>;
  /** Starts a background process (a collector); the executor stops it when the cell ends, whatever happens. */
  startService(argv: string[], options?: ServiceOptions): Promise<Service>;
  /** A free port on 127.0.0.1. */
  freePort(proto: 'udp' | 'tcp'): Promise<number>;
  /** Writes a config file into workDir and records it in provenance; returns its absolute path. */
  writeConfig(name: string, content: string): Promise<string>;
  /** Resolves another tool (ra, racluster, nfcapd, nfdump) on PATH, or undefined. */
  which(command: string): Promise<string | undefined>;
  /**
   * A pid a running process of this cell wrote (a pid file) as the harness must use it to signal that process: each
   * process may run in its own PID namespace, where pids differ. Undefined when no process of the cell has it.
   */
  hostPid(pid: number): Promise<number | undefined>;
  signal: AbortSignal;
  /** Live runs: a process in the private wire's network namespace, whose /proc/PID/net shows its sockets. */
  netOfPid?: number;
}

export interface MonitorOutput {
  /** Records per view name (keys are the adapter's `views`); a monitor writing millions may keep them in a FlowRecordTable. */
  views: Record<string, FlowRecordList>;
  /** What the tool said of its own state (flow counts, memory, evictions), where it says anything. */
  toolState?: ToolState;
  /** Raw files the records came from, relative to workDir. */
  rawFiles: string[];
  notes: string[];
}

/** A monitor that crashed, hung, exited non-zero or wrote output we cannot read. */
export class MonitorFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly signalName: string | undefined,
    readonly stderrTail: string,
    readonly timedOut: boolean,
  ) {
    super(message);
    this.name = 'MonitorFailure';
  }
}
