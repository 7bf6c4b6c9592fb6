import { expect } from 'chai';
import { minimumIdleSeconds, recommend } from '../../harness/comparator/recommend.js';
import { conn, quiet, truthOf, us } from './build.js';

describe('recommend', () => {
  const tcp = conn({ id: 't', firstS: 0, lastS: 68_236, ...quiet([1, 1665.3]) });
  const tcp2 = conn({ id: 't2', firstS: 0, lastS: 5000, client: { addr: '192.0.2.11', port: 1 }, ...quiet([1, 1201]) });
  const udp = conn({ id: 'u', protocol: 'udp', firstS: 0, lastS: 5000, ...quiet([10, 4010]) });
  const clock = conn({ id: 'clock', protocol: 'icmp', background: true, role: 'clock', firstS: 0, lastS: 99_999, ...quiet([0, 90_000]) });
  const truth = truthOf([tcp, tcp2, udp, clock]);

  it('takes the longest gap plus granularity, up to the next whole second, per protocol present', () => {
    expect(minimumIdleSeconds(us(1664.3), 0)).to.equal(1665);
    expect(minimumIdleSeconds(us(1200), 0)).to.equal(1201);
    expect(minimumIdleSeconds(us(4000), 10)).to.equal(4011);
    const recs = recommend({
      truth,
      monitor: 'zeek',
      view: 'default',
      granularityS: 0,
      knobNames: { tcp: 'tcp_inactivity_timeout', udp: 'udp_inactivity_timeout', icmp: 'icmp_inactivity_timeout' },
      sweep: [
        { label: 'default', wholeByProtocol: { tcp: false, udp: false } },
        { label: '1h', wholeByProtocol: { tcp: true, udp: false } },
        { label: '4h', wholeByProtocol: { tcp: true, udp: true } },
      ],
    });
    // The background ICMP clock does not ask for a recommendation.
    expect(recs.map((r) => r.protocol)).to.deep.equal(['tcp', 'udp']);
    expect(recs[0]).to.deep.equal({ monitor: 'zeek', view: 'default', protocol: 'tcp', minimumIdleS: 1665, advice: 'tcp_inactivity_timeout = 27m45s', firstSufficientSetting: '1h' });
    expect(recs[1]).to.include({ minimumIdleS: 4001, advice: 'udp_inactivity_timeout = 1h6m41s', firstSufficientSetting: '4h' });
    expect(recs[1]?.limitation).to.equal(undefined);
  });

  it('states a limitation when the tool caps the knob below what is needed', () => {
    const recs = recommend({
      truth,
      monitor: 'nfpcapd',
      view: 'default',
      granularityS: 10,
      knobNames: { tcp: '-e inactive', udp: '-e inactive' },
      maxIdleS: { tcp: 3600, udp: 3600 },
      sweep: [{ label: '1h', wholeByProtocol: { tcp: true, udp: false } }],
    });
    expect(recs[0]).to.include({ minimumIdleS: 1675, firstSufficientSetting: '1h' });
    expect(recs[0]?.limitation).to.equal(undefined);
    expect(recs[1]?.minimumIdleS).to.equal(4011);
    expect(recs[1]?.firstSufficientSetting).to.equal(undefined);
    expect(recs[1]?.limitation).to.match(/capped at 1h.*1h6m40s/);
  });

  it('names an active-timeout cap shorter than a connection, and gives no setting for a tool that ignores its timeouts offline', () => {
    const base = { truth, view: 'default', granularityS: 10, knobNames: { tcp: '-e inactive', udp: '-e inactive' }, sweep: [{ label: '1h', wholeByProtocol: { tcp: true, udp: true } }] };
    const capped = recommend({ ...base, monitor: 'nfpcapd', displayName: 'nfpcapd', maxActiveS: 3600 });
    expect(capped[0]?.limitation).to.equal('nfpcapd cuts every record at its active timeout, at most 1h, so no setting keeps a connection of 18h57m16s whole');
    // The UDP connection (5000 s) is also longer than the cap; a connection within it would get no such note.
    expect(capped[1]?.limitation).to.include('at most 1h');
    const ignored = recommend({ ...base, monitor: 'softflowd', honoursTimeoutsOffline: false });
    expect(ignored.every((r) => r.firstSufficientSetting === undefined && /does not apply its timeouts to a pcap/.test(r.limitation ?? ''))).to.equal(true);
    expect(recommend({ ...base, monitor: 'zeek' }).every((r) => r.limitation === undefined)).to.equal(true);
  });
});

