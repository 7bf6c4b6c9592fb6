import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_COMPARE_OPTIONS } from '../../harness/comparator/compare-cell.js';
import { parseTimeoutSweep } from '../../harness/core/timeout-setting.js';
import { loadAdapters } from '../../harness/monitors/registry.js';
import { runPipeline } from '../../harness/pipeline/run-pipeline.js';

/**
 * The harness's own overhead in a sweep: wall time of the whole run minus the time its monitor processes ran,
 * as a share of the total. Run with one cell at a time so the two add up. Target: under 5 %.
 */
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export async function overheadBench(): Promise<string[]> {
  const adapters = await loadAdapters();
  const installed = [];
  for (const adapter of adapters) if ((await adapter.detect(process.env)).found) installed.push(adapter);
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'harness-bench-overhead-'));
  try {
    const started = performance.now();
    const results = await runPipeline({
      scenarioPaths: [path.join(repo, 'scenarios/burst-20min.yaml')],
      sensors: installed.map((a) => ({ sensor: a.id, monitor: a.id, settings: parseTimeoutSweep('default,1h') })),
      outDir,
      compare: DEFAULT_COMPARE_OPTIONS,
      cellTimeLimitMs: 600_000,
      concurrency: 1,
      signal: new AbortController().signal,
      command: ['bench'],
    });
    const totalMs = performance.now() - started;
    const seen = new Set<string>();
    let monitorMs = 0;
    let commands = 0;
    for (const scenario of results.scenarios) {
      for (const cell of scenario.cells) {
        // Views of one run share their commands: count each cell folder once.
        if (seen.has(cell.provenance.dir)) continue;
        seen.add(cell.provenance.dir);
        for (const command of cell.provenance.commands) {
          monitorMs += command.wallMs;
          commands += 1;
        }
      }
    }
    for (const calibration of results.calibrations ?? []) {
      for (const command of calibration.commands) {
        monitorMs += command.wallMs;
        commands += 1;
      }
    }
    const overheadMs = totalMs - monitorMs;
    const share = overheadMs / totalMs;
    return [
      `sweep overhead: burst-20min x ${installed.length} monitors (${installed.map((a) => a.id).join(', ')}) x 2 settings, one cell at a time`,
      `  total ${(totalMs / 1000).toFixed(2)} s, monitor processes ${(monitorMs / 1000).toFixed(2)} s in ${commands} commands, harness ${(overheadMs / 1000).toFixed(2)} s`,
      `  overhead share ${(share * 100).toFixed(1)} % (target < 5 %; harness time includes generating the pcaps)`,
    ];
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  for (const line of await overheadBench()) console.log(line);
}
