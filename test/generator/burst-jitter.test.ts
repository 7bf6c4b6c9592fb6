import { expect } from 'chai';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BurstClock } from '../../generators/connection-events.js';
import { generate } from '../../generators/generate.js';
import { Mulberry32 } from '../../generators/prng.js';
import type { PatternActivity } from '../../harness/scenario/scenario.js';
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
