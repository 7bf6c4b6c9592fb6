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

// The bench scenarios use gap-mode jitter over many bursts: their values changed when jitter stopped accumulating
// (each burst now moves around its own nominal place). `mixed` has gap jitter over two bursts only, where the old
// and new placement coincide, so its values did not change. mixed-no-gap-jitter's truth.json changed (its pcap did
// not) when background flows stopped listing quiet periods: its clock runs every 30 s against a 30 s threshold.
const pinned: [Scenario, { pcap: string; truth: string }][] = [
  [mixed, { pcap: 'e368ca601e0dc819bac0d51553af221cf31dfae7aa8250e03c26b5df9909a35d', truth: '7b41e89be727eddb76a34a0480a4c699079a3a03ea3c5e0b5f96d1210ae7bbe5' }],
  [withoutGapJitter(mixed), { pcap: 'c5f09e1fff0ceb873516e9d3c86b7668a12c7e4d66966b4368231c51d5a4d615', truth: 'e1c18bd600bb72bc5dc3942c49adedf0f4161aaebff8805698d0f20aa62d6c68' }],
  [benchScenario(20, 30), { pcap: 'd80b5a925f941e828bebe4c6e2ea4738e28be1f405ac539bf83faca1b544eed4', truth: '401f8c51a96ab8e5711185829064df433b2189cdb9867e327ffc9202496d395f' }],
  // 60 k packets, 9 MB: dozens of the writer's 256 KB chunks, so chunk handover, reuse and hashing are covered.
  [benchScenario(200, 100), { pcap: '5b602cd9e676d95a59908b58a3db45f4e5df0f648542f15e2136d8536a01cd46', truth: 'dd6c51acdf1291483373cef17c86230a4df3c770616869260593563e9f7c57f6' }],
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
