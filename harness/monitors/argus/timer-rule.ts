import { formatDuration } from '../../core/duration.js';
import type { TimeoutProtocol, TimeoutSetting } from '../../core/timeout-setting.js';
import type { RecordContext, RuleAdvice, RuleTimeout, TimerRule, UserConfigText } from '../monitor-adapter.js';
import { ARGUS_IDLE_KNOB, ARGUS_STATUS_INTERVAL_S, argusDefaultOf, effectiveKnobs } from './adapter.js';

/**
 * argus 3.0.8's idle timers, read from its sources (github:openargus/argus at tag v3.0.8.4; Debian 12 ships 3.0.8.2):
 *
 * - argus/ArgusModeler.c: a new flow takes the configured ARGUS_TCP_TIMEOUT or ARGUS_IP_TIMEOUT (UDP and other IP);
 *   a TCP packet puts ARGUS_TCP_TIMEOUT back on its flow (`if (flowstr->timeout != model->ArgusTCPTimeout)`).
 * - argus/ArgusUdp.c, ArgusUpdateUDPState: on a UDP packet that is not its flow's first, once the flow has counted
 *   more than 2 packets, `flowstr->timeout = ARGUS_IPTIMEOUT`: the compiled-in 30 s of ArgusModeler.h, not the
 *   configured value, and ArgusModeler.c never puts the configured value back for UDP (its test there is `==`, where
 *   TCP's is `!=`). A flow's counters restart at each status report (its records carry each interval's packets), so
 *   a UDP conversation that sends more than 2 packets within one status interval is from then on cut by any silence
 *   over 30 s, whatever ARGUS_IP_TIMEOUT says. Measured on udp-beacon: its 50 s beacon (4 packets in some
 *   60 s intervals) is cut into ~145 records at ARGUS_IP_TIMEOUT 5m, 1h and 4h alike; its 5 min poll (2 packets an
 *   interval) stays one record.
 * - A flow is dropped only at the status report (ARGUS_FLOW_STATUS_INTERVAL) after its silence outlasted the timeout,
 *   and only when a later packet (of any flow) makes argus look: a silence between the timeout and the timeout plus
 *   one status interval may or may not end the record.
 *
 * Whether a UDP flow crossed 2 packets in an interval depends on where its packets fall against its status reports,
 * which the truth does not list; so for UDP above 30 s the model gives a range: a silence over 30 s may end the
 * record, one over the configured timeout plus a status interval does.
 */
export const ARGUS_COMPILED_UDP_TIMEOUT_S = 30;

export interface ArgusTimers {
  tcpS: number;
  udpS: number;
  statusIntervalS: number;
}

/**
 * The timers a cell's argus runs with: the swept value where the setting names one, else the user's argus.conf, else
 * argus's own default; the status interval is the user's, or the 60 s harness writes (runArgus, argusConfig).
 */
export function argusTimers(setting: TimeoutSetting, userConfig?: UserConfigText): ArgusTimers {
  // The value argus takes (the last of a repeated key), read as the config check and the cell's notes read it.
  const known = userConfig === undefined ? {} : effectiveKnobs(userConfig.text);
  const fromUser = (key: string): number | undefined => {
    const value = known[key];
    return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
  };
  return {
    tcpS: setting.idle.tcp ?? fromUser(ARGUS_IDLE_KNOB.tcp) ?? argusDefaultOf(ARGUS_IDLE_KNOB.tcp),
    udpS: setting.idle.udp ?? fromUser(ARGUS_IDLE_KNOB.udp) ?? argusDefaultOf(ARGUS_IDLE_KNOB.udp),
    statusIntervalS: fromUser('ARGUS_FLOW_STATUS_INTERVAL') ?? ARGUS_STATUS_INTERVAL_S,
  };
}

