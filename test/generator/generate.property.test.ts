import { expect } from 'chai';
import fc from 'fast-check';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generate } from '../../generators/generate.js';
import type { ConnectionSpec, Scenario } from '../../harness/scenario/scenario.js';
import { compareWithTruth, resetCount, tsharkProblems } from './pcap-inspect.js';
import { scenario } from './scenario-builders.js';

/**
 * Random small valid scenarios (v4/v6, VLAN, tcp/udp/icmp, fin/rst/none, midstream, keepalives, segmentation):
 * every pcap passes the tshark checks and the same seed gives the same bytes. Few runs: tshark is slow.
 */
const connectionArb = (i: number): fc.Arbitrary<ConnectionSpec> =>
  fc
    .record({
      protocol: fc.constantFrom<ConnectionSpec['protocol']>('tcp', 'udp', 'icmp'),
      v6: fc.boolean(),
      vlan: fc.option(fc.integer({ min: 1, max: 4094 }), { nil: undefined }),
      open: fc.constantFrom<ConnectionSpec['open']>('handshake', 'midstream'),
      close: fc.constantFrom<ConnectionSpec['close']>('fin', 'rst', 'none'),
      mss: fc.constantFrom(536, 1000, 1460),
      rttS: fc.constantFrom(0.001, 0.02, 0.15),
      startS: fc.integer({ min: 0, max: 100 }),
      bursts: fc.integer({ min: 1, max: 6 }),
      gapS: fc.integer({ min: 1, max: 400 }),
      jitterS: fc.constantFrom(0, 0.5),
      exchanges: fc.integer({ min: 1, max: 3 }),
      request: fc.integer({ min: 1, max: 5000 }),
      response: fc.integer({ min: 0, max: 5000 }),
      keepalive: fc.option(fc.record({ intervalS: fc.integer({ min: 30, max: 200 }), style: fc.constantFrom<'zero-byte' | 'one-byte'>('zero-byte', 'one-byte') }), { nil: undefined }),
      holdS: fc.option(fc.integer({ min: 0, max: 3000 }), { nil: undefined }),
    })
    .map((r): ConnectionSpec => {
      const tcp = r.protocol === 'tcp';
      const client = r.v6 ? `2001:db8::${(i + 1).toString(16)}` : `192.0.2.${i + 1}`;
      const server = r.v6 ? '2001:db8:1::1' : '198.51.100.1';
      const port = r.protocol === 'icmp' ? 0 : 40000 + i;
      const spec: ConnectionSpec = {
        id: `c${i}`,
        protocol: r.protocol,
        client: { addrFrom: client, addrTo: client, portFrom: port, portTo: port },
        server: { addr: server, port: r.protocol === 'icmp' ? 0 : 9000 },
        startS: r.startS,
        rttS: r.rttS,
        open: tcp ? r.open : 'midstream',
        close: tcp ? r.close : 'none',
        mss: r.mss,
        icmpId: 0x100 + i,
        activity: {
          kind: 'pattern',
          bursts: r.bursts,
          // Bursts never overlap: the gap is at least the burst length plus twice the jitter.
          gapS: r.gapS + r.exchanges * (r.rttS + 0.1) + 2 * r.jitterS,
          jitterS: r.jitterS,
          requestBytes: r.request,
          responseBytes: r.protocol === 'icmp' ? r.request : r.response,
          exchangesPerBurst: r.exchanges,
        },
        count: 1,
        staggerS: 1,
      };
      if (r.vlan !== undefined) spec.vlan = r.vlan;
      if (tcp && r.keepalive) spec.keepalive = r.keepalive;
      if (tcp && r.holdS !== undefined) spec.holdS = r.holdS;
      return spec;
    });

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 1000 }), fc.boolean(), fc.boolean())
  .chain(([n, seed, withClock, withSentinel]) =>
    fc.tuple(...Array.from({ length: n }, (_, i) => connectionArb(i))).map((connections) => {
      const extra: Partial<Scenario> = { seed };
      if (withClock) extra.clock = { intervalS: 20, client: { addr: '192.0.2.250', port: 50000 }, server: { addr: '198.51.100.250', port: 50000 }, payloadBytes: 16 };
      if (withSentinel) extra.sentinel = { afterS: 60, client: { addr: '192.0.2.251', port: 50001 }, server: { addr: '198.51.100.251', port: 50001 } };
      return scenario(`prop-${seed}`, connections, extra);
    }),
  );

describe('generate: random small scenarios (fast-check)', function () {
  this.timeout(600_000);
  it('pass the tshark checks and are byte-identical for the same seed', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        const a = await generate(s, await mkdtemp(path.join(os.tmpdir(), 'gen-prop-')));
        const b = await generate(s, await mkdtemp(path.join(os.tmpdir(), 'gen-prop-')));
        expect(Buffer.compare(await readFile(a.pcapPath), await readFile(b.pcapPath))).to.equal(0);
        expect(await tsharkProblems(a.pcapPath, resetCount(a.truth))).to.equal('');
        expect(await compareWithTruth(a.pcapPath, a.truth)).to.deep.equal([]);
        const total = a.truth.connections.reduce((n, c) => n + c.clientPkts + c.serverPkts, 0);
        expect(total).to.equal(a.truth.pcap.packets);
      }),
      { numRuns: 15, seed: 20251129 },
    );
  });
});
