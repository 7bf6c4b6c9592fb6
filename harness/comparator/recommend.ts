import { formatDuration } from '../core/duration.js';
import type { GroundTruth } from '../core/ground-truth.js';
import type { Recommendation } from '../core/score.js';
import type { TimeoutProtocol } from '../core/timeout-setting.js';
import type { TimerRule } from '../core/timer-rule.js';
import { recordContext } from './ideal-model.js';

/**
 * The smallest idle timeout per protocol that keeps every scenario connection whole on one monitor: the longest
 * silence the scenario holds, plus the tool's timer granularity, as the next whole second strictly above it (a
 * timeout equal to a gap is a coin toss between "expired" and "not yet").
 */
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
  sweep: { label: string; wholeByProtocol: Partial<Record<TimeoutProtocol, boolean>>; idleS?: Partial<Record<TimeoutProtocol, number | null>> }[];
  /** The tool's name as people know it, for limitation texts; default `monitor`. */
  displayName?: string;
  /** Calibration: false when the tool ignores its timeouts on a pcap, so no setting can be judged offline. */
  honoursTimeoutsOffline?: boolean;
  /** The largest active timeout the tool accepts (nfpcapd: 3600): no record can be longer. */
  maxActiveS?: number;
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
    const contexts = input.truth.connections.filter((c) => !c.background && c.protocol === protocol).map((c) => recordContext(c, true));
    const ruleAdvice = input.rule?.advice?.(protocol, minimumIdleS, contexts);
    if (ruleAdvice !== undefined) {
      rec.adviceLines = ruleAdvice.lines;
      if (ruleAdvice.caps.length > 0) rec.caps = ruleAdvice.caps;
    }
    const first = input.sweep.find((s) => s.wholeByProtocol[protocol] === true);
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
    if (notes.length > 0) rec.limitation = notes.join('; ');
    out.push(rec);
  }
  return out;
}
