import { readFile } from 'node:fs/promises';
import { InputError } from '../core/input-error.js';
import type { Scenario } from './scenario.js';
import { parseScenario } from './parse-scenario.js';

export { parseScenario } from './parse-scenario.js';
export { expandConnections, type ExpandedConnection } from './expand-connections.js';
export { burstLengthS } from './exchange-timing.js';

/** Reads and parses one scenario file. A file that cannot be read is the user's to fix, so an InputError too. */
export async function loadScenario(path: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const found = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : `a file that cannot be read (${code ?? String(err)})`;
    throw new InputError({ file: path, line: 0, col: 0 }, found, 'a readable scenario YAML file, e.g. scenarios/burst-20min.yaml');
  }
  return parseScenario(text, path);
}
