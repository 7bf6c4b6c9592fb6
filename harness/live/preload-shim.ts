import { access } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProcess } from '../executor/process-runner.js';
import { which } from '../executor/which.js';
import { LiveSetupError } from './private-wire.js';

/**
 * A small C library loaded into a monitor with LD_PRELOAD, for what a Debian build needs on a live interface and
 * cannot be told (immediate mode for softflowd and pmacctd, an ordered shutdown for argus). Its source ships beside
 * the module that uses it; compiled once per use with the system's cc (a fraction of a second).
 */
export interface PreloadShim {
  /** The C source's file name, beside `moduleUrl`'s source. */
  source: string;
  /** import.meta.url of the module that ships the source (from dist/ the source is found in the source tree). */
  moduleUrl: string;
  /** Libraries it links against, as cc arguments (`-lpcap`). */
  libraries: string[];
  /** What it is for, in the error that says it could not be built. */
  purpose: string;
}

const COMPILE_HINT = 'apt-get install -y --no-install-recommends gcc libc6-dev libpcap-dev';

async function sourceOf(shim: PreloadShim): Promise<string> {
  const here = path.dirname(fileURLToPath(shim.moduleUrl));
  const candidates = [path.join(here, shim.source)];
  const dist = here.lastIndexOf(`${path.sep}dist${path.sep}`);
  if (dist >= 0) candidates.push(path.join(here.slice(0, dist), here.slice(dist + '/dist/'.length), shim.source));
  for (const candidate of candidates) {
    if (await access(candidate).then(() => true, () => false)) return candidate;
  }
  throw new LiveSetupError(`${shim.source} not found beside the harness (looked in ${candidates.join(', ')})`);
}

/** Compiles `shim` into `dir` and returns the environment that applies it. */
export async function buildPreloadShim(shim: PreloadShim, dir: string): Promise<Record<string, string>> {
  const cc = (await which('cc')) ?? (await which('gcc'));
  if (!cc) throw new LiveSetupError(`no C compiler for the ${shim.purpose}: ${COMPILE_HINT}`);
  const output = path.join(dir, shim.source.replace(/\.c$/, '.so'));
  const run = await runProcess([cc, '-shared', '-fPIC', '-O2', '-o', output, await sourceOf(shim), '-ldl', ...shim.libraries], { cwd: dir, timeoutMs: 60_000 });
  if (run.exitCode !== 0) {
    throw new LiveSetupError(`could not compile the ${shim.purpose} (${run.record.stderrTail.split('\n').pop() ?? ''}); ${COMPILE_HINT}`);
  }
  return { LD_PRELOAD: output };
}
