import { access } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProcess } from '../executor/process-runner.js';
import { which } from '../executor/which.js';
import { LiveSetupError } from './private-wire.js';

/** What the shim prints on stderr when it was applied: the report's evidence. */
export const IMMEDIATE_MODE_APPLIED = 'harness-immediate-mode: pcap_set_immediate_mode(1) applied';

/** The C source ships beside this module's source; from dist/ it is two folders up. */
async function shimSource(): Promise<string> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const candidate of [path.join(here, 'immediate-mode.c'), path.join(here, '../../../harness/live/immediate-mode.c')]) {
    if (await access(candidate).then(() => true, () => false)) return candidate;
  }
  throw new LiveSetupError('harness/live/immediate-mode.c not found beside the harness');
}

/**
 * Compiles the immediate-mode LD_PRELOAD shim into `dir` (once per run: cc takes a fraction of a second) and returns
 * the environment that applies it.
 */
export async function buildImmediateModeShim(dir: string): Promise<Record<string, string>> {
  const cc = (await which('cc')) ?? (await which('gcc'));
  if (!cc) throw new LiveSetupError('no C compiler for the immediate-mode shim softflowd and pmacctd need live: apt-get install -y --no-install-recommends gcc libc6-dev libpcap-dev');
  const output = path.join(dir, 'immediate-mode.so');
  const run = await runProcess([cc, '-shared', '-fPIC', '-O2', '-o', output, await shimSource(), '-ldl', '-lpcap'], { cwd: dir, timeoutMs: 60_000 });
  if (run.exitCode !== 0) {
    throw new LiveSetupError(`could not compile the immediate-mode shim (${run.record.stderrTail.split('\n').pop() ?? ''}); apt-get install -y --no-install-recommends gcc libc6-dev libpcap-dev`);
  }
  return { LD_PRELOAD: output };
}
