import type { TimeoutProtocol } from './timeout-setting.js';

/**
 * A tool's idle-timer rule under one setting, precise enough for the ideal model to place every record boundary of
 * a connection: how a silence is compared with the timeout, which timeout is in force for a record (a service port,
 * a flow state, the user's own config can override the global knob), and what the tool does when its table fills.
 * Each adapter states its own (harness/monitors/<id>/), so the comparator applies it without knowing the tool.
 */
export interface TimerRule {
  /** The global idle timeout per protocol under this setting (seconds; null: never): the naive model's. */
  globalIdleS: Partial<Record<TimeoutProtocol, number | null>>;
  /**
   * The timeout in force during a silence of a record; undefined when the rule does not know this protocol. The
   * context is read during the call only (the comparator refills one object per connection), and the answer is not
   * changed by any caller, so a rule may give the same one again.
   */
  timeoutFor(record: RecordContext): RuleTimeout | undefined;
  /** Whether a silence from the last packet to the next ends the record under the timeout in force. */
  silence(lastUs: number, nextUs: number, timeout: RuleTimeout): SilenceOutcome;
  /**
   * The shortest silence that can end a record under this timeout (microseconds): every shorter one is kept. The
   * truth lists only silences of at least its quiet threshold, so the model answers only when this is not below it.
   */
  shortestSplitUs(timeout: RuleTimeout): number;
  /** The comparison in words, for the report: `a silence >= the timeout, to the microsecond (Session::InactivityTimer)`. */
  comparison: string;
  /** What the tool documents for a full flow table (emergency timeouts), for the report. */
  emergency?: string;
  /**
   * Why the rule predicts nothing at all (a config it cannot read: an expression for a timeout, a script that sets
   * timeouts per connection): said beside the cell, or predictions vanish without a word.
   */
  unmodelled?: string;
  /**
   * The smallest timeout, in whole seconds, that keeps a silence of this length whole wherever it falls
   * (phase, whole-second boundaries): what the recommendation advises.
   */
  keepsWholeS?(gapUs: number): number;
  /**
   * The knobs that keep the given connections whole, in the tool's own syntax, ready to paste, and when an
   * override caps what the global knob can do. Absent: the global knob alone is the advice. `connections` may be
   * walked as often as needed and is never one array: at a million connections, an array of their contexts made for
   * each monitor's advice was ~100 MB at once, for a question answered by the first few.
   */
  advice?(protocol: TimeoutProtocol, minimumIdleS: number, connections: Iterable<RecordContext>): RuleAdvice;
}

/** Whether any of `items` passes `test` (Node 20 has no Iterator.prototype.some). */
export function someOf<T>(items: Iterable<T>, test: (item: T) => boolean): boolean {
  for (const item of items) if (test(item)) return true;
  return false;
}

/** What the model knows of one record (the stretch of a connection the tool keeps as one flow) at a silence. */
export interface RecordContext {
  protocol: TimeoutProtocol;
  clientPort: number;
  serverPort: number;
  /** The record opened with the connection's own TCP handshake: the first record of a connection that has one. */
  handshake: boolean;
  /** Both sides send packets in this connection (a one-way flow never leaves a tool's `new` state). */
  bothDirections: boolean;
}

export interface RuleTimeout {
  /** Seconds; null: this record never expires. */
  idleS: number | null;
  /** The rule when it is not the global knob, e.g. `Conn::port_inactivity_timeouts[22/tcp] = 1 hr`. */
  rule?: string;
  /** A rule that checks on its own period (Zeek's DNS expire timer): split between `lowUs` and `highUs`. */
  window?: { lowUs: number; highUs: number };
}

/** `either`: the tool's phase (a sweep, a status report) decides, so the model gives a range. */
export type SilenceOutcome = 'split' | 'whole' | 'either';

export interface RuleAdvice {
  /** Lines ready to paste into the tool's config, the global knob first. */
  lines: string[];
  /** Overrides the global knob cannot lift, e.g. `Conn::port_inactivity_timeouts sets 22/tcp to 1 hr ...`. */
  caps: string[];
}

