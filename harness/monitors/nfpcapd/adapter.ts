import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { TimeoutSetting } from '../../core/timeout-setting.js';
import { NFDUMP_INSTALL, NFDUMP_JSON_FILE, dumpFlowDirectory, findCollectorTools } from '../../netflow/nfcapd-collector.js';
import { withStaleBookkeeperHint } from '../../netflow/nfdump-bookkeeper.js';
import { detectBinary } from '../detect-binary.js';
import type { CellContext, Detection, EffectiveTimeouts, Knob, MonitorOutput, Translation } from '../monitor-adapter.js';

/**
 * nfpcapd (nfdump 1.7) turns a pcap into nfcapd files itself: `nfpcapd -r x.pcap -w DIR -e ACTIVE,INACTIVE`.
 *
 * What it does, measured on nfdump 1.7.1:
 * - One inactive timeout for every protocol, one active timeout; defaults 300,60; each refused above 3600
 *   (`Active flow timeout 3601 out of range`, exit 1), so no record can last longer than an hour.
 * - Expiry runs on packet time, checked every 10 s, and only when a later packet arrives; the active timeout too,
 *   so a record lasts from active to about active + 12 s (timer-rule.ts).
 * - ICMP packets are never cached: every ICMP packet is a record of its own, whatever -e says.
 *
 * Active timeout when a setting gives only an idle one: raised to the idle value (never below the tool's default
 * 300 s). A NetFlow record cannot stay idle longer than it may live, so `1h` would otherwise still be cut every
 * 5 minutes by the default active timeout and the sweep would measure the active timeout, not the idle one the
 * user asked about. `-e` therefore gets `max(300, idle),idle` unless `active=` is given; the notes say so.
 */
export const NFPCAPD_MAX_S = 3600;
const DEFAULT_ACTIVE_S = 300;
const DEFAULT_INACTIVE_S = 60;
export const ACTIVE_KNOB = '-e active';
export const INACTIVE_KNOB = '-e inactive';

export const NFPCAPD_INSTALL = NFDUMP_INSTALL;

export const NFPCAPD_KNOBS: Knob[] = [
  { name: INACTIVE_KNOB, appliesTo: 'tcp', defaultS: DEFAULT_INACTIVE_S, minS: 1, maxS: NFPCAPD_MAX_S, note: 'one inactive timeout for TCP and UDP alike' },
  { name: INACTIVE_KNOB, appliesTo: 'udp', defaultS: DEFAULT_INACTIVE_S, minS: 1, maxS: NFPCAPD_MAX_S, note: 'one inactive timeout for TCP and UDP alike' },
  { name: ACTIVE_KNOB, appliesTo: 'active', defaultS: DEFAULT_ACTIVE_S, minS: 1, maxS: NFPCAPD_MAX_S, note: 'no record lasts longer than this' },
  { name: 'ICMP', appliesTo: 'other', defaultS: null, note: 'not cached: every ICMP packet is its own record, whatever -e says' },
];

export async function detectNfpcapd(env: NodeJS.ProcessEnv): Promise<Detection> {
  const found = await detectBinary(
    { envVar: 'HARNESS_NFPCAPD', commands: ['nfpcapd'], versionArgs: ['-V'], versionPattern: /Version:\s*([0-9][0-9.]*[0-9])/, install: NFPCAPD_INSTALL },
    env,
  );
  if (!found.found) return found;
  const tools = await findCollectorTools(env);
  if ('missing' in tools) return { found: false, reason: tools.missing, install: NFPCAPD_INSTALL };
  return found;
}

/** The single inactive value a setting asks for, or why nfpcapd cannot take it. */
function inactiveOf(setting: TimeoutSetting): number | { reason: string } {
  // ICMP's timeout is not -e's: nfpcapd caches no ICMP (an `icmp=5m` alone ran TCP and UDP at -e 300,300).
  const given = (['tcp', 'udp'] as const).filter((p) => setting.idle[p] !== undefined);
  const distinct = [...new Set(given.map((p) => setting.idle[p] as number))];
  if (distinct.length > 1) {
    const listed = given.map((p) => `${p} ${setting.idle[p] as number} s`).join(', ');
    return { reason: `nfpcapd applies one inactive timeout (-e) to every protocol; this setting asks for different ones (${listed})` };
  }
  return distinct[0] ?? DEFAULT_INACTIVE_S;
}

