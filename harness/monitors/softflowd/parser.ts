import type { FlowRecord } from '../../core/flow-record.js';
import { parseNfdumpJson, readNfdumpJson } from '../../netflow/nfdump-json.js';

/** softflowd's flows are read back from nfcapd with `TZ=UTC nfdump -R DIR -o json`; the format lives in harness/netflow/. */
export function parseSoftflowdJson(text: string, file: string): FlowRecord[] {
  return parseNfdumpJson(text, file);
}

export function readSoftflowdJson(path: string): Promise<FlowRecord[]> {
  return readNfdumpJson(path);
}
