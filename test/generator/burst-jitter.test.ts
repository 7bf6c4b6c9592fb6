import { expect } from 'chai';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BurstClock } from '../../generators/connection-events.js';
import { generate } from '../../generators/generate.js';
import { Mulberry32 } from '../../generators/prng.js';
import type { ConnectionSpec, PatternActivity } from '../../harness/scenario/scenario.js';
import { parseScenario } from '../../harness/scenario/load-scenario.js';
import { activityStartS, burstLengthS } from '../../harness/scenario/exchange-timing.js';
import { InputError } from '../../harness/core/input-error.js';
import { readPcapTimestamps } from '../../harness/live/pcap-timestamps.js';
import { scenario, udp } from './scenario-builders.js';

/**
 * Jitter follows the contract (scenario.ts PatternActivity.jitterS): each burst start moves by a uniform draw from
 * [-jitter, +jitter] around its own nominal place start + i*gap, so a long pattern does not drift.
 */
const pattern = (bursts: number, gapS: number, jitterS: number): PatternActivity => ({
  kind: 'pattern',
  bursts,
  gapS,
  jitterS,
  requestBytes: 40,
  responseBytes: 0,
  exchangesPerBurst: 1,
});

describe('burst placement in gap mode', () => {
  it('keeps every start within ±jitter of i*gap, with draws spread over the whole range', () => {
    const clock = new BurstClock(pattern(20_000, 10, 1), new Mulberry32(42));
    const deviations: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const at = clock.next();
      if (i === 0) expect(at).to.equal(0);
      else deviations.push(at - i * 10_000_000);
    }
    expect(Math.min(...deviations)).to.be.at.least(-1_000_000);
    expect(Math.max(...deviations)).to.be.at.most(1_000_000);
    // Uniform on [-1 s, +1 s]: both ends reached closely, centred on zero.
    expect(Math.min(...deviations)).to.be.below(-990_000);
    expect(Math.max(...deviations)).to.be.above(990_000);
    const mean = deviations.reduce((a, b) => a + b, 0) / deviations.length;
    expect(Math.abs(mean)).to.be.below(20_000);
  });

  it('places bursts exactly at i*gap without jitter', () => {
    const clock = new BurstClock(pattern(5, 0.1, 0), new Mulberry32(1));
    expect([0, 1, 2, 3, 4].map(() => clock.next())).to.deep.equal([0, 100_000, 200_000, 300_000, 400_000]);
  });

  it('in a generated capture, each quiet period ends at a burst start within ±jitter of its nominal place', async () => {
    const s = scenario('jitter-gap', [
      udp('beacon', '192.0.2.30:41000', '203.0.113.9:53', { startS: 5, activity: pattern(300, 100, 20) }),
    ]);
    const r = await generate(s, await mkdtemp(path.join(os.tmpdir(), 'gen-jitter-')));
    const beacon = r.truth.connections.find((c) => c.id === 'beacon');
    if (!beacon) throw new Error('no beacon in the truth');
    // One datagram per burst, bursts 100 s ± 20 s apart: every gap is a quiet period, ending at burst i + 1.
    expect(beacon.quietPeriods).to.have.length(299);
    const start = s.startUs + 5_000_000;
    expect(beacon.firstUs).to.equal(start);
    beacon.quietPeriods.forEach((q, k) => {
      const nominal = start + (k + 1) * 100_000_000;
      expect(Math.abs(q.endUs - nominal), `burst ${k + 1}`).to.be.at.most(20_000_000);
    });
  });
});

describe('bursts of messages that take many segments', () => {
  const yaml = (gap: string, request: number, rtt = '20ms', exchanges = 1): string => `
name: segmented
seed: 1
connections:
  - id: big
    protocol: tcp
    client: 192.0.2.10:40000
    server: 198.51.100.20:443
    rtt: ${rtt}
    activity:
      pattern: { bursts: 4, gap: ${gap}, request: ${request}, response: 3000, exchanges: ${exchanges} }
`;

  it('a gap shorter than a burst of 30 MB requests is refused (the generator pushed every burst back and the pcap was not the scenario)', () => {
    // 20,548 segments of 1460 bytes, 1 us apart with an ACK every second: about 31 ms, not rtt + 2 ms = 22 ms.
    expect(() => parseScenario(yaml('25ms', 30_000_000), 'segmented.yaml')).to.throw(InputError, /^segmented\.yaml:11:34: found gap 0\.025s minus 2 × jitter 0s = 0\.025s, shorter than a burst \(0\.031825s\)/);
  });

  it('at the shortest gap validation allows, every burst starts at its nominal place in the pcap', async () => {
    for (const [request, exchanges, rtt] of [[30_000_000, 1, '20ms'], [1_000_000, 3, '1ms'], [100, 2, '50ms']] as const) {
      const spec = parseScenario(yaml('1h', request, rtt, exchanges), 'segmented.yaml').connections[0] as ConnectionSpec;
      const burstUs = Math.round(burstLengthS(spec.activity as PatternActivity, spec) * 1e6);
      const shortest = parseScenario(yaml(`${burstUs}us`, request, rtt, exchanges), 'segmented.yaml');
      const generated = await generate(shortest, await mkdtemp(path.join(os.tmpdir(), 'segmented-')));
      const times = new Set(await readPcapTimestamps(generated.pcapPath));
      const activityStartUs = shortest.startUs + Math.round(activityStartS(spec) * 1e6);
      for (let i = 0; i < 4; i += 1) expect(times.has(activityStartUs + i * burstUs), `${request} bytes, burst ${i}`).to.equal(true);
      // And the packet just before each later burst's start belongs to the burst before it: none was pushed back.
      const sorted = [...times].sort((a, b) => a - b);
      for (let i = 1; i < 4; i += 1) expect(sorted.filter((t) => t >= activityStartUs + (i - 1) * burstUs && t < activityStartUs + i * burstUs).length).to.be.greaterThan(0);
    }
  });
});
