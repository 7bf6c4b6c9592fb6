import { access } from 'node:fs/promises';
import path from 'node:path';
import type { TimeoutProtocol, TimeoutSetting } from '../../core/timeout-setting.js';
import { detectBinary } from '../detect-binary.js';
import { MonitorFailure, type CellContext, type Detection, type Knob, type MonitorOutput, type Translation } from '../monitor-adapter.js';
import { readEveFlows } from './parser.js';
import { readEveStatsState } from './stats.js';
import { suricataTimers, suricataToolSets } from './timer-rule.js';

export const SURICATA_INSTALL =
  "Suricata has no Debian 12 package here: install it from the OISF packages or build it, then put suricata on PATH or set HARNESS_SURICATA=/path/to/suricata";
export const EVE_FILE = 'eve.json';

/**
 * Compiled-in defaults (src/flow-private.h). We run Suricata with our own minimal suricata.yaml that has no
 * flow-timeouts section, so these, not the shipped yaml's (tcp established 600 s), are the defaults in effect.
 */
export const SURICATA_KNOBS: Knob[] = [
  { name: 'flow-timeouts.tcp.established', appliesTo: 'tcp', defaultS: 300, note: 'compiled-in 300 s; the shipped suricata.yaml sets 600 s' },
  { name: 'flow-timeouts.udp.established', appliesTo: 'udp', defaultS: 300 },
  { name: 'flow-timeouts.icmp.established', appliesTo: 'icmp', defaultS: 300 },
  { name: 'flow-timeouts.tcp.new', appliesTo: 'other', defaultS: 30, note: 'a TCP flow without its handshake (stream.midstream off), and the record after a split; setting key suricata.tcp.new' },
  { name: 'flow-timeouts.udp.new', appliesTo: 'other', defaultS: 30, note: 'a one-way UDP flow; setting key suricata.udp.new' },
  { name: 'flow-timeouts.icmp.new', appliesTo: 'other', defaultS: 30, note: 'a one-way ICMP flow; setting key suricata.icmp.new' },
  { name: 'stream.midstream', appliesTo: 'other', defaultS: null, note: 'off by default: TCP sessions without a handshake stay new; setting key suricata.midstream=on' },
  { name: 'flow-timeouts.tcp.emergency-established', appliesTo: 'other', defaultS: 100, note: 'only when the flow table is full (emergency mode)' },
  { name: 'flow-timeouts.udp.emergency-established', appliesTo: 'other', defaultS: 100, note: 'only in emergency mode' },
  { name: 'flow-timeouts.icmp.emergency-established', appliesTo: 'other', defaultS: 100, note: 'only in emergency mode' },
];

/** Flow-table limits (suricata.yaml `flow:` section; defaults 32mb and 65536 buckets). */
const MEMCAP_KNOB = 'flow.memcap';
const HASH_SIZE_KNOB = 'flow.hash-size';
const EMERGENCY_KNOB_OF: Record<TimeoutProtocol, string> = {
  tcp: 'flow-timeouts.tcp.emergency-established',
  udp: 'flow-timeouts.udp.emergency-established',
  icmp: 'flow-timeouts.icmp.emergency-established',
};

const KNOB_OF: Record<TimeoutProtocol, string> = {
  tcp: 'flow-timeouts.tcp.established',
  udp: 'flow-timeouts.udp.established',
  icmp: 'flow-timeouts.icmp.established',
};

/** eve-log with flow events only: keys per the Suricata manual's "Eve JSON Output" (outputs: - eve-log: types). */
export const MINIMAL_YAML = `%YAML 1.1
---
# Written by harness: flow events only, no rules. No flow-timeouts section, so Suricata's compiled-in
# defaults apply unless --set overrides them.
default-log-dir: .
outputs:
  - eve-log:
      enabled: yes
      filetype: regular
      filename: ${EVE_FILE}
      types:
        - flow
        - stats:
            totals: yes
            threads: no
            deltas: no
# The engine's own counters (flow memory, emergency mode) as eve "stats" events; the last holds the totals.
stats:
  enabled: yes
  interval: 8
`;

export function detectSuricata(env: NodeJS.ProcessEnv): Promise<Detection> {
  return detectBinary(
    { envVar: 'HARNESS_SURICATA', commands: ['suricata'], versionArgs: ['-V'], versionPattern: /Suricata version (\S+)/, install: SURICATA_INSTALL },
    env,
  );
}

