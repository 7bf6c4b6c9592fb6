import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { TimeoutSetting } from '../../core/timeout-setting.js';
import { NFDUMP_INSTALL, collectWithNfcapd, findCollectorTools } from '../../netflow/nfcapd-collector.js';
import { SOFTFLOWD_TIMEOUT_KNOBS, timeoutPairs, translateSoftflowdTimeouts } from '../../netflow/softflowd-timeouts.js';
import { detectBinary } from '../detect-binary.js';
import { EvictionMarks, readSoftflowdLog, SOFTFLOWD_LOG_FILE } from './debug-log.js';
import { parseSoftflowdOptions } from './options.js';
import type { CellContext, Detection, MonitorOutput, Translation } from '../monitor-adapter.js';

/**
 * softflowd -> nfcapd -> nfdump. `softflowd -D -c none -r x.pcap -n 127.0.0.1:PORT -v 10 -A milli` exports IPFIX
 * to an nfcapd on loopback (`-c none`: with -r it would otherwise block forever on its control socket; `-v 10 -A
 * milli`: NetFlow v9 without -a writes wrong absolute times; -D: in the foreground like -d, and its debug log on
 * stderr (kept in softflowd.log) is the tool's own account of its table, evictions included: debug-log.ts).
 *
 * Measured on softflowd 1.1.0: reading a file it expires nothing on idle, whatever -t says; maxlife only marks a
 * flow, which goes at the check after a batch of -m packets (timer-rule.ts), so on a capture under 8192 packets
 * nothing either; at EOF it exports one record per direction per 5-tuple. Both records of a pair carry the first and last packet time of
 * the whole (bidirectional) flow, not of their own direction. The one expiry it does make before the end of the
 * file is forced: when its table holds `-m` flows (8192 by default), the oldest are expired to make room.
 */
export const MAXFLOWS_KNOB = '-m';
export const SOFTFLOWD_DEFAULT_MAXFLOWS = 8192;
export const SOFTFLOWD_INSTALL = `apt-get install -y --no-install-recommends softflowd nfdump`;
export const SOFTFLOWD_KNOBS = SOFTFLOWD_TIMEOUT_KNOBS;

export async function detectSoftflowd(env: NodeJS.ProcessEnv): Promise<Detection> {
  const found = await detectBinary(
    {
      envVar: 'HARNESS_SOFTFLOWD',
      commands: ['softflowd'],
      versionArgs: ['-h'],
      versionPattern: /softflowd version ([0-9][0-9.]*[0-9])/,
      install: SOFTFLOWD_INSTALL,
      anyExitCode: true,
    },
    env,
  );
  if (!found.found) return found;
  const tools = await findCollectorTools(env);
  if ('missing' in tools) return { found: false, reason: tools.missing, install: NFDUMP_INSTALL };
  return found;
}

export function translateSoftflowd(setting: TimeoutSetting): Translation {
  const t = translateSoftflowdTimeouts(setting, 'softflowd');
  if (!t.supported) return t;
  t.notes.push('softflowd reading a pcap (-r) applies none of these: one record per direction per flow');
  const maxFlows = setting.limits?.maxFlows;
  if (maxFlows !== undefined) t.values[MAXFLOWS_KNOB] = maxFlows;
  else t.notes.push(`-m left at its default ${SOFTFLOWD_DEFAULT_MAXFLOWS} flows`);
  return t;
}

export function softflowdArgv(binary: string, pcap: string, receiver: string, setting: TimeoutSetting, values: Record<string, number>, extra: string[]): string[] {
  const argv = [binary, '-D', '-c', 'none', '-r', pcap, '-n', receiver, '-v', '10', '-A', 'milli'];
  if (!setting.isDefault) for (const pair of timeoutPairs(values)) argv.push('-t', pair);
  return [...argv, ...extra, ...maxFlowsArgs(values)];
}

/** The swept table limit as `-m N`, offline and live; it goes after the user's options (softflowd keeps the last -m). */
export function maxFlowsArgs(values: Record<string, number>): string[] {
  const maxFlows = values[MAXFLOWS_KNOB];
  return maxFlows === undefined ? [] : [MAXFLOWS_KNOB, String(maxFlows)];
}

export async function runSoftflowd(ctx: CellContext): Promise<MonitorOutput> {
  const notes: string[] = [];
  let extra: string[] = [];
  if (ctx.userConfig) {
    extra = parseSoftflowdOptions(await readFile(ctx.userConfig, 'utf8'), ctx.userConfig);
    notes.push(`extra softflowd options from ${ctx.userConfig}: ${extra.join(' ') || '(none)'}`);
  }
  const collected = await collectWithNfcapd(ctx, async ({ host, port }) => {
    await ctx.exec(softflowdArgv(ctx.binary, ctx.pcap, `${host}:${port}`, ctx.setting, ctx.knobValues, extra), {
      env: { TZ: 'UTC' },
      stderrFile: SOFTFLOWD_LOG_FILE,
    });
  });
  notes.push(...collected.notes, 'softflowd in file mode expires no flow on a timeout: one record per direction, both with the bidirectional flow\'s first/last times');
  const marks = new EvictionMarks(collected.records);
  let evicted = 0;
  const log = await readSoftflowdLog(path.join(ctx.workDir, SOFTFLOWD_LOG_FILE), SOFTFLOWD_LOG_FILE, (flow) => {
    evicted += 1;
    marks.mark(flow);
  });
  if (evicted > 0) {
    notes.push(`softflowd's table was full: it expired ${evicted} flows early to make room (${marks.markedRecords} records marked evicted); raise -m`);
  }
  const toolState = { ...log.state, figures: { ...log.state.figures, ...collected.collector } };
  return { views: { default: collected.records }, rawFiles: [...collected.rawFiles, SOFTFLOWD_LOG_FILE], notes, toolState };
}
