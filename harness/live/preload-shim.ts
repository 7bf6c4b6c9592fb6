import { rmSync } from 'node:fs';
import { access, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
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

/**
 * Compiles `shim` into `dir` and returns the environment that applies it. The loader splits LD_PRELOAD at spaces and
 * colons, with no way to quote them: under a run folder whose path holds one (`--out "/tmp/my runs"`), the shim
 * was silently not loaded (softflowd saw no packet, pmacctd ran without immediate mode). It is built then in a
 * folder of its own under the temporary folder, removed when the process exits.
 */
export async function buildPreloadShim(shim: PreloadShim, dir: string): Promise<Record<string, string>> {
  const cc = (await which('cc')) ?? (await which('gcc'));
  if (!cc) throw new LiveSetupError(`no C compiler for the ${shim.purpose}: ${COMPILE_HINT}`);
  const name = shim.source.replace(/\.c$/, '.so');
  const output = path.join(splitsPreload(dir) ? await plainShimFolder() : dir, name);
  const run = await runProcess([cc, '-shared', '-fPIC', '-O2', '-o', output, await sourceOf(shim), '-ldl', ...shim.libraries], { cwd: dir, timeoutMs: 60_000 });
  if (run.exitCode !== 0) {
    throw new LiveSetupError(`could not compile the ${shim.purpose} (${run.record.stderrTail.split('\n').pop() ?? ''}); ${COMPILE_HINT}`);
  }
  return { LD_PRELOAD: output };
}

/** What the loader takes as a separator between LD_PRELOAD entries (ld.so(8): spaces and colons). */
function splitsPreload(file: string): boolean {
  return /[\s:]/.test(file);
}

let plainFolder: Promise<string> | undefined;

/** A folder whose path the loader reads whole, made once per process and removed at its exit. */
function plainShimFolder(): Promise<string> {
  plainFolder ??= (async () => {
    const base = splitsPreload(os.tmpdir()) ? '/tmp' : os.tmpdir();
    const folder = await mkdtemp(path.join(base, 'harness-shim-'));
    process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
    return folder;
  })();
  return plainFolder;
}
