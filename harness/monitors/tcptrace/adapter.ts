import path from 'node:path';
import type { TimeoutSetting } from '../../core/timeout-setting.js';
import { detectBinary } from '../detect-binary.js';
import type { CellContext, Detection, Knob, MonitorOutput, Translation } from '../monitor-adapter.js';
import { readTcptraceCsv } from './parser.js';

export const TCPTRACE_INSTALL = 'apt-get install -y --no-install-recommends tcptrace';
export const CSV_FILE = 'tcptrace.csv';
const KNOB = 'endpoint_reuse_interval';
const DEFAULT_S = 240;

export const TCPTRACE_KNOBS: Knob[] = [
  {
    name: KNOB,
    appliesTo: 'tcp',
    defaultS: DEFAULT_S,
    minS: 1,
    note: 'whole seconds (1500.5 is refused); a connection idle longer than this is closed and its next packet opens a new one',
  },
];

export function detectTcptrace(env: NodeJS.ProcessEnv): Promise<Detection> {
  // tcptrace has no --version (it is an argument error); -v prints `Version: ... tcptrace -- version 6.6.7`.
  return detectBinary(
    { envVar: 'HARNESS_TCPTRACE', commands: ['tcptrace'], versionArgs: ['-v'], versionPattern: /version (\d+(?:\.\d+)*)/, install: TCPTRACE_INSTALL },
    env,
  );
}

export function translateTcptrace(setting: TimeoutSetting): Translation {
  const notes: string[] = ['tcptrace traces TCP only: UDP and ICMP connections are not reported'];
  if (setting.active !== undefined) return { supported: false, reason: 'tcptrace has no active timeout' };
  if (setting.isDefault) return { supported: true, values: { [KNOB]: DEFAULT_S }, notes: [...notes, `${KNOB} default ${DEFAULT_S} s`] };
  const tcp = setting.idle.tcp;
  if (tcp === undefined) {
    return { supported: false, reason: 'tcptrace traces TCP only: this setting changes no TCP timeout' };
  }
  if (!Number.isInteger(tcp)) {
    return { supported: false, reason: `tcptrace takes whole seconds for ${KNOB}; ${tcp} s is not one` };
  }
  for (const protocol of ['udp', 'icmp'] as const) {
    if (setting.idle[protocol] !== undefined) notes.push(`${protocol} timeout not applicable`);
  }
  return { supported: true, values: { [KNOB]: tcp }, notes };
}

export function tcptraceArgv(binary: string, pcap: string, setting: TimeoutSetting, values: Record<string, number>): string[] {
  const argv = [binary, '-n', '-l', '--csv'];
  // The default runs tcptrace as shipped; its value (240 s) is recorded in knobValues.
  if (!setting.isDefault) argv.push(`--${KNOB}=${values[KNOB] ?? DEFAULT_S}`);
  argv.push(pcap);
  return argv;
}

export async function runTcptrace(ctx: CellContext): Promise<MonitorOutput> {
  await ctx.exec(tcptraceArgv(ctx.binary, ctx.pcap, ctx.setting, ctx.knobValues), { stdoutFile: CSV_FILE });
  const records = await readTcptraceCsv(path.join(ctx.workDir, CSV_FILE), CSV_FILE);
  return { views: { default: records }, rawFiles: [CSV_FILE], notes: [] };
}
