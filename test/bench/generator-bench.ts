import { createHash } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { generate, type GenerateResult } from '../../generators/generate.js';
import { parseScenario } from '../../harness/scenario/load-scenario.js';
import type { Scenario } from '../../harness/scenario/scenario.js';
import { scenario, tcp } from '../generator/scenario-builders.js';
import { measureInChild, ownPeakRssKb } from './measure-in-child.js';
import { runQueueDelayMs } from './run-queue-delay.js';
import { SyncHelper } from './sync-helper.js';
import { scenarioText } from './scale-bench.js';

/**
 * Generator throughput on a >= 1 M-packet scenario, as a ratio to writing AND sha256-hashing the same number of
 * bytes from one preallocated buffer in the same run (the truth must carry the capture's hash, so that pair is the
 * floor; the machine's noise cancels out), and the peak RSS of a 10 M-packet generation measured in a child process.
 * Targets (issue #12): >= 0.8 of the write+hash rate; peak RSS < 200 MB.
 * Also the generator's peak RSS at a million connections (the scale bench's scenario: 1 M short TCP connections,
 * 2 ms apart, two bursts 20 min apart, so ~600,000 are alive at once), in a child: a connection's objects exist only
 * while it sends (through its gap it is a ~210-byte row of ParkedRows), then only its truth is kept. Target: ~500 MB.
 * The first generation, outside the timed runs, also starts the process-wide pcap sink worker (sha256 and writes
 * off the main thread), as it is in any long-running harness process.
 *
 * Every timed run, of either task, writes a file that does not exist yet: replacing the previous 170 MB output
 * costs the kernel 100-140 ms of freeing page cache (measured inside the generator's final rename), which is the
 * file system's price for the old file, not the generator's.
 *
 * Also timed, in the same run: sha256 of the same bytes from one buffer. The truth must carry the pcap's sha256,
 * so no generator can beat max(sha256, write) on two cores; the line it prints says what ratio that leaves.
 */
const CHUNK = 4 * 1024 * 1024;
/** Rounds go on until this many are quiet, or MAX_ROUNDS in all; the verdict needs MIN_JUDGED quiet ones. */
const QUIET_ROUNDS = 5;
const MAX_ROUNDS = 15;
const MIN_JUDGED = 3;
/**
 * A task whose threads waited for a CPU longer than this share of its wall time ran beside another process. Quiet
 * generations measured 9-20% (their own GC and pool threads on two cores); one beside a busy process 30-65%.
 */
const QUIET_DELAY = 0.25;

const fmt = (ms: number | undefined): string => (ms === undefined || Number.isNaN(ms) ? '?' : ms.toFixed(0));

/** The two tasks a round's ratio compares, and the raw write that says what writing the bytes costs the kernel. */
const GENERATE_TASK = 0;
const RAW_WRITE_TASK = 1;
const PAIR_TASK = 3;
/**
 * A task that spent this much more kernel time than the round-median raw write of the same bytes was hit by the
 * machine's page handling, not slowed by its own work. On this VM a write into page cache usually costs ~20 ms of
 * kernel CPU for 170 MB, but now and then 100-300 ms (the same bytes, the same code: pages the hypervisor took back
 * and faults in again); it lands on the generation or the baseline by chance. Normal generations spend 18-45 ms in
 * the kernel (the write plus their threads' handoffs), hit ones 97-170; the baseline 11-34, hit ones 170-312.
 */
const KERNEL_SLACK_MS = 50;

/** How each timed run went beside its wall time: CPU-queue wait and kernel CPU, in ms, by task then round. */
interface RoundSignals {
  samples: readonly number[][];
  delays: readonly number[][];
  kernel: readonly number[][];
}

/** Why a round is not judged, or undefined for a quiet one. */
function roundDisturbance({ samples, delays, kernel }: RoundSignals, round: number): 'shared' | 'kernel' | undefined {
  const shared = [GENERATE_TASK, PAIR_TASK].some((task) => {
    const waited = delays[task]?.[round];
    const wall = samples[task]?.[round];
    return waited !== undefined && wall !== undefined && !Number.isNaN(waited) && waited > QUIET_DELAY * wall;
  });
  if (shared) return 'shared';
  const writeKernel = median(kernel[RAW_WRITE_TASK] ?? []);
  if (Number.isNaN(writeKernel)) return undefined;
  const hit = [GENERATE_TASK, PAIR_TASK].some((task) => (kernel[task]?.[round] ?? 0) > writeKernel + KERNEL_SLACK_MS);
  return hit ? 'kernel' : undefined;
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
}

