import { parseDocument } from 'yaml';
import { formatDuration } from '../../core/duration.js';
import type { TimeoutProtocol, TimeoutSetting } from '../../core/timeout-setting.js';
import type { RecordContext, RuleAdvice, RuleTimeout, SettingKnob, TimerRule, UserConfigText } from '../monitor-adapter.js';
import { someOf } from '../../core/timer-rule.js';

/**
 * Suricata 7.0.17's flow timeouts, read from its sources (github:OISF/suricata at tag suricata-7.0.17):
 *
 * - src/flow.c, FlowHandlePacketUpdate: `timeout_at = SCTIME_SECS(f->lastts) + f->timeout_policy`, whole seconds.
 *   src/flow-hash.c FlowIsTimedOut (on the next packet): `f->timeout_at < sec`; src/flow-manager.c
 *   FlowManagerFlowTimeout (the periodic sweep): timed out unless `timeout_at >= SCTIME_SECS(ts)`. Both say: a flow
 *   ends when floor(next packet s) - floor(last packet s) > timeout. At 300 s a silence of 300.97 s (floor
 *   difference 301) splits and one of 300.07 s (floor difference 300) does not (measured: udp-beacon, 38 records).
 * - src/flow-private.h FlowGetFlowTimeoutDirect: the timeout is the flow state's, `new`, `established` or
 *   `closed`; compiled-in (flow-private.h) tcp new 30 / established 300 / closed 10, udp and icmp new 30 /
 *   established 300, used when suricata.yaml has no flow-timeouts (harness's own yaml has none).
 * - A TCP flow is `established` only when the stream engine saw the handshake (src/stream-tcp.c) or, with
 *   `stream.midstream: true`, picked the session up mid-stream; with the default `false` a flow without a SYN stays
 *   `new` and expires on flow-timeouts.tcp.new whatever tcp.established says. After a split the next record of
 *   the same connection has no SYN either (measured: midstream-flip at 1h and 4h, 4 records).
 * - UDP and ICMP flows become `established` when both directions were seen (src/flow.c); a one-way flow stays
 *   `new`.
 * - Emergency mode (flow.memcap reached): every flow's timeout is cut by the difference to its emergency-*
 *   value (flow-manager.c, flow_timeouts_delta) until the table has room again. The model assumes the table is
 *   not full; a capture that fills it ends records earlier than predicted.
 */
interface StateTimeouts {
  new: number;
  established: number;
  closed?: number;
}

const COMPILED_IN: Record<TimeoutProtocol, StateTimeouts> = {
  tcp: { new: 30, established: 300, closed: 10 },
  udp: { new: 30, established: 300 },
  icmp: { new: 30, established: 300 },
};

export interface SuricataTimers {
  states: Record<TimeoutProtocol, StateTimeouts>;
  midstream: boolean;
  /** Where each value came from, per `<proto>.<state>` and `midstream`. */
  origins: Record<string, string>;
}

export const SURICATA_SETTING_KNOBS: SettingKnob[] = [
  { key: 'tcp.new', kind: 'duration', sets: 'flow-timeouts.tcp.new (TCP flows without a handshake, with stream.midstream off)' },
  { key: 'udp.new', kind: 'duration', sets: 'flow-timeouts.udp.new (one-way UDP flows)' },
  { key: 'icmp.new', kind: 'duration', sets: 'flow-timeouts.icmp.new (one-way ICMP flows)' },
  { key: 'midstream', kind: 'switch', sets: 'stream.midstream (pick TCP sessions up without their handshake, as established)' },
];

/** The timers in force: compiled-in, then the user's suricata.yaml, then the setting (harness passes it with --set). */
export function suricataTimers(setting: TimeoutSetting, userConfig?: UserConfigText): SuricataTimers {
  const states: Record<TimeoutProtocol, StateTimeouts> = { tcp: { ...COMPILED_IN.tcp }, udp: { ...COMPILED_IN.udp }, icmp: { ...COMPILED_IN.icmp } };
  const origins: Record<string, string> = {};
  let midstream = false;
  if (userConfig) {
    const doc = parseDocument(userConfig.text, { version: '1.1', uniqueKeys: false }).toJS() as unknown;
    const root = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>) : {};
    const timeouts = (root['flow-timeouts'] ?? {}) as Record<string, Record<string, unknown> | undefined>;
    for (const protocol of ['tcp', 'udp', 'icmp'] as const) {
      for (const state of ['new', 'established', 'closed'] as const) {
        const value = Number(timeouts[protocol]?.[state]);
        if (timeouts[protocol]?.[state] !== undefined && Number.isFinite(value)) {
          states[protocol][state] = value;
          origins[`${protocol}.${state}`] = userConfig.file;
        }
      }
    }
    const stream = root.stream as Record<string, unknown> | undefined;
    if (stream?.midstream !== undefined) {
      midstream = stream.midstream === true || stream.midstream === 'yes' || stream.midstream === 'true';
      origins.midstream = userConfig.file;
    }
  }
  const origin = `setting ${setting.label}`;
  for (const protocol of ['tcp', 'udp', 'icmp'] as const) {
    const given = setting.idle[protocol];
    if (given !== undefined) {
      states[protocol].established = given;
      origins[`${protocol}.established`] = origin;
    }
    const fresh = setting.tool?.[`suricata.${protocol}.new`];
    if (typeof fresh === 'number') {
      states[protocol].new = fresh;
      origins[`${protocol}.new`] = origin;
    }
  }
  const pickup = setting.tool?.['suricata.midstream'];
  if (typeof pickup === 'boolean') {
    midstream = pickup;
    origins.midstream = origin;
  }
  return { states, midstream, origins };
}

