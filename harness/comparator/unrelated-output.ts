import type { CellAggregate, SpuriousRecord } from '../core/score.js';
import { FlowRecordTable, ProtocolCode, type FlowRecordList } from '../core/flow-record-table.js';
import { formatEndpoint } from '../core/ip-address.js';
import { formatUtc } from '../../reports/report-model.js';

/**
 * Records of which not one belongs to a connection of the scenario, while some belong to none: the log or output of
 * another capture (another scenario's, the same scenario generated at another time, a monitor that read another
 * file), not a monitor that missed everything. Scoring them would print "missed" and a recommendation at exit 0, a
 * wrong answer. The background flows (clock, sentinel) do not count: every bundled scenario has the same ones at the
 * same addresses. Output with no records, or with background records only, is scored (the monitor missed it).
 * `harness score` refuses such a log (bad input); `harness run` and `check` fail the cell (the monitor's output).
 */
export interface UnrelatedOutput {
  /** Records that belong to no connection. */
  spurious: number;
  /** The first of them. */
  first: SpuriousRecord;
  /** The scenario's (non-background) connections, not one of which has a record. */
  scenarioConnections: number;
}

/** The cell's aggregate (scenario connections only) and its first spurious records say whether its records are another capture's. */
export function unrelatedOutput(aggregate: CellAggregate, spurious: readonly SpuriousRecord[]): UnrelatedOutput | undefined {
  if (aggregate.spurious === 0 || aggregate.connections === 0 || aggregate.fragmentsTotal > 0) return undefined;
  const first = spurious[0];
  if (first === undefined) return undefined;
  return { spurious: aggregate.spurious, first, scenarioConnections: aggregate.connections };
}

/** "N record(s) and not one connection of S among them (M belong to no connection; the first: ...)" */
export function describeUnrelated(unrelated: UnrelatedOutput, recordCount: number, scenario: string): string {
  const { first } = unrelated;
  return `${recordCount.toLocaleString('en-US')} record(s) and not one connection of ${scenario} among them `
    + `(${unrelated.spurious.toLocaleString('en-US')} belong to no connection; the first: ${first.protocol} ${formatEndpoint(first.origAddr, first.origPort)} -> ${formatEndpoint(first.respAddr, first.respPort)} at ${formatUtc(first.firstUs)})`;
}

/**
 * True when the records hold TCP or UDP and not one of those carries a port (both 0 or absent): a flow key or
 * aggregation without ports (pmacct's `aggregate: src_host, dst_host`, argus's MATRIX keys), whose records match no
 * connection whatever capture the monitor read.
 */
export function recordsCarryNoPorts(records: FlowRecordList): boolean {
  let portless = 0;
  const hasPort = (port: number | undefined): boolean => port !== undefined && port > 0;
  if (records instanceof FlowRecordTable) {
    for (let i = 0; i < records.length; i += 1) {
      const code = records.protocolCode(i);
      if (code !== ProtocolCode.Tcp && code !== ProtocolCode.Udp) continue;
      if (hasPort(records.origPort(i)) || hasPort(records.respPort(i))) return false;
      portless += 1;
    }
  } else {
    for (const r of records) {
      if (r.protocol !== 'tcp' && r.protocol !== 'udp') continue;
      if (hasPort(r.origPort) || hasPort(r.respPort)) return false;
      portless += 1;
    }
  }
  return portless > 0;
}

/**
 * Why a cell of `harness run` or `check` whose output is unrelated (unrelatedOutput) fails. Records that carry no
 * port at all are no other capture's: the monitor dropped the ports, and "did the monitor read another capture?"
 * sent the user after the wrong cause.
 */
export function unrelatedCellReason(
  unrelated: UnrelatedOutput, records: FlowRecordList, scenario: string, capture: { file: string; firstUs: number; lastUs: number },
): string {
  const described = describeUnrelated(unrelated, records.length, scenario);
  if (recordsCarryNoPorts(records)) return `records carry no ports (the monitor's flow key or aggregation drops them): ${described}`;
  return `unrelated output: ${described}, while ${capture.file} holds ${unrelated.scenarioConnections.toLocaleString('en-US')} scenario connection(s) `
    + `(${formatUtc(capture.firstUs)} to ${formatUtc(capture.lastUs)}): did the monitor read another capture?`;
}
