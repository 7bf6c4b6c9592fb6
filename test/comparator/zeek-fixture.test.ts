import { expect } from 'chai';
import { compareCell, DEFAULT_COMPARE_OPTIONS } from '../../harness/comparator/compare-cell.js';
import type { MonitorModel } from '../../harness/comparator/compare-cell.js';
import type { TruthConnection } from '../../harness/core/ground-truth.js';
import type { ConnectionScore } from '../../harness/core/score.js';
import { readConnLog } from '../../harness/monitors/zeek/parser.js';
import path from 'node:path';
import { REAL_FIXTURES } from '../support/cli.js';
import { conn, truthOf } from './build.js';

/**
 * Real Zeek 7.0.11 output (test/fixtures/real/zeek) scored against a truth built from the fixture README's
 * numbers: the comparator must see the classic long-connection miss exactly as the README describes it.
 */
const FIXTURES = path.join(REAL_FIXTURES, 'zeek');
const toUs = (seconds: string): number => Number(seconds.replace('.', ''));

function longconnTruth(): ReturnType<typeof truthOf> {
  // 42 exchanges 1664.3 s apart; the README gives first/last packet and packet counts exactly.
  const gaps = (firstS: number, busyS: number) =>
    Array.from({ length: 41 }, (_, k) => {
      const startUs = Math.round((firstS + k * 1664.3 + busyS) * 1e6);
      const endUs = Math.round((firstS + (k + 1) * 1664.3) * 1e6);
      return { startUs, endUs, lengthUs: endUs - startUs };
    });
  const tcpGaps = gaps(1_700_000_000, 1.02);
  const udpGaps = gaps(1_700_000_001.5, 0.01);
  const tcpFirst = toUs('1700000000.000000');
  const tcpLast = toUs('1700068237.320000');
  const udpFirst = toUs('1700000001.500000');
  const udpLast = udpFirst + toUs('68236.310000');
  const tcp: TruthConnection = {
    ...conn({ id: 'tcp', firstS: 0, lastS: 0 }),
    firstUs: tcpFirst,
    lastUs: tcpLast,
    durationUs: tcpLast - tcpFirst,
    clientPkts: 86,
    serverPkts: 43,
    quietPeriods: tcpGaps,
    longestGapUs: Math.max(...tcpGaps.map((g) => g.lengthUs)),
  };
  const udp: TruthConnection = {
    ...conn({ id: 'udp', protocol: 'udp', firstS: 0, lastS: 0 }),
    client: { addr: '192.0.2.10', port: 40001 },
    server: { addr: '198.51.100.20', port: 9001 },
    firstUs: udpFirst,
    lastUs: udpLast,
    durationUs: udpLast - udpFirst,
    clientPkts: 42,
    serverPkts: 42,
    quietPeriods: udpGaps,
    longestGapUs: Math.max(...udpGaps.map((g) => g.lengthUs)),
  };
  return truthOf([tcp, udp], 60);
}

function byId(scores: ConnectionScore[], id: string): ConnectionScore {
  const s = scores.find((x) => x.connectionId === id);
  if (!s) throw new Error(`no score for ${id}`);
  return s;
}

