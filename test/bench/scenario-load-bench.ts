import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { measureInChild, ownPeakRssKb } from './measure-in-child.js';

/**
 * Loading a scenario of many connection entries (issue #10: a 50 MB scenario of 295,000 entries must load in
 * seconds). Each load runs in its own node process so its peak RSS is its own. The baseline, in the same run, is
 * 5,000 entries read by the `yaml` package (the same text under a `%YAML 1.2` directive, which readFastYaml
 * declines); printed beside each count: load time, peak RSS, the heap still held by the Scenario after a GC (it
 * must not hold the node tree), and time per entry against the baseline's.
 */
const BASELINE_ENTRIES = 5_000;
const BIG_ENTRIES = 295_000;

/** The shape a generator writes, ~170 bytes an entry, so 295,000 entries are ~50 MB; a comment every 50 entries. */
function entry(i: number): string {
  const tcp = i % 4 !== 3;
  const host = 1 + (i >> 8);
  return `${i % 50 === 0 ? `  # entries ${i} to ${i + 49}\n` : ''}  - id: c${i}
    protocol: ${tcp ? 'tcp' : 'udp'}
    client: 10.${(host >> 8) & 255}.${host & 255}.${1 + (i & 127)}:${20000 + (i & 255)}
    server: 198.51.100.${1 + (i % 50)}:${tcp ? 443 : 53}
    activity:
      pattern: { bursts: 3, gap: 20m, request: 80, response: 160 }
`;
}

export async function writeBigScenario(file: string, entries: number, yamlDirective = false): Promise<void> {
  const out = createWriteStream(file);
  out.write(`${yamlDirective ? '%YAML 1.2\n---\n' : ''}# load-${entries}: ${entries} connection entries, the loading speed and memory of parseScenario (bench only).\nname: load-${entries}\nseed: 3\nconnections:\n`);
  let chunk = '';
  for (let i = 0; i < entries; i += 1) {
    chunk += entry(i);
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = '';
    }
  }
  out.write(chunk);
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

interface Load {
  entries: number;
  bytes: number;
  wallMs: number;
  /** CPU time of the loading process (all its threads, GC included): steadier than wall time on a shared machine. */
  cpuMs: number;
  peakRssKb: number;
  heapAfterMb: number;
  error?: string;
}

async function measure(file: string, entries: number): Promise<Load> {
  const bytes = (await stat(file)).size;
  const child = await measureInChild<{ wallMs: number; cpuMs: number; peakRssKb: number; heapAfterMb: number; connections: number }>(import.meta.url, [file], { nodeArgs: ['--expose-gc'] });
  if ('error' in child) return { entries, bytes, wallMs: 0, cpuMs: 0, peakRssKb: 0, heapAfterMb: 0, error: child.error };
  const m = child.value;
  if (m.connections !== entries) return { entries, bytes, wallMs: 0, cpuMs: 0, peakRssKb: 0, heapAfterMb: 0, error: `read ${m.connections} connections` };
  return { entries, bytes, ...m };
}

export async function scenarioLoadBench(): Promise<string[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-bench-load-'));
  try {
    const runs: [string, string, number, boolean][] = [
      ['yaml package (baseline)', 'slow', BASELINE_ENTRIES, true],
      ['fast reader', 'fast', BASELINE_ENTRIES, false],
      ['fast reader', 'fast', BIG_ENTRIES, false],
    ];
    const lines = ['loadScenario of N six-line connection entries, each load in its own process'];
    let base: Load | undefined;
    for (const [label, tag, entries, directive] of runs) {
      const file = path.join(dir, `${tag}-${entries}.yaml`);
      await writeBigScenario(file, entries, directive);
      const r = await measure(file, entries);
      await rm(file, { force: true });
      base ??= r;
      const perEntry = (x: Load, ms: number): number => ms / x.entries;
      const ratio = r === base || base.error
        ? ''
        : `; per entry x${(perEntry(r, r.wallMs) / perEntry(base, base.wallMs)).toFixed(3)} of the baseline's wall time, x${(perEntry(r, r.cpuMs) / perEntry(base, base.cpuMs)).toFixed(3)} of its CPU time`;
      lines.push(
        r.error
          ? `  ${r.entries.toLocaleString('en').padStart(7)} entries (${label}): failed: ${r.error}`
          : `  ${r.entries.toLocaleString('en').padStart(7)} entries, ${(r.bytes / 1e6).toFixed(1)} MB (${label}): ${(r.wallMs / 1000).toFixed(2)} s (CPU ${(r.cpuMs / 1000).toFixed(2)} s), `
            + `peak RSS ${(r.peakRssKb / 1024).toFixed(0)} MB, heap held by the Scenario ${r.heapAfterMb.toFixed(0)} MB${ratio}`
            + (r.entries === BIG_ENTRIES ? ` (target: in seconds, here under 10 s, and well under 1 GB: ${r.wallMs < 10_000 && r.peakRssKb < 1024 * 1024 ? 'met' : 'NOT met'})` : ''),
      );
    }
    return lines;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const child = process.argv.indexOf('--child');
  if (child >= 0) {
    const file = process.argv[child + 1] as string;
    const { loadScenario } = await import('../../harness/scenario/load-scenario.js');
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const scenario = await loadScenario(file);
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const heapAfterMb = process.memoryUsage().heapUsed / 1e6;
    console.log(JSON.stringify({ wallMs, cpuMs, peakRssKb: ownPeakRssKb(), heapAfterMb, connections: scenario.connections.length }));
  } else {
    for (const line of await scenarioLoadBench()) console.log(line);
  }
}
