import { expect } from 'chai';
import { compareCell, DEFAULT_COMPARE_OPTIONS, type MonitorModel } from '../../harness/comparator/compare-cell.js';
import { indexTruth, matchRecords } from '../../harness/comparator/match.js';
import { FlowRecordTable, type FlowRecordList } from '../../harness/core/flow-record-table.js';
import type { FlowRecord } from '../../harness/core/flow-record.js';
import type { GroundTruth } from '../../harness/core/ground-truth.js';
import { readConnLog, readConnLogTable } from '../../harness/monitors/zeek/parser.js';
import { monitorModel } from '../../harness/pipeline/monitor-model.js';
import { realFixtureCases } from '../support/real-fixture-cases.js';
import { conn, quiet, rec, reversed, truthOf } from './build.js';

/**
 * A FlowRecordTable is matched and made into fragments from its columns (address ids, no FlowRecord per read); an
 * array goes record by record. Both paths must give the same cell, score for score, on every real output we have
 * and on hand-built records of every kind the column path hands back to the record path (status, one-direction).
 */
const tableOf = (records: Iterable<FlowRecord>): FlowRecordTable => {
  const table = new FlowRecordTable();
  for (const r of records) table.push(r);
  return table;
};

function expectSameCell(truth: GroundTruth, records: FlowRecord[], model: MonitorModel, what: string): void {
  const table = tableOf(records);
  const tolerance = DEFAULT_COMPARE_OPTIONS.toleranceS * 1e6;
  const index = indexTruth(truth);
  const byRecord = matchRecords(truth, records, tolerance, index);
  const byColumn = matchRecords(truth, table, tolerance, index);
  expect(Array.from(byColumn.order), `${what}: matches`).to.deep.equal(Array.from(byRecord.order));
  expect(Array.from(byColumn.offsets), `${what}: matches`).to.deep.equal(Array.from(byRecord.offsets));
  expect(byColumn.unmatched, `${what}: unmatched`).to.deep.equal(byRecord.unmatched);
  const asJson = (list: FlowRecordList): unknown => JSON.parse(JSON.stringify(compareCell(truth, list, model, DEFAULT_COMPARE_OPTIONS)));
  expect(asJson(table), `${what}: cell`).to.deep.equal(asJson(records));
}

