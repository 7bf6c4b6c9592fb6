import { expect } from 'chai';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generate } from '../../generators/generate.js';
import { loadScenario } from '../../harness/scenario/load-scenario.js';
import { checkPcapSize, estimatePcap, quietPeriodsOfCopy, scenarioEndS } from '../../harness/scenario/scenario-extent.js';
import { InputError } from '../../harness/core/input-error.js';
import { REPO } from '../support/cli.js';
import { parseScenario } from '../../harness/scenario/parse-scenario.js';

describe('scenario extent (size and end known before generating)', function () {
  it('estimates every bundled scenario within 5% of the pcap really written, and its end at the last packet or after', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'harness-extent-'));
    const dir = path.join(REPO, 'scenarios');
    for (const file of (await readdir(dir)).filter((f) => f.endsWith('.yaml'))) {
      const scenario = await loadScenario(path.join(dir, file));
      const estimate = estimatePcap(scenario);
      const result = await generate(scenario, out);
      const actual = statSync(result.pcapPath).size;
      expect(Math.abs(estimate.bytes - actual) / actual, `${file}: estimated ${estimate.bytes}, wrote ${actual}`).to.be.below(0.05);
      expect(Math.abs(estimate.packets - result.truth.pcap.packets) / result.truth.pcap.packets, `${file} packets`).to.be.below(0.05);
      expect(scenario.startUs + scenarioEndS(scenario) * 1e6, file).to.be.at.least(result.truth.pcap.lastUs - 1e6);
    }
  });

  it('counts the empty reply a UDP timeline\'s reply: 0 sends, and not the one a pattern\'s response: 0 does not', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'harness-extent-'));
    const events = Array.from({ length: 50 }, (_, i) => `{ at: ${i}s, from: client, bytes: 0, reply: 0 }`).join(', ');
    const yaml = (activity: string): string => `name: empty-replies\nconnections:\n  - id: u\n    protocol: udp\n    client: 10.0.0.1:1000\n    server: 10.9.0.1:53\n    activity: ${activity}\n`;
    for (const activity of [`{ timeline: [${events}] }`, '{ pattern: { bursts: 50, gap: 1s, request: 10, response: 0 } }']) {
      const scenario = parseScenario(yaml(activity), 'empty-replies.yaml');
      const result = await generate(scenario, out);
      expect(estimatePcap(scenario).packets, activity.slice(0, 12)).to.equal(result.truth.pcap.packets);
    }
  });

  it('one burst starts at the activity\'s start whatever span or gap say (a phantom hour refused a 30 min hold)', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'harness-extent-'));
    for (const pattern of ['bursts: 1, span: 1h', 'bursts: 1, gap: 1h, jitter: 10m']) {
      const text = `name: one-burst\nconnections:\n  - id: c1\n    protocol: tcp\n    client: 192.0.2.10:40000\n    server: 198.51.100.20:443\n    close: fin\n    hold: 30m\n    activity:\n      pattern: { ${pattern}, request: 100, response: 200 }\n`;
      const scenario = parseScenario(text, 'one-burst.yaml');
      const result = await generate(scenario, out);
      expect(estimatePcap(scenario).packets, pattern).to.equal(result.truth.pcap.packets);
      // The hold's FIN at 30 min, its FIN-ACK and ACK a round trip later.
      expect(result.truth.connections[0]?.durationUs, pattern).to.be.within(30 * 60e6, 30 * 60e6 + 1e6);
    }
  });

  it('a pcap too large is refused at the line:col of the key that makes most of it (count, bursts, keepalive, timeline, clock)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-extent-'));
    const connection = (lines: string[]): string => ['connections:', '  - id: c1', '    protocol: tcp', '    client: 192.0.2.10:40000', '    server: 198.51.100.20:443', ...lines, ''].join('\n');
    const cases: { text: string; at: string; what: RegExp }[] = [
      { text: connection(['    count: 1000', '    client: 10.0.0.0-10.0.255.255:1000', '    activity:', '      pattern: { bursts: 20, gap: 10m, request: 1000, response: 200 }']).replace('    client: 192.0.2.10:40000\n', ''), at: '5:12', what: /connection c1 \(count 1000\)/ },
      { text: connection(['    activity:', '      pattern: { bursts: 20000, gap: 1s, request: 1000, response: 200 }']), at: '7:26', what: /connection c1\)/ },
      { text: connection(['    hold: 10h', '    keepalive: { every: 1s }', '    activity:', '      pattern: { bursts: 2, gap: 1s, request: 1000, response: 200 }']), at: '7:25', what: /connection c1\)/ },
      { text: connection(['    activity:', '      timeline:', ...Array.from({ length: 500 }, (_, i) => `        - { at: ${i + 1}s, from: client, bytes: 100, reply: 200 }`)]), at: '8:9', what: /connection c1\)/ },
      { text: `clock: { every: 1ms }\n${connection(['    activity:', '      pattern: { bursts: 2, gap: 10m, request: 100, response: 200 }'])}`, at: '1:17', what: /clock \(every 0\.001s\)/ },
    ];
    for (const [i, c] of cases.entries()) {
      const file = path.join(dir, `big-${i}.yaml`);
      await writeFile(file, c.text);
      const scenario = await loadScenario(file);
      let refused: unknown;
      await checkPcapSize(scenario, 50_000, 'harness generate --max-pcap-size').catch((error: unknown) => { refused = error; });
      expect(refused, c.text).to.be.instanceOf(InputError);
      expect(String((refused as Error).message), c.text).to.match(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${c.at}: found a scenario whose pcap would be about`));
      expect(String((refused as Error).message), c.text).to.match(c.what);
    }
  });

  it('counts the quiet periods the generator lists, from the scenario alone (a bound the memory guard needs)', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'harness-extent-'));
    const connection = (id: string, port: number, lines: string[], protocol = 'tcp'): string[] => [`  - id: ${id}`, `    protocol: ${protocol}`, `    client: 192.0.2.10:${port}${port === 1000 ? '-1002' : ''}`, '    server: 198.51.100.20:443', ...lines];
    const text = (threshold: string): string => [
      'name: quiet-count',
      `quiet_threshold: ${threshold}`,
      'connections:',
      ...connection('gap', 1000, ['    count: 3', '    activity: { pattern: { bursts: 12, gap: 40s, request: 100, response: 200 } }']),
      ...connection('jitter', 2001, ['    activity: { pattern: { bursts: 9, gap: 25s, jitter: 4s, request: 100, response: 0 } }'], 'udp'),
      ...connection('span', 2002, ['    activity: { pattern: { bursts: 3, span: 70s, jitter: 10s, exchanges: 4, request: 100, response: 200 } }']),
      ...connection('timeline', 2003, ['    activity:', '      timeline:', '        - { at: 40s, from: client, bytes: 100, reply: 200 }', '        - { at: 41s, from: server, bytes: 10 }', '        - { at: 90s, from: client, bytes: 100 }']),
      ...connection('held', 2004, ['    close: fin', '    hold: 10m', '    activity: { pattern: { bursts: 2, gap: 5s, request: 100, response: 200 } }']),
      ...connection('keepalive', 2005, ['    close: rst', '    hold: 20m', '    keepalive: { every: 50s }', '    activity: { pattern: { bursts: 2, gap: 5s, request: 100, response: 200 } }']),
      '',
    ].join('\n');
    for (const threshold of ['30s', '1s', '45s', '5ms']) {
      const scenario = parseScenario(text(threshold), 'quiet-count.yaml');
      const truth = (await generate(scenario, path.join(out, threshold))).truth;
      for (const spec of scenario.connections) {
        const listed = truth.connections.filter((c) => c.id.split('#')[0] === spec.id).reduce((n, c) => n + c.quietPeriods.length, 0);
        const counted = quietPeriodsOfCopy(spec, scenario.quietThresholdS).count * spec.count;
        // Never fewer than the generator lists. It counts start to start, so jitter (every gap that jitter could stretch
        // past the threshold), or an exchange that takes up part of a gap (the timeline's 1 s after the event at 40 s,
        // at a 1 s threshold), or a hold's last keepalive (counted as if its close came one interval later), may make
        // it more.
        expect(counted, `${spec.id} at ${threshold}`).to.be.at.least(listed);
        // Below one exchange (rtt + 2 ms) any gap may be one: every packet's is counted.
        if (threshold === '5ms') continue;
        if (['gap', 'held'].includes(spec.id)) expect(counted, `${spec.id} at ${threshold}`).to.equal(listed);
        if (spec.id !== 'jitter') expect(counted, `${spec.id} at ${threshold}`).to.be.at.most(listed + 2);
      }
    }
  });

  it('refuses more quiet periods than fit in memory, at the key that makes them, before anything is written', () => {
    const udp = (lines: string[], top: string[] = []): string => [...top, 'connections:', '  - id: u', '    protocol: udp', '    client: 10.0.0.0-10.0.255.255:1000-1015', '    server: 198.51.100.53:53', ...lines, ''].join('\n');
    const refused = (text: string): string => {
      try {
        parseScenario(text, 'q.yaml');
      } catch (error) {
        if (error instanceof InputError) return error.message;
        throw error;
      }
      return 'accepted';
    };
    // 10,000 copies of 201 bursts 31 s apart: 2,000,000 quiet periods, the most (one connection with as many: 976 MB).
    expect(refused(udp(['    count: 10000', '    stagger: 1ms', '    activity: { pattern: { bursts: 201, gap: 31s, request: 10, response: 0 } }']))).to.equal('accepted');
    expect(refused(udp(['    count: 10100', '    stagger: 1ms', '    activity: { pattern: { bursts: 201, gap: 31s, request: 10, response: 0 } }']))).to.equal(
      'q.yaml:6:12: found a scenario with about 2,020,000 quiet periods (silences of quiet_threshold 30s or more), 2,020,000 of them from connection u (count 10,100); expected at most 2,000,000 (the generator keeps each in memory until the truth is written, up to 450 bytes each): fewer connections or bursts, or a longer quiet_threshold',
    );
    // One connection: at its activity. A threshold shorter than an exchange: every gap can be one, at quiet_threshold.
    expect(refused(udp(['    activity: { pattern: { bursts: 5000000, gap: 31s, request: 10, response: 0 } }']))).to.match(/^q\.yaml:6:15: found a scenario with about 4,999,999 quiet periods/);
    expect(refused(udp(['    count: 1000', '    activity: { pattern: { bursts: 2000, gap: 1s, exchanges: 3, request: 10, response: 10 } }'], ['quiet_threshold: 1ms']))).to.match(/^q\.yaml:1:18: found a scenario with about 11,999,000 quiet periods \(silences of quiet_threshold 0\.001s or more\)/);
  });
});