/** `connections` TCP sessions of 3 + 3 x `bursts` packets: handshake, then request/response/ACK every ~10 s. */
export function benchScenario(connections: number, bursts: number): Scenario {
  return scenario(`bench-${connections}x${bursts}`, [
    tcp('bench', '10.0.0.1:20000', '198.51.100.80:443', {
      client: { addrFrom: '10.0.0.1', addrTo: '10.0.255.255', portFrom: 20000, portTo: 20099 },
      icmpId: 0,
      activity: { kind: 'pattern', bursts, gapS: 10, jitterS: 1, requestBytes: 100, responseBytes: 200, exchangesPerBurst: 1 },
      count: connections,
      staggerS: 0.01,
    }),
  ], { description: 'generator benchmark', file: 'bench', seed: 1 });
}

async function rawWrite(file: string, bytes: number): Promise<void> {
  const buf = Buffer.alloc(CHUNK, 0x61);
  const fh = await open(file, 'w');
  try {
    let left = bytes;
    while (left > 0) {
      const n = Math.min(left, CHUNK);
      await fh.write(buf, 0, n);
      left -= n;
    }
  } finally {
    await fh.close();
  }
}

/** The floor any generator pays: the same bytes hashed and written, one chunk after another, from one buffer. */
async function writeAndHash(file: string, bytes: number): Promise<void> {
  const buf = Buffer.alloc(CHUNK, 0x61);
  const hash = createHash('sha256');
  const fh = await open(file, 'w');
  try {
    for (let left = bytes; left > 0; left -= CHUNK) {
      const n = Math.min(left, CHUNK);
      hash.update(n === CHUNK ? buf : buf.subarray(0, n));
      await fh.write(buf, 0, n);
    }
  } finally {
    await fh.close();
  }
  hash.digest();
}

function sha256Of(bytes: number): void {
  const buf = Buffer.alloc(CHUNK, 0x61);
  const hash = createHash('sha256');
  for (let left = bytes; left > 0; left -= CHUNK) hash.update(left >= CHUNK ? buf : buf.subarray(0, left));
  hash.digest();
}

interface ChildGeneration {
  connections: number;
  packets: number;
  maxRssKb: number;
  ms: number;
}

/** `what` is `bench <connections> <bursts>` (benchScenario) or `scale <connections>` (the scale bench's scenario). */
async function peakRssOfChild(what: string[], dir: string): Promise<ChildGeneration> {
  const child = await measureInChild<ChildGeneration>(import.meta.url, [...what, dir]);
  if ('error' in child) throw new Error(`generator-bench child ${what.join(' ')}: ${child.error}`);
  return child.value;
}