describe('comparator: a FlowRecordTable read by its columns scores as its records do', () => {
  it('every real Zeek and Suricata output (test/fixtures/real), at every setting', async function () {
    this.timeout(300_000);
    const cases = await realFixtureCases();
    expect(cases.length).to.be.greaterThan(70);
    let matched = 0;
    for (const c of cases) {
      const truth = await c.truth();
      const records = Array.from(await c.adapter.parseLog(c.log));
      const model = monitorModel(c.adapter, c.setting, true);
      expectSameCell(truth, records, model, `${c.fixture} ${c.adapter.id} ${c.setting.label}`);
      matched += matchRecords(truth, records, 2e6).order.length;
    }
    // The comparison means something only if records did match.
    expect(matched).to.be.greaterThan(500);
  });

  it('every real Zeek conn.log read into a table holds the records readConnLog reads', async () => {
    const cases = (await realFixtureCases()).filter((c) => c.adapter.id === 'zeek');
    expect(cases.length).to.be.greaterThan(30);
    for (const c of cases) {
      const asJson = (records: Iterable<FlowRecord>): unknown => JSON.parse(JSON.stringify(Array.from(records)));
      expect(asJson(await readConnLogTable(c.log, 'conn.log')), c.log).to.deep.equal(asJson(await readConnLog(c.log, 'conn.log')));
    }
  });

  it('hand-built records: flipped, VLAN, ICMP, IPv6 spelled two ways, one-direction pairs, argus status, spurious', () => {
    const v6 = { addr: '2001:db8::10', port: 5000 };
    const truth = truthOf([
      conn({ id: 'tcp', firstS: 0, lastS: 3000, ...quiet([100, 2900]) }),
      conn({ id: 'vlan', firstS: 0, lastS: 50, vlan: 7, client: { addr: '192.0.2.11', port: 40001 } }),
      conn({ id: 'icmp', protocol: 'icmp', firstS: 0, lastS: 600, client: { addr: '192.0.2.12', port: 77 }, server: { addr: '198.51.100.21', port: 0 } }),
      conn({ id: 'v6', firstS: 10, lastS: 400, client: v6, server: { addr: '2001:db8::20', port: 443 } }),
      conn({ id: 'uni', protocol: 'udp', firstS: 0, lastS: 900, client: { addr: '192.0.2.13', port: 5353 }, server: { addr: '198.51.100.22', port: 53 } }),
      conn({ id: 'argus', firstS: 0, lastS: 1000, client: { addr: '192.0.2.14', port: 41000 } }),
      conn({ id: 'self', firstS: 0, lastS: 20, client: { addr: '192.0.2.15', port: 1000 }, server: { addr: '192.0.2.15', port: 2000 } }),
      conn({ id: 'missed', firstS: 0, lastS: 20, client: { addr: '192.0.2.16', port: 1000 } }),
    ]);
    const uni = { protocol: 'udp' as const, origAddr: '192.0.2.13', origPort: 5353, respAddr: '198.51.100.22', respPort: 53, direction: 'uni' as const, bytesKind: 'ethernet' as const };
    const argus = { origAddr: '192.0.2.14', origPort: 41000, bytesKind: 'ethernet' as const, state: 'CON' };
    const records: FlowRecord[] = [
      rec({ firstS: 0, lastS: 100, state: 'S1', history: 'ShAD', origPkts: 4, respPkts: 2, origBytes: 260, respBytes: 280, endReason: 'unknown' }),
      reversed(rec({ firstS: 2900, lastS: 3000, state: 'OTH' })),
      rec({ firstS: 0, lastS: 50, vlan: 7, origAddr: '192.0.2.11', origPort: 40001 }),
      rec({ firstS: 0, lastS: 50, vlan: 8, origAddr: '192.0.2.11', origPort: 40001 }),
      rec({ firstS: 0, lastS: 600, protocol: 'icmp', origAddr: '198.51.100.21', origPort: 0, respAddr: '192.0.2.12', respPort: 77 }),
      rec({ firstS: 10, lastS: 200, origAddr: '2001:0db8::0010', origPort: 5000, respAddr: '2001:db8::20', respPort: 443 }),
      rec({ firstS: 250, lastS: 400, origAddr: '2001:db8::20', origPort: 443, respAddr: '2001:db8:0:0::10', respPort: 5000, bytesKind: 'payload' }),
      rec({ firstS: 0, lastS: 10, ...uni, origPkts: 2, origBytes: 180 }),
      rec({ firstS: 0.1, lastS: 10, ...reversedUni(uni), origPkts: 2, origBytes: 300 }),
      rec({ firstS: 800, lastS: 900, ...uni, origPkts: 1, origBytes: 90 }),
      rec({ firstS: 0, lastS: 300, ...argus, recordKind: 'start', origPkts: 3, respPkts: 3 }),
      rec({ firstS: 300, lastS: 600, ...argus, recordKind: 'status', origPkts: 1, respPkts: 1, state: 'FIN' }),
      rec({ firstS: 700, lastS: 1000, ...argus, recordKind: 'start', endReason: 'evicted' }),
      rec({ firstS: 0, lastS: 20, origAddr: '192.0.2.15', origPort: 2000, respAddr: '192.0.2.15', respPort: 1000 }),
      rec({ firstS: 5, lastS: 6, origAddr: '203.0.113.9', origPort: 1, respAddr: '198.51.100.20', respPort: 9000 }),
      rec({ firstS: 5, lastS: 6, protocol: 'other' }),
    ];
    // Out of time order, as a monitor that writes at expiry does.
    const shuffled = [records[1], records[0], ...records.slice(2).reverse()] as FlowRecord[];
    const model: MonitorModel = { idleS: { tcp: 300, udp: 60, icmp: 60 }, granularityS: 0 };
    expectSameCell(truth, shuffled, model, 'hand-built');
    expect(compareCell(truth, tableOf(shuffled), model, DEFAULT_COMPARE_OPTIONS).spurious).to.have.length(3);
  });
});

function reversedUni<T extends { origAddr: string; origPort: number; respAddr: string; respPort: number }>(r: T): T {
  return { ...r, origAddr: r.respAddr, origPort: r.respPort, respAddr: r.origAddr, respPort: r.origPort };
}
