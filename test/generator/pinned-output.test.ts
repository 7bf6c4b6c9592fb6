import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generate } from '../../generators/generate.js';
import type { Scenario } from '../../harness/scenario/scenario.js';
import { benchScenario } from '../bench/generator-bench.js';
import { mixed } from './mixed-scenario.js';

/**
 * Pins the exact bytes of three scenarios (pcap sha256 and truth.json sha256), so that speed work on the generator
 * is proven not to change its output. A pinned value changes only with a deliberate change of the output, named
 * in the commit that updates it.
 */
function withoutGapJitter(s: Scenario): Scenario {
  return {
    ...s,
    name: 'mixed-no-gap-jitter',
    timestampResolution: 'ns',
    clock: { intervalS: 30, client: { addr: '192.0.2.250', port: 50000 }, server: { addr: '198.51.100.250', port: 50000 }, payloadBytes: 20 },
    connections: s.connections.map((c) =>
      c.activity.kind === 'pattern' && c.activity.gapS !== undefined ? { ...c, activity: { ...c.activity, jitterS: 0 } } : c,
    ),
  };
}

const pinned: [Scenario, { pcap: string; truth: string }][] = [
  [mixed, { pcap: 'e368ca601e0dc819bac0d51553af221cf31dfae7aa8250e03c26b5df9909a35d', truth: '7b41e89be727eddb76a34a0480a4c699079a3a03ea3c5e0b5f96d1210ae7bbe5' }],
  [withoutGapJitter(mixed), { pcap: 'c5f09e1fff0ceb873516e9d3c86b7668a12c7e4d66966b4368231c51d5a4d615', truth: 'ac4c854cbec907f7323a3134b5c9b5433fb20ceca5de8a5fa29d0d8044f51a66' }],
  [benchScenario(20, 30), { pcap: '153dad03dc4b9b3dc6bcb5650dc0591890e2803c5624a5bce7fa7481b8238513', truth: '3b386a4f62c1ccb4bcffe7110fb15f8f25f084f57f6ed291d908a43d7ccb4b64' }],
  // 60 k packets, 9 MB: more than two of the writer's 4 MB chunks, so chunk handover and hashing are covered.
  [benchScenario(200, 100), { pcap: '2387df6153f30adecfac3d9850b558cbe6c1f0545627de510913ca3c2b3aa914', truth: '99d28fba45ebfd99dc29157e9bd172b48a197132aae09b7ce69435060f5b5a08' }],
];

describe('generate: pinned output bytes', () => {
  for (const [scenario, expected] of pinned) {
    it(`${scenario.name}: pcap and truth.json hashes are the pinned ones`, async () => {
      const r = await generate(scenario, await mkdtemp(path.join(os.tmpdir(), 'gen-pinned-')));
      const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
      const got = { pcap: sha(await readFile(r.pcapPath)), truth: sha(await readFile(r.truthPath)) };
      expect(r.truth.pcap.sha256).to.equal(got.pcap);
      expect(got).to.deep.equal(expected);
    });
  }
});
