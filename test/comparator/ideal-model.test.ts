import { expect } from 'chai';
import { likelyReason, predictFragments, predictRecords } from '../../harness/comparator/ideal-model.js';
import type { MonitorModel } from '../../harness/comparator/monitor-model.js';
import { conn, quiet, us } from './build.js';
import type { ActiveRule } from '../../harness/core/timer-rule.js';
import { nfpcapdActiveRule } from '../../harness/monitors/nfpcapd/timer-rule.js';

describe('ideal idle-timeout model', () => {
  // Packets at 0..10, silent 290 s, 300..310, silent 310 s, 620..630.
  const c = conn({ id: 'c', firstS: 0, lastS: 630, ...quiet([10, 300], [310, 620]) });
  const at = (idle: number | null, granularityS = 0, extra: Partial<MonitorModel> = {}): number | undefined =>
    predictFragments(c, { idleS: { tcp: idle }, granularityS, ...extra }, us(60));

  it('cuts the 310 s gap and keeps the 290 s gap at a 300 s timeout', () => {
    expect(at(300)).to.equal(2);
  });

  it('keeps both gaps at 311 s, cuts both at 289 s', () => {
    expect(at(311)).to.equal(1);
    expect(at(289)).to.equal(3);
    expect(at(null)).to.equal(1);
  });

  it('gives a range, never a point, where a granularity of unknown phase leaves room', () => {
    // 310 s is longer than 300 s but not than 300 + 15 s: a sweep may or may not have cut it; 290 s never.
    expect(at(300, 15)).to.equal(undefined);
    expect(predictRecords(c, { idleS: { tcp: 300 }, granularityS: 15 }, us(60))).to.include({ min: 1, max: 2 });
    // Both gaps within the window: 1 to 3 records.
    expect(predictRecords(c, { idleS: { tcp: 285 }, granularityS: 30 }, us(60))).to.include({ min: 1, max: 3 });
    // Beyond the window it is certain again.
    expect(at(280, 5)).to.equal(3);
  });

  it('does not guess when gaps shorter than the quiet threshold could be cut, or the timeout is unknown', () => {
    expect(predictFragments(c, { idleS: { tcp: 30 }, granularityS: 0 }, us(60))).to.equal(undefined);
    expect(predictFragments(c, { idleS: {}, granularityS: 0 }, us(60))).to.equal(undefined);
    // Without the threshold only a timeout above the longest gap is certain.
    expect(predictFragments(c, { idleS: { tcp: 300 }, granularityS: 0 })).to.equal(undefined);
    expect(predictFragments(c, { idleS: { tcp: 400 }, granularityS: 0 })).to.equal(1);
  });

  it('adds active-timeout cuts: in busy stretches at the active age, after a gap at the next packet', () => {
    // 0..1000 busy, silent until 1500, 1500..1600. Active 400: cuts at 400, 800 inside; the record opened at 800
    // is 700 s old when the packet at 1500 arrives: cut again.
    const busy = conn({ id: 'b', firstS: 0, lastS: 1600, ...quiet([1000, 1500]) });
    expect(predictFragments(busy, { idleS: { tcp: 3600 }, activeS: 400, granularityS: 0 }, us(60))).to.equal(4);
    expect(predictFragments(busy, { idleS: { tcp: 3600 }, activeS: 0, granularityS: 0 }, us(60))).to.equal(1);
    // Idle 300 also cuts the 500 s gap; the new record at 1500 lasts 100 s: 3 + 1.
    expect(predictFragments(busy, { idleS: { tcp: 300 }, activeS: 400, granularityS: 0 }, us(60))).to.equal(4);
  });

  it('names a likely reason for a difference', () => {
    const m: MonitorModel = { idleS: { tcp: 300 }, granularityS: 0 };
    expect(likelyReason(2, 2, m, 0, us(600))).to.equal(undefined);
    expect(likelyReason(1, 3, { ...m, honoursTimeoutsOffline: false }, 0, us(600))).to.equal('timeouts not honoured offline');
    // pmacct at maxlife 300 s on keepalive-idle: 2 records (one maxlife cut), where its ignored idle timeout says 4.
    expect(likelyReason(2, 4, { ...m, honoursTimeoutsOffline: false, timerNeedsLaterPacket: true }, 0, us(600))).to.equal('timeouts not honoured offline');
    expect(likelyReason(2, 4, m, 0, us(600))).to.equal('unexplained');
    expect(likelyReason(2, 3, { ...m, timerNeedsLaterPacket: true }, 0, us(600))).to.equal('timer needs a later packet');
    expect(likelyReason(4, 2, m, 2, us(600))).to.equal('one record per direction');
    // A one-way flow (the clock) has no other direction to split off: its extra records are not that.
    expect(likelyReason(4, 2, m, 2, us(600), false, false)).to.not.equal('one record per direction');
    expect(likelyReason(4, 2, { ...m, statusIntervalS: 60 }, 0, us(600))).to.equal('status interval');
    expect(likelyReason(4, 2, { ...m, activeS: 1800 }, 0, us(3600))).to.equal('active timeout');
    // A connection shorter than the active timeout cannot have been cut by it: a full table can.
    expect(likelyReason(4, 2, { ...m, activeS: 1800 }, 0, us(1800))).to.equal('unexplained');
    expect(likelyReason(4, 2, { ...m, activeS: 604800, tableFull: true }, 0, us(1800))).to.equal('evicted: table full');
    expect(likelyReason(4, 2, m, 0, us(600))).to.equal('unexplained');
    expect(likelyReason(0, 1, m, 0, us(600))).to.equal('unexplained');
  });
});

