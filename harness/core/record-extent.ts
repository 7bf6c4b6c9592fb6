import type { FlowProtocol } from './flow-record.js';
import { FlowRecordTable, PROTOCOLS, type FlowRecordList } from './flow-record-table.js';

/** Where a log's records lie in time and file, and which protocols it reports: read in one pass. */
export interface RecordExtent {
  /** +Infinity / -Infinity for no record. */
  earliestStartUs: number;
  /** The index of the record that starts earliest (the first of them), -1 for no record. */
  earliestIndex: number;
  latestEndUs: number;
  /** The last line any record comes from (0 for none). */
  lastLine: number;
  protocols: ReadonlySet<FlowProtocol>;
}

/**
 * One pass over a log's records, from a table's columns without building a record each (a log scored by `harness
 * score` was read again per question: its earliest record for a misdated log or `--replayed-at auto`, its latest for a
 * log cut short).
 */
export function recordExtent(records: FlowRecordList): RecordExtent {
  let earliestStartUs = Infinity;
  let earliestIndex = -1;
  let latestEndUs = -Infinity;
  let lastLine = 0;
  const protocols = new Set<FlowProtocol>();
  const note = (index: number, protocol: FlowProtocol, firstUs: number, lastUs: number, line: number): void => {
    protocols.add(protocol);
    if (firstUs < earliestStartUs) {
      earliestStartUs = firstUs;
      earliestIndex = index;
    }
    if (lastUs > latestEndUs) latestEndUs = lastUs;
    if (line > lastLine) lastLine = line;
  };
  if (records instanceof FlowRecordTable) {
    for (let i = 0; i < records.length; i += 1) note(i, PROTOCOLS[records.protocolCode(i)] as FlowProtocol, records.firstUs(i), records.lastUs(i), records.sourceLine(i));
  } else {
    let i = 0;
    for (const r of records) note(i++, r.protocol, r.firstUs, r.lastUs, r.sourceLine);
  }
  return { earliestStartUs, earliestIndex, latestEndUs, lastLine, protocols };
}
