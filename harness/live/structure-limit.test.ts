import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generate } from '../../generators/generate.js';
import { parseScenario } from '../scenario/parse-scenario.js';
import { positionIn } from '../scenario/yaml-position.js';
import { structureLimit } from './structure-limit.js';
import { scaleScenario } from './time-scale.js';

/**
 * The largest K at which a scaled scenario still obeys its own timing (the RTT, the handshake and the spacing inside a
 * burst are not scaled). Regression (probe-live #2): tiny.yaml's event at 1 s fell inside the 22 ms handshake from K = 46
 * ("packet at ... after one at ... (generator bug)", a stack trace after the offline run), and a burst every 2 s at
 * K = 1000 was pushed back so far that a 600 s connection came back as a 1.9-hour one.
 */
const TINY = [
  'name: tiny',
  'seed: 3',
  'sentinel: { after: 10s }',
  'connections:',
  '  - id: u',
  '    protocol: udp',
  '    client: 192.0.2.30:41500',
  '    server: 203.0.113.5:8125',
  '    activity:',
  '      pattern: { bursts: 4, span: 300s, request: 48, response: 64 }',
  '  - id: t',
  '    protocol: tcp',
  '    client: 192.0.2.10:40000',
  '    server: 198.51.100.20:443',
  '    close: fin',
  '    activity:',
  '      timeline:',
  '        - { at: 1s, from: client, bytes: 100, reply: 200 }',
  '        - { at: 150s, from: client, bytes: 100, reply: 200 }',
  '',
].join('\n');

const DENSE = [
  'name: dense',
  'seed: 5',
  'connections:',
  '  - id: d',
  '    protocol: tcp',
  '    client: 192.0.2.10:40000',
  '    server: 198.51.100.20:443',
  '    close: fin',
  '    activity:',
  '      pattern: { bursts: 31, span: 60s, jitter: 100ms, request: 100, response: 200 }',
  '',
].join('\n');

