import type { ExecResult } from '../monitors/monitor-adapter.js';
import { MonitorFailure } from '../monitors/monitor-adapter.js';
import { buildPreloadShim } from './preload-shim.js';

/** What the shim prints on stderr when it was applied: the report's evidence. */
export const IMMEDIATE_MODE_APPLIED = 'harness-immediate-mode: pcap_set_immediate_mode(1) applied';

/**
 * Compiles the immediate-mode LD_PRELOAD shim (immediate-mode.c) into `dir` (once per run) and returns the
 * environment that applies it.
 */
export async function buildImmediateModeShim(dir: string): Promise<Record<string, string>> {
  return buildPreloadShim({
    source: 'immediate-mode.c',
    moduleUrl: import.meta.url,
    libraries: ['-lpcap'],
    purpose: 'immediate-mode shim softflowd and pmacctd need live',
  }, dir);
}

/** The cell's failure when `tool`'s stderr does not confirm the shim ran: its records would not be the tool's live view. */
export function immediateModeMissing(tool: string, ended: ExecResult): MonitorFailure {
  return new MonitorFailure(
    `${tool} ran without immediate mode: the LD_PRELOAD shim did not confirm it was applied (its records would not be ${tool}'s view of live traffic)`,
    ended.exitCode,
    ended.signal,
    ended.stderr.trim().split('\n').slice(-10).join('\n'),
    false,
  );
}
