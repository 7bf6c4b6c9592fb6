import { expect } from 'chai';
import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generate } from '../../generators/generate.js';
import { loadScenario } from '../../harness/scenario/load-scenario.js';
import { compareWithTruth, resetCount, tsharkProblems } from './pcap-inspect.js';

/**
 * Every bundled scenario generates a pcap that tshark finds clean and that agrees exactly with its truth.
 * many-idle (150 k packets, 10 k connections) is the slow one: tshark reads it twice, a minute or so on CI.
 */
const scenariosDir = path.resolve(process.cwd(), 'scenarios');

describe('bundled scenarios: generated pcaps agree with tshark and capinfos', function () {
  this.timeout(600_000);
  let files: string[] = [];
  before(async () => {
    files = (await readdir(scenariosDir)).filter((f) => f.endsWith('.yaml')).sort();
  });

  it('finds the bundled scenarios', () => {
    expect(files.length).to.be.greaterThan(0);
  });

  it('each one: clean under tshark, truth equal to tshark per connection and to capinfos', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'gen-scenarios-'));
    const failures: string[] = [];
    for (const file of files) {
      const scenario = await loadScenario(path.join(scenariosDir, file));
      const r = await generate(scenario, out);
      const problems = await tsharkProblems(r.pcapPath, resetCount(r.truth));
      if (problems !== '') failures.push(`${file}: tshark: ${problems}`);
      for (const p of await compareWithTruth(r.pcapPath, r.truth)) failures.push(`${file}: ${p}`);
      expect(r.truth.connections.filter((c) => !c.background).length).to.be.greaterThan(0);
    }
    expect(failures).to.deep.equal([]);
  });
});
