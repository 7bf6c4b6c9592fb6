import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generate, type GenerateResult } from '../../generators/generate.js';
import type { FlowRecord } from '../core/flow-record.js';
import { parseScenario } from '../scenario/load-scenario.js';

/**
 * For the NetFlow adapters' tests: scenarios generated into a temp folder, and record selection by direction.
 * Not a monitor folder, so the registry never loads it.
 */
export async function generateScenario(yaml: string, name: string): Promise<GenerateResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `harness-netflow-${name}-`));
  return generate(parseScenario(yaml, `${name}.yaml`), dir);
}

/** Records sent from `addr:port` (unidirectional records: one direction each). */
export function fromEndpoint(records: readonly FlowRecord[], addr: string, port: number): FlowRecord[] {
  return records.filter((r) => r.origAddr === addr && r.origPort === port);
}

/** Three bursts 600 s apart on TCP and on UDP, an ICMP echo every 600 s, a clock every 10 s. */
export const GAPS_600S_YAML = `
name: gaps-600s
description: three bursts 600 s apart per protocol, clock flow
seed: 11
start: 2023-11-14T22:13:20Z
clock: { every: 10s }
sentinel: { after: 120s }
connections:
  - id: t
    protocol: tcp
    client: 192.0.2.10:40000
    server: 198.51.100.20:9000
    close: none
    activity:
      pattern: { bursts: 3, gap: 600s, request: 100, response: 200 }
  - id: u
    protocol: udp
    client: 192.0.2.10:40001
    server: 198.51.100.20:9001
    activity:
      pattern: { bursts: 3, gap: 600s, request: 60, response: 120 }
`;

/** The motivating case: one TCP session with a burst every 20 min for 19 h, clock every 30 s. */
export const LONG_19H_YAML = `
name: long-19h
description: one TCP session, a burst every 20 minutes for 19 hours
seed: 42
start: 2023-11-14T22:13:20Z
clock: { every: 30s }
sentinel: { after: 25m }
connections:
  - id: c2
    protocol: tcp
    client: 192.0.2.10:40000
    server: 198.51.100.20:443
    close: none
    activity:
      pattern: { bursts: 58, span: 68236s, request: 100, response: 200 }
`;
