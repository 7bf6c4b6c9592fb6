import { formatDuration } from '../core/duration.js';
import type { GroundTruth } from '../core/ground-truth.js';
import type { Recommendation } from '../core/score.js';
import type { TimeoutProtocol } from '../core/timeout-setting.js';
import type { RecordContext, TimerRule } from '../core/timer-rule.js';
import { recordContext } from './ideal-model.js';

/**
 * The smallest idle timeout per protocol that keeps every scenario connection whole on one monitor: the longest
 * silence the scenario holds, plus the tool's timer granularity, as the next whole second strictly above it (a
 * timeout equal to a gap is a coin toss between "expired" and "not yet").
 */
/** Connections of one cell off the model's rule (recommendations.ts offTheRule): which way, how many, one example. */
export interface OffRule {
  way: 'fewer' | 'more';
  count: number;
  example: string;
}

export interface RecommendInput {
  truth: GroundTruth;
  monitor: string;
  view: string;
  granularityS: number;
  /** The tool's idle-timeout knob per protocol, e.g. { tcp: 'tcp_inactivity_timeout' }. */
  knobNames: Partial<Record<TimeoutProtocol, string>>;
  /** The largest value the tool accepts per protocol (nfpcapd: 3600). */
  maxIdleS?: Partial<Record<TimeoutProtocol, number>>;
  /**
   * The sweep in order, and for each setting whether its cells kept every connection of a protocol whole, and the
   * idle timeout per protocol it ran with (null: none), when known.
   */
  sweep: {
    label: string;
    wholeByProtocol: Partial<Record<TimeoutProtocol, boolean>>;
    idleS?: Partial<Record<TimeoutProtocol, number | null>>;
    /** Connections of each protocol reported in fewer records than the step's rule allows, or in more for no reason the model knows. */
    offRule?: Partial<Record<TimeoutProtocol, OffRule>>;
  }[];
  /** The tool's name as people know it, for limitation texts; default `monitor`. */
  displayName?: string;
  /** Calibration: false when the tool ignores its timeouts on a pcap, so no setting can be judged offline. */
  honoursTimeoutsOffline?: boolean;
  /** The largest active timeout the tool accepts (nfpcapd: 3600): no record can be longer. */
  maxActiveS?: number;
  /**
   * The tool's active-timeout knob and its default, when it has one: a connection longer than the default is cut
   * by it whatever the idle timeout, so the advice names it too.
   */
  activeKnob?: { name: string; defaultS: number | null };
  /**
   * The tool expires a flow only when a later packet makes it look (argus, nfpcapd): a short timeout can then keep a
   * connection whole when nothing else is sent, which is no contradiction.
   */
  timerNeedsLaterPacket?: boolean;
  /**
   * The tool's own timer rule as the user's config leaves it: the timeout that keeps a silence whole wherever it
   * falls (Suricata's whole seconds), and the knobs, service and state overrides included, that really keep the
   * connections whole, in the tool's own syntax.
   */
  rule?: Pick<TimerRule, 'keepsWholeS' | 'advice'>;
  /** The protocols the tool reports at all (tcptrace: TCP only); absent: every one. */
  protocols?: readonly TimeoutProtocol[];
}

const PROTOCOLS: readonly TimeoutProtocol[] = ['tcp', 'udp', 'icmp'];

export function minimumIdleSeconds(longestGapUs: number, granularityS: number): number {
  // Integer microseconds avoid float noise deciding between two whole seconds.
  const totalUs = Math.round(longestGapUs + granularityS * 1e6);
  return Math.floor(totalUs / 1e6) + 1;
}