export function translateNfpcapd(setting: TimeoutSetting): Translation {
  if (setting.isDefault) {
    return {
      supported: true,
      values: { [ACTIVE_KNOB]: DEFAULT_ACTIVE_S, [INACTIVE_KNOB]: DEFAULT_INACTIVE_S },
      notes: ['nfpcapd defaults: -e 300,60 (active 300 s, inactive 60 s); ICMP packets are not cached (one record each)'],
    };
  }
  const inactive = inactiveOf(setting);
  if (typeof inactive !== 'number') return { supported: false, reason: inactive.reason };
  const active = setting.active ?? Math.max(DEFAULT_ACTIVE_S, inactive);
  for (const [knob, seconds] of [[INACTIVE_KNOB, inactive], [ACTIVE_KNOB, active]] as const) {
    if (seconds > NFPCAPD_MAX_S) {
      return { supported: false, reason: `nfpcapd caps both timeouts at ${NFPCAPD_MAX_S} s (${knob} ${seconds} s is refused with exit 1)` };
    }
    if (!Number.isInteger(seconds)) return { supported: false, reason: `nfpcapd takes whole seconds; ${knob} ${seconds} s is not` };
  }
  const notes: string[] = [];
  const left = (['tcp', 'udp'] as const).filter((p) => setting.idle[p] === undefined);
  if (left.length === 1) notes.push(`${left.join(', ')} gets the same inactive timeout ${inactive} s: nfpcapd has one for TCP and UDP alike`);
  if (left.length === 2) notes.push(`inactive timeout left at its default ${DEFAULT_INACTIVE_S} s`);
  if (setting.active === undefined) {
    notes.push(`active timeout set to ${active} s (max of the default 300 s and the idle timeout): a record cannot stay idle longer than it may live`);
  }
  notes.push(
    setting.idle.icmp === undefined
      ? 'ICMP is not affected: nfpcapd writes every ICMP packet as its own record'
      : `the ICMP timeout (${setting.idle.icmp} s) does not apply: nfpcapd caches no ICMP, every ICMP packet is its own record`,
  );
  return { supported: true, values: { [ACTIVE_KNOB]: active, [INACTIVE_KNOB]: inactive }, notes };
}

export function nfpcapdEffectiveTimeouts(setting: TimeoutSetting): EffectiveTimeouts {
  const translated = translateNfpcapd(setting);
  const inactive = translated.supported ? (translated.values[INACTIVE_KNOB] as number) : undefined;
  const active = translated.supported ? (translated.values[ACTIVE_KNOB] as number) : undefined;
  // ICMP: 0, since no ICMP packet is ever cached long enough to meet another.
  return { idleS: { tcp: inactive, udp: inactive, icmp: 0 }, activeS: active };
}

export function nfpcapdArgv(binary: string, pcap: string, dir: string, values: Record<string, number>): string[] {
  const active = values[ACTIVE_KNOB] ?? DEFAULT_ACTIVE_S;
  const inactive = values[INACTIVE_KNOB] ?? DEFAULT_INACTIVE_S;
  return [binary, '-r', pcap, '-w', dir, '-e', `${active},${inactive}`];
}

export async function runNfpcapd(ctx: CellContext): Promise<MonitorOutput> {
  const dir = path.join(ctx.workDir, 'flows');
  await mkdir(dir, { recursive: true });
  try {
    await ctx.exec(nfpcapdArgv(ctx.binary, ctx.pcap, dir, ctx.knobValues));
  } catch (error) {
    throw await withStaleBookkeeperHint(error, 'nfpcapd', dir);
  }
  const records = await dumpFlowDirectory(ctx, dir);
  const notes = [`nfpcapd -e ${ctx.knobValues[ACTIVE_KNOB]},${ctx.knobValues[INACTIVE_KNOB]}; records are one direction each, times in whole milliseconds`];
  if (records.length === 0) notes.push('nfpcapd wrote no flow file (no IP packet in the capture?)');
  return { views: { default: records }, rawFiles: records.length === 0 ? [] : [NFDUMP_JSON_FILE], notes };
}
