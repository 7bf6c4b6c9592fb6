import { readFile } from 'node:fs/promises';
import type { TimeoutSetting } from '../../core/timeout-setting.js';
import { NFDUMP_INSTALL, collectWithNfcapd, findCollectorTools } from '../../netflow/nfcapd-collector.js';
import { SOFTFLOWD_TIMEOUT_KNOBS, timeoutPairs, translateSoftflowdTimeouts } from '../../netflow/softflowd-timeouts.js';
import { detectBinary } from '../detect-binary.js';
import { MonitorFailure, type CellContext, type Detection, type MonitorOutput, type Translation } from '../monitor-adapter.js';
import { generatedPmacctdConfig, mergedPmacctdConfig } from './config.js';

/**
 * pmacctd with the nfprobe plugin -> nfcapd -> nfdump. pmacctd reads `pcap_savefile`, sleeps 2 s, processes it,
 * flushes its flows to the receiver and exits by itself (no pcap_savefile_wait, so nothing is left to stop).
 *
 * Measured on pmacct 1.7.7: in file mode the idle timeouts (tcp, udp, icmp) never fire, whatever their value: one
 * record per direction. maxlife (the active timeout) does fire, but late: with maxlife=60 s a 19 h session with a
 * burst every 20 min and a clock flow came out as 29 records of two bursts each (~1197 s); without the clock flow
 * (fixture longconn-42) records of about 2.8 h. Both show in the calibration and the scores.
 */
export const PMACCT_INSTALL = 'apt-get install -y --no-install-recommends pmacct nfdump';
export const PMACCT_KNOBS = SOFTFLOWD_TIMEOUT_KNOBS.map((k) => ({ ...k, name: `nfprobe_timeouts ${k.name}` }));
export const PMACCT_CONFIG_FILE = 'pmacctd.conf';

export async function detectPmacct(env: NodeJS.ProcessEnv): Promise<Detection> {
  const found = await detectBinary(
    { envVar: 'HARNESS_PMACCT', commands: ['pmacctd'], versionArgs: ['-V'], versionPattern: /pmacctd (\d[\w.-]*)/, install: PMACCT_INSTALL, anyExitCode: true },
    env,
  );
  if (!found.found) return found;
  const tools = await findCollectorTools(env);
  if ('missing' in tools) return { found: false, reason: tools.missing, install: NFDUMP_INSTALL };
  return found;
}

/** Knob values are keyed by the Knob names (`nfprobe_timeouts tcp`); the config wants `tcp=3600:...`. */
export function translatePmacct(setting: TimeoutSetting): Translation {
  const t = translateSoftflowdTimeouts(setting, 'pmacct nfprobe');
  if (!t.supported) return t;
  const values: Record<string, number> = {};
  for (const [k, v] of Object.entries(t.values)) values[`nfprobe_timeouts ${k}`] = v;
  t.notes.push('pmacctd reading a pcap never applies the idle timeouts; maxlife fires, but late');
  return { supported: true, values, notes: t.notes };
}

export function nfprobeTimeouts(values: Record<string, number>): string {
  const plain: Record<string, number> = {};
  for (const [k, v] of Object.entries(values)) plain[k.replace(/^nfprobe_timeouts /, '')] = v;
  return timeoutPairs(plain).join(':');
}

/**
 * Measured: about one run in ten, pmacctd 1.7.7 reads the whole file, logs "Shutting down on user request", exits 0
 * and yet exports nothing (nfcapd counts 0 flows): a race between the core's exit and the nfprobe plugin's flush.
 * An empty export from a capture that has packets is therefore retried, and each retry is noted in the cell.
 */
const ATTEMPTS = 3;

export async function runPmacct(ctx: CellContext): Promise<MonitorOutput> {
  const notes: string[] = [];
  for (let attempt = 1; ; attempt += 1) {
    const collected = await collectWithNfcapd(ctx, async ({ host, port }) => {
      const input = {
        pcap: ctx.pcap,
        receiver: `${host}:${port}`,
        timeouts: ctx.setting.isDefault ? undefined : nfprobeTimeouts(ctx.knobValues),
      };
      let text = generatedPmacctdConfig(input);
      if (ctx.userConfig) {
        const merged = mergedPmacctdConfig(await readFile(ctx.userConfig, 'utf8'), ctx.userConfig, input);
        text = merged.text;
        if (attempt === 1) notes.push(...merged.notes);
      }
      const conf = await ctx.writeConfig(PMACCT_CONFIG_FILE, text);
      await ctx.exec([ctx.binary, '-f', conf]);
    });
    if (collected.records.length > 0) {
      notes.push(...collected.notes);
      return { views: { default: collected.records }, rawFiles: collected.rawFiles, notes };
    }
    if (attempt >= ATTEMPTS) {
      throw new MonitorFailure(`pmacctd exited 0 but exported no flow in ${ATTEMPTS} attempts`, 0, undefined, '', false);
    }
    notes.push(`attempt ${attempt}: pmacctd exported no flow (its exit races the nfprobe flush); ran it again`);
  }
}
