import { expect } from 'chai';
import { compareCell, DEFAULT_COMPARE_OPTIONS } from '../../harness/comparator/compare-cell.js';
import type { MonitorModel } from '../../harness/comparator/compare-cell.js';
import type { ConnectionScore } from '../../harness/core/score.js';
import { conn, quiet, rec, reversed, s, truthOf, us } from './build.js';
import { plainConnection, TruthTable } from '../../harness/core/truth-table.js';

const zeekDefault: MonitorModel = { idleS: { tcp: 300, udp: 60, icmp: 60 }, granularityS: 0 };
const opts = DEFAULT_COMPARE_OPTIONS;

function only(scores: ConnectionScore[], id: string): ConnectionScore {
  const found = scores.find((x) => x.connectionId === id);
  if (!found) throw new Error(`no score for ${id}`);
  return found;
}

describe('compareCell', () => {
  it('matches a record whose originator flipped after a gap and maps its counters to the truth directions', () => {
    const c = conn({ id: 'c', firstS: 0, lastS: 1000.5, ...quiet([1, 1000]), clientPkts: 6, serverPkts: 3 });
    const records = [
      rec({ firstS: 0, lastS: 1, origPkts: 4, respPkts: 2 }),
      reversed(rec({ firstS: 1000, lastS: 1000.5, origPkts: 1, respPkts: 2 })),
    ];
    const out = compareCell(truthOf([c]), records, zeekDefault, opts);
    const sc = only(out.scores, 'c');
    expect(sc.fragments).to.equal(2);
    expect(out.spurious).to.have.length(0);
    expect(sc.fragmentList.map((f) => f.flipped)).to.deep.equal([false, true]);
    // The flipped record's originator is the server: its orig counters are the server's.
    expect(sc.fragmentList[1]).to.include({ clientPkts: 2, serverPkts: 1 });
    expect(sc.packets).to.deep.equal({ expected: 9, seen: 9, ok: true });
    expect(sc.predictedFragments).to.equal(2);
    expect(sc.predictionDelta).to.equal(0);
    expect(sc.likelyReason).to.equal(undefined);
    expect(sc.verdict).to.equal('fragmented');
    expect(out.verdict).to.equal('fragmented');
  });

  it('pairs unidirectional records into bidirectional fragments and keeps every source', () => {
    const c = conn({ id: 'u', protocol: 'udp', firstS: 0, lastS: 1000.01, ...quiet([0.01, 1000]), clientPkts: 2, serverPkts: 2, clientIpBytes: 176, serverIpBytes: 296 });
    const base = { protocol: 'udp' as const, direction: 'uni' as const, origPort: 40000, respPort: 9000 };
    const records = [
      rec({ ...base, firstS: 0, lastS: 0, origPkts: 1, origBytes: 88 }),
      reversed(rec({ ...base, firstS: 0.01, lastS: 0.01, origPkts: 1, origBytes: 148 })),
      reversed(rec({ ...base, firstS: 1000.01, lastS: 1000.01, origPkts: 1, origBytes: 148 })),
      rec({ ...base, firstS: 1000, lastS: 1000, origPkts: 1, origBytes: 88 }),
    ];
    const out = compareCell(truthOf([c]), records, { idleS: { udp: 300 }, granularityS: 0 }, opts);
    const sc = only(out.scores, 'u');
    expect(sc.fragments).to.equal(2);
    expect(sc.fragmentList[0]).to.include({ firstUs: s(0), lastUs: s(0.01), durationUs: us(0.01), clientPkts: 1, serverPkts: 1, clientBytes: 88, serverBytes: 148, flipped: false });
    expect(sc.fragmentList[0]?.sources.map((x) => x.line)).to.deep.equal([records[0]?.sourceLine, records[1]?.sourceLine]);
    expect(sc.fragmentList[1]).to.include({ firstUs: s(1000), lastUs: s(1000.01), clientPkts: 1, serverPkts: 1 });
    expect(sc.packets.ok).to.equal(true);
    expect(sc.bytes).to.deep.equal({ expected: 472, seen: 472, ok: true, bytesKind: 'ip' });
    expect(sc.predictedFragments).to.equal(2);
  });

  it('counts a direction left without its partner as one record per direction', () => {
    const c = conn({ id: 'u', protocol: 'udp', firstS: 0, lastS: 100, clientPkts: 20, serverPkts: 10 });
    const base = { protocol: 'udp' as const, direction: 'uni' as const };
    // Forward covers 0..10 only; the reverse starts at 50: they cannot pair even with the 2 s tolerance.
    const records = [rec({ ...base, firstS: 0, lastS: 10, origPkts: 20 }), reversed(rec({ ...base, firstS: 50, lastS: 100, origPkts: 10 }))];
    const sc = only(compareCell(truthOf([c]), records, { idleS: { udp: 300 }, granularityS: 0 }, opts).scores, 'u');
    expect(sc.fragments).to.equal(2);
    expect(sc.fragmentList[0]).to.include({ clientPkts: 20, serverPkts: 0 });
    expect(sc.fragmentList[1]).to.include({ clientPkts: 0, serverPkts: 10, flipped: true });
    expect(sc.predictedFragments).to.equal(1);
    expect(sc.likelyReason).to.equal('one record per direction');
  });

  it('groups an argus start with its status records until the next start', () => {
    const c = conn({ id: 'a', firstS: 0, lastS: 1010, ...quiet([180, 1000]), clientPkts: 7, serverPkts: 7 });
    const argus = { bytesKind: 'ethernet' as const, sourceFile: 'argus.csv', sourceLine: 0 };
    const records = [
      rec({ ...argus, recordKind: 'start', firstS: 0, lastS: 60, origPkts: 2, respPkts: 2, state: 'CON', sourceFile: 'argus.csv', sourceLine: 1 }),
      rec({ ...argus, recordKind: 'status', firstS: 60, lastS: 120, origPkts: 2, respPkts: 2, state: 'CON', sourceFile: 'argus.csv', sourceLine: 2 }),
      rec({ ...argus, recordKind: 'start', firstS: 1000, lastS: 1010, origPkts: 1, respPkts: 1, state: 'FIN', sourceFile: 'argus.csv', sourceLine: 4 }),
      rec({ ...argus, recordKind: 'status', firstS: 120, lastS: 180, origPkts: 2, respPkts: 2, state: 'CON', sourceFile: 'argus.csv', sourceLine: 3 }),
    ];
    const model: MonitorModel = { idleS: { tcp: 60 }, granularityS: 0, statusIntervalS: 60, timerNeedsLaterPacket: true };
    const sc = only(compareCell(truthOf([c]), records, model, opts).scores, 'a');
    expect(sc.fragments).to.equal(2);
    expect(sc.fragmentList[0]).to.include({ firstUs: s(0), lastUs: s(180), durationUs: us(180), clientPkts: 6, serverPkts: 6, state: 'CON' });
    expect(sc.fragmentList[0]?.sources.map((x) => x.line)).to.deep.equal([1, 2, 3]);
    expect(sc.fragmentList[1]).to.include({ firstUs: s(1000), clientPkts: 1, state: 'FIN' });
    expect(sc.packets).to.deep.equal({ expected: 14, seen: 14, ok: true });
    expect(sc.predictedFragments).to.equal(2);
  });

  it('reports records that match nothing as spurious', () => {
    const c = conn({ id: 'c', firstS: 0, lastS: 100 });
    const records = [
      rec({ firstS: 0, lastS: 100 }),
      rec({ firstS: 0, lastS: 1, origAddr: '203.0.113.5' }), // unknown host
      rec({ firstS: 5000, lastS: 5001 }), // the right pair, long after the connection ended
      rec({ firstS: 0, lastS: 1, protocol: 'udp' }), // the right pair on another protocol
      rec({ firstS: 0, lastS: 1, protocol: 'other' }),
    ];
    const out = compareCell(truthOf([c]), records, zeekDefault, opts);
    expect(only(out.scores, 'c').fragments).to.equal(1);
    expect(out.spurious.map((x) => x.source.line)).to.deep.equal(records.slice(1).map((r) => r.sourceLine));
    expect(out.spurious[0]).to.include({ origAddr: '203.0.113.5', protocol: 'tcp', firstUs: s(0), lastUs: s(1) });
    expect(out.aggregate.spurious).to.equal(4);
  });

  it('tolerates small clock differences when matching in time', () => {
    const c = conn({ id: 'c', firstS: 0, lastS: 100 });
    const out = compareCell(truthOf([c]), [rec({ firstS: 101.5, lastS: 101.5 }), rec({ firstS: 103, lastS: 103 })], zeekDefault, opts);
    expect(only(out.scores, 'c').fragments).to.equal(1);
    expect(out.spurious).to.have.length(1);
  });

  it('scores zero-duration records: a one-packet truth seen is fully covered; a long truth seen by one packet is not', () => {
    const one = conn({ id: 'one', firstS: 0, lastS: 0, clientPkts: 1, serverPkts: 0 });
    const long = conn({ id: 'long', firstS: 0, lastS: 600, client: { addr: '192.0.2.11', port: 40000 } });
    const records = [
      rec({ firstS: 0, lastS: 0, origPkts: 1, respPkts: 0 }),
      rec({ firstS: 600, lastS: 600, origAddr: '192.0.2.11' }),
    ];
    const out = compareCell(truthOf([one, long]), records, zeekDefault, opts);
    const a = only(out.scores, 'one');
    expect(a).to.include({ fragments: 1, coverage: 1, gapTimeLostUs: 0, verdict: 'accurate', startErrorUs: 0, endErrorUs: 0 });
    const b = only(out.scores, 'long');
    expect(b).to.include({ fragments: 1, coverage: 0, gapTimeLostUs: us(600), verdict: 'inaccurate', startErrorUs: us(600), endErrorUs: 0 });
    expect(out.verdict).to.equal('inaccurate');
  });

  it('scores a missed connection and makes the cell verdict the worst one', () => {
    const seen = conn({ id: 'seen', firstS: 0, lastS: 100, ...quiet([10, 90]) });
    const lost = conn({ id: 'lost', firstS: 0, lastS: 100, client: { addr: '192.0.2.99', port: 1234 } });
    const out = compareCell(truthOf([seen, lost]), [rec({ firstS: 0, lastS: 10 }), rec({ firstS: 90, lastS: 100 })], { idleS: { tcp: 60 }, granularityS: 0 }, opts);
    const m = only(out.scores, 'lost');
    expect(m).to.include({ fragments: 0, coverage: 0, gapTimeLostUs: us(100), longestRecordUs: 0, verdict: 'missed' });
    expect(m.startErrorUs).to.equal(undefined);
    expect(m.packets).to.deep.equal({ expected: 15 });
    expect(m.hunts.every((h) => !h.byLongestRecord && !h.bySum)).to.equal(true);
    expect(only(out.scores, 'seen').verdict).to.equal('fragmented');
    expect(out.verdict).to.equal('missed');
    expect(out.aggregate).to.include({ connections: 2, accurate: 0, fragmented: 1, missed: 1, fragmentsTotal: 2, minCoverage: 0, spurious: 0 });
    expect(out.aggregate.meanCoverage).to.be.closeTo(0.1, 1e-12);
  });

  it('scores background connections separately: never spurious, never in the cell verdict', () => {
    const main = conn({ id: 'main', firstS: 0, lastS: 100 });
    const clock = conn({ id: 'clock', role: 'clock', background: true, protocol: 'udp', firstS: 0, lastS: 100, client: { addr: '192.0.2.200', port: 123 }, server: { addr: '198.51.100.200', port: 123 } });
    const sentinel = conn({ id: 'sentinel', role: 'sentinel', background: true, protocol: 'udp', firstS: 200, lastS: 200, client: { addr: '192.0.2.201', port: 5 }, server: { addr: '198.51.100.201', port: 6 } });
    const clockRec = (t: number) => rec({ protocol: 'udp', origAddr: '192.0.2.200', origPort: 123, respAddr: '198.51.100.200', respPort: 123, firstS: t, lastS: t });
    const out = compareCell(truthOf([main, clock, sentinel]), [rec({ firstS: 0, lastS: 100 }), clockRec(0), clockRec(50), clockRec(100)], zeekDefault, opts);
    expect(out.spurious).to.have.length(0);
    expect(only(out.scores, 'clock')).to.include({ background: true, fragments: 3, verdict: 'fragmented' });
    expect(only(out.scores, 'sentinel')).to.include({ background: true, verdict: 'missed' });
    expect(out.verdict).to.equal('accurate');
    expect(out.aggregate.connections).to.equal(1);
  });

  it('judges duration within max(toleranceS, ratio * true), and marks tools that ignore timeouts offline', () => {
    const c = conn({ id: 'c', firstS: 0, lastS: 10_000 });
    // Tolerance is max(2 s, 0.001 * 10000 s = 10 s).
    const within = compareCell(truthOf([c]), [rec({ firstS: 0, lastS: 9_990.5 })], zeekDefault, opts);
    expect(only(within.scores, 'c').verdict).to.equal('accurate');
    const outside = compareCell(truthOf([c]), [rec({ firstS: 0, lastS: 9_989 })], zeekDefault, opts);
    expect(only(outside.scores, 'c').verdict).to.equal('inaccurate');
    const ignoring: MonitorModel = { ...zeekDefault, honoursTimeoutsOffline: false };
    expect(compareCell(truthOf([c]), [rec({ firstS: 0, lastS: 10_000 })], ignoring, opts).verdict).to.equal('timeouts-not-honoured');
    expect(compareCell(truthOf([c]), [rec({ firstS: 0, lastS: 9_000 })], ignoring, opts).verdict).to.equal('inaccurate');
  });

  it('explains a single record where the ideal model predicts several as timeouts not honoured offline', () => {
    const c = conn({ id: 'c', firstS: 0, lastS: 2000, ...quiet([10, 1000], [1010, 1990]) });
    const sc = only(compareCell(truthOf([c]), [rec({ firstS: 0, lastS: 2000 })], { ...zeekDefault, honoursTimeoutsOffline: false }, opts).scores, 'c');
    expect(sc).to.include({ predictedFragments: 3, predictionDelta: -2, likelyReason: 'timeouts not honoured offline', verdict: 'timeouts-not-honoured' });
    const later = only(compareCell(truthOf([c]), [rec({ firstS: 0, lastS: 1010 }), rec({ firstS: 1990, lastS: 2000 })], { idleS: { tcp: 60 }, granularityS: 10, timerNeedsLaterPacket: true }, opts).scores, 'c');
    expect(later).to.include({ predictedFragments: 3, predictionDelta: -1, likelyReason: 'timer needs a later packet' });
  });

  it('computes coverage and gap time lost from overlapping fragments', () => {
    const c = conn({ id: 'c', firstS: 0, lastS: 1000 });
    const records = [rec({ firstS: 0, lastS: 100 }), rec({ firstS: 50, lastS: 200 }), rec({ firstS: 900, lastS: 1000 })];
    const sc = only(compareCell(truthOf([c]), records, zeekDefault, opts).scores, 'c');
    expect(sc.sumDurationUs).to.equal(us(350));
    expect(sc.longestRecordUs).to.equal(us(150));
    expect(sc.coverage).to.be.closeTo(0.35, 1e-12);
    // Union of spans is [0,200] + [900,1000] = 300 s of 1000 s.
    expect(sc.gapTimeLostUs).to.equal(us(700));
  });

  it('hunts at 1 h: 42 short fragments of a 19 h connection are found by neither; one 68,236 s record by both', () => {
    const span = 68_236;
    const gaps: [number, number][] = [];
    for (let k = 0; k < 41; k += 1) gaps.push([k * 1664.3 + 0.02, (k + 1) * 1664.3]);
    const c = conn({ id: 'c2', firstS: 0, lastS: span, ...quiet(...gaps) });
    const fragments = Array.from({ length: 42 }, (_, k) => rec({ firstS: Math.min(k * 1664.3, span - 0.02), lastS: Math.min(k * 1664.3 + 0.02, span) }));
    const split = only(compareCell(truthOf([c]), fragments, zeekDefault, opts).scores, 'c2');
    expect(split.fragments).to.equal(42);
    expect(split.sumDurationUs).to.be.lessThan(us(3600));
    expect(split.hunts[0]).to.deep.equal({ thresholdS: 3600, byLongestRecord: false, bySum: false });
    const whole = compareCell(truthOf([c]), [rec({ firstS: 0, lastS: span })], { idleS: { tcp: 3600 }, granularityS: 0 }, opts);
    const w = only(whole.scores, 'c2');
    expect(w.hunts.map((h) => [h.thresholdS, h.byLongestRecord, h.bySum])).to.deep.equal([
      [3600, true, true],
      [14400, true, true],
      [28800, true, true],
    ]);
    expect(whole.aggregate.huntFoundByLongest).to.deep.equal({ 3600: 1, 14400: 1, 28800: 1 });
  });

  it('finds by sum what no single record shows (RITA style)', () => {
    const c = conn({ id: 'c', firstS: 0, lastS: 5000, ...quiet([2000, 3000]) });
    const sc = only(compareCell(truthOf([c]), [rec({ firstS: 0, lastS: 2000 }), rec({ firstS: 3000, lastS: 5000 })], zeekDefault, opts).scores, 'c');
    expect(sc.hunts[0]).to.deep.equal({ thresholdS: 3600, byLongestRecord: false, bySum: true });
  });

  it('matches VLANs: a tagged record only its own VLAN, an untagged record any', () => {
    const v100 = conn({ id: 'v100', vlan: 100, firstS: 0, lastS: 100 });
    const v200 = conn({ id: 'v200', vlan: 200, firstS: 0, lastS: 100 });
    const out = compareCell(truthOf([v100, v200]), [rec({ vlan: 200, firstS: 0, lastS: 100 }), rec({ vlan: 300, firstS: 0, lastS: 100 })], zeekDefault, opts);
    expect(only(out.scores, 'v200').fragments).to.equal(1);
    expect(only(out.scores, 'v100').fragments).to.equal(0);
    expect(out.spurious.map((x) => x.source.line)).to.have.length(1);
    const untagged = compareCell(truthOf([v100]), [rec({ firstS: 0, lastS: 100 })], zeekDefault, opts);
    expect(only(untagged.scores, 'v100').fragments).to.equal(1);
    const plain = conn({ id: 'plain', firstS: 0, lastS: 100 });
    expect(compareCell(truthOf([plain]), [rec({ vlan: 100, firstS: 0, lastS: 100 })], zeekDefault, opts).spurious).to.have.length(1);
  });

  it('matches IPv6 addresses written differently, and counts Ethernet bytes with a VLAN tag', () => {
    const c = conn({ id: 'v6', ipVersion: 6, vlan: 100, client: { addr: '2001:db8::10', port: 40000 }, server: { addr: '2001:db8::20', port: 443 }, firstS: 0, lastS: 10, clientPkts: 3, serverPkts: 2, clientIpBytes: 300, serverIpBytes: 200 });
    const r = rec({ origAddr: '2001:0DB8:0:0:0:0:0:10', respAddr: '2001:db8:0::20', respPort: 443, firstS: 0, lastS: 10, origPkts: 3, respPkts: 2, origBytes: 354, respBytes: 236, bytesKind: 'ethernet' });
    const out = compareCell(truthOf([c]), [r], zeekDefault, opts);
    const sc = only(out.scores, 'v6');
    expect(sc.fragments).to.equal(1);
    // 500 IP bytes + 5 packets * (14 Ethernet + 4 VLAN).
    expect(sc.bytes).to.deep.equal({ expected: 590, seen: 590, ok: true, bytesKind: 'ethernet' });
  });

  it('counts Ethernet bytes with both tags of a QinQ connection (a derived truth\'s innerVlan), through the truth table too', () => {
    // A QinQ frame carries two 4-byte tags: counting one judged every frame-counting tool 4 bytes a packet short.
    const c = conn({ id: 'qinq', vlan: 200, innerVlan: 100, firstS: 0, lastS: 10, clientPkts: 3, serverPkts: 2, clientIpBytes: 300, serverIpBytes: 200 });
    const r = rec({ vlan: 200, firstS: 0, lastS: 10, origPkts: 3, respPkts: 2, origBytes: 366, respBytes: 244, bytesKind: 'ethernet' });
    // 500 IP bytes + 5 packets * (14 Ethernet + 2 * 4 VLAN).
    const want = { expected: 610, seen: 610, ok: true, bytesKind: 'ethernet' };
    expect(only(compareCell(truthOf([c]), [r], zeekDefault, opts).scores, 'qinq').bytes).to.deep.equal(want);
    const table = new TruthTable();
    const row = table.push(c);
    expect(row.innerVlan).to.equal(100);
    expect(plainConnection(row)).to.deep.equal(c);
    expect(only(compareCell(truthOf([row]), [r], zeekDefault, opts).scores, 'qinq').bytes).to.deep.equal(want);
  });

  it('matches ICMP by address pair, preferring the echo identifier, and ignores Zeek type/code ports', () => {
    const base = { protocol: 'icmp' as const, client: { addr: '192.0.2.10', port: 0x1234 }, server: { addr: '198.51.100.20', port: 0x1234 } };
    const a = conn({ id: 'a', ...base, firstS: 0, lastS: 100 });
    // b overlaps the first record less than a does: only its echo identifier can pick it.
    const b = conn({ id: 'b', ...base, client: { addr: '192.0.2.10', port: 0x9999 }, server: { addr: '198.51.100.20', port: 0x9999 }, firstS: 50, lastS: 100 });
    const icmp = { protocol: 'icmp' as const };
    const out = compareCell(
      truthOf([a, b]),
      [rec({ ...icmp, origPort: 0x9999, respPort: 0x9999, firstS: 0, lastS: 100 }), rec({ ...icmp, origPort: 8, respPort: 0, firstS: 0, lastS: 40 })],
      zeekDefault,
      opts,
    );
    expect(only(out.scores, 'b').fragments).to.equal(1);
    expect(only(out.scores, 'a').fragments).to.equal(1);
    expect(out.spurious).to.have.length(0);
  });

  it('two pings between the same hosts in one record (no echo identifier): both "merged", each naming the other, never "accurate" and "missed"', () => {
    const base = { protocol: 'icmp' as const, client: { addr: '192.0.2.40', port: 0x1234 }, server: { addr: '198.51.100.40', port: 0x1234 } };
    const a = conn({ id: 'ping-a', ...base, firstS: 0, lastS: 190, clientPkts: 20, serverPkts: 20 });
    const b = conn({ id: 'ping-b', ...base, client: { addr: '192.0.2.40', port: 0x4321 }, server: { addr: '198.51.100.40', port: 0x4321 }, firstS: 3, lastS: 193, clientPkts: 20, serverPkts: 20 });
    // nDPI's, softflowd's and pmacct's one flow: type/code in the ports, both pings' packets.
    const hosts = { origAddr: '192.0.2.40', respAddr: '198.51.100.40' };
    const merged = rec({ protocol: 'icmp', ...hosts, origPort: 8, respPort: 0, firstS: 0, lastS: 193, origPkts: 40, respPkts: 40 });
    const out = compareCell(truthOf([a, b]), [merged], zeekDefault, opts);
    for (const [id, other] of [['ping-a', 'ping-b'], ['ping-b', 'ping-a']] as const) {
      const score = only(out.scores, id);
      expect(score.verdict, id).to.equal('merged');
      expect(score.mergedWith).to.equal(other);
      expect(score.likelyReason).to.match(/^reported in one record with ping-[ab]: .*echoes on their identifier/);
      expect(score.packets).to.deep.include({ expected: 40, seen: 80, ok: false });
    }
    expect(out.verdict).to.equal('merged');
    expect(out.aggregate.merged).to.equal(2);
    expect(out.aggregate.missed).to.equal(0);
    // Two records of as many packets as one ping has (a tool that keeps them apart by a key it does not print):
    // each holds one ping's packets only, whatever their spans.
    const apart = compareCell(truthOf([a, b]), [
      rec({ protocol: 'icmp', ...hosts, origPort: 8, respPort: 0, firstS: 0, lastS: 190, origPkts: 20, respPkts: 20 }),
      rec({ protocol: 'icmp', ...hosts, origPort: 8, respPort: 0, firstS: 3, lastS: 193, origPkts: 20, respPkts: 20 }),
    ], zeekDefault, opts);
    expect(apart.scores.filter((x) => !x.background).map((x) => [x.verdict, x.mergedWith])).to.deep.equal([['accurate', undefined], ['accurate', undefined]]);
    // One packet a record (nfpcapd's ICMP): each is one ping's, never both pings' merged.
    const single = compareCell(truthOf([a, b]), [rec({ protocol: 'icmp', ...hosts, origPort: 8, respPort: 0, firstS: 50, lastS: 50, origPkts: 1 })], zeekDefault, opts);
    expect(single.scores.filter((x) => !x.background).map((x) => x.mergedWith)).to.deep.equal([undefined, undefined]);
    // A record carrying an echo identifier still goes to its own ping alone.
    const own = compareCell(truthOf([a, b]), [rec({ protocol: 'icmp', ...hosts, origPort: 0x1234, respPort: 0x1234, firstS: 0, lastS: 190 }), rec({ protocol: 'icmp', ...hosts, origPort: 0x4321, respPort: 0x4321, firstS: 3, lastS: 193 })], zeekDefault, opts);
    expect(own.scores.filter((x) => !x.background).map((x) => [x.connectionId, x.verdict, x.mergedWith])).to.deep.equal([['ping-a', 'accurate', undefined], ['ping-b', 'accurate', undefined]]);
  });

  it('one UDP tuple used twice, 30 s apart, in one record of a tool whose timeout outlasts the pause: both "merged"; one record each when apart', () => {
    const base = { protocol: 'udp' as const, client: { addr: '192.0.2.7', port: 5353 }, server: { addr: '198.51.100.7', port: 53 } };
    const first = conn({ id: 'first', ...base, firstS: 0, lastS: 10 });
    const second = conn({ id: 'second', ...base, firstS: 40, lastS: 50 });
    const out = compareCell(truthOf([first, second]), [rec({ protocol: 'udp', origAddr: '192.0.2.7', origPort: 5353, respAddr: '198.51.100.7', respPort: 53, firstS: 0, lastS: 50 })], zeekDefault, opts);
    expect(out.scores.map((x) => [x.connectionId, x.verdict, x.mergedWith])).to.deep.equal([['first', 'merged', 'second'], ['second', 'merged', 'first']]);
    expect(only(out.scores, 'first').likelyReason).to.include('its timeout outlasted the pause');
    const apart = compareCell(truthOf([first, second]), [
      rec({ protocol: 'udp', origAddr: '192.0.2.7', origPort: 5353, respAddr: '198.51.100.7', respPort: 53, firstS: 0, lastS: 10 }),
      rec({ protocol: 'udp', origAddr: '192.0.2.7', origPort: 5353, respAddr: '198.51.100.7', respPort: 53, firstS: 40, lastS: 50 }),
    ], zeekDefault, opts);
    expect(apart.scores.map((x) => x.verdict)).to.deep.equal(['accurate', 'accurate']);
  });

  it('compares the close state leniently and only for TCP', () => {
    const fin = conn({ id: 'fin', close: 'fin', firstS: 0, lastS: 100 });
    const cases: [string | undefined, string | undefined, boolean | undefined][] = [
      ['SF', 'ShADdFf', true],
      ['OTH', 'DdAFf', true],
      ['RSTO', 'ShADdR', false],
      ['S1', 'ShADd', false],
      ['FIN', undefined, true],
      [undefined, undefined, undefined],
    ];
    for (const [state, history, ok] of cases) {
      const sc = only(compareCell(truthOf([fin]), [rec({ firstS: 0, lastS: 100, state, history })], zeekDefault, opts).scores, 'fin');
      expect(sc.close.ok, `${state} ${history}`).to.equal(ok);
      expect(sc.close.expected).to.equal('fin');
    }
    const open = conn({ id: 'open', close: 'none', firstS: 0, lastS: 100 });
    expect(only(compareCell(truthOf([open]), [rec({ firstS: 0, lastS: 100, state: 'OTH', history: 'DdA' })], zeekDefault, opts).scores, 'open').close).to.deep.equal({ expected: 'none', seen: 'OTH DdA', ok: true });
    const udp = conn({ id: 'udp', protocol: 'udp', close: 'none', firstS: 0, lastS: 1 });
    expect(only(compareCell(truthOf([udp]), [rec({ protocol: 'udp', firstS: 0, lastS: 1, state: 'SF', history: 'Dd' })], zeekDefault, opts).scores, 'udp').close.ok).to.equal(undefined);
  });

  it('leaves byte conservation unjudged when the unit is unknown', () => {
    const c = conn({ id: 'c', firstS: 0, lastS: 1 });
    const sc = only(compareCell(truthOf([c]), [rec({ firstS: 0, lastS: 1, origBytes: 1, respBytes: 2, bytesKind: 'unknown' })], zeekDefault, opts).scores, 'c');
    expect(sc.bytes).to.deep.equal({ expected: 1800, seen: 3, bytesKind: 'unknown' });
  });
});
