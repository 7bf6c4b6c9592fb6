import type { FlowRecord } from '../../core/flow-record.js';
import { parseNfdumpJson, readNfdumpJson } from '../../netflow/nfdump-json.js';

/** pmacct's nfprobe flows are read back from nfcapd with `TZ=UTC nfdump -R DIR -o json`; format in harness/netflow/. */
export function parsePmacctJson(text: string, file: string): FlowRecord[] {
  return parseNfdumpJson(text, file);
}

export function readPmacctJson(path: string): Promise<FlowRecord[]> {
  return readNfdumpJson(path);
}
