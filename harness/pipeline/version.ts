import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The harness's own version, from package.json, recorded in every results file. */
export function harnessVersion(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const candidate of [path.join(here, '../../package.json'), path.join(here, '../../../package.json')]) {
    try {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'harness' && pkg.version) return pkg.version;
    } catch {
      // try the next candidate: the layout differs between ts sources and dist/
    }
  }
  return 'unknown';
}
