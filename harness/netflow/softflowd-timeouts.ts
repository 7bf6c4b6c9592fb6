import type { TimeoutProtocol, TimeoutSetting } from '../core/timeout-setting.js';
import type { Knob, Translation } from '../monitors/monitor-adapter.js';

/**
 * softflowd's flow-expiry timeouts. pmacct's nfprobe plugin is derived from softflowd 0.9.7 and keeps the same
 * names and defaults (`softflowd -h`, pmacct CONFIG-KEYS `nfprobe_timeouts`), so both adapters share this table.
 * In pcap-file mode neither applies the idle timeouts (see the adapters), which is why translation still records
 * them faithfully: the calibration, not the translation, is where that shows.
 */
export const SOFTFLOWD_TIMEOUT_KNOBS: Knob[] = [
  { name: 'tcp', appliesTo: 'tcp', defaultS: 3600, minS: 1, note: 'idle timeout of an established TCP flow' },
  { name: 'udp', appliesTo: 'udp', defaultS: 300, minS: 1 },
  { name: 'icmp', appliesTo: 'icmp', defaultS: 300, minS: 1 },
  { name: 'maxlife', appliesTo: 'active', defaultS: 604800, minS: 1, note: 'active timeout: maximum life of any flow' },
  { name: 'tcp.rst', appliesTo: 'other', defaultS: 120, note: 'after a RST' },
  { name: 'tcp.fin', appliesTo: 'other', defaultS: 300, note: 'after a FIN' },
  { name: 'general', appliesTo: 'other', defaultS: 3600, note: 'any other IP protocol' },
  { name: 'expint', appliesTo: 'other', defaultS: 60, note: 'interval between expiry checks' },
];

const IDLE_KNOB: Record<TimeoutProtocol, string> = { tcp: 'tcp', udp: 'udp', icmp: 'icmp' };

function defaultOf(name: string): number {
  return SOFTFLOWD_TIMEOUT_KNOBS.find((k) => k.name === name)?.defaultS as number;
}

/** The generic setting as softflowd-style named timeouts (whole seconds, as both tools parse them). */
export function translateSoftflowdTimeouts(setting: TimeoutSetting, tool: string): Translation {
  const values: Record<string, number> = {};
  const notes: string[] = [];
  const given: [string, number | undefined][] = [
    ...(['tcp', 'udp', 'icmp'] as const).map((p): [string, number | undefined] => [IDLE_KNOB[p], setting.idle[p]]),
    ['maxlife', setting.active],
  ];
  for (const [knob, seconds] of given) {
    if (seconds !== undefined && !Number.isInteger(seconds)) {
      return { supported: false, reason: `${tool} takes its timeouts in whole seconds; ${knob}=${seconds} s is not` };
    }
    values[knob] = seconds ?? defaultOf(knob);
    if (seconds === undefined && !setting.isDefault) notes.push(`${knob} left at its default ${defaultOf(knob)} s`);
  }
  if (setting.isDefault) notes.push(`${tool} defaults: tcp 3600 s, udp 300 s, icmp 300 s, maxlife 604800 s`);
  return { supported: true, values, notes };
}

/** `tcp=3600:udp=300:...` for pmacct's nfprobe_timeouts; softflowd takes the same pairs as repeated `-t`. */
export function timeoutPairs(values: Record<string, number>): string[] {
  return ['tcp', 'udp', 'icmp', 'maxlife'].filter((k) => values[k] !== undefined).map((k) => `${k}=${values[k]}`);
}
