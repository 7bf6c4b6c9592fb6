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
