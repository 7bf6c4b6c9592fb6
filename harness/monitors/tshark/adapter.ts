import path from 'node:path';
import type { TimeoutSetting } from '../../core/timeout-setting.js';
import { detectBinary } from '../detect-binary.js';
import type { CellContext, Detection, MonitorOutput, Translation } from '../monitor-adapter.js';
import { TSHARK_OPTIONS, readTsharkPackets } from './parser.js';

export const TSHARK_INSTALL = 'apt-get install -y --no-install-recommends tshark';
export const PACKETS_FILE = 'tshark-packets.tsv';

export function detectTshark(env: NodeJS.ProcessEnv): Promise<Detection> {
  return detectBinary(
    { envVar: 'HARNESS_TSHARK', commands: ['tshark'], versionArgs: ['--version'], versionPattern: /TShark \(Wireshark\) (\d+(?:\.\d+)*)/, install: TSHARK_INSTALL },
    env,
  );
}

export function translateTshark(setting: TimeoutSetting): Translation {
  if (!setting.isDefault) return { supported: false, reason: 'tshark keeps no state timeouts: it is the reference' };
  return { supported: true, values: {}, notes: ['tshark keeps no state timeouts: one record per conversation, whatever its silences'] };
}

export function tsharkArgv(binary: string, pcap: string): string[] {
  return [binary, '-r', pcap, ...TSHARK_OPTIONS];
}

export async function runTshark(ctx: CellContext): Promise<MonitorOutput> {
  await ctx.exec(tsharkArgv(ctx.binary, ctx.pcap), { stdoutFile: PACKETS_FILE });
  const records = await readTsharkPackets(path.join(ctx.workDir, PACKETS_FILE), PACKETS_FILE);
  return { views: { default: records }, rawFiles: [PACKETS_FILE], notes: [] };
}