/**
 * When a tool cuts a record that has lasted its active timeout, as its own source does it (each adapter states
 * its own: harness/monitors/<id>/timer-rule.ts). A tool that checks on a periodic sweep, or after a batch of
 * packets, cuts some time after the timeout, at a phase the model cannot know, so the model gives a range between
 * the earliest cut and the latest. A model without one cuts exactly at the record's first packet + the timeout.
 */
export interface ActiveRule {
  /**
   * The last moment (microseconds) of packets that certainly stay in a record whose first packet was at `startUs`:
   * the earliest cut comes after it. A tool comparing whole seconds keeps more than the timeout to the microsecond.
   */
  keepsUntilUs(startUs: number): number;
  /**
   * By the connection's first packet at or after this moment (microseconds) the tool has made its check and cut a
   * record whose first packet was at `startUs`: that packet may still be the record's last (the tool checks after
   * a packet joined its flow), the one after it is in a later record. Infinity: no bound in time (a check after a
   * batch of packets).
   */
  cutByUs(startUs: number): number;
  /** The rule in the tool's words, for the report: `(when - t_first) > active at the flow-tree sweep ...`. */
  comparison: string;
}

/**
 * The last microsecond of packets a tool comparing whole seconds (`floor(now) - floor(first) > limitS`) keeps in a
 * record whose first packet was at `startUs`: everything before whole second floor(first) + limitS + 1.
 */
export function keptByWholeSecondsUs(startUs: number, limitS: number): number {
  return Math.floor(startUs / 1e6) * 1e6 + (limitS + 1) * 1e6 - 1;
}

/**
 * The maxlife rule softflowd and pmacct's nfprobe share (pmacct's is a descendant of softflowd's code): the packet
 * past `maxlifeS` whole seconds (strictly greater) marks its flow and stays in the record; the flow is cut at a later
 * check whose packet time nothing bounds (after a batch of packets). `comparison` says it in the tool's words.
 */
export function markedAtPacketActiveRule(maxlifeS: number, comparison: string): ActiveRule {
  return {
    keepsUntilUs: (startUs) => keptByWholeSecondsUs(startUs, maxlifeS),
    cutByUs: () => Infinity,
    comparison,
  };
}

/** A record ends at the first silence of at least `idleS` (Zeek: last_time + timeout <= now). */
export function atLeast(lastUs: number, nextUs: number, idleS: number): boolean {
  return nextUs - lastUs >= Math.round(idleS * 1e6);
}

/**
 * The rule of a tool that states none: a silence longer than the timeout ends the record; with a timer
 * granularity (a periodic sweep, a status interval) whose phase is unknown, one longer than the timeout but not
 * longer than timeout + granularity may or may not, so the model gives a range rather than a guess.
 */
export function periodicTimerRule(
  globalIdleS: Partial<Record<TimeoutProtocol, number | null>>,
  granularityS: number,
  /** The tool's own words for its comparison (the adapter's `timerComparison`), else a generic sentence. */
  comparison?: string,
): TimerRule {
  const granularityUs = Math.round(granularityS * 1e6);
  // One answer per protocol, made once rather than once per connection asked about.
  const timeouts: Partial<Record<TimeoutProtocol, RuleTimeout>> = {};
  for (const protocol of ['tcp', 'udp', 'icmp'] as const) {
    const idleS = globalIdleS[protocol];
    if (idleS !== undefined) timeouts[protocol] = Object.freeze({ idleS });
  }
  return {
    globalIdleS,
    timeoutFor: (record) => timeouts[record.protocol],
    silence: (lastUs, nextUs, timeout) => {
      if (timeout.idleS === null) return 'whole';
      const gapUs = nextUs - lastUs;
      const idleUs = Math.round(timeout.idleS * 1e6);
      if (gapUs <= idleUs) return 'whole';
      return gapUs > idleUs + granularityUs ? 'split' : 'either';
    },
    shortestSplitUs: (timeout) => (timeout.idleS === null ? Infinity : Math.round(timeout.idleS * 1e6) + 1),
    comparison:
      comparison ??
      (granularityUs === 0
        ? 'a silence longer than the timeout'
        : `a silence longer than the timeout, checked every ${granularityS} s at a phase the model cannot know: between the timeout and the timeout + ${granularityS} s either way`),
  };
}
