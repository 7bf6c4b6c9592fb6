import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO } from '../../test/support/cli.js';
import { DEFAULT_COMPARE_OPTIONS } from '../comparator/compare-cell.js';
import { parseTimeoutSweep } from '../core/timeout-setting.js';
import { parseScenario } from '../scenario/parse-scenario.js';
import { missingLiveCapabilities } from './capabilities.js';
import { generateScaled, runLivePipeline } from './live-pipeline.js';

/**
 * Regression (probe-live #2a): the scaled scenario's generator error (an event inside the handshake at K = 60) left
 * runGroup as a stack trace at exit 1, after the offline run, and lost its results. It is now the reason its group's
 * live cells fail. The structure limit refuses such a K before anything runs; this is what remains if it is ever
 * wrong.
 */
const TIGHT = readFileSync(path.join(REPO, 'test/fixtures/live/tight.yaml'), 'utf8');

describe('live pipeline: generating the scaled scenario', () => {
  let tmp: string;
  before(async () => { tmp = await mkdtemp(path.join(os.tmpdir(), 'live-pipeline-')); });
  after(async () => { await rm(tmp, { recursive: true, force: true }); });

  it('a generator error is a reason, not a throw', async () => {
    const scenario = parseScenario(TIGHT, 'tight.yaml');
    const result = await generateScaled(scenario, 60, path.join(tmp, 'k60'), new AbortController().signal);
    expect(result).to.have.property('problem').that.matches(/^could not generate tight sped up 60 times, so nothing was replayed: connection t: packet at \d+ us after one at \d+ us \(generator bug\)$/);
    const fine = await generateScaled(scenario, 10, path.join(tmp, 'k10'), new AbortController().signal);
    expect(fine).to.have.property('pcapPath');
  });
});

describe('live pipeline: each scenario file read once (real softflowd, root)', function () {
  this.timeout(120_000);
  let tmp: string;
  before(async () => { tmp = await mkdtemp(path.join(os.tmpdir(), 'live-pipeline-once-')); });
  after(async () => { await rm(tmp, { recursive: true, force: true }); });

  it('the up-front speedup checks and the replay share one read: the file changed after it is not read again', async function () {
    if ((await missingLiveCapabilities()).length > 0) this.skip();
    const file = path.join(tmp, 'tight.yaml');
    await writeFile(file, TIGHT);
    const results = await runLivePipeline({
      scenarioPaths: [file],
      sensors: [{ sensor: 'softflowd', monitor: 'softflowd', settings: parseTimeoutSweep('10m') }],
      outDir: path.join(tmp, 'out'),
      compare: DEFAULT_COMPARE_OPTIONS,
      cellTimeLimitMs: 60_000,
      signal: new AbortController().signal,
      command: ['test'],
      // Once generated, the file no longer reads: a second read (the replay's, as it was) would refuse it.
      onProgress: (event) => { if (event.kind === 'generated') void writeFile(file, 'name: [unreadable\n'); },
    }, { speedup: 40 });
    const live = results.scenarios[0]?.cells.filter((c) => c.live) ?? [];
    expect(live.length).to.be.greaterThan(0);
    for (const cell of live) expect(cell.status, cell.reason).to.equal('ok');
  });
});
