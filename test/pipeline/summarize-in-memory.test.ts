import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_COMPARE_OPTIONS } from '../../harness/comparator/compare-cell.js';
import { summarizeResults, WORST_KEPT } from '../../harness/core/summarize-results.js';
import type { RunResults } from '../../harness/core/results.js';
import { parseTimeoutSweep } from '../../harness/core/timeout-setting.js';
import { runPipeline } from '../../harness/pipeline/run-pipeline.js';

/**
 * `harness run` keeps of each finished cell only what results.json keeps (its worst scores, the distribution), so
 * that a million connections do not stay in memory once their scores are on disk. The results and the advice must
 * be those of a run that kept every score: the recommendation is judged on every connection, not the worst kept.
 */
const SCENARIO = `# summarize-in-memory: more connections than results.json keeps per cell (${WORST_KEPT}), TCP and UDP, each
# with one 6-minute silence, so that the default settings split them and 1h keeps them whole.
name: summarize-in-memory
seed: 3
connections:
  - id: t
    protocol: tcp
    client: 10.1.0.1-10.1.0.200:30000
    server: 198.51.100.80:443
    count: 140
    stagger: 50ms
    close: fin
    activity:
      pattern: { bursts: 2, gap: 6m, request: 80, response: 160 }
  - id: u
    protocol: udp
    client: 10.2.0.1-10.2.0.200:30000
    server: 198.51.100.53:53
    count: 30
    stagger: 50ms
    activity:
      pattern: { bursts: 2, gap: 6m, request: 40, response: 90 }
`;

/** What a reader of results.json sees of each cell and the advice, without times that differ from run to run. */
function comparable(results: RunResults): unknown {
  return summarizeResults(results).scenarios.map((s) => ({
    recommendations: s.recommendations,
    cells: s.cells.map((c) => ({
      column: c.column,
      setting: c.setting.label,
      status: c.status,
      verdict: c.verdict,
      aggregate: c.aggregate,
      distribution: c.distribution,
      connectionsScored: c.connectionsScored,
      scores: c.scores.map((score) => `${score.connectionId} ${score.verdict} ${score.fragments}`),
    })),
  }));
}

describe('harness run keeps in memory only what results.json keeps of a cell (real argus and tshark)', function () {
  this.timeout(300_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'harness-summarize-'));
    await writeFile(path.join(dir, 'summarize-in-memory.yaml'), SCENARIO);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function run(summarizeCellsInMemory: boolean): Promise<RunResults> {
    return runPipeline({
      scenarioPaths: [path.join(dir, 'summarize-in-memory.yaml')],
      sensors: ['argus', 'tshark'].map((id) => ({ sensor: id, monitor: id, settings: parseTimeoutSweep('default,1h') })),
      outDir: path.join(dir, summarizeCellsInMemory ? 'summarized' : 'whole'),
      compare: DEFAULT_COMPARE_OPTIONS,
      cellTimeLimitMs: 120_000,
      signal: new AbortController().signal,
      command: ['test'],
      summarizeCellsInMemory,
    });
  }

  it('gives the results and recommendations of a run that kept every score', async () => {
    const whole = await run(false);
    const summarized = await run(true);
    const argusDefault = summarized.scenarios[0]?.cells.find((c) => c.monitor === 'argus' && c.setting.label === 'default');
    if (argusDefault?.status !== 'ok') throw new Error(`argus is installed by setup.sh and must run here: ${argusDefault?.reason}`);
    // The summarized run really dropped scores: otherwise this test compares a run with itself.
    expect(argusDefault.connectionsScored).to.equal(170);
    expect(argusDefault.scores.length).to.be.at.most(WORST_KEPT);
    expect(whole.scenarios[0]?.cells.every((c) => c.connectionsScored === undefined)).to.equal(true);
    expect(comparable(summarized)).to.deep.equal(comparable(whole));
    // The advice is judged on every connection: both protocols were split at default and are whole at 1h.
    const advice = summarized.scenarios[0]?.recommendations.filter((r) => r.monitor === 'argus') ?? [];
    expect(advice.map((r) => r.protocol).sort()).to.include.members(['tcp', 'udp']);
    // Scored one connection at a time, each cell's scores file holds every score, byte for byte as the whole run's.
    for (const cell of summarized.scenarios[0]?.cells ?? []) {
      if (cell.scoresFile === undefined) continue;
      const streamed = await readFile(path.join(dir, 'summarized', cell.scoresFile), 'utf8');
      expect(streamed.split('\n').filter((l) => l !== '')).to.have.length(170 + (summarized.scenarios[0]?.connectionCount?.background ?? 0));
      expect(streamed, cell.scoresFile).to.equal(await readFile(path.join(dir, 'whole', cell.scoresFile), 'utf8'));
    }
  });
});
