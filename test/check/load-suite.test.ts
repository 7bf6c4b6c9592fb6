import { expect } from 'chai';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expandGlob } from '../../harness/check/expand-glob.js';
import { loadSuite } from '../../harness/check/load-suite.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('check: loadSuite and the shipped examples', () => {
  it('loads examples/zeek-long-connections.suite.yaml: two Zeek sensors, the team local.zeek, burst-20min', async () => {
    const loaded = await loadSuite(path.join(repo, 'examples/zeek-long-connections.suite.yaml'));
    expect(loaded.suite.sensors.map((s) => [s.name, s.monitor])).to.deep.equal([['zeek-tuned', 'zeek'], ['zeek-defaults', 'zeek']]);
    expect(loaded.scenarios.map((s) => s.name)).to.deep.equal(['burst-20min']);
    expect(loaded.configFiles.get('zeek-tuned')).to.equal(path.join(repo, 'examples/configs/local.zeek'));
  });

  it('loads examples/netflow-exporters.suite.yaml: argus, nfpcapd and softflowd', async () => {
    const loaded = await loadSuite(path.join(repo, 'examples/netflow-exporters.suite.yaml'));
    expect(loaded.suite.sensors.map((s) => s.monitor)).to.deep.equal(['argus', 'nfpcapd', 'softflowd']);
    expect([...loaded.configFiles.keys()]).to.deep.equal(['argus-team', 'softflowd-team']);
  });

  it('expands *, ? and ** relative to a folder, sorted, skipping hidden files', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-glob-'));
    await mkdir(path.join(dir, 'a/b'), { recursive: true });
    for (const f of ['x1.yaml', 'x2.yaml', 'y.yml', '.hidden.yaml', 'a/z.yaml', 'a/b/w.yaml']) await writeFile(path.join(dir, f), '');
    const rel = async (pattern: string) => (await expandGlob(pattern, dir)).map((f) => path.relative(dir, f));
    expect(await rel('*.yaml')).to.deep.equal(['x1.yaml', 'x2.yaml']);
    expect(await rel('x?.yaml')).to.deep.equal(['x1.yaml', 'x2.yaml']);
    expect(await rel('**/*.yaml')).to.deep.equal(['a/b/w.yaml', 'a/z.yaml', 'x1.yaml', 'x2.yaml']);
    expect(await rel('a/*/w.yaml')).to.deep.equal(['a/b/w.yaml']);
    expect(await rel('nothing/*.yaml')).to.deep.equal([]);
  });

  it('runs a scenario named by a glob and by its path once, and refuses one file named twice in two spellings', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-suite-twice-'));
    await writeFile(path.join(dir, 'quiet-300s.yaml'), await readFile(path.join(repo, 'test/corpus/cases/suite/sensors-named-twice/quiet-300s.yaml')));
    const suite = (scenarios: string): string => `sensors: { t: { monitor: tshark } }\nscenarios: ${scenarios}\nexpect: [{ scenario: quiet-300s, max_fragments: 1 }]\n`;
    await writeFile(path.join(dir, 'glob.suite.yaml'), suite('["*.yaml", quiet-300s.yaml]'));
    expect((await loadSuite(path.join(dir, 'glob.suite.yaml'))).scenarioFiles).to.deep.equal([path.join(dir, 'quiet-300s.yaml')]);
    await writeFile(path.join(dir, 'twice.suite.yaml'), suite('[quiet-300s.yaml, ./quiet-300s.yaml]'));
    const error = await loadSuite(path.join(dir, 'twice.suite.yaml')).catch((e: unknown) => e);
    expect((error as Error).message).to.equal(`${path.join(dir, 'twice.suite.yaml')}:2:30: found scenario "./quiet-300s.yaml" twice in scenarios (as "quiet-300s.yaml" on line 2); expected each scenario once`);
  });

  it('a glob passes over the suite\'s sensor configs, other suites and baselines (each was refused as a bad scenario)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-suite-glob-'));
    await writeFile(path.join(dir, 'quiet-300s.yaml'), await readFile(path.join(repo, 'test/corpus/cases/suite/sensors-named-twice/quiet-300s.yaml')));
    await writeFile(path.join(dir, 'suricata.yaml'), await readFile(path.join(repo, 'harness/monitors/suricata/sample.yaml')));
    await writeFile(path.join(dir, 'other.suite.yaml'), 'sensors: { t: { monitor: tshark } }\n');
    const suite = path.join(dir, 'glob.suite.yaml');
    await writeFile(suite, 'sensors: { s: { monitor: suricata, config: suricata.yaml } }\nscenarios: ["*.yaml"]\nexpect: [{ scenario: quiet-300s, max_fragments: 1 }]\n');
    expect((await loadSuite(suite)).scenarioFiles).to.deep.equal([path.join(dir, 'quiet-300s.yaml')]);
    // Named without a glob, a file is what the user meant, and is read as a scenario.
    await writeFile(suite, 'sensors: { s: { monitor: suricata, config: suricata.yaml } }\nscenarios: [quiet-300s.yaml, suricata.yaml]\nexpect: [{ scenario: quiet-300s, max_fragments: 1 }]\n');
    expect(((await loadSuite(suite).catch((e: unknown) => e)) as Error).message).to.match(/suricata\.yaml:\d+:\d+: found key/);
  });
});