describe('recommend: a tested setting at or above the minimum that still split the connections', () => {
  const echo = conn({ id: 'ping', protocol: 'icmp', firstS: 0, lastS: 14_400, ...quiet([10, 190]) });
  const truth = truthOf([echo]);
  const base = { truth, monitor: 'argus', view: 'raw', displayName: 'argus', granularityS: 60, knobNames: { icmp: 'ARGUS_ICMP_TIMEOUT' } };

  it('says the gap is not what cut them, naming the setting and its timeout', () => {
    const [rec] = recommend({ ...base, sweep: [
      { label: 'default', wholeByProtocol: { icmp: false }, idleS: { icmp: 5 } },
      { label: '1h', wholeByProtocol: { icmp: false }, idleS: { icmp: 3600 } },
    ] });
    expect(rec?.minimumIdleS).to.equal(241);
    expect(rec?.firstSufficientSetting).to.equal(undefined);
    expect(rec?.limitation).to.equal('argus under 1h (idle 1h, not below this minimum) still split ICMP connections: something other than the idle timeout cuts them (each cell\'s likely reason says what)');
  });

  it('says nothing when only settings below the minimum split them, or when the timeouts are not honoured on a pcap', () => {
    const below = recommend({ ...base, sweep: [
      { label: 'default', wholeByProtocol: { icmp: false }, idleS: { icmp: 5 } },
      { label: '1h', wholeByProtocol: { icmp: true }, idleS: { icmp: 3600 } },
    ] });
    expect(below[0]?.limitation).to.equal(undefined);
    expect(below[0]?.firstSufficientSetting).to.equal('1h');
    const ignored = recommend({ ...base, honoursTimeoutsOffline: false, sweep: [{ label: '1h', wholeByProtocol: { icmp: false }, idleS: { icmp: 3600 } }] });
    expect(ignored[0]?.limitation).to.not.include('something other than the idle timeout');
    // An active-timeout cap shorter than the connection already names the cause.
    const capped = recommend({ ...base, maxActiveS: 3600, sweep: [{ label: '1h', wholeByProtocol: { icmp: false }, idleS: { icmp: 3600 } }] });
    expect(capped[0]?.limitation).to.include('cuts every record at its active timeout').and.not.include('something other than the idle timeout');
  });
});

describe('recommend: a setting below the minimum that kept the connections whole', () => {
  const c2 = conn({ id: 'c2', firstS: 0, lastS: 68_236, ...quiet([1, 1370]) });
  const truth = truthOf([c2]);
  const base = { truth, monitor: 'argus', view: 'raw', displayName: 'argus', granularityS: 0, knobNames: { tcp: 'ARGUS_TCP_TIMEOUT' } };

  it('never names it the first sufficient setting, and says the records cannot come from an idle timeout shorter than the silence', () => {
    // A log of argus under 1h scored with --setting 5m: whole, under a timeout of 5 minutes for a 22m49s silence.
    const [rec] = recommend({ ...base, sweep: [{ label: '5m', wholeByProtocol: { tcp: true }, idleS: { tcp: 300 } }] });
    expect(rec?.minimumIdleS).to.equal(1370);
    expect(rec?.firstSufficientSetting).to.equal(undefined);
    expect(rec?.limitation).to.equal(
      'argus under 5m (idle 5m, shorter than the 22m49s silence) kept TCP connections whole, which that timeout cannot do: the records do not come from that setting ' +
        '(for a log scored with harness score, check --setting and --config against the sensor\'s own)',
    );
    // A tool that expires a flow only when a later packet makes it look keeps a connection whole when nothing else is
    // sent: no contradiction, but still not a setting to name sufficient.
    const [lazy] = recommend({ ...base, timerNeedsLaterPacket: true, sweep: [{ label: '5m', wholeByProtocol: { tcp: true }, idleS: { tcp: 300 } }] });
    expect(lazy?.firstSufficientSetting).to.equal(undefined);
    expect(lazy?.limitation).to.equal(undefined);
    // In a sweep, a setting shorter than the silence is not named though whole; one at or above the silence is, even
    // below the minimum (which adds the timer's granularity): the tool's rule keeps a silence within its timeout.
    const [swept] = recommend({ ...base, granularityS: 60, sweep: [
      { label: '22m', wholeByProtocol: { tcp: true }, idleS: { tcp: 1320 } },
      { label: '23m', wholeByProtocol: { tcp: true }, idleS: { tcp: 1380 } },
      { label: '1h', wholeByProtocol: { tcp: true }, idleS: { tcp: 3600 } },
    ] });
    expect(swept?.minimumIdleS).to.equal(1430);
    expect(swept?.firstSufficientSetting).to.equal('23m');
    // 22m plus the 60 s granularity reaches past the silence: possible, so no contradiction is claimed.
    expect(swept?.limitation).to.equal(undefined);
  });
});

describe('recommend: a tool whose active timeout cuts long connections whatever the idle one', () => {
  const session = conn({ id: 's', firstS: 0, lastS: 2400, ...quiet([600, 1200]) });
  const base = {
    monitor: 'nfpcapd', view: 'default', displayName: 'nfpcapd', granularityS: 10, knobNames: { tcp: '-e inactive', udp: '-e inactive' },
    maxActiveS: 3600, activeKnob: { name: '-e active', defaultS: 300 }, sweep: [{ label: '10m10s', wholeByProtocol: { tcp: false } }],
  };

  it('advises the active timeout the longest connection needs beside the idle one (-e inactive alone still cut it every 5 minutes)', () => {
    const [rec] = recommend({ ...base, truth: truthOf([session]) });
    expect(rec?.advice).to.equal('-e inactive = 10m11s, -e active = 40m11s (above its default 5m: no record outlives the active timeout)');
  });

  it('says nothing of it for connections within the default, or past the cap (where no setting keeps them whole)', () => {
    const short = conn({ id: 'q', firstS: 0, lastS: 200, ...quiet([10, 150]) });
    expect(recommend({ ...base, truth: truthOf([short]) })[0]?.advice).to.equal('-e inactive = 2m31s');
    const long = conn({ id: 'l', firstS: 0, lastS: 68_236, ...quiet([1, 1370]) });
    const [capped] = recommend({ ...base, truth: truthOf([long]) });
    expect(capped?.advice).to.equal('-e inactive = 23m');
    expect(capped?.limitation).to.include('cuts every record at its active timeout, at most 1h');
  });
});