export async function generatorBench(): Promise<string[]> {
  const lines: string[] = [];
  const dir = await mkdtemp(path.join(os.tmpdir(), 'generator-bench-'));
  const syncHelper = new SyncHelper();
  try {
    const scenario = benchScenario(200, 1666);
    let last: GenerateResult | undefined;
    const first = await generate(scenario, dir);
    const fileBytes = 24 + 16 * first.truth.pcap.packets + first.truth.pcap.frameBytes;
    const rawPath = path.join(dir, 'raw.bin');
    // Each task starts with no dirty page left by the one before: the kernel writing back the previous task's 170 MB
    // landed on whichever task ran next (round ratios 0.4-2.1 in one run), which says nothing of either.
    // Through a helper started once (SyncHelper): spawning `sync` here forked this process before every task, and
    // the copy-on-write faults that follow cost the generation ~60 ms of main-thread CPU a run.
    const settle = (): Promise<void> => syncHelper.sync();
    const fresh = (file: string) => ({ beforeEach: async () => { await rm(file, { force: true }); await settle(); } });
    const fileMb = (fileBytes / 1e6).toFixed(0);
    // In this order: GENERATE_TASK and PAIR_TASK name the first and the last.
    const tasks: [string, () => Promise<void> | void, { beforeEach: () => Promise<void> }][] = [
      [`generate ${first.truth.pcap.packets} packets`, async () => void (last = await generate(scenario, dir)), fresh(first.pcapPath)],
      [`raw write of ${fileMb} MB from one buffer`, () => rawWrite(rawPath, fileBytes), fresh(rawPath)],
      [`sha256 of ${fileMb} MB`, () => sha256Of(fileBytes), { beforeEach: settle }],
      [`write + sha256 of ${fileMb} MB from one buffer`, () => writeAndHash(rawPath, fileBytes), fresh(rawPath)],
    ];
    // Rounds of one run of each task, in an order that rotates: a burst of load from another process lands on
    // every task alike instead of on whichever ran all its iterations then. Each round gives its own ratio, and
    // says how long the generation's and the baseline's threads waited for a CPU (see runQueueDelayMs) and how much
    // kernel CPU they used: a round where either waited more than QUIET_DELAY of its time was shared with another
    // process, one where either spent KERNEL_SLACK_MS more in the kernel than the raw write of the same bytes was
    // hit by the machine's page handling; neither is judged. Rounds go on until QUIET_ROUNDS quiet ones or
    // MAX_ROUNDS in all.
    const samples: number[][] = tasks.map(() => []);
    const delays: number[][] = tasks.map(() => []);
    const kernel: number[][] = tasks.map(() => []);
    const signals: RoundSignals = { samples, delays, kernel };
    let quietRounds = 0;
    for (let round = 0; round < MAX_ROUNDS && quietRounds < QUIET_ROUNDS; round++) {
      const bench = new Bench({ iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 });
      const order = tasks.map((_, i) => (i + round) % tasks.length);
      const waited = tasks.map(() => Number.NaN);
      const inKernel = tasks.map(() => Number.NaN);
      for (const i of order) {
        const [name, fn, hooks] = tasks[i] as (typeof tasks)[number];
        let before: number | undefined;
        let kernelBefore = 0;
        bench.add(name, fn, {
          beforeEach: async () => {
            await hooks.beforeEach();
            before = runQueueDelayMs();
            kernelBefore = process.cpuUsage().system;
          },
          afterEach: () => {
            inKernel[i] = (process.cpuUsage().system - kernelBefore) / 1000;
            const after = runQueueDelayMs();
            if (before !== undefined && after !== undefined) waited[i] = Math.max(0, after - before);
          },
        });
      }
      await bench.run();
      bench.tasks.forEach((t, k) => {
        const r = t.result;
        if (r.state !== 'completed') throw new Error(`generator-bench: ${t.name} ${r.state}`);
        const i = order[k] as number;
        (samples[i] as number[]).push(r.latency.mean);
        (delays[i] as number[]).push(waited[i] as number);
        (kernel[i] as number[]).push(inKernel[i] as number);
      });
      // Counted again over every round so far: the raw write's median, which the kernel signal is judged by, moves.
      quietRounds = samples[GENERATE_TASK]?.filter((_, r) => roundDisturbance(signals, r) === undefined).length ?? 0;
    }
    const [genRuns, rawRuns, hashRuns, pairRuns] = samples as [number[], number[], number[], number[]];
    const [gen, raw, hash, pair] = samples.map(median) as [number, number, number, number];
    const [genBest, rawBest, hashBest, pairBest] = samples.map((xs) => Math.min(...xs)) as [number, number, number, number];
    const roundRatios = pairRuns.map((p, i) => p / (genRuns[i] as number));
    const disturbed = roundRatios.map((_, round) => roundDisturbance(signals, round));
    const quietRatios = roundRatios.filter((_, round) => disturbed[round] === undefined);
    const packets = last?.truth.pcap.packets ?? first.truth.pcap.packets;
    const pps = packets / (gen / 1000);
    const genMBs = fileBytes / 1e6 / (gen / 1000);
    const rawMBs = fileBytes / 1e6 / (raw / 1000);
    lines.push(`  medians of ${roundRatios.length} rounds (one run of each task a round, order rotating):`);
    lines.push(`  generate: ${gen.toFixed(0)} ms for ${packets} packets = ${(pps / 1e6).toFixed(2)} M packets/s, ${genMBs.toFixed(0)} MB/s (pcap + sha256 + truth); runs ${genRuns.map((x) => x.toFixed(0)).join(', ')} ms`);
    lines.push(`  raw write of the same ${fileMb} MB: ${raw.toFixed(0)} ms = ${rawMBs.toFixed(0)} MB/s; runs ${rawRuns.map((x) => x.toFixed(0)).join(', ')} ms`);
    lines.push(`  generator / raw write = ${(genMBs / rawMBs).toFixed(2)}`);
    lines.push(`  write + sha256 of the same bytes from one buffer: ${pair.toFixed(0)} ms (fastest ${pairBest.toFixed(0)} ms); runs ${pairRuns.map((x) => x.toFixed(0)).join(', ')} ms`);
    const allRatio = median(roundRatios);
    const described = roundRatios.map((x, round) => {
      const waits = `waited ${fmt(delays[GENERATE_TASK]?.[round])}/${fmt(delays[PAIR_TASK]?.[round])} ms`;
      const inKernel = `kernel ${fmt(kernel[GENERATE_TASK]?.[round])}/${fmt(kernel[PAIR_TASK]?.[round])} ms`;
      const why = disturbed[round];
      return `${x.toFixed(2)}${why === undefined ? '' : ` (${why})`} [${waits}, ${inKernel}]`;
    });
    lines.push(
      `  rounds: generator / (write + sha256), with how long the generation's / the baseline's threads waited for a CPU and their kernel CPU` +
        ` (raw write's median ${fmt(median(kernel[RAW_WRITE_TASK] ?? []))} ms; shared: waited > ${QUIET_DELAY * 100}% of the run;` +
        ` kernel: > ${KERNEL_SLACK_MS} ms above the raw write): ${described.join(', ')}`,
    );
    if (quietRatios.length >= MIN_JUDGED) {
      const quietRatio = median(quietRatios);
      lines.push(
        `  generator / (write + sha256) = ${quietRatio.toFixed(2)} (median of the ${quietRatios.length} quiet rounds of ${roundRatios.length}; target >= 0.8) ` +
          `${quietRatio >= 0.8 ? 'MET' : 'NOT MET'}; all rounds ${allRatio.toFixed(2)}; fastest runs: ${(pairBest / genBest).toFixed(2)}`,
      );
    } else {
      lines.push(
        `  generator / (write + sha256): NOT JUDGED, the machine disturbed ${roundRatios.length - quietRatios.length} of ${roundRatios.length} rounds ` +
          `(${quietRatios.length} quiet, ${MIN_JUDGED} needed); all rounds ${allRatio.toFixed(2)}; fastest runs: ${(pairBest / genBest).toFixed(2)}`,
      );
    }
    lines.push(`  fastest of ${roundRatios.length} runs each: generate ${genBest.toFixed(0)} ms, raw write ${rawBest.toFixed(0)} ms, ratio ${(rawBest / genBest).toFixed(2)}`);
    // Hash and write overlap at best (two cores: encoding needs one of them too), so the slower of the two bounds
    // any generator that must report the pcap's sha256.
    const ceiling = raw / Math.max(hash, raw);
    lines.push(
      `  sha256 of the same bytes alone: ${hash.toFixed(0)} ms (fastest ${hashBest.toFixed(0)} ms; runs ${hashRuns.map((x) => x.toFixed(0)).join(', ')}) = ${(hash / raw).toFixed(2)} x the raw write;` +
        ` even free encoding could reach at most ${ceiling.toFixed(2)} of the raw-write rate here`,
    );
    await rm(rawPath, { force: true });
    // CPU time of one generation, every thread of the process (encoding on the main thread, sha256 and writes in
    // the sink worker): on this machine's cores no schedule can finish it faster than CPU / cores.
    await rm(first.pcapPath, { force: true });
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    await generate(scenario, dir);
    const wallMs = performance.now() - wallBefore;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const cores = os.availableParallelism();
    const floorMs = Math.max(cpuMs / cores, hash);
    lines.push(
      `  one generation used ${cpuMs.toFixed(0)} ms of CPU over all threads (wall ${wallMs.toFixed(0)} ms); on ${cores} cores it cannot take less than` +
        ` ${floorMs.toFixed(0)} ms, so generator / (write + sha256) cannot pass ${(pair / floorMs).toFixed(2)} here; the target 0.8 would need the whole job in` +
        ` ${((pair / 0.8) * cores).toFixed(0)} ms of CPU`,
    );

    const child = await peakRssOfChild(['bench', '2000', '1666'], dir);
    const mb = child.maxRssKb / 1024;
    lines.push(`  10 M-packet generation (${child.packets} packets, ${(child.ms / 1000).toFixed(1)} s) in a child: peak RSS ${mb.toFixed(0)} MB (target < 200 MB) ${mb < 200 ? 'MET' : 'NOT MET'}`);
    const million = await peakRssOfChild(['scale', '1000000'], dir);
    lines.push(
      `  ${million.connections.toLocaleString('en')} connections (scale scenario, ${million.packets} packets, ${(million.ms / 1000).toFixed(1)} s) in a child: ` +
        `generator peak RSS ${(million.maxRssKb / 1024).toFixed(0)} MB = ${((million.maxRssKb * 1024) / million.connections).toFixed(0)} bytes a connection`,
    );
  } finally {
    syncHelper.close();
    await rm(dir, { recursive: true, force: true });
  }
  return lines;
}

async function child(what: string[]): Promise<void> {
  const [kind, a, b] = what;
  const dir = what.at(-1) as string;
  const s = kind === 'scale' ? parseScenario(scenarioText(Number(a)), 'scale-bench.yaml') : benchScenario(Number(a), Number(b));
  const t0 = performance.now();
  const r = await generate(s, dir);
  const ms = performance.now() - t0;
  await rm(r.pcapPath, { force: true });
  await rm(r.truthPath, { force: true });
  await rm(r.truthConnLogPath, { force: true });
  const result: ChildGeneration = { connections: r.truth.connections.length, packets: r.truth.pcap.packets, maxRssKb: ownPeakRssKb(), ms };
  console.log(JSON.stringify(result));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [flag, ...rest] = process.argv.slice(2);
  if (flag === '--child') await child(rest);
  else for (const line of await generatorBench()) console.log(line);
}
