import { expect } from 'chai';
import { compareCell, DEFAULT_COMPARE_OPTIONS } from '../../harness/comparator/compare-cell.js';
import { recordsCarryNoPorts, unrelatedCellReason, unrelatedOutput } from '../../harness/comparator/unrelated-output.js';
import type { FlowRecord } from '../../harness/core/flow-record.js';
import { FlowRecordTable, type FlowRecordList } from '../../harness/core/flow-record-table.js';
import { conn, rec, truthOf } from './build.js';

const model = { idleS: { tcp: 3600, udp: 3600 }, granularityS: 0 };

/** The reason a `harness run` cell fails with for these records, or undefined when they are scored. */
function reasonFor(records: FlowRecordList): string | undefined {
  const truth = truthOf([conn({ id: 'a', firstS: 0, lastS: 10 }), conn({ id: 'b', protocol: 'udp', client: { addr: '192.0.2.11', port: 5000 }, server: { addr: '198.51.100.20', port: 53 }, firstS: 2, lastS: 3 })]);
  const out = compareCell(truth, records, model, DEFAULT_COMPARE_OPTIONS);
  const unrelated = unrelatedOutput(out.aggregate, out.spurious);
  return unrelated === undefined ? undefined : unrelatedCellReason(unrelated, records, truth.scenario.name, { file: 't.pcap', firstUs: truth.pcap.firstUs, lastUs: truth.pcap.lastUs });
}

function asTable(records: FlowRecord[]): FlowRecordTable {
  const table = new FlowRecordTable();
  for (const r of records) table.push(r);
  return table;
}

describe('unrelated output: the reason a cell fails with', () => {
  // A flow exporter aggregated without ports (pmacct `aggregate: src_host, dst_host`) reports the scenario's hosts
  // with port 0: nothing matches, and the cell said "did the monitor read another capture?", the wrong cause.
  const portless = [
    rec({ firstS: 0, lastS: 10, origPort: 0, respPort: 0 }),
    rec({ protocol: 'udp', origAddr: '192.0.2.11', firstS: 2, lastS: 3, origPort: 0, respPort: 0 }),
  ];

  it('records of TCP and UDP that carry no port at all: the monitor dropped the ports, not another capture', () => {
    for (const records of [portless, asTable(portless)]) {
      const reason = reasonFor(records);
      expect(reason).to.match(/^records carry no ports \(the monitor's flow key or aggregation drops them\): 2 record\(s\) and not one connection of t among them/);
      expect(reason).to.not.include('another capture');
    }
  });

  it('records of another capture, with ports: unrelated output, as before', () => {
    const other = [rec({ origAddr: '203.0.113.7', respAddr: '203.0.113.8', firstS: 0, lastS: 10 })];
    expect(reasonFor(other)).to.match(/^unrelated output: 1 record\(s\) and not one connection of t among them .*, while t\.pcap holds 2 scenario connection\(s\) .*: did the monitor read another capture\?$/);
    // One record with a port among portless ones: not a portless key.
    expect(reasonFor([...portless.map((r) => ({ ...r, origAddr: '203.0.113.7' })), rec({ origAddr: '203.0.113.7', firstS: 0, lastS: 1 })])).to.match(/^unrelated output: /);
  });

  it('recordsCarryNoPorts: only TCP and UDP records count, and there must be one', () => {
    const icmp = rec({ protocol: 'icmp', firstS: 0, lastS: 1, origPort: 0, respPort: 0 });
    expect(recordsCarryNoPorts([])).to.equal(false);
    expect(recordsCarryNoPorts([icmp])).to.equal(false);
    expect(recordsCarryNoPorts([icmp, ...portless])).to.equal(true);
    expect(recordsCarryNoPorts(asTable([icmp, ...portless]))).to.equal(true);
    expect(recordsCarryNoPorts([...portless, rec({ firstS: 0, lastS: 1, origPort: 0, respPort: 80 })])).to.equal(false);
    expect(recordsCarryNoPorts(asTable([...portless, rec({ firstS: 0, lastS: 1, origPort: 0, respPort: 80 })]))).to.equal(false);
  });
});