/** The `--set` arguments of a setting's tool knobs. */
export function suricataToolSets(setting: TimeoutSetting): string[] {
  const out: string[] = [];
  for (const protocol of ['tcp', 'udp', 'icmp'] as const) {
    const fresh = setting.tool?.[`suricata.${protocol}.new`];
    if (typeof fresh === 'number') out.push('--set', `flow-timeouts.${protocol}.new=${fresh}`);
  }
  const pickup = setting.tool?.['suricata.midstream'];
  if (typeof pickup === 'boolean') out.push('--set', `stream.midstream=${pickup ? 'true' : 'false'}`);
  return out;
}

export function suricataTimerRule(setting: TimeoutSetting, userConfig?: UserConfigText): TimerRule {
  const timers = suricataTimers(setting, userConfig);
  const globalIdleS: Partial<Record<TimeoutProtocol, number | null>> = {
    tcp: timers.states.tcp.established,
    udp: timers.states.udp.established,
    icmp: timers.states.icmp.established,
  };
  const from = (key: string): string => timers.origins[key] ?? 'compiled-in, flow-private.h';
  return {
    globalIdleS,
    timeoutFor(record: RecordContext): RuleTimeout {
      const states = timers.states[record.protocol];
      if (record.protocol === 'tcp' && !record.handshake && !timers.midstream) {
        return {
          idleS: states.new,
          rule: `flow-timeouts.tcp.new = ${formatDuration(states.new)} (${from('tcp.new')}): a TCP flow without its handshake stays in state new with stream.midstream: false (${timers.origins.midstream ?? 'its default, stream-tcp.c'}), whatever tcp.established says; so does the record after a split`,
        };
      }
      if (record.protocol !== 'tcp' && !record.bothDirections) {
        return {
          idleS: states.new,
          rule: `flow-timeouts.${record.protocol}.new = ${formatDuration(states.new)} (${from(`${record.protocol}.new`)}): a one-way ${record.protocol.toUpperCase()} flow never leaves state new`,
        };
      }
      return { idleS: states.established };
    },
    silence(lastUs, nextUs, timeout) {
      if (timeout.idleS === null) return 'whole';
      return Math.floor(nextUs / 1e6) - Math.floor(lastUs / 1e6) > timeout.idleS ? 'split' : 'whole';
    },
    // A floor difference above T needs a silence longer than T.
    shortestSplitUs: (timeout) => (timeout.idleS === null ? Infinity : Math.round(timeout.idleS * 1e6) + 1),
    comparison: 'whole seconds: a flow ends when floor(next packet s) - floor(last packet s) > the timeout (flow.c timeout_at, flow-hash.c FlowIsTimedOut), so a silence just over the timeout may be kept and one of the timeout exactly is',
    emergency: 'when flow.memcap is reached Suricata enters emergency mode and cuts every timeout to its emergency-* value (default tcp new 10 s, established 100 s) until the table has room: the model assumes it is not reached',
    keepsWholeS: (gapUs) => Math.ceil(gapUs / 1e6),
    advice: (protocol, minimumIdleS, connections) => suricataAdvice(timers, protocol, minimumIdleS, connections),
  };
}

/** suricata.yaml lines that keep these connections whole, and the state timeouts that otherwise cap them. */
function suricataAdvice(timers: SuricataTimers, protocol: TimeoutProtocol, minimumIdleS: number, connections: Iterable<RecordContext>): RuleAdvice {
  const inner = [`    established: ${minimumIdleS}`];
  const caps: string[] = [];
  const extra: string[] = [];
  const newS = timers.states[protocol].new;
  if (protocol === 'tcp' && !timers.midstream && newS < minimumIdleS && someOf(connections, (c) => !c.handshake)) {
    extra.push('stream:', '  midstream: true');
    caps.push(
      `a TCP connection already open when the sensor starts (no handshake seen) stays in state new and expires on flow-timeouts.tcp.new (${formatDuration(newS)}) whatever tcp.established says, with stream.midstream: false (the default): set stream.midstream: true, or raise flow-timeouts.tcp.new to ${minimumIdleS}`,
    );
  }
  if (protocol !== 'tcp' && newS < minimumIdleS && someOf(connections, (c) => !c.bothDirections)) {
    inner.push(`    new: ${minimumIdleS}`);
    caps.push(`a one-way ${protocol.toUpperCase()} flow never leaves state new: flow-timeouts.${protocol}.new (${formatDuration(newS)}) applies, not established`);
  }
  return { lines: ['flow-timeouts:', `  ${protocol}:`, ...inner, ...extra], caps };
}