export function recommend(input: RecommendInput): Recommendation[] {
  const out: Recommendation[] = [];
  // One pass, and no Math.max(...spread): a spread of 150,000 connections overflows the call stack.
  const longest = new Map<TimeoutProtocol, { gapUs: number; durationUs: number }>();
  for (const c of input.truth.connections) {
    if (c.background) continue;
    const seen = longest.get(c.protocol) ?? { gapUs: 0, durationUs: 0 };
    seen.gapUs = Math.max(seen.gapUs, c.longestGapUs);
    seen.durationUs = Math.max(seen.durationUs, c.durationUs);
    longest.set(c.protocol, seen);
  }
  for (const protocol of PROTOCOLS) {
    const seen = longest.get(protocol);
    if (seen === undefined) continue;
    const longestGapUs = seen.gapUs;
    const minimumIdleS = input.rule?.keepsWholeS?.(longestGapUs) ?? minimumIdleSeconds(longestGapUs, input.granularityS);
    const name = input.displayName ?? input.monitor;
    if (input.protocols !== undefined && !input.protocols.includes(protocol)) {
      // No timeout makes a tool report a protocol it does not analyse: the advice is another monitor, not a knob.
      const upper = protocol.toUpperCase();
      out.push({
        monitor: input.monitor, view: input.view, protocol, minimumIdleS,
        advice: `none: ${name} does not report ${upper}`,
        noRecords: true,
        limitation: `${name} reports ${input.protocols.map((p) => p.toUpperCase()).join(' and ')} connections only: no setting makes it report these ${upper} connections; watch ${upper} with another monitor`,
      });
      continue;
    }
    const knob = input.knobNames[protocol];
    const advice =
      knob !== undefined
        ? `${knob} = ${formatDuration(minimumIdleS)}`
        : `set the ${protocol.toUpperCase()} idle timeout to at least ${formatDuration(minimumIdleS)}`;
    const rec: Recommendation = { monitor: input.monitor, view: input.view, protocol, minimumIdleS, advice };
    // nfpcapd's -e inactive alone, copied with its default active timeout of 5 minutes, still cut a 40-minute session
    // every 5 minutes: the active timeout the longest connection needs is advised beside it (within the tool's cap;
    // above it, the limitation below says no setting keeps it whole).
    const active = input.activeKnob;
    if (active !== undefined && active.defaultS !== null && knob !== undefined) {
      const neededS = Math.max(minimumIdleS, minimumIdleSeconds(seen.durationUs, input.granularityS));
      if (neededS > active.defaultS && (input.maxActiveS === undefined || neededS <= input.maxActiveS)) {
        rec.advice += `, ${active.name} = ${formatDuration(neededS)} (above its default ${formatDuration(active.defaultS)}: no record outlives the active timeout)`;
      }
    }
    const connections = input.truth.connections;
    const contexts: Iterable<RecordContext> = {
      *[Symbol.iterator]() {
        for (const c of connections) if (!c.background && c.protocol === protocol) yield recordContext(c, true);
      },
    };
    const ruleAdvice = input.rule?.advice?.(protocol, minimumIdleS, contexts);
    if (ruleAdvice !== undefined) {
      rec.adviceLines = ruleAdvice.lines;
      if (ruleAdvice.caps.length > 0) rec.caps = ruleAdvice.caps;
    }
    // A setting whose idle timeout is shorter than the silence itself is never named sufficient: if it kept the
    // connections whole, no later packet made the tool look, or the records are not from that setting (score
    // --setting 5m on a 1h log advised 5m). One at or above the silence keeps it by the tool's own rule, even below
    // the minimum, which adds the timer's granularity to be safe wherever the silence falls.
    const shorterThanSilence = (step: RecommendInput['sweep'][number]): boolean => {
      const idle = step.idleS?.[protocol];
      return typeof idle === 'number' && idle * 1e6 < longestGapUs;
    };
    const first = input.sweep.find((step) => step.wholeByProtocol[protocol] === true && !shorterThanSilence(step));
    if (first) rec.firstSufficientSetting = first.label;
    const max = input.maxIdleS?.[protocol];
    if (max !== undefined && minimumIdleS > max) {
      rec.limitation =
        `${knob ?? `the ${protocol} idle timeout`} is capped at ${formatDuration(max)}, ` +
        `shorter than the ${formatDuration(longestGapUs / 1e6)} silence in this scenario: no setting keeps it whole`;
    } else if (knob === undefined) {
      rec.limitation = `no ${protocol.toUpperCase()} idle-timeout knob is known for ${input.monitor}`;
    }
    const notes = rec.limitation === undefined ? [] : [rec.limitation];
    if (input.honoursTimeoutsOffline === false) {
      // Tuning a knob the tool ignores on a pcap proves nothing here; only a live test can tell.
      notes.splice(0, notes.length, `${name} does not apply its timeouts to a pcap (calibration), so no setting can be judged here: test it live, e.g. with the pcap replayed by tcpreplay`);
      delete rec.firstSufficientSetting;
    }
    const longestUs = seen.durationUs;
    const activeCaps = input.maxActiveS !== undefined && longestUs / 1e6 > input.maxActiveS;
    if (input.maxActiveS !== undefined && activeCaps) {
      notes.push(`${name} cuts every record at its active timeout, at most ${formatDuration(input.maxActiveS)}, so no setting keeps a connection of ${formatDuration(Math.round(longestUs / 1e6))} whole`);
    }
    // A tested setting at or above the minimum that still split the connections: the gap is not what cut them
    // (said only when no cause is named already: an active-timeout cap explains it).
    if (input.honoursTimeoutsOffline !== false && !activeCaps && rec.caps === undefined) {
      const contradicted = input.sweep.find((step) => {
        const idle = step.idleS?.[protocol];
        return step.wholeByProtocol[protocol] === false && (idle === null || (idle !== undefined && idle >= minimumIdleS));
      });
      if (contradicted) {
        const idle = contradicted.idleS?.[protocol];
        notes.push(
          `${name} under ${contradicted.label} (idle ${idle === null || idle === undefined ? 'none' : formatDuration(idle)}, not below this minimum) still split ` +
            `${protocol.toUpperCase()} connections: something other than the idle timeout cuts them (each cell's likely reason says what)`,
        );
      }
    }
    // The opposite contradiction: whole under an idle timeout shorter than the silence itself (beyond the timer's
    // granularity), which the tool cannot do. In harness score the setting is the user's word for the log's.
    if (input.honoursTimeoutsOffline !== false && input.timerNeedsLaterPacket !== true) {
      const impossible = input.sweep.find((step) => {
        const idle = step.idleS?.[protocol];
        return step.wholeByProtocol[protocol] === true && typeof idle === 'number' && idle + input.granularityS < longestGapUs / 1e6;
      });
      const idle = impossible?.idleS?.[protocol];
      if (impossible && typeof idle === 'number') {
        notes.push(
          `${name} under ${impossible.label} (idle ${formatDuration(idle)}, shorter than the ${formatDuration(Math.round(longestGapUs / 1e6))} silence) kept ` +
            `${protocol.toUpperCase()} connections whole, which that timeout cannot do: the records do not come from that setting (for a log scored with harness score, check --setting and --config against the sensor's own)`,
        );
      } else {
        // The same question connection by connection: a sweep-wide "whole" can hide a few kept past the rule.
        const step = input.sweep.find((s) => s.offRule?.[protocol]?.way === 'fewer') ?? input.sweep.find((s) => s.offRule?.[protocol] !== undefined);
        const off = step?.offRule?.[protocol];
        if (step !== undefined && off !== undefined) {
          notes.push(
            `${off.count} ${protocol.toUpperCase()} connection(s) under ${step.label} were reported in ${off.way} records than its rule allows (${off.example})` +
              `${off.way === 'more' ? ', for no reason the model knows' : ''}: the records do not come from that setting, or the tool has a rule the model lacks ` +
              '(for a log scored with harness score, check --setting and --config against the sensor\'s own)',
          );
        }
      }
    }
    if (notes.length > 0) rec.limitation = notes.join('; ');
    out.push(rec);
  }
  return out;
}
