import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
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

let build: string | undefined;

/**
 * A hash of the harness's built code (every .js under dist's harness, generators and reports, tests excluded): what
 * tells two builds of one package version apart, for the plan id two shards must agree on. Computed once a process.
 */
export function harnessBuild(): string {
  if (build !== undefined) return build;
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const hash = createHash('sha256');
  const files: string[] = [];
  for (const top of ['harness', 'generators', 'reports']) {
    try {
      for (const entry of readdirSync(path.join(root, top), { recursive: true, encoding: 'utf8' })) {
        if (entry.endsWith('.js') && !entry.endsWith('.test.js')) files.push(path.join(top, entry));
      }
    } catch {
      // a layout without this folder: nothing of it to hash
    }
  }
  for (const file of files.sort()) hash.update(`${file}\0`).update(readFileSync(path.join(root, file))).update('\0');
  build = files.length === 0 ? 'unknown' : hash.digest('hex').slice(0, 16);
  return build;
}
