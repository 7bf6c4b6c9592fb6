import { access } from 'node:fs/promises';
import path from 'node:path';
import type { TimeoutProtocol, TimeoutSetting } from '../../core/timeout-setting.js';
import { detectBinary } from '../detect-binary.js';
import type { CellContext, Detection, Knob, MonitorOutput, Translation } from '../monitor-adapter.js';
import { readConnLogTable } from './parser.js';
import { zeekInterval, zeekTimers, zeekToolRedefs } from './timer-rule.js';

export const ZEEK_INSTALL =
  "Zeek has no Debian 12 package: install it from the Zeek project's packages or build it, then put zeek on PATH or set HARNESS_ZEEK=/opt/zeek/bin/zeek";

/** Defaults from scripts/base/init-bare.zeek (Zeek 7). */
export const ZEEK_KNOBS: Knob[] = [
  { name: 'tcp_inactivity_timeout', appliesTo: 'tcp', defaultS: 300, minS: 0, note: '0 disables it' },
  { name: 'udp_inactivity_timeout', appliesTo: 'udp', defaultS: 60, minS: 0, note: '0 disables it' },
  { name: 'icmp_inactivity_timeout', appliesTo: 'icmp', defaultS: 60, minS: 0, note: '0 disables it' },
  { name: 'tcp_SYN_timeout', appliesTo: 'other', defaultS: 5, note: 'checks the result of an initial SYN' },
  { name: 'tcp_close_delay', appliesTo: 'other', defaultS: 5, note: 'flushes state this long after a normal close' },
  { name: 'tcp_reset_delay', appliesTo: 'other', defaultS: 5, note: 'flushes state this long after a RST' },
  { name: 'tcp_attempt_delay', appliesTo: 'other', defaultS: 5, note: 'times out an unanswered connection attempt' },
  {
    name: 'Conn::port_inactivity_timeouts',
    appliesTo: 'other',
    defaultS: 3600,
    note: '21, 22, 23, 513/tcp get 1 hr once the handshake completes, whatever tcp_inactivity_timeout says (base/protocols/conn/inactivity.zeek); setting key zeek.port_inactivity_timeouts',
  },
  {
    name: 'Conn::analyzer_inactivity_timeouts',
    appliesTo: 'other',
    defaultS: 3600,
    note: 'SSH and FTP get 1 hr once the analyzer confirms the protocol; setting key zeek.analyzer_inactivity_timeouts',
  },
  {
    name: 'dns_session_timeout',
    appliesTo: 'other',
    defaultS: 10,
    note: 'expires DNS-over-UDP connections whatever udp_inactivity_timeout says',
  },
];

const IDLE_KNOB: Record<TimeoutProtocol, string> = {
  tcp: 'tcp_inactivity_timeout',
  udp: 'udp_inactivity_timeout',
  icmp: 'icmp_inactivity_timeout',
};

export function detectZeek(env: NodeJS.ProcessEnv): Promise<Detection> {
  return detectBinary(
    { envVar: 'HARNESS_ZEEK', commands: ['zeek'], versionArgs: ['--version'], versionPattern: /zeek version (\S+)/, install: ZEEK_INSTALL },
    env,
  );
}

export function translateZeek(setting: TimeoutSetting): Translation {
  const values: Record<string, number> = {};
  const notes: string[] = [];
  if (setting.active !== undefined) {
    return { supported: false, reason: 'Zeek has no active timeout: conn.log writes a connection only when it ends or goes idle' };
  }
  for (const protocol of ['tcp', 'udp', 'icmp'] as const) {
    const knob = IDLE_KNOB[protocol];
    const given = setting.idle[protocol];
    const byDefault = ZEEK_KNOBS.find((k) => k.name === knob)?.defaultS as number;
    values[knob] = given ?? byDefault;
    if (given === undefined && !setting.isDefault) notes.push(`${knob} left at its default ${byDefault} s`);
  }
  if (setting.isDefault) notes.push('Zeek defaults (init-bare.zeek): tcp 300 s, udp 60 s, icmp 60 s');
  // A generic setting leaves the service tables at their defaults, as a user who edits tcp_inactivity_timeout gets.
  const timers = zeekTimers(setting);
  const named = (key: string): boolean => setting.tool?.[`zeek.${key}`] !== undefined;
  if (named('port_inactivity_timeouts') || named('services')) {
    for (const [port, v] of timers.portS) values[`Conn::port_inactivity_timeouts[${port}/tcp]`] = v.seconds;
  } else if (setting.idle.tcp !== undefined) {
    notes.push('Conn::port_inactivity_timeouts left at its default 1 hr for 21, 22, 23, 513/tcp (and analyzer_inactivity_timeouts for SSH, FTP): a connection established on those ports keeps 1 hr whatever tcp_inactivity_timeout says; zeek.services=<duration> raises them');
  }
  if (named('analyzer_inactivity_timeouts') || named('services')) {
    for (const [name, v] of timers.analyzerS) values[`Conn::analyzer_inactivity_timeouts[${name}]`] = v.seconds;
  }
  if (named('dns_session_timeout')) values.dns_session_timeout = timers.dnsSessionS;
  if (setting.idle.udp !== undefined) {
    notes.push('dns_session_timeout (10 s) still expires DNS-over-UDP connections whatever the UDP timeout');
  }
  return { supported: true, values, notes };
}

/** `redef tcp_inactivity_timeout = 3600.0 sec; ...` for the idle knobs the setting changes; '' for defaults. */
export function zeekRedefs(setting: TimeoutSetting, values: Record<string, number>): string {
  if (setting.isDefault) return '';
  const parts: string[] = [];
  for (const protocol of ['tcp', 'udp', 'icmp'] as const) {
    const knob = IDLE_KNOB[protocol];
    const value = values[knob];
    if (value === undefined) continue;
    parts.push(`redef ${knob} = ${zeekInterval(value)};`);
  }
  parts.push(...zeekToolRedefs(setting));
  return parts.join(' ');
}

export function zeekArgv(ctx: Pick<CellContext, 'binary' | 'pcap' | 'setting' | 'knobValues' | 'userConfig'>): string[] {
  const argv = [ctx.binary, '-C', '-r', ctx.pcap];
  // The user's local.zeek loads first; the -e code is parsed after the scripts, so our redefs win for the swept knobs.
  if (ctx.userConfig) argv.push(ctx.userConfig);
  const redefs = zeekRedefs(ctx.setting, ctx.knobValues);
  if (redefs) argv.push('-e', redefs);
  return argv;
}

export async function runZeek(ctx: CellContext): Promise<MonitorOutput> {
  const notes: string[] = [];
  await ctx.exec(zeekArgv(ctx), { cwd: ctx.workDir });
  const connLog = path.join(ctx.workDir, 'conn.log');
  const exists = await access(connLog).then(() => true, () => false);
  if (!exists) {
    notes.push('Zeek wrote no conn.log');
    return { views: { default: [] }, rawFiles: [], notes };
  }
  if (ctx.userConfig) notes.push(`user script ${ctx.userConfig} loaded before the swept redefs`);
  const records = await readConnLogTable(connLog, 'conn.log');
  const rawFiles = ['conn.log'];
  for (const extra of ['weird.log', 'reporter.log']) {
    if (await access(path.join(ctx.workDir, extra)).then(() => true, () => false)) rawFiles.push(extra);
  }
  return { views: { default: records }, rawFiles, notes };
}
