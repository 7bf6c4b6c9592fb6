import { access } from 'node:fs/promises';
import path from 'node:path';
import type { TimeoutSetting } from '../../core/timeout-setting.js';
import { InputError } from '../../core/input-error.js';
import { detectBinary } from '../detect-binary.js';
import type { CellContext, Detection, Knob, MonitorOutput, Translation } from '../monitor-adapter.js';
import { readNdpiCsv } from './parser.js';

/**
 * ndpiReader (libndpi-bin, nDPI 4.2): `ndpiReader -q -v 2 -i x.pcap -C flows.csv`.
 *
 * Measured: `-v 1` writes only the flows nDPI could not classify into the CSV (a TLS or ICMP flow is left out),
 * `-v 2` writes every flow. Its idle timeout is compiled in and only used on live capture: one flow per 5-tuple
 * however long the silences. `-m` is an analysis window, not a timeout. So only `default` can run.
 */
export const NDPI_INSTALL = 'apt-get install -y --no-install-recommends libndpi-bin';
export const NDPI_CSV = 'flows.csv';

export const NDPI_KNOBS: Knob[] = [
  { name: 'idle timeout (compiled in)', appliesTo: 'other', defaultS: null, note: "not settable; ndpiReader applies it to live capture only" },
];

export function detectNdpi(env: NodeJS.ProcessEnv): Promise<Detection> {
  return detectBinary(
    { envVar: 'HARNESS_NDPI', commands: ['ndpiReader'], versionArgs: ['-h'], versionPattern: /nDPI (\d[\w.-]*)/, install: NDPI_INSTALL, anyExitCode: true },
    env,
  );
}

export function translateNdpi(setting: TimeoutSetting): Translation {
  if (!setting.isDefault) return { supported: false, reason: "nDPI's idle timeout is compiled in (and ndpiReader uses it only on live capture)" };
  return { supported: true, values: {}, notes: ['ndpiReader has no timeout knob: its compiled-in idle timeout applies to live capture only'] };
}

export async function runNdpi(ctx: CellContext): Promise<MonitorOutput> {
  await ctx.exec([ctx.binary, '-q', '-v', '2', '-i', ctx.pcap, '-C', NDPI_CSV], { stdoutFile: 'ndpiReader.out' });
  const csv = path.join(ctx.workDir, NDPI_CSV);
  if (!(await access(csv).then(() => true, () => false))) throw new InputError({ file: csv, line: 0, col: 0 }, 'no file', 'ndpiReader to write its -C CSV');
  const records = await readNdpiCsv(csv, NDPI_CSV);
  return {
    views: { default: records },
    rawFiles: [NDPI_CSV, 'ndpiReader.out'],
    notes: ['ndpiReader -v 2 (with -v 1 the CSV lists only unclassified flows); bytes are whole frames, times in milliseconds'],
  };
}
