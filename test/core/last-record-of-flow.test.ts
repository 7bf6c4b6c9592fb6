import { expect } from 'chai';
import { FlowRecordTable } from '../../harness/core/flow-record-table.js';
import type { FlowRecord } from '../../harness/core/flow-record.js';
import { LastRecordOfFlow } from '../../harness/core/last-record-of-flow.js';

function record(protocol: FlowRecord['protocol'], origAddr: string, origPort: number, respAddr: string, respPort: number, firstUs: number): FlowRecord {
  return {
    protocol, origAddr, origPort, respAddr, respPort, firstUs, lastUs: firstUs + 1, durationUs: 1,
    bytesKind: 'ip', direction: 'bi', sourceFile: 'f', sourceLine: firstUs,
  };
}

describe('LastRecordOfFlow', () => {
  it('finds the previous record of a flow in either direction, and only of the same protocol and kind', () => {
    const table = new FlowRecordTable();
    const last = new LastRecordOfFlow(table);
    const rows = [
      record('tcp', '10.0.0.1', 4000, '10.0.0.2', 80, 1),
      record('tcp', '10.0.0.2', 80, '10.0.0.1', 4000, 2), // the same flow, answered
      record('udp', '10.0.0.1', 4000, '10.0.0.2', 80, 3), // another protocol
      record('tcp', '10.0.0.1', 4001, '10.0.0.2', 80, 4), // another port
      record('tcp', '10.0.0.1', 80, '10.0.0.2', 4000, 5), // ports crossed over: another flow
    ];
    const previous = rows.map((r) => {
      table.push(r);
      return last.replace(table.length - 1);
    });
    expect(previous).to.deep.equal([-1, 0, -1, -1, -1]);
    table.push(record('other', '10.0.0.1', 0, '10.0.0.2', 0, 6));
    expect(last.replace(table.length - 1, 7)).to.equal(-1);
    table.push(record('other', '10.0.0.1', 0, '10.0.0.2', 0, 7));
    expect(last.replace(table.length - 1, 8), 'another kind (gre after esp)').to.equal(-1);
    table.push(record('other', '10.0.0.2', 0, '10.0.0.1', 0, 8));
    expect(last.replace(table.length - 1, 7)).to.equal(5);
    expect([...last.lastRecords()].sort((a, b) => a - b)).to.deep.equal([1, 2, 3, 4, 6, 7]);
  });

  it('keeps every flow apart when it grows far past its first capacity', () => {
    const table = new FlowRecordTable();
    const last = new LastRecordOfFlow(table, 4);
    const flows = 20_000;
    for (let round = 0; round < 3; round += 1) {
      for (let f = 0; f < flows; f += 1) {
        table.push(record('tcp', `10.${f >> 8}.${f & 255}.1`, 1024 + (f % 7), '192.0.2.9', 443, round * flows + f));
        const previous = last.replace(table.length - 1);
        expect(previous).to.equal(round === 0 ? -1 : (round - 1) * flows + f);
      }
    }
    expect(last.size).to.equal(flows);
    const lasts = [...last.lastRecords()].sort((a, b) => a - b);
    expect(lasts).to.have.length(flows);
    expect(lasts[0]).to.equal(2 * flows);
    expect(lasts.at(-1)).to.equal(3 * flows - 1);
  });
});