export function translateSuricata(setting: TimeoutSetting): Translation {
  if (setting.active !== undefined) {
    return { supported: false, reason: 'Suricata has no active timeout: a flow is logged when it times out, is reused, or at shutdown' };
  }
  const values: Record<string, number> = {};
  const notes: string[] = [];
  for (const protocol of ['tcp', 'udp', 'icmp'] as const) {
    const knob = KNOB_OF[protocol];
    const byDefault = SURICATA_KNOBS.find((k) => k.name === knob)?.defaultS as number;
    const given = setting.idle[protocol];
    if (given !== undefined && !Number.isInteger(given)) {
      return { supported: false, reason: `Suricata takes whole seconds for ${knob}; ${given} s is not one` };
    }
    values[knob] = given ?? byDefault;
    if (given === undefined && !setting.isDefault) notes.push(`${knob} left at its compiled-in default ${byDefault} s`);
  }
  if (setting.isDefault) notes.push('compiled-in defaults (our generated suricata.yaml sets no flow-timeouts): established 300 s for tcp, udp, icmp');
  const limits = setting.limits;
  if (limits?.memcapBytes !== undefined) values[MEMCAP_KNOB] = limits.memcapBytes;
  if (limits?.hashSize !== undefined) values[HASH_SIZE_KNOB] = limits.hashSize;
  if (limits?.emergencyIdleS !== undefined) {
    if (!Number.isInteger(limits.emergencyIdleS)) return { supported: false, reason: `Suricata takes whole seconds for its emergency timeouts; ${limits.emergencyIdleS} s is not one` };
    for (const protocol of ['tcp', 'udp', 'icmp'] as const) values[EMERGENCY_KNOB_OF[protocol]] = limits.emergencyIdleS;
  }
  for (const [key, value] of Object.entries(setting.tool ?? {})) {
    if (key.startsWith('suricata.') && typeof value === 'number' && !Number.isInteger(value)) {
      return { supported: false, reason: `Suricata takes whole seconds for ${key}; ${value} s is not one` };
    }
  }
  const timers = suricataTimers(setting);
  for (const protocol of ['tcp', 'udp', 'icmp'] as const) {
    if (setting.tool?.[`suricata.${protocol}.new`] !== undefined) values[`flow-timeouts.${protocol}.new`] = timers.states[protocol].new;
  }
  if (setting.tool?.['suricata.midstream'] !== undefined) values['stream.midstream'] = timers.midstream ? 1 : 0;
  else if (setting.idle.tcp !== undefined) {
    notes.push(`stream.midstream left off and flow-timeouts.tcp.new at ${timers.states.tcp.new} s: a TCP connection picked up without its handshake (or cut once) expires on tcp.new whatever tcp.established says; suricata.midstream=on or suricata.tcp.new=<duration> change them`);
  }
  return { supported: true, values, notes };
}

export function suricataArgv(ctx: Pick<CellContext, 'binary' | 'pcap' | 'workDir' | 'setting' | 'knobValues'>, configFile: string): string[] {
  const argv = [ctx.binary, '-c', configFile, '-r', ctx.pcap, '-l', ctx.workDir, '-k', 'none', '--runmode', 'single'];
  if (!ctx.setting.isDefault) {
    for (const protocol of ['tcp', 'udp', 'icmp'] as const) {
      const value = ctx.knobValues[KNOB_OF[protocol]];
      if (value !== undefined) argv.push('--set', `${KNOB_OF[protocol]}=${value}`);
    }
    for (const knob of [MEMCAP_KNOB, HASH_SIZE_KNOB, ...Object.values(EMERGENCY_KNOB_OF)]) {
      const value = ctx.knobValues[knob];
      if (value !== undefined) argv.push('--set', `${knob}=${value}`);
    }
    argv.push(...suricataToolSets(ctx.setting));
  }
  return argv;
}

export async function runSuricata(ctx: CellContext): Promise<MonitorOutput> {
  const notes: string[] = [];
  let configFile: string;
  if (ctx.userConfig) {
    // The user's suricata.yaml is used as it is; it must enable eve-log with flow events into eve.json. The swept
    // timeouts still override its flow-timeouts through --set.
    configFile = ctx.userConfig;
    notes.push(`user config ${ctx.userConfig}; swept flow-timeouts set with --set`);
  } else {
    configFile = await ctx.writeConfig('suricata.yaml', MINIMAL_YAML);
  }
  const result = await ctx.exec(suricataArgv(ctx, configFile), { cwd: ctx.workDir });
  const eve = path.join(ctx.workDir, EVE_FILE);
  if (!(await access(eve).then(() => true, () => false))) {
    throw new MonitorFailure(`suricata wrote no ${EVE_FILE} (is eve-log with types [flow] enabled?)`, result.exitCode, result.signal, result.stderr.slice(-2000), false);
  }
  return eveOutput(eve, notes);
}

/** The flows of an eve.json and Suricata's own account of its flow table (its last stats event), offline or live. */
export async function eveOutput(eve: string, notes: string[]): Promise<MonitorOutput> {
  const records = await readEveFlows(eve, EVE_FILE);
  const toolState = await readEveStatsState(eve, EVE_FILE);
  if (!toolState) notes.push('eve.json holds no stats event: no flow-memory figures from Suricata itself');
  return { views: { default: records }, rawFiles: [EVE_FILE], notes, ...(toolState ? { toolState } : {}) };
}
