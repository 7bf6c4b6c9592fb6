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
    // Time during which at least one monitor process (or its collector) ran: the union of their intervals, so a
    // collector running beside its exporter is not counted twice.
    const intervals: [number, number][] = [];
    const seen = new Set<string>();
    for (const scenario of results.scenarios) {
      for (const cell of scenario.cells) {
        // Views of one run share their commands: count each cell folder once.
        if (seen.has(cell.provenance.dir)) continue;
        seen.add(cell.provenance.dir);
        for (const c of cell.provenance.commands) if (c.startMs !== undefined) intervals.push([c.startMs, c.startMs + c.wallMs]);
      }
    }
    for (const calibration of results.calibrations ?? []) {
      for (const c of calibration.commands) if (c.startMs !== undefined) intervals.push([c.startMs, c.startMs + c.wallMs]);
    }
    const commands = intervals.length;
    const monitorMs = unionLength(intervals);
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

function unionLength(intervals: [number, number][]): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const [from, to] of sorted) {
    if (to <= end) continue;
    total += to - Math.max(from, end);
    end = to;
  }
  return total;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  for (const line of await overheadBench()) console.log(line);
}
