import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseTimeoutSetting } from '../../harness/core/timeout-setting.js';
import { runCell, type CellRunOutcome } from '../../harness/executor/cell-runner.js';
import type { MonitorAdapter } from '../../harness/monitors/monitor-adapter.js';
import { translateSetting } from '../../harness/monitors/translate-setting.js';

/**
 * For adapter tests: detect the real binary, translate the setting, and run the adapter on a pcap exactly as the
 * executor does. Returns undefined (and the test should skip with `reason`) when the monitor is not installed.
 */
export async function runAdapterForTest(
  adapter: MonitorAdapter,
  pcap: string,
  settingText: string,
  options: { timeLimitMs?: number; userConfig?: string } = {},
): Promise<{ outcome: CellRunOutcome; workDir: string } | { missing: string }> {
  const detection = await adapter.detect(process.env);
  if (!detection.found) return { missing: `${adapter.id} not installed: ${detection.reason} (install: ${detection.install})` };
  const setting = parseTimeoutSetting(settingText);
  const translation = translateSetting(adapter, setting);
  if (!translation.supported) throw new Error(`setting ${settingText} unsupported by ${adapter.id}: ${translation.reason}`);
  const workDir = await mkdtemp(path.join(os.tmpdir(), `harness-${adapter.id}-`));
  const outcome = await runCell({
    adapter,
    binary: detection.path,
    version: detection.version,
    pcap: path.resolve(pcap),
    setting,
    knobValues: translation.values,
    workDir,
    timeLimitMs: options.timeLimitMs ?? 120_000,
    signal: new AbortController().signal,
    userConfig: options.userConfig,
  });
  return { outcome, workDir };
}