describe('live structure limit (how fast a scenario can be replayed and stay itself)', () => {
  let tmp: string;
  before(async () => { tmp = await mkdtemp(path.join(os.tmpdir(), 'structure-limit-')); });
  after(async () => { await rm(tmp, { recursive: true, force: true }); });

  it('a TCP timeline: its first event after the unscaled handshake (1 s / 22 ms = 45)', () => {
    const limit = structureLimit(parseScenario(TINY, 'tiny.yaml'));
    expect(limit).to.include({ k: 45, connectionId: 't', connectionIndex: 1 });
    expect(limit?.path).to.deep.equal(['activity', 'timeline', 0, 'at']);
    expect(limit?.what).to.match(/first event at 1s, after a TCP handshake of 0\.022s/);
  });

  it('a pattern: bursts must not overlap once scaled ((gap - 2 x jitter) / burst length)', () => {
    // span 60 s / 30 = 2 s, minus 2 x 100 ms = 1.8 s; a burst of one exchange is rtt + 2 ms = 22 ms: 1.8 / 0.022 = 81.8.
    const limit = structureLimit(parseScenario(DENSE, 'dense.yaml'));
    expect(limit).to.include({ k: 81, connectionId: 'd' });
    expect(limit?.path).to.deep.equal(['activity', 'pattern', 'span']);
  });

  it('each timeline event after the previous one\'s length', () => {
    const text = TINY.replace('at: 150s', 'at: 1.5s');
    // 0.5 s after an answered event of 22 ms: 22; the handshake allows 45.
    expect(structureLimit(parseScenario(text, 'tiny.yaml'))).to.include({ k: 22, connectionId: 't' });
    expect(structureLimit(parseScenario(text, 'tiny.yaml'))?.path).to.deep.equal(['activity', 'timeline', 1, 'at']);
  });

  it('span + jitter: the same bound as the parser\'s rule (only the bursts that move count, closestBurstApproach)', () => {
    // A burst of one UDP exchange is rtt + 2 ms = 22 ms. Of 2 bursts over a span neither moves, of 3 only the middle
    // one, of 4 or more two neighbours can each come jitter closer; a gap lets every burst move. The limit used to
    // take gap - 2 x jitter always: K = 1 for the first two, whose bursts stay 100 ms and 70 ms apart.
    const cases: { pattern: (k: number) => string; k: number }[] = [
      { pattern: (k) => `bursts: 2, span: ${us(100_000, k)}, jitter: ${us(40_000, k)}`, k: 4 },
      { pattern: (k) => `bursts: 3, span: ${us(200_000, k)}, jitter: ${us(30_000, k)}`, k: 3 },
      { pattern: (k) => `bursts: 4, span: ${us(300_000, k)}, jitter: ${us(20_000, k)}`, k: 2 },
      { pattern: (k) => `bursts: 5, gap: ${us(100_000, k)}, jitter: ${us(20_000, k)}`, k: 2 },
    ];
    for (const c of cases) {
      const text = (k: number): string => `connections:\n  - { id: s, protocol: udp, client: 192.0.2.1:1000, server: 192.0.2.2:53, activity: { pattern: { ${c.pattern(k)}, request: 10, response: 10 } } }\n`;
      expect(structureLimit(parseScenario(text(1), 'span.yaml'))?.k, c.pattern(1)).to.equal(c.k);
      // The parser, asked of the scenario written K times faster: it takes K and refuses K + 1.
      expect(() => parseScenario(text(c.k), 'span.yaml'), c.pattern(c.k)).to.not.throw();
      expect(() => parseScenario(text(c.k + 1), 'span.yaml'), c.pattern(c.k + 1)).to.throw(/shorter than a burst/);
    }
  });

  it('nothing to keep apart (one burst, a UDP timeline of one event): no limit', () => {
    const one = 'connections:\n  - { id: a, protocol: udp, client: 192.0.2.1:1000, server: 192.0.2.2:53, activity: { pattern: { bursts: 1, request: 10, response: 10 } } }\n';
    expect(structureLimit(parseScenario(one, 'one.yaml'))).to.equal(undefined);
  });

  it('the generator agrees: at the limit it generates, one above it the scaled scenario breaks', async () => {
    const tiny = parseScenario(TINY, 'tiny.yaml');
    const at = await generate(scaleScenario(tiny, 45), path.join(tmp, 'k45'), {});
    expect(at.truth.connections.find((c) => c.id === 't')?.clientPkts).to.be.greaterThan(0);
    let failed: unknown;
    // The parser's rule (rtt + 2 ms) is what the limit keeps; the generator itself breaks from K = 48 (1 s / 48 < rtt + 1 ms).
    await generate(scaleScenario(tiny, 48), path.join(tmp, 'k48'), {}).catch((error: unknown) => { failed = error; });
    expect(String(failed)).to.match(/generator bug/);
  });

  it('at the limit a pattern keeps its length: bursts are not pushed back', async () => {
    const dense = parseScenario(DENSE, 'dense.yaml');
    const k = structureLimit(dense)?.k ?? 0;
    const g = await generate(scaleScenario(dense, k), path.join(tmp, 'dense'), {});
    const d = g.truth.connections.find((c) => c.id === 'd');
    // 60 s of bursts: multiplied back, the unscaled handshake, last burst and close (65 ms) last K times
    // themselves, nothing more (at K = 1000 bursts pushed back made it 4.4 times the scenario's).
    expect((d?.durationUs ?? 0) * k / 1e6).to.be.within(60, 60 + k * 0.066);
  });

  it('names the line and column of the time that binds', () => {
    const tiny = parseScenario(TINY, 'tiny.yaml');
    const limit = structureLimit(tiny);
    expect(limit).to.not.equal(undefined);
    if (limit === undefined) return;
    expect(positionIn(TINY, 'tiny.yaml', ['connections', limit.connectionIndex, ...limit.path])).to.deep.equal({ file: 'tiny.yaml', line: 18, col: 17 });
    const dense = structureLimit(parseScenario(DENSE, 'dense.yaml'));
    if (dense === undefined) return;
    expect(positionIn(DENSE, 'dense.yaml', ['connections', 0, ...dense.path])).to.deep.equal({ file: 'dense.yaml', line: 10, col: 36 });
  });
});

/** `us` microseconds divided by K, as a duration. */
function us(micros: number, k: number): string {
  return `${Math.round(micros / k)}us`;
}