describe("ideal model: an active timeout the tool checks later than the record's first packet + active", () => {
  // A tool that keeps every packet up to 300 s after the record's first and has cut by its first packet 320 s after.
  const late: ActiveRule = { keepsUntilUs: (start) => start + us(300), cutByUs: (start) => start + us(320), comparison: 'checked on a sweep' };
  const model = (active?: ActiveRule): MonitorModel => ({ idleS: { tcp: 3600 }, activeS: 300, granularityS: 0, ...(active ? { active } : {}) });

  it('gives a range over a busy stretch: cut at 300 s the most records, at 320 s plus the next two packets the fewest', () => {
    // Busy 0..1250 s, packets at most 1 s apart. Earliest: 300, 600, 900, 1200: 5 records. Latest: the record holds
    // the packet at 320 s, the next begins by 322 s; then 644, 966; 1288 is past the end: 4 records.
    const busy = conn({ id: 'b', firstS: 0, lastS: 1250, longestGapUs: us(1) });
    expect(predictRecords(busy, model(late), us(60))).to.include({ min: 4, max: 5 });
    expect(predictRecords(busy, model(late), us(60))?.rules).to.deep.equal(['checked on a sweep']);
    // Without a rule of its own the model cuts exactly at 300 s: one count, as before.
    expect(predictRecords(busy, model(), us(60))).to.include({ min: 5, max: 5 });
  });

  it('keeps the packet exactly at the timeout in a tool that compares whole seconds with >, so the cut falls in the next silence', () => {
    // A beacon: a 20 ms burst every 50 s from 0 to 1000 s, every silence listed. nfpcapd's rule at -e 300: the burst
    // at 300 s stays (floor(T) - floor(F) = 300, not > 300), the sweep that follows cuts, the burst at 350 s opens
    // the next record; the latest sweep (312 s) still falls in the same silence: records at 0, 350, 700 only.
    const gaps: [number, number][] = [];
    for (let t = 0; t < 1000; t += 50) gaps.push([t + 0.02, t + 50]);
    const beacon = conn({ id: 'beacon', protocol: 'udp', firstS: 0, lastS: 1000.02, open: 'none', ...quiet(...gaps) });
    const udp = (active?: ActiveRule): MonitorModel => ({ idleS: { udp: 60 }, activeS: 300, granularityS: 0, ...(active ? { active } : {}) });
    expect(predictRecords(beacon, udp(nfpcapdActiveRule(300)), us(30))).to.include({ min: 3, max: 3 });
    // The old exact cut at first packet + 300 s: records at 0, 300, 600, 900.
    expect(predictRecords(beacon, udp(), us(30))).to.include({ min: 4, max: 4 });
  });

  it('with a check of no bound in time (after a batch of packets), ranges from the earliest cut to no active cut at all', () => {
    const never: ActiveRule = { keepsUntilUs: (start) => start + us(300), cutByUs: () => Infinity, comparison: 'after a batch' };
    const busy = conn({ id: 'b', firstS: 0, lastS: 1250, longestGapUs: us(1) });
    expect(predictRecords(busy, model(never), us(60))).to.include({ min: 1, max: 5 });
    // An idle split still counts in the fewest: 0..500 busy, silent to 4200 (over the 3600 s idle timeout), 4200..4300.
    const split = conn({ id: 's', firstS: 0, lastS: 4300, ...quiet([500, 4200]) });
    expect(predictRecords(split, model(never), us(60))).to.include({ min: 2, max: 3 });
    // A connection that ends before the earliest cut is one record, with no active rule named.
    const short = conn({ id: 'short', firstS: 0, lastS: 300, longestGapUs: us(1) });
    expect(predictRecords(short, model(never), us(60))).to.deep.equal({ min: 1, max: 1, naive: 1, rules: [] });
  });
});

