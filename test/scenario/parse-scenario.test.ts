import { expect } from 'chai';
import { InputError } from '../../harness/core/input-error.js';
import { DEFAULT_CLOCK_ENDPOINTS, DEFAULT_SENTINEL_ENDPOINTS } from '../../harness/scenario/parse-scenario.js';
import { parseScenario } from '../../harness/scenario/load-scenario.js';
import { activityEndS } from '../../harness/scenario/exchange-timing.js';

const MINIMAL = `connections:
  - id: c1
    protocol: tcp
    client: 192.0.2.10:40000
    server: 198.51.100.20:443
    activity:
      pattern: { bursts: 3, gap: 20m, request: 100, response: 200 }
`;

function errorOf(text: string, file = 'x.yaml'): InputError {
  try {
    parseScenario(text, file);
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('parsed without error');
}

function withConnection(lines: string): string {
  return `connections:\n  - id: c1\n${lines.replace(/^/gm, '    ')}\n`;
}

describe('parseScenario', () => {
  it('a duration finer than a microsecond is refused where it stands, not rounded away (0.1000005 s was 100001 us, 0.0000004 "not positive")', () => {
    const yaml = (threshold: string, gap: string): string => `name: t\nquiet_threshold: ${threshold}\nconnections:\n  - id: c\n    protocol: udp\n    client: 192.0.2.1:1000\n    server: 192.0.2.2:53\n    activity:\n      pattern: { bursts: 2, gap: ${gap}, request: 10, response: 0 }\n`;
    expect(() => parseScenario(yaml('0.0000004', '10s'), 't.yaml')).to.throw(InputError, /^t\.yaml:2:18: found quiet_threshold 0\.0000004, finer than a microsecond; expected a duration in whole microseconds/);
    expect(() => parseScenario(yaml('30s', '0.1000005'), 't.yaml')).to.throw(InputError, /^t\.yaml:9:\d+: found gap 0\.1000005, finer than a microsecond/);
    expect(() => parseScenario(yaml('30s', '1.5us'), 't.yaml')).to.throw(InputError, /finer than a microsecond/);
    for (const ok of ['2us', '0.000002', '0.1']) expect(() => parseScenario(yaml(ok, '10s'), 't.yaml'), ok).not.to.throw();
    for (const ok of ['68236.043', '1h30m', '10.000001']) expect(() => parseScenario(yaml('30s', ok), 't.yaml'), ok).not.to.throw();
  });

  it('quiet_threshold and the clock interval longer than 2^53 us are refused where they stand (1e29 s was written into a truth score refused)', () => {
    const conn = 'connections:\n  - id: c\n    protocol: udp\n    client: 192.0.2.1:1000\n    server: 192.0.2.2:53\n    activity:\n      pattern: { bursts: 1, request: 10, response: 0 }\n';
    const expected = 'expected a duration of at most 285 years (104249d23h47m34s), kept to the microsecond';
    expect(() => parseScenario(`quiet_threshold: 99999999999999999999999\n${conn}`, 't.yaml')).to.throw(InputError, `t.yaml:1:18: found quiet_threshold 99999999999999999999999; ${expected}`);
    expect(() => parseScenario(`quiet_threshold: 9007199255s\n${conn}`, 't.yaml')).to.throw(InputError, `t.yaml:1:18: found quiet_threshold "9007199255s"; ${expected}`);
    expect(() => parseScenario(`clock: { every: 104250d }\n${conn}`, 't.yaml')).to.throw(InputError, `t.yaml:1:17: found clock interval "104250d"; ${expected}`);
    expect(() => parseScenario(`clock: 1e20\n${conn}`, 't.yaml')).to.throw(InputError, `t.yaml:1:8: found clock interval 1e20; ${expected}`);
    const edge = parseScenario(`quiet_threshold: 9007199254s\nclock: { every: 9007199254 }\n${conn}`, 't.yaml');
    expect(edge.quietThresholdS).to.equal(9007199254);
    expect(edge.clock?.intervalS).to.equal(9007199254);
  });

  it('an unknown key or value one or two edits from a known one is named as a likely typo, the full list kept', () => {
    const conn = (lines: string): string => `connections:\n  - id: c\n${lines.replace(/^/gm, '    ')}\n`;
    const udp = 'client: 192.0.2.1:1000\nserver: 192.0.2.2:53\nactivity: { pattern: { bursts: 1, request: 10, response: 0 } }';
    const keys = 'id, protocol, client, server, vlan, start, rtt, open, close, count, stagger, spread, activity';
    const message = (text: string): string => errorOf(text).message;
    expect(message(conn(`protocol: udp\nrttt: 5ms\n${udp}`))).to.equal(`x.yaml:4:5: found key "rttt" in a connection (did you mean rtt?); expected one of ${keys}`);
    expect(message(conn(`protocol: udp\nActivity: {}\n${udp}`))).to.equal(`x.yaml:4:5: found key "Activity" in a connection (did you mean activity?); expected one of ${keys}`);
    expect(message(`seeed: 3\n${conn(`protocol: udp\n${udp}`)}`)).to.match(/^x\.yaml:1:1: found key "seeed" in the scenario \(did you mean seed\?\); expected one of name, description, seed,/);
    expect(message(conn(`protocol: udp\n${udp.replace('request', 'reqest')}`))).to.match(/found key "reqest" in pattern \(did you mean request\?\); expected one of bursts, gap,/);
    // Far from every key: the list alone, as before.
    expect(message(conn(`protocol: udp\nwindow: 5\n${udp}`))).to.equal(`x.yaml:4:5: found key "window" in a connection; expected one of ${keys}`);
    // A key of another protocol keeps its own reason.
    expect(message(conn(`protocol: udp\nmss: 500\n${udp}`))).to.equal(`x.yaml:4:5: found key "mss" in a connection (tcp only, not udp); expected one of ${keys}`);
    expect(message(conn(`protocol: tpc\n${udp}`))).to.equal('x.yaml:3:15: found protocol "tpc" (did you mean tcp?); expected one of tcp, udp, icmp');
    expect(message(conn(`protocol: gre\n${udp}`))).to.equal('x.yaml:3:15: found protocol "gre"; expected one of tcp, udp, icmp');
    expect(message(conn(`protocol: tcp\nclose: fni\n${udp}`))).to.equal('x.yaml:4:12: found close "fni" (did you mean fin?); expected one of fin, rst, none');
    expect(message(`timestamp_resolution: NS\n${conn(`protocol: udp\n${udp}`)}`)).to.equal('x.yaml:1:23: found timestamp_resolution "NS" (did you mean ns?); expected one of us, ns');
  });

  it('the clock and the sentinel may not be a flow to themselves, as a connection may not', () => {
    const conn = 'connections:\n  - id: c\n    protocol: udp\n    client: 192.0.2.1:1000\n    server: 192.0.2.2:53\n    activity: { pattern: { bursts: 1, request: 1, response: 1 } }\n';
    const message = (top: string): string => errorOf(`${top}\n${conn}`).message;
    const expected = (what: string): string => `expected a ${what} client other than its server (a flow to itself has no direction a monitor can tell)`;
    expect(message('clock: { client: 192.0.2.9:5, server: 192.0.2.9:5 }')).to.equal(`x.yaml:1:18: found clock client 192.0.2.9:5, the clock server's own endpoint; ${expected('clock')}`);
    expect(message('sentinel: { after: 1s, client: "[2001:db8::1]:7", server: "[2001:db8:0::1]:7" }')).to.equal(
      `x.yaml:1:32: found sentinel client [2001:db8::1]:7, the sentinel server's own endpoint; ${expected('sentinel')}`,
    );
    // Only one side given, equal to the default other side.
    expect(message('clock: { server: 192.0.2.250:50000 }')).to.equal(`x.yaml:1:18: found clock server 192.0.2.250:50000, the clock client's own endpoint (its default); ${expected('clock')}`);
    expect(message('sentinel: { after: 1s, client: 198.51.100.251:50001 }')).to.equal(
      `x.yaml:1:32: found sentinel client 198.51.100.251:50001, the sentinel server's own endpoint (its default); ${expected('sentinel')}`,
    );
    // The same address on two ports, or two addresses on one port, is a flow with a direction.
    expect(() => parseScenario(`clock: { client: 192.0.2.9:5, server: 192.0.2.9:6 }\nsentinel: { after: 1s, client: 192.0.2.8:5, server: 192.0.2.9:5 }\n${conn}`, 'x.yaml')).not.to.throw();
  });

  it('fills every default', () => {
    const s = parseScenario(MINIMAL, 'scenarios/minimal.yaml');
    expect(s).to.deep.equal({
      name: 'minimal',
      description: '',
      file: 'scenarios/minimal.yaml',
      seed: 1,
      startUs: 1_700_000_000_000_000,
      timestampResolution: 'us',
      quietThresholdS: 30,
      connections: [
        {
          id: 'c1',
          protocol: 'tcp',
          client: { addrFrom: '192.0.2.10', addrTo: '192.0.2.10', portFrom: 40000, portTo: 40000 },
          server: { addr: '198.51.100.20', port: 443 },
          startS: 0,
          rttS: 0.02,
          open: 'handshake',
          close: 'none',
          mss: 1460,
          icmpId: 0x1234,
          activity: { kind: 'pattern', bursts: 3, gapS: 1200, jitterS: 0, requestBytes: 100, responseBytes: 200, exchangesPerBurst: 1 },
          count: 1,
          staggerS: 1,
        },
      ],
    });
  });

  it('UDP and ICMP open with none; ICMP endpoints are addresses with port 0 and the reply mirrors the request', () => {
    const s = parseScenario(
      `connections:
  - { id: u, protocol: udp, client: "192.0.2.10:5000", server: "198.51.100.20:53", activity: { pattern: { bursts: 1, request: 40, response: 0 } } }
  - { id: i, protocol: icmp, client: 192.0.2.10, server: 198.51.100.20, icmp_id: 0xbeef, activity: { pattern: { bursts: 1, request: 32 } } }
`,
      'x.yaml',
    );
    const [u, i] = s.connections;
    expect([u?.open, u?.close, i?.open, i?.close]).to.deep.equal(['none', 'none', 'none', 'none']);
    expect(i?.client).to.deep.equal({ addrFrom: '192.0.2.10', addrTo: '192.0.2.10', portFrom: 0, portTo: 0 });
    expect(i?.server).to.deep.equal({ addr: '198.51.100.20', port: 0 });
    expect(i?.icmpId).to.equal(0xbeef);
    expect(i?.activity).to.include({ requestBytes: 32, responseBytes: 32 });
  });

  it('reads every key that overrides a default', () => {
    const s = parseScenario(
      `# Leading comment.
# Second line.
name: full
seed: 42
start: 2024-01-02T03:04:05.25Z
timestamp_resolution: ns
quiet_threshold: 1m30s
clock: { every: 10s, client: "192.0.2.99:1", server: "198.51.100.99:2", payload: 8, vlan: 7 }
sentinel: { after: 25m, client: "192.0.2.98:3", server: "198.51.100.98:4", vlan: 8 }
connections:
  - id: c1
    protocol: tcp
    client: 192.0.2.10:40000
    server: 198.51.100.20:443
    vlan: 100
    start: 1.5s
    rtt: 150ms
    open: midstream
    close: rst
    mss: 536
    hold: 6h
    keepalive: { every: 2h, style: one-byte }
    activity:
      pattern: { bursts: 2, span: 1h, jitter: 1s, request: 1, response: 0, exchanges: 4 }
`,
      'full.yaml',
    );
    expect(s.description).to.equal('Leading comment. Second line.');
    expect([s.name, s.seed, s.timestampResolution, s.quietThresholdS]).to.deep.equal(['full', 42, 'ns', 90]);
    expect(s.startUs).to.equal(Date.UTC(2024, 0, 2, 3, 4, 5) * 1000 + 250_000);
    expect(s.clock).to.deep.equal({ intervalS: 10, client: { addr: '192.0.2.99', port: 1 }, server: { addr: '198.51.100.99', port: 2 }, payloadBytes: 8, vlan: 7 });
    expect(s.sentinel).to.deep.equal({ afterS: 1500, client: { addr: '192.0.2.98', port: 3 }, server: { addr: '198.51.100.98', port: 4 }, vlan: 8 });
    const c = s.connections[0]!;
    expect(c).to.include({ vlan: 100, startS: 1.5, rttS: 0.15, open: 'midstream', close: 'rst', mss: 536, holdS: 21600 });
    expect(c.keepalive).to.deep.equal({ intervalS: 7200, style: 'one-byte' });
    expect(c.activity).to.deep.equal({ kind: 'pattern', bursts: 2, spanS: 3600, jitterS: 1, requestBytes: 1, responseBytes: 0, exchangesPerBurst: 4 });
  });

  it('start as epoch seconds, and the shorthand clock, sentinel and keepalive', () => {
    const s = parseScenario(
      `start: 1700000000.5
clock: 20s
sentinel: 5m
${withConnection('protocol: tcp\nclient: 192.0.2.10:1\nserver: 198.51.100.1:2\nhold: 1h\nkeepalive: 10m\nactivity: { pattern: { bursts: 1, request: 1, response: 1 } }')}`,
      'x.yaml',
    );
    expect(s.startUs).to.equal(1_700_000_000_500_000);
    expect(s.clock).to.deep.equal({ intervalS: 20, ...DEFAULT_CLOCK_ENDPOINTS, payloadBytes: 32 });
    expect(s.sentinel).to.deep.equal({ afterS: 300, ...DEFAULT_SENTINEL_ENDPOINTS });
    expect(s.connections[0]!.keepalive).to.deep.equal({ intervalS: 600, style: 'zero-byte' });
  });

  it('stores addresses canonically: IPv6 compressed and lower case', () => {
    const s = parseScenario(
      withConnection(
        'protocol: udp\nclient: "[2001:0DB8:0000:0000:0000:0000:0000:0010-2001:db8::0:1f]:40000"\nserver: "[2001:DB8:0:0:1::20]:53"\ncount: 16\nactivity: { pattern: { bursts: 1, request: 1, response: 1 } }',
      ),
      'x.yaml',
    );
    const c = s.connections[0]!;
    expect(c.client).to.deep.equal({ addrFrom: '2001:db8::10', addrTo: '2001:db8::1f', portFrom: 40000, portTo: 40000 });
    // Two runs of two zero groups: RFC 5952 compresses the first.
    expect(c.server.addr).to.equal('2001:db8::1:0:0:20');
  });

  it('a timeline event may not fall inside the TCP handshake', () => {
    const err = errorOf(withConnection('protocol: tcp\nclient: 192.0.2.10:1\nserver: 198.51.100.1:2\nactivity:\n  timeline: [ { at: 0s, from: client, bytes: 10 } ]'));
    expect(err.message).to.equal('x.yaml:7:25: found event at 0s, inside the TCP handshake; expected at 0.022s or later (rtt + 2ms), or open: midstream');
  });

  it('a timeline event may not overlap the reply of the one before', () => {
    const err = errorOf(
      withConnection('protocol: udp\nclient: 192.0.2.10:1\nserver: 198.51.100.1:2\nrtt: 1s\nactivity:\n  timeline: [ { at: 0s, from: client, bytes: 10, reply: 5 }, { at: 500ms, from: server, bytes: 1 } ]'),
    );
    expect(err.message).to.equal('x.yaml:8:72: found event at 0.5s overlapping the one at 0s (line 8); expected at 1.002s or later (the previous event\'s exchange is over then: its reply comes after one rtt, and a message of many segments takes longer)');
  });

  it('a TCP timeline event starts after every segment of the exchange before it, and the activity ends after the last one\'s', () => {
    // 100000 bytes at mss 64: 1563 segments, 2343 us from first to last; the 50000-byte reply (782 segments) 1171 us
    // after it starts at 2344 us; its ACK 1 us later, and the next exchange 1 ms after that: 4516 us in all.
    const tcp = (events: string, hold = ''): string =>
      withConnection(`protocol: tcp\nclient: 192.0.2.10:1\nserver: 198.51.100.1:2\nmss: 64\nrtt: 1ms\n${hold}activity:\n  timeline: [ ${events} ]`);
    const exchange = '{ at: 3ms, from: server, bytes: 100000, reply: 50000 }';
    expect(errorOf(tcp(`${exchange}, { at: 0.007515s, from: client, bytes: 1 }`)).message).to.equal(
      "x.yaml:9:81: found event at 0.007515s overlapping the one at 0.003s (line 9); expected at 0.007516s or later (the previous event's exchange is over then: its reply comes after one rtt, and a message of many segments takes longer)",
    );
    const ok = parseScenario(tcp(`${exchange}, { at: 0.007516s, from: client, bytes: 1000000 }`), 'x.yaml');
    // The last event, unanswered: 15625 segments, 23436 us, and 1 ms after its last.
    expect(activityEndS(ok.connections[0]!)).to.equal(0.031952);
    expect(errorOf(tcp(`${exchange}, { at: 0.007516s, from: client, bytes: 1000000 }`, 'close: fin\nhold: 31951us\n')).message).to.equal(
      'x.yaml:9:11: found hold 0.031951s, ending before the activity does (0.031952s); expected a hold of at least 0.031952s',
    );
    // Unsegmented events keep their old spacing: rtt + 2ms after an answered one, 2 ms after an unanswered one.
    expect(() => parseScenario(tcp('{ at: 3ms, from: client, bytes: 1460, reply: 1460 }, { at: 6ms, from: server, bytes: 1460 }, { at: 8ms, from: client, bytes: 0 }'), 'x.yaml')).not.to.throw();
  });

  it('with a span, jitter counts only for the bursts that move: the first and last stay in place (the generator\'s BurstClock)', () => {
    // udp, rtt 20ms, a reply: a burst lasts 22 ms.
    const pattern = (p: string): string => withConnection(`protocol: udp\nclient: 192.0.2.10:1\nserver: 198.51.100.1:2\nactivity: { pattern: { ${p}, request: 1, response: 1 } }`);
    const ok = (p: string): void => {
      expect(() => parseScenario(pattern(p), 'x.yaml'), p).not.to.throw();
    };
    const refused = (p: string): string => errorOf(pattern(p)).message;
    // 2 bursts: neither moves, whatever the jitter; only a span shorter than a burst overlaps.
    ok('bursts: 2, span: 1h, jitter: 30m');
    ok('bursts: 2, span: 22ms, jitter: 1h');
    expect(refused('bursts: 2, span: 21999us, jitter: 1h')).to.equal(
      'x.yaml:6:45: found span 0.021999s / 1 = gap 0.021999s, shorter than a burst (0.022s); expected bursts at least 0.022s apart after jitter (a burst lasts exchanges × (rtt + 2ms), longer when a message takes many segments)',
    );
    // 3 bursts: only the middle one moves, between two fixed neighbours.
    ok('bursts: 3, span: 2h, jitter: 50m');
    ok('bursts: 3, span: 2s, jitter: 978ms');
    expect(refused('bursts: 3, span: 2s, jitter: 978001us')).to.equal(
      'x.yaml:6:45: found span 2s / 2 = gap 1s minus jitter 0.978001s (of 3 bursts over a span, only the middle one moves) = 0.021999s, shorter than a burst (0.022s); expected bursts at least 0.022s apart after jitter (a burst lasts exchanges × (rtt + 2ms), longer when a message takes many segments)',
    );
    // 4 or more: two middle neighbours may each move towards the other.
    ok('bursts: 4, span: 3s, jitter: 489ms');
    expect(refused('bursts: 4, span: 3s, jitter: 489001us')).to.match(/found span 3s \/ 3 = gap 1s minus 2 × jitter 0\.489001s = 0\.021998s, shorter than a burst/);
    // With a gap every burst but the first moves: 2 bursts and 2 × jitter, as before.
    expect(refused('bursts: 2, gap: 1s, jitter: 489001us')).to.match(/found gap 1s minus 2 × jitter 0\.489001s = 0\.021998s, shorter than a burst/);
  });

  it('a span too short for its bursts names the gap it implies', () => {
    const err = errorOf(withConnection('protocol: udp\nclient: 192.0.2.10:1\nserver: 198.51.100.1:2\nactivity: { pattern: { bursts: 11, span: 100ms, request: 1, response: 1 } }'));
    expect(err.message).to.equal('x.yaml:6:46: found span 0.1s / 10 = gap 0.01s minus 2 × jitter 0s = 0.01s, shorter than a burst (0.022s); expected bursts at least 0.022s apart after jitter (a burst lasts exchanges × (rtt + 2ms), longer when a message takes many segments)');
  });

  it('a gap exactly one burst long is accepted (bursts touch, never overlap)', () => {
    const s = parseScenario(withConnection('protocol: udp\nclient: 192.0.2.10:1\nserver: 198.51.100.1:2\nactivity: { pattern: { bursts: 3, gap: 22ms, request: 1, response: 1 } }'), 'x.yaml');
    expect(s.connections[0]!.activity).to.include({ gapS: 0.022 });
  });

  it('refuses an ICMP reply of another size, ICMP identifiers past 65535, and a connection on the clock flow', () => {
    const icmp = (extra: string): string => withConnection(`protocol: icmp\nclient: 192.0.2.1-192.0.2.9\nserver: 198.51.100.1\n${extra}`);
    expect(errorOf(icmp('activity: { pattern: { bursts: 1, request: 32, response: 64 } }')).message).to.equal(
      'x.yaml:6:62: found response 64 on icmp; expected the request size 32 (an echo reply carries the request\'s data), or no response key',
    );
    expect(errorOf(icmp('icmp_id: 65530\ncount: 7\nactivity: { pattern: { bursts: 1, request: 32 } }')).message).to.equal(
      'x.yaml:7:12: found count 7 from icmp_id 65530; expected copies whose echo identifiers (icmp_id + copy) stay within 0..65535',
    );
    const onClock = `clock: 30s\n${withConnection('protocol: udp\nclient: "198.51.100.250:50000"\nserver: "192.0.2.250:50000"\nactivity: { pattern: { bursts: 1, request: 1, response: 1 } }')}`;
    expect(errorOf(onClock).message).to.equal(
      'x.yaml:5:13: found connection c1 on the same addresses and ports as the clock (198.51.100.250:50000 - 192.0.2.250:50000); expected each connection on its own protocol, addresses and ports',
    );
  });

  it('refuses reserved and malformed ids, an unknown protocol, and both pattern and timeline', () => {
    const base = 'client: 192.0.2.10:1\nserver: 198.51.100.1:2\nactivity: { pattern: { bursts: 1, request: 1, response: 1 } }';
    expect(errorOf(`connections:\n  - id: clock\n    protocol: udp\n${base.replace(/^/gm, '    ')}`).message).to.equal(
      'x.yaml:2:9: found id "clock"; expected an id other than clock and sentinel (reserved for the background flows)',
    );
    expect(errorOf(`connections:\n  - id: "a#1"\n    protocol: udp\n${base.replace(/^/gm, '    ')}`).message).to.equal(
      'x.yaml:2:9: found id "a#1"; expected an id of letters, digits, ".", "_" and "-" that starts with a letter or digit ("#" is kept for copies)',
    );
    expect(errorOf(withConnection(`protocol: sctp\n${base}`)).message).to.equal('x.yaml:3:15: found protocol "sctp" (did you mean tcp?); expected one of tcp, udp, icmp');
    expect(
      errorOf(withConnection('protocol: udp\nclient: 192.0.2.10:1\nserver: 198.51.100.1:2\nactivity:\n  pattern: { bursts: 1, request: 1, response: 1 }\n  timeline: []')).message,
    ).to.equal('x.yaml:7:7: found both pattern and timeline; expected exactly one of pattern: {...} or timeline: [...]');
  });

  it('refuses a server range and a client port range on a port-less bare IPv6 address', () => {
    expect(errorOf(withConnection('protocol: udp\nclient: 192.0.2.10:1\nserver: 198.51.100.1-198.51.100.2:2\nactivity: { pattern: { bursts: 1, request: 1, response: 1 } }')).message).to.equal(
      'x.yaml:5:13: found a range as server "198.51.100.1-198.51.100.2:2"; expected one endpoint, e.g. 192.0.2.10:40000 or "[2001:db8::10]:40000" (only a client may be a range)',
    );
    expect(errorOf(withConnection('protocol: tcp\nclient: 2001:db8::10\nserver: "[2001:db8::1]:2"\nactivity: { pattern: { bursts: 1, request: 1, response: 1 } }')).message).to.equal(
      'x.yaml:4:13: found tcp client "2001:db8::10" without a port; expected an address and port, e.g. 192.0.2.10:40000 or "[2001:db8::10]:40000"',
    );
  });

  it('names the scenario after its file when no name is given, and refuses a name that is no file name', () => {
    expect(parseScenario(MINIMAL, 'some/dir/my-case.yml').name).to.equal('my-case');
    expect(errorOf(`name: "a b"\n${MINIMAL}`).message).to.equal('x.yaml:1:7: found name "a b"; expected a name of letters, digits, ".", "_" and "-" that starts with a letter or digit (it becomes a file name)');
    // An ICMP timeline's reply is an echo reply, as a pattern's response is: the request's data, no size of its own.
    const ping = (reply: number): string => `name: p\nconnections:\n  - id: p\n    protocol: icmp\n    client: 192.0.2.10\n    server: 198.51.100.20\n    activity:\n      timeline: [{ at: 1s, from: client, bytes: 56, reply: ${reply} }]\n`;
    expect(errorOf(ping(100)).message).to.equal('x.yaml:8:60: found reply 100 on icmp; expected the request size 56 (an echo reply carries the request\'s data), or no reply key');
    expect(() => parseScenario(ping(56), 'x.yaml')).to.not.throw();
    // An alias no anchor defines, and a YAML 1.1 merge key, are named as what they are.
    expect(errorOf('name: a\nconnections: *nope\n').message).to.equal('x.yaml:2:14: found the alias *nope, which no anchor defines before it; expected an anchor &nope earlier in the file, or the value written out');
    expect(errorOf(`${MINIMAL}  - <<: {}\n    id: c2\n`).message).to.contain('found a merge key (<<) in a connection; expected the keys written out');
    // A name of allowed characters that starts with one a file name should not ("-rf", ".hidden"): the rule says so.
    expect(errorOf(`name: "-rf"\n${MINIMAL}`).message).to.contain('found name "-rf"; expected a name of letters, digits, ".", "_" and "-" that starts with a letter or digit');
    // Taken from the file name: the message says where the name came from.
    expect(errorOf(MINIMAL, 'my scen.yaml').message).to.contain('found name "my scen" (the file name, as the scenario has no name: key)');
  });

  it('finds a connection that is another one reversed, and accepts disjoint ranges to one server', () => {
    const two = (a: string, b: string): string => `connections:
  - { id: a, protocol: udp, ${a}, activity: { pattern: { bursts: 1, request: 1, response: 1 } } }
  - { id: b, protocol: udp, ${b}, activity: { pattern: { bursts: 1, request: 1, response: 1 } } }
`;
    expect(errorOf(two('client: "192.0.2.1-192.0.2.9:1000", server: "192.0.2.100:2000", count: 9', 'client: "192.0.2.100:2000-2001", server: "192.0.2.7:1000", count: 2')).message).to.equal(
      'x.yaml:3:37: found connection b#0 on the same addresses and ports as connection a#6 (192.0.2.100:2000 - 192.0.2.7:1000); expected each connection on its own protocol, addresses and ports',
    );
    const s = parseScenario(two('client: "192.0.2.1-192.0.2.100:1000-1099", server: "198.51.100.1:53", count: 10000', 'client: "192.0.2.101-192.0.2.200:1000-1099", server: "198.51.100.1:53", count: 10000'), 'x.yaml');
    expect(s.connections.map((c) => c.count)).to.deep.equal([10000, 10000]);
    // The same protocol and server, a different protocol: no conflict.
    expect(parseScenario(two('client: "192.0.2.1:1000", server: "198.51.100.1:53"', 'client: "192.0.2.1:1000", server: "198.51.100.1:53"').replace('id: b, protocol: udp', 'id: b, protocol: tcp'), 'x.yaml').connections).to.have.length(2);
  });

  it('checks thousands of entries to distinct servers, and still finds one reversed pair among them', () => {
    // Each entry its own server, so every pair of entries is a candidate only if the index is wrong.
    const entry = (i: number, client: string, server: string): string =>
      `  - { id: c${i}, protocol: udp, client: "${client}", server: "${server}", activity: { pattern: { bursts: 1, request: 1, response: 1 } } }\n`;
    const host = (i: number): string => `10.${(i >> 8) & 255}.${i & 255}`;
    let text = 'connections:\n';
    for (let i = 0; i < 3000; i += 1) text += entry(i, `${host(i)}.1:1000`, `${host(i)}.2:53`);
    expect(parseScenario(text, 'x.yaml').connections).to.have.length(3000);
    text += entry(3000, `${host(1234)}.2:53`, `${host(1234)}.1:1000`);
    expect(errorOf(text).message).to.equal(
      'x.yaml:3002:41: found connection c3000 on the same addresses and ports as connection c1234 (10.4.210.2:53 - 10.4.210.1:1000); expected each connection on its own protocol, addresses and ports',
    );
  });
});
