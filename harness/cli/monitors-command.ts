import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { formatDuration } from '../core/duration.js';
import { describeTimeoutSetting } from '../core/timeout-setting.js';
import { detectAdapter, loadAdapters } from '../monitors/registry.js';
import { refuseBadBinaryVariables } from '../monitors/named-binary.js';
import type { Knob } from '../monitors/monitor-adapter.js';
import { calibrate, keepsNoTimeouts } from '../pipeline/calibration.js';
import { boolFlag, parseFlags } from './flags.js';
import { interruptSignal } from './interrupt.js';

export const MONITORS_HELP = `harness monitors [--calibrate] [--json]

Lists every monitor adapter: found or missing (with the command that installs it), version, path, its timeout
knobs with defaults and limits, and whether it honours its timeouts when reading a pcap (as documented; with
--calibrate, measured now on this machine with a one-gap calibration pcap).`;

function knobLine(knob: Knob): string {
  const value = (s: number | null | undefined): string => (s === null || s === undefined ? 'none' : s === 0 ? '0 (disabled)' : `${formatDuration(s)}`);
  const limits = [knob.minS !== undefined ? `min ${value(knob.minS)}` : '', knob.maxS !== undefined ? `max ${value(knob.maxS)}` : ''].filter(Boolean).join(', ');
  return `    ${knob.name} [${knob.appliesTo}] default ${value(knob.defaultS)}${limits ? `; ${limits}` : ''}${knob.note ? ` — ${knob.note}` : ''}`;
}

export async function monitorsCommand(argv: string[]): Promise<number> {
  const flags = parseFlags('monitors', argv, { calibrate: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, false);
  if (boolFlag(flags, 'help')) {
    process.stdout.write(`${MONITORS_HELP}\n`);
    return 0;
  }
  const adapters = await loadAdapters();
  // A HARNESS_<ID> naming a binary that is not there is the user's mistake, not a monitor to list as missing.
  await refuseBadBinaryVariables(adapters);
  const interrupt = interruptSignal();
  const rows = [];
  const calibrationDir = boolFlag(flags, 'calibrate') ? await mkdtemp(path.join(os.tmpdir(), 'harness-calibration-')) : undefined;
  try {
    for (const adapter of adapters) {
      const detection = await detectAdapter(adapter);
      let measured: boolean | undefined;
      let measuredDetail: string | undefined;
      if (calibrationDir && detection.found) {
        const result = await calibrate(adapter, detection.path, detection.version, calibrationDir, 120_000, interrupt.signal);
        measured = result.honours;
        measuredDetail = result.detail;
      }
      rows.push({ adapter, detection, measured, measuredDetail });
    }
  } finally {
    interrupt.dispose();
    if (calibrationDir) await rm(calibrationDir, { recursive: true, force: true });
  }
  if (boolFlag(flags, 'json')) {
    process.stdout.write(`${JSON.stringify(rows.map(({ adapter, detection, measured, measuredDetail }) => ({
      id: adapter.id,
      name: adapter.displayName,
      detection,
      envVar: adapter.envVar,
      install: adapter.install,
      knobs: adapter.knobs,
      views: adapter.views,
      documentedHonoursTimeoutsOffline: adapter.documentedHonoursTimeoutsOffline,
      measuredHonoursTimeoutsOffline: measured,
      calibration: measuredDetail,
    })), null, 2)}\n`);
    return interrupt.interrupted() ? 130 : 0;
  }
  for (const { adapter, detection, measured, measuredDetail } of rows) {
    const head = detection.found ? `found ${detection.version} at ${detection.path}` : `MISSING (${detection.reason})`;
    process.stdout.write(`${adapter.id} — ${adapter.displayName}: ${head}\n`);
    if (!detection.found) process.stdout.write(`  install: ${detection.install}\n`);
    if (detection.found && detection.versionWarning) process.stdout.write(`  warning: ${detection.versionWarning}\n`);
    process.stdout.write(`  binary from: ${adapter.envVar} or PATH; views: ${adapter.views.join(', ')}\n`);
    const documented = keepsNoTimeouts(adapter) ? 'n/a, keeps no state timeouts' : adapter.documentedHonoursTimeoutsOffline ? 'yes' : 'NO';
    process.stdout.write(`  honours timeouts on pcaps: ${documented} (documented)`);
    if (measuredDetail !== undefined) process.stdout.write(`; measured: ${measured === undefined ? 'unknown' : measured ? 'yes' : 'NO'} — ${measuredDetail}`);
    process.stdout.write('\n');
    process.stdout.write(keepsNoTimeouts(adapter)
      ? '  calibration: none needed\n'
      : `  calibration: ${describeTimeoutSetting(adapter.calibration.setting)} with a ${formatDuration(adapter.calibration.gapS)} gap\n`);
    process.stdout.write(adapter.knobs.length > 0 ? `  knobs:\n${adapter.knobs.map(knobLine).join('\n')}\n` : '  knobs: none (no state timeouts)\n');
  }
  return interrupt.interrupted() ? 130 : 0;
}