describe('comparator on real Zeek output (longconn-42)', () => {
  const zeekDefaults: MonitorModel = { idleS: { tcp: 300, udp: 60, icmp: 60 }, granularityS: 0, honoursTimeoutsOffline: true };

  it('default timeouts: 42 TCP fragments, 42 UDP fragments, a 1 h hunt misses both ways', async () => {
    const records = await readConnLog(`${FIXTURES}/longconn-42/conn.default.log`, 'conn.default.log');
    const out = compareCell(longconnTruth(), records, zeekDefaults, DEFAULT_COMPARE_OPTIONS);
    expect(out.spurious).to.have.length(0);
    const tcp = byId(out.scores, 'tcp');
    expect(tcp.fragments).to.equal(42);
    // README: durations sum to 1.84 s (1.02 + 41 * 0.02).
    expect(tcp.sumDurationUs).to.equal(1_840_000);
    expect(tcp.hunts[0]).to.deep.equal({ thresholdS: 3600, byLongestRecord: false, bySum: false });
    expect(tcp.packets).to.deep.equal({ expected: 129, seen: 129, ok: true });
    expect(tcp.predictedFragments).to.equal(42);
    expect(tcp.likelyReason).to.equal(undefined);
    expect(tcp.fragmentList[0]?.state).to.equal('S1');
    expect(tcp.fragmentList.slice(1).every((f) => f.state === 'OTH')).to.equal(true);
    expect(tcp.close.ok).to.equal(true);
    expect(tcp.coverage).to.be.lessThan(0.0001);
    const udp = byId(out.scores, 'udp');
    expect(udp.fragments).to.equal(42);
    expect(udp.packets.ok).to.equal(true);
    expect(out.verdict).to.equal('fragmented');
    expect(out.aggregate.huntFoundByLongest['3600']).to.equal(0);
    expect(out.aggregate.huntFoundBySum['3600']).to.equal(0);
  });

  it('60-minute timeouts: one record each, accurate, found by a 1 h hunt', async () => {
    const records = await readConnLog(`${FIXTURES}/longconn-42/conn.timeouts-60min.log`, 'conn.timeouts-60min.log');
    const model: MonitorModel = { ...zeekDefaults, idleS: { tcp: 3600, udp: 3600, icmp: 60 } };
    const out = compareCell(longconnTruth(), records, model, DEFAULT_COMPARE_OPTIONS);
    const tcp = byId(out.scores, 'tcp');
    expect(tcp).to.include({ fragments: 1, verdict: 'accurate', startErrorUs: 0, endErrorUs: 0, gapTimeLostUs: 0, predictedFragments: 1 });
    expect(tcp.hunts[0]).to.deep.equal({ thresholdS: 3600, byLongestRecord: true, bySum: true });
    expect(byId(out.scores, 'udp')).to.include({ fragments: 1, verdict: 'accurate' });
    expect(out.verdict).to.equal('accurate');
  });

  it('IPv6 in a VLAN and ICMP with type/code ports (icmp-ipv6-vlan, 60-minute timeouts)', async () => {
    const records = await readConnLog(`${FIXTURES}/icmp-ipv6-vlan/conn.timeouts-60min.log`, 'conn.log');
    const icmpFirst = toUs('1700000002.000000');
    const icmp: TruthConnection = {
      ...conn({ id: 'icmp', protocol: 'icmp', firstS: 0, lastS: 0 }),
      client: { addr: '192.0.2.10', port: 0x1234 },
      server: { addr: '198.51.100.20', port: 0x1234 },
      firstUs: icmpFirst,
      lastUs: icmpFirst + toUs('7200.005000'),
      durationUs: toUs('7200.005000'),
      clientPkts: 13,
      serverPkts: 13,
    };
    const v6First = toUs('1700000000.000000');
    const v6: TruthConnection = {
      ...conn({ id: 'v6', ipVersion: 6, vlan: 100, close: 'fin', firstS: 0, lastS: 0 }),
      client: { addr: '2001:db8::10', port: 40000 },
      server: { addr: '2001:db8::20', port: 443 },
      firstUs: v6First,
      lastUs: v6First + toUs('7501.502000'),
      durationUs: toUs('7501.502000'),
      clientPkts: 16,
      serverPkts: 8,
    };
    const out = compareCell(truthOf([icmp, v6]), records, { idleS: { tcp: 3600, udp: 3600, icmp: 3600 }, granularityS: 0 }, DEFAULT_COMPARE_OPTIONS);
    expect(out.spurious).to.have.length(0);
    expect(byId(out.scores, 'icmp')).to.include({ fragments: 1, verdict: 'accurate' });
    // Zeek's duration stops at the FIN exchange, 1 ms before the capture's last ACK: within tolerance.
    const tcp = byId(out.scores, 'v6');
    expect(tcp).to.include({ fragments: 1, verdict: 'accurate', endErrorUs: -1000 });
    expect(tcp.close).to.deep.equal({ expected: 'fin', seen: 'SF ShADdFf', ok: true });
    expect(tcp.packets.ok).to.equal(true);
  });
});