export function argusTimerRule(setting: TimeoutSetting, userConfig?: UserConfigText): TimerRule {
  const timers = argusTimers(setting, userConfig);
  const statusUs = Math.round(timers.statusIntervalS * 1e6);
  const capped = timers.udpS > ARGUS_COMPILED_UDP_TIMEOUT_S;
  const capText =
    `a UDP flow that sends more than 2 packets within one status interval (${formatDuration(timers.statusIntervalS)}) gets argus's compiled-in ` +
    `${ARGUS_COMPILED_UDP_TIMEOUT_S} s timeout instead of ARGUS_IP_TIMEOUT = ${formatDuration(timers.udpS)} (ArgusUdp.c, ArgusUpdateUDPState), ` +
    `so any silence over ${ARGUS_COMPILED_UDP_TIMEOUT_S} s may end its record`;
  // Made once per setting and frozen: every connection asked about shares them.
  const timeouts: Partial<Record<TimeoutProtocol, RuleTimeout>> = {
    tcp: Object.freeze({ idleS: timers.tcpS }),
    udp: capped
      ? Object.freeze({ idleS: timers.udpS, rule: capText, window: Object.freeze({ lowUs: ARGUS_COMPILED_UDP_TIMEOUT_S * 1e6, highUs: Math.round(timers.udpS * 1e6) + statusUs + 1 }) })
      : Object.freeze({ idleS: timers.udpS }),
  };
  return {
    // ICMP stays unknown: argus keys an echo flow on its sequence number too (see argusEffectiveTimeouts).
    globalIdleS: { tcp: timers.tcpS, udp: timers.udpS },
    timeoutFor: (record: RecordContext) => timeouts[record.protocol],
    silence(lastUs, nextUs, timeout) {
      if (timeout.idleS === null) return 'whole';
      const gapUs = nextUs - lastUs;
      const idleUs = Math.round(timeout.idleS * 1e6);
      if (gapUs > idleUs + statusUs) return 'split';
      if (gapUs > idleUs) return 'either';
      return timeout.window !== undefined && gapUs > timeout.window.lowUs ? 'either' : 'whole';
    },
    shortestSplitUs(timeout) {
      const idleUs = timeout.idleS === null ? Infinity : Math.round(timeout.idleS * 1e6) + 1;
      return Math.min(idleUs, timeout.window === undefined ? Infinity : timeout.window.lowUs + 1);
    },
    comparison:
      `a silence longer than ARGUS_TCP/IP_TIMEOUT ends the flow only at the status report (every ${formatDuration(timers.statusIntervalS)}) after a later packet ` +
      `of any flow: a silence between the timeout and the timeout + ${formatDuration(timers.statusIntervalS)} may or may not; a UDP flow busier than 2 packets ` +
      `an interval has a compiled-in ${ARGUS_COMPILED_UDP_TIMEOUT_S} s timeout instead`,
    emergency: 'argus has no flow-table limit: its memory grows with the flows it holds',
    // Whole wherever the status report falls: the silence plus one interval, in whole seconds, and one more.
    keepsWholeS: (gapUs) => Math.floor(Math.round(gapUs + statusUs) / 1e6) + 1,
    advice: (protocol, minimumIdleS) => argusAdvice(protocol, minimumIdleS, timers),
  };
}

/** The argus.conf line that keeps the gaps whole, and for UDP and ICMP what no line can lift. */
function argusAdvice(protocol: TimeoutProtocol, minimumIdleS: number, timers: ArgusTimers): RuleAdvice {
  const lines = [`${ARGUS_IDLE_KNOB[protocol]}=${Math.ceil(minimumIdleS)}`];
  if (protocol === 'icmp') {
    // Measured (argus.test.ts): pings 1 s apart give one Start each at ARGUS_ICMP_TIMEOUT 1h.
    return {
      lines,
      caps: ['argus keys an ICMP echo flow on its sequence number too: in the raw records every request/reply pair is its own flow whatever '
        + 'ARGUS_ICMP_TIMEOUT says; racluster (the merged view) joins them by identifier'],
    };
  }
  const caps =
    protocol === 'udp' && minimumIdleS > ARGUS_COMPILED_UDP_TIMEOUT_S
      ? [
          `argus gives a UDP flow that sends more than 2 packets within one status interval (${formatDuration(timers.statusIntervalS)}) its compiled-in ` +
            `${ARGUS_COMPILED_UDP_TIMEOUT_S} s timeout whatever ARGUS_IP_TIMEOUT says (ArgusUdp.c): such a conversation is cut at every silence over ` +
            `${ARGUS_COMPILED_UDP_TIMEOUT_S} s in the raw records at any setting; racluster (the merged view) joins it again`,
        ]
      : [];
  return { lines, caps };
}
