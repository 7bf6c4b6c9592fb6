import { nominalLifetimes } from '../../harness/scenario/nominal-lifetimes.js';
import { flowTableOccupancy } from '../../harness/comparator/flow-table.js';
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { activityEndS, activityStartS, burstLengthS, handshakeLengthS } from '../../harness/scenario/exchange-timing.js';
import { expandConnections, loadScenario } from '../../harness/scenario/load-scenario.js';
import type { Scenario } from '../../harness/scenario/scenario.js';

const DIR = fileURLToPath(new URL('../../../scenarios/', import.meta.url));
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();
const DOC_V4 = [/^192\.0\.2\./, /^198\.51\.100\./, /^203\.0\.113\./];

function allAddresses(s: Scenario): string[] {
  const out: string[] = [];
  for (const flow of [s.clock, s.sentinel]) if (flow) out.push(flow.client.addr, flow.server.addr);
  for (const c of s.connections) out.push(c.client.addrFrom, c.client.addrTo, c.server.addr);
  return out;
}

async function load(name: string): Promise<Scenario> {
  return loadScenario(join(DIR, name));
}

describe('bundled scenarios', () => {
  it('are all there', () => {
    expect(FILES).to.include.members([
      'burst-20min.yaml', 'gap-boundary.yaml', 'keepalive-idle.yaml', 'udp-beacon.yaml', 'icmp-beacon.yaml',
      'active-stream.yaml', 'midstream-flip.yaml', 'many-idle.yaml', 'burst-20min-v6-vlan.yaml', 'state-pressure.yaml',
      // One scenario per real timer pitfall (issue 11): a service-port override, a mid-stream pickup, whole seconds.
      'ssh-service-port.yaml', 'midstream-c2.yaml', 'beacon-second-straddle.yaml',
    ]);
  });

  for (const file of FILES) {
    it(`${file}: parses, named after its file, begins with a comment, has a clock (10-30 s) and a sentinel, documentation addresses only`, async () => {
      const text = readFileSync(join(DIR, file), 'utf8');
      expect(text.startsWith('# ')).to.equal(true);
      const s = await load(file);
      expect(s.name).to.equal(file.replace(/\.yaml$/, ''));
      expect(s.description.length).to.be.greaterThan(10);
      expect(s.clock?.intervalS).to.be.within(10, 30);
      expect(s.sentinel?.afterS).to.be.greaterThan(0);
      for (const addr of allAddresses(s)) {
        const ok = addr.startsWith('2001:db8:') || DOC_V4.some((re) => re.test(addr));
        expect(ok, addr).to.equal(true);
      }
    });
  }

  it('burst-20min: one TCP connection, handshake, no close, first-to-last packet about 68,236 s', async () => {
    const s = await load('burst-20min.yaml');
    expect(s.connections).to.have.length(1);
    const c = s.connections[0]!;
    expect([c.protocol, c.open, c.close]).to.deep.equal(['tcp', 'handshake', 'none']);
    expect(c.activity.kind).to.equal('pattern');
    if (c.activity.kind !== 'pattern') return;
    expect(c.activity.spanS).to.equal(68236);
    expect(c.activity.jitterS).to.be.greaterThan(0);
    const gap = (c.activity.spanS as number) / (c.activity.bursts - 1);
    expect(gap).to.be.within(1140, 1260);
    // handshake + span + last burst: the first-to-last packet span is within a tenth of a second of 68,236 s.
    expect(activityEndS(c)).to.be.closeTo(68236, 0.1);
  });

  it('burst-20min-v6-vlan: the same rhythm over IPv6 in VLAN 100, background flows too', async () => {
    const [v4, v6] = [await load('burst-20min.yaml'), await load('burst-20min-v6-vlan.yaml')];
    const c = v6.connections[0]!;
    expect(c.vlan).to.equal(100);
    expect(c.client.addrFrom).to.equal('2001:db8::10');
    expect(c.activity).to.deep.equal(v4.connections[0]!.activity);
    expect(v6.clock?.vlan).to.equal(100);
    expect(v6.sentinel?.vlan).to.equal(100);
  });

  it('gap-boundary: 12 connections, TCP and UDP, two bursts each around 60 s, 300 s and 3600 s', async () => {
    const s = await load('gap-boundary.yaml');
    expect(s.connections).to.have.length(12);
    const gaps = (p: string): number[] =>
      s.connections.filter((c) => c.protocol === p).map((c) => (c.activity.kind === 'pattern' && c.activity.bursts === 2 ? (c.activity.gapS as number) : -1));
    expect(gaps('tcp')).to.deep.equal([55, 65, 290, 310, 3500, 3700]);
    expect(gaps('udp')).to.deep.equal([55, 65, 290, 310, 3500, 3700]);
  });

  it('keepalive-idle: one exchange, then keepalives every 2 h for a 6 h hold, FIN', async () => {
    const s = await load('keepalive-idle.yaml');
    const styles = s.connections.map((c) => c.keepalive?.style).sort();
    expect(styles).to.deep.equal(['one-byte', 'zero-byte']);
    for (const c of s.connections) {
      expect([c.holdS, c.keepalive?.intervalS, c.close]).to.deep.equal([21600, 7200, 'fin']);
      expect(c.activity.kind === 'pattern' && c.activity.bursts).to.equal(1);
    }
  });

  it('active-stream: an exchange every 5 s for 3 h, so no gap reaches a 30 s quiet threshold', async () => {
    const s = await load('active-stream.yaml');
    const a = s.connections[0]!.activity;
    expect(a.kind).to.equal('pattern');
    if (a.kind !== 'pattern') return;
    expect((a.spanS as number) / (a.bursts - 1)).to.equal(5);
    expect(a.spanS).to.equal(3 * 3600);
  });

  it('midstream-flip: no handshake, and the first event after the longest silence comes from the server', async () => {
    const c = (await load('midstream-flip.yaml')).connections[0]!;
    expect(c.open).to.equal('midstream');
    expect(activityStartS(c)).to.equal(0);
    if (c.activity.kind !== 'timeline') throw new Error('expected a timeline');
    const ev = c.activity.events;
    const gapBefore = (i: number): number => ev[i]!.atS - ev[i - 1]!.atS;
    let longest = 1;
    for (let i = 2; i < ev.length; i += 1) if (gapBefore(i) > gapBefore(longest)) longest = i;
    expect(ev[longest]!.atS - ev[longest - 1]!.atS).to.be.at.least(3600);
    expect(ev[longest]!.from).to.equal('server');
  });

  it('many-idle: 10,000 distinct TCP connections from a range, all open at once for a while', async () => {
    const s = await load('many-idle.yaml');
    const spec = s.connections[0]!;
    const copies = expandConnections(spec);
    expect(copies).to.have.length(10000);
    expect(new Set(copies.map((c) => `${c.client.addr}:${c.client.port}`)).size).to.equal(10000);
    expect(copies[9999]!.client).to.deep.equal({ addr: '192.0.2.200', port: 20049 });
    // The last copy opens before the first one's second burst: all 10,000 coexist.
    const gap = spec.activity.kind === 'pattern' ? (spec.activity.gapS as number) - spec.activity.jitterS : 0;
    expect(copies[9999]!.startS).to.be.lessThan(gap);
  });

  it('state-pressure: 100,000 idle connections opened over 10 min beside one quiet C2; the model estimates the table', async () => {
    const s = await load('state-pressure.yaml');
    const crowd = s.connections.find((c) => c.id === 'crowd')!;
    expect(crowd.count).to.equal(100000);
    // spread: 10m over 100,000 copies is a 6 ms stagger.
    expect(crowd.staggerS).to.equal(0.006);
    const input = nominalLifetimes(s);
    expect(input.connections).to.have.length(100001);
    // At 1 h every connection is held at once (the crowd speaks hourly); at 5 min the crowd leaves between bursts.
    const hour = flowTableOccupancy(input, { idleS: { tcp: 3600 } })!;
    const fiveMinutes = flowTableOccupancy(input, { idleS: { tcp: 300 } })!;
    expect(hour.peakEntries).to.equal(100001);
    expect(hour.exact).to.equal(true);
    expect(fiveMinutes.meanEntries).to.be.lessThan(hour.meanEntries / 5);
  });

  it('udp-beacon and icmp-beacon: hours long, a poll every few minutes', async () => {
    for (const [file, protocol] of [['udp-beacon.yaml', 'udp'], ['icmp-beacon.yaml', 'icmp']] as const) {
      const c = (await load(file)).connections[0]!;
      expect(c.protocol).to.equal(protocol);
      expect(c.open).to.equal('none');
      if (c.activity.kind !== 'pattern') throw new Error('expected a pattern');
      const gap = (c.activity.spanS as number) / (c.activity.bursts - 1);
      expect(gap).to.be.within(120, 600);
      expect(c.activity.spanS).to.be.at.least(4 * 3600);
      expect(burstLengthS(c.activity, c)).to.be.lessThan(1);
    }
  });

  it('the TCP handshake comes before the first burst', async () => {
    const c = (await load('burst-20min.yaml')).connections[0]!;
    expect(activityStartS(c)).to.equal(handshakeLengthS(c.rttS));
    expect(handshakeLengthS(0.02)).to.equal(0.022);
  });
});
