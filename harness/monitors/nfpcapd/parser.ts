import type { FlowRecord } from '../../core/flow-record.js';
import { parseNfdumpJson, readNfdumpJson } from '../../netflow/nfdump-json.js';

/** nfpcapd's output is read back with `TZ=UTC nfdump -R DIR -o json`; the format lives in harness/netflow/. */
export function parseNfpcapdJson(text: string, file: string): FlowRecord[] {
  return parseNfdumpJson(text, file);
}

export function readNfpcapdJson(path: string): Promise<FlowRecord[]> {
  return readNfdumpJson(path);
}
