import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { binEnvironment, measureInChild, ownPeakRssKb } from './measure-in-child.js';
import { giveBackAllocatorEnvironment } from '../../harness/cli/allocator-environment.js';

/**
 * Scale of the harness itself: `harness run` of a scenario of N short, staggered TCP connections with tshark, argus
 * and one NetFlow exporter (softflowd), each run in its own node process so that its peak RSS is the harness's own
 * (its VmHWM, ownPeakRssKb(): the monitors are other processes and not counted). Prints, beside N, the peak RSS,
 * the wall time, their growth per connection against the smallest size, the sizes of results.json and
 * report.html, and what the whole run folder takes on disk. Targets: peak RSS under 1 GB at 1 M connections, growth linear or better, report.html under 10 MB.
 *
 * `npm run bench` measures 10 k and 100 k; `npm run bench:scale` measures only this, with 1 M too.
 */
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const MONITORS = 'tshark,argus,softflowd';

/** The scale scenario's YAML; the generator bench measures the generator's own memory on it too. */
export function scenarioText(count: number): string {
  // 50 ports per address: a million copies need 20,000 addresses, inside 10.0.0.0/16 .. 10.1.0.0/16.
  return `# scale-${count}: ${count} short TCP connections, two bursts 20 min apart, staggered over the first
# ${Math.round(count * 0.002)} s: the harness's own memory and time at this many connections (bench only).
name: scale-${count}
seed: 5
connections:
  - id: s
    protocol: tcp
    client: 10.0.0.1-10.255.255.254:20000-20049
    server: 198.51.100.80:443
    count: ${count}
    stagger: 2ms
    close: fin
    activity:
      pattern: { bursts: 2, gap: 20m, request: 80, response: 160 }
`;
}

interface ScaleRun {
  count: number;
  exitCode: number;
  wallMs: number;
  peakRssKb: number;
  /** CPU time of the harness process itself, every thread (not the monitors it runs). */
  ownCpuMs: number;
  /** CPU time of the processes it ran and waited for (monitors, converters), when /proc says; -1 when not. */
  childCpuMs: number;
  resultsBytes: number;
  htmlBytes: number;
  pcapBytes: number;
  /** Everything the run wrote (pcap, truth, every cell's logs, records and scores files, reports). */
  folderBytes: number;
  /** The cells' per-connection score files (scores.*.jsonl) among them. */
  scoresBytes: number;
  error?: string;
}

async function sizeOf(file: string): Promise<number> {
  return stat(file).then((s) => s.size, () => -1);
}

/** Bytes of every file under `dir`, and of those named scores.*.jsonl. */
async function folderSize(dir: string): Promise<{ total: number; scores: number }> {
  let total = 0;
  let scores = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])) {
    if (!entry.isFile()) continue;
    const bytes = await sizeOf(path.join(entry.parentPath ?? entry.path, entry.name));
    if (bytes < 0) continue;
    total += bytes;
    if (/^scores\..*\.jsonl$/.test(entry.name)) scores += bytes;
  }
  return { total, scores };
}

async function runAt(count: number, dir: string): Promise<ScaleRun> {
  const scenario = path.join(dir, `scale-${count}.yaml`);
  const out = path.join(dir, `run-${count}`);
  await writeFile(scenario, scenarioText(count));
  const child = await measureInChild<{ exitCode: number; wallMs: number; peakRssKb: number; ownCpuMs: number; childCpuMs: number }>(import.meta.url, [out, scenario], { cwd: repo, env: await binEnvironment() });
  const measured = 'value' in child ? child.value : undefined;
  const pcapDir = path.join(out, `scale-${count}`);
  const pcap = (await readdir(pcapDir).catch(() => [])).find((f) => f.endsWith('.pcap'));
  const folder = await folderSize(out);
  return {
    count,
    exitCode: measured?.exitCode ?? -1,
    wallMs: measured?.wallMs ?? 0,
    peakRssKb: measured?.peakRssKb ?? 0,
    ownCpuMs: measured?.ownCpuMs ?? 0,
    childCpuMs: measured?.childCpuMs ?? -1,
    resultsBytes: await sizeOf(path.join(out, 'results.json')),
    htmlBytes: await sizeOf(path.join(out, 'report.html')),
    pcapBytes: pcap ? await sizeOf(path.join(pcapDir, pcap)) : -1,
    folderBytes: folder.total,
    scoresBytes: folder.scores,
    ...('error' in child ? { error: child.error } : {}),
  };
}