describe('ideal model: background flows', () => {
  it('makes no prediction for a clock whose gaps (not listed) exceed the timeout, and predicts one record when they do not', () => {
    const clock = {
      id: 'clock', protocol: 'udp' as const, ipVersion: 4 as const,
      client: { addr: '192.0.2.250', port: 50000 }, server: { addr: '198.51.100.250', port: 50000 },
      firstUs: 0, lastUs: 3_600_000_000, durationUs: 3_600_000_000,
      clientPkts: 121, clientIpBytes: 121 * 60, clientPayloadBytes: 121 * 32, serverPkts: 0, serverIpBytes: 0, serverPayloadBytes: 0,
      open: 'none' as const, close: 'none' as const, firstSender: 'client' as const,
      quietPeriods: [], longestGapUs: 30_000_000, background: true, role: 'clock' as const,
    };
    const model = { idleS: { udp: 10 }, granularityS: 0 };
    expect(predictFragments(clock, model, 30_000_000)).to.equal(undefined);
    expect(predictFragments(clock, { idleS: { udp: 60 }, granularityS: 0 }, 30_000_000)).to.equal(1);
  });
});

describe('ideal model: a view that joins records (argus merged by racluster)', () => {
  const c = conn({ id: 'c', firstS: 0, lastS: 630, ...quiet([10, 300], [310, 620]) });
  const joinedBy = 'racluster joins every record of a directed 5-tuple into one';

  it('expects one or two records where the timers cut, names the join as the rule, keeps the naive count', () => {
    const p = predictRecords(c, { idleS: { tcp: 289 }, granularityS: 0, joinedBy }, us(60));
    expect(p).to.deep.equal({ min: 1, max: 2, naive: 3, rules: [joinedBy] });
    // Not blamed on a timer that needs a later packet: one record is inside the range.
    expect(likelyReason(1, p as { min: number; max: number }, { idleS: { tcp: 289 }, granularityS: 0, joinedBy, timerNeedsLaterPacket: true }, 0, c.durationUs)).to.equal(undefined);
  });

  it('changes nothing where the timers cut nothing', () => {
    expect(predictRecords(c, { idleS: { tcp: 400 }, granularityS: 0, joinedBy }, us(60))).to.deep.equal(predictRecords(c, { idleS: { tcp: 400 }, granularityS: 0 }, us(60)));
  });
});
