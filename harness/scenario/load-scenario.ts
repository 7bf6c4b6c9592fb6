import { readInputText } from '../io/read-input.js';
import type { Scenario } from './scenario.js';
import { parseScenario } from './parse-scenario.js';

export { parseScenario } from './parse-scenario.js';
export { connectionCopies, connectionCopy, expandConnections, type ExpandedConnection } from './expand-connections.js';
export { burstLengthS } from './exchange-timing.js';

/** Reads and parses one scenario file. A file that cannot be read is the user's to fix, so an InputError too. */
export async function loadScenario(path: string): Promise<Scenario> {
  const text = await readInputText(path, 'a readable scenario YAML file, e.g. scenarios/burst-20min.yaml');
  return parseScenario(text, path);
}
