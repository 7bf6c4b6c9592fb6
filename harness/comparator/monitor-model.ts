import type { TruthProtocol } from '../core/ground-truth.js';
import type { ActiveRule, TimerRule } from '../core/timer-rule.js';

/**
 * What the comparator knows of the tool under one setting, supplied by the executor. The comparator never looks
 * at an adapter directly, so that scoring stays a pure function of truth, records and this model.
 */
export interface MonitorModel {
  /** Effective idle timeout per protocol for this setting, in seconds; null = never expires; undefined = unknown. */
  idleS: Partial<Record<TruthProtocol, number | null>>;
  activeS?: number | null;
  /**
   * How the tool cuts a record at `activeS` (its adapter states it): between the earliest and the latest cut, a
   * range. Absent: exactly at the record's first packet + `activeS`, at the next packet.
   */
  active?: ActiveRule;
  /** Timer granularity: how much later than a timeout the tool may expire a flow (nfpcapd checks every 10 s). */
  granularityS: number;
  /** argus status records. */
  statusIntervalS?: number;
  /** Calibration: false => every verdict 'timeouts-not-honoured' unless worse. */
  honoursTimeoutsOffline?: boolean;
  /** argus, nfpcapd: expiry only checked when a later packet arrives. */
  timerNeedsLaterPacket?: boolean;
  /**
   * The tool's own counters say its table filled (known after the run: evicted flows, emergency mode). A cut the
   * timeout does not explain is then put down to eviction even where records do not say which flows.
   */
  tableFull?: boolean;
  /**
   * The tool's own timer rule (its adapter states it): comparison, per-service and per-state overrides. Absent: a
   * silence longer than `idleS` ends a record, and one within `granularityS` beyond it may (a range).
   */
  timer?: TimerRule;
  /**
   * The view joins every record of a flow key into one (argus's racluster), in the tool's words: its records are
   * not cut by the timers, whatever the setting. Absent: records are the tool's own.
   */
  joinedBy?: string;
  /**
   * The protocols the tool reports at all (tcptrace: TCP only); absent: every one. A connection of another protocol
   * is predicted no record, and its recommendation says no setting helps.
   */
  protocols?: readonly TruthProtocol[];
}