/**
 * CPU time (user + system) of this process's children that have been waited for, from /proc/self/stat (cutime and
 * cstime, fields 16 and 17, in clock ticks of 1/100 s on Linux); -1 where there is no /proc.
 */
async function childrenCpuMs(): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8').catch(() => undefined);
  if (stat === undefined) return -1;
  // The command name (field 2) is in parentheses and may hold spaces: fields are counted after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[13]) + Number(fields[14]);
  return Number.isFinite(ticks) ? ticks * 10 : -1;
}

const mb = (bytes: number): string => (bytes < 0 ? 'none' : `${(bytes / 1e6).toFixed(1)} MB`);

export async function scaleBench(counts = [10_000, 100_000]): Promise<string[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-bench-scale-'));
  const lines = [`harness run with ${MONITORS}, --timeouts default, each size in its own process`];
  try {
    const runs: ScaleRun[] = [];
    for (const count of counts) {
      const r = await runAt(count, dir);
      runs.push(r);
      const base = runs[0] as ScaleRun;
      const perConnection = (x: number, y: number): string => ((x / r.count) / (y / base.count)).toFixed(2);
      const growth = r === base ? '' : `; per connection vs ${base.count.toLocaleString('en')}: RSS x${perConnection(r.peakRssKb, base.peakRssKb)}, time x${perConnection(r.wallMs, base.wallMs)}, harness CPU x${perConnection(r.ownCpuMs, base.ownCpuMs)}`;
      lines.push(
        `  ${r.count.toLocaleString('en').padStart(9)} connections: harness peak RSS ${(r.peakRssKb / 1024).toFixed(0)} MB${r.count >= 1_000_000 ? ` (target < 1024 MB: ${r.peakRssKb < 1024 * 1024 ? 'met' : 'NOT met'})` : ''}, `
          + `wall ${(r.wallMs / 1000).toFixed(1)} s, exit ${r.exitCode}; pcap ${mb(r.pcapBytes)}, results.json ${mb(r.resultsBytes)}, report.html ${mb(r.htmlBytes)}`
          + `${r.htmlBytes > 10e6 ? ' (target < 10 MB: NOT met)' : ''}${growth}`,
        // What a team must have free on the disk: a cell's score file holds every connection's score (~1 KB each).
        `    run folder ${mb(r.folderBytes)} on disk, of which the cells' per-connection score files ${mb(r.scoresBytes)}`,
        // Wall time on a shared machine moves with its neighbours; the harness's own CPU time says whether its part grows linearly.
        `    CPU: the harness itself ${(r.ownCpuMs / 1000).toFixed(1)} s (${((r.ownCpuMs * 1000) / r.count).toFixed(0)} us a connection), `
          + `the monitors and converters it ran ${r.childCpuMs < 0 ? 'unknown (no /proc)' : `${(r.childCpuMs / 1000).toFixed(1)} s`}`,
      );
      if (r.error) lines.push(`    failed: ${r.error}`);
    }
    return lines;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const child = process.argv.indexOf('--child');
  if (child >= 0) {
    // The measured process: the harness's main() and nothing else, then its own peak RSS.
    const [out, scenario] = process.argv.slice(child + 1) as [string, string];
    giveBackAllocatorEnvironment(); // as bin/harness does: the monitors keep their own defaults
    const { main } = await import(pathToFileURL(path.join(repo, 'dist/harness/cli.js')).href) as { main: (argv: string[]) => Promise<number> };
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const childrenBefore = await childrenCpuMs();
    const exitCode = await main(['run', scenario, '--monitors', MONITORS, '--timeouts', 'default', '--out', out]);
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const childrenAfter = await childrenCpuMs();
    const childCpuMs = childrenBefore < 0 || childrenAfter < 0 ? -1 : childrenAfter - childrenBefore;
    console.log(JSON.stringify({ exitCode, wallMs, peakRssKb: ownPeakRssKb(), ownCpuMs: (cpu.user + cpu.system) / 1000, childCpuMs }));
  } else {
    const counts = process.argv.includes('--with-1m') ? [10_000, 100_000, 1_000_000] : [10_000, 100_000];
    for (const line of await scaleBench(counts)) console.log(line);
  }
}
