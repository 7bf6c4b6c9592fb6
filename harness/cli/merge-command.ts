import { copyFile, cp, link, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../core/input-error.js';
import { loadAdapters } from '../monitors/registry.js';
import { checkPartials, mergePartials, type PartialResult } from '../pipeline/merge-partials.js';
import { readWholeResults } from '../io/read-results.js';
import { pathInside } from '../io/path-inside.js';
import { checkOutputFile, checkOutputFolder, refuseFileInRunFolder, refuseFolderHoldingInputs, refuseOutputOverInput } from '../io/output-paths.js';
import { claimRunFolder, replaceRunFolderContents } from '../io/run-folder.js';
import { fileSha256 } from '../io/file-hash.js';
import { loadSuite } from '../check/load-suite.js';
import { baselinePathFor } from '../check/baseline.js';
import { readBaseline } from '../check/baseline-file.js';
import { checkOutputs, judgeCheck, loadedSuiteFit, suiteInputs } from '../check/run-check.js';
import type { BaselineFit } from '../check/baseline.js';
import type { Baseline } from '../check/baseline.js';
import type { Suite } from '../check/suite.js';
import type { SensorSkip } from '../check/check-report.js';
import { writeReports } from '../../reports/write-reports.js';
import { renderTerminal } from '../../reports/terminal-report.js';
import { boolFlag, parseFlags, stringFlag } from './flags.js';
import { defaultRunDir, outputWidth, useColor } from './common-options.js';
import { interruptSignal } from './interrupt.js';

export const MERGE_HELP = `harness merge <partial>... [--out DIR] [--junit FILE] [--md FILE] [--update-baseline]

Joins the partial results of every shard of one sharded run (harness run --shard i/n, harness check --shard i/n)
into the results.json, reports and JUnit one unsharded run writes, with the evidence of every cell copied beside
them. A partial is a shard's results.json or its run folder. The partials must be of one plan (same scenarios by
pcap sha256, harness version, monitors, sweep) with every shard exactly once; otherwise nothing is written.

Flags:
  --out DIR            merged run folder (default: a new folder under runs/)
  --junit FILE         (check) also write JUnit XML, as harness check --junit does
  --md FILE            (check) also write the Markdown summary, as harness check --md does
  --update-baseline    (check) record the merged scores in <suite>.baseline.json
Exit status: as the unsharded command: run 0; check 0 no expectation fails, 1 any fails; 2 bad input (a partial
missing, doubled, or of another plan: one line naming the file).`;

export async function mergeCommand(argv: string[]): Promise<number> {
  const flags = parseFlags('merge', argv, {
    out: { type: 'string' },
    junit: { type: 'string' },
    md: { type: 'string' },
    'update-baseline': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (boolFlag(flags, 'help')) {
    process.stdout.write(`${MERGE_HELP}\n`);
    return 0;
  }
  if (flags.positionals.length === 0) {
    throw new InputError({ file: 'harness merge', line: 0, col: 0 }, 'no partial result', 'the partial results.json (or run folders) of every shard: harness merge shard-1 shard-2 ... --out DIR');
  }
  const partials: PartialResult[] = [];
  for (const file of flags.positionals) partials.push(await readWholeResults(file));
  // Everything is checked before anything is written: a refused merge leaves nothing behind.
  const plan = checkPartials(partials);
  const junit = stringFlag(flags, 'junit');
  const md = stringFlag(flags, 'md');
  const updateBaseline = boolFlag(flags, 'update-baseline');
  if (plan.check === undefined && (junit !== undefined || md !== undefined || updateBaseline)) {
    const flag = junit !== undefined ? 'junit' : md !== undefined ? 'md' : 'update-baseline';
    throw new InputError({ file: `harness merge --${flag}`, line: 0, col: 0 }, `--${flag} for partials of harness run`, 'it only for partials of harness check (a run merge writes junit.xml into --out)');
  }
  if (junit !== undefined) await checkOutputFile('harness merge --junit', junit);
  if (md !== undefined) await checkOutputFile('harness merge --md', md);
  if (updateBaseline && plan.check !== undefined) await checkOutputFile('harness merge --update-baseline', baselinePathFor(plan.check.suite));
  const loaded = plan.check === undefined ? undefined : await checkedSuite(plan.check.suite, plan.check.suiteSha256, partials[0]?.file ?? '');
  if (loaded !== undefined && plan.check !== undefined) {
    const baselineFile = baselinePathFor(plan.check.suite);
    await refuseOutputOverInput(checkOutputs('harness merge', { junit, md, updateBaseline }, baselineFile), [
      ...suiteInputs(plan.check.suite, loaded, updateBaseline ? undefined : baselineFile),
      ...partials.map((p) => ({ file: p.file, what: 'a partial being merged' })),
    ]);
  }
  const suite = loaded?.suite;
  // Read before --out is touched: a baseline that is damaged or does not fit the suite leaves nothing behind.
  const fit = loaded === undefined ? undefined : loadedSuiteFit(loaded, new Map((await loadAdapters()).map((a) => [a.id, a])));
  const baseline = fit === undefined || plan.check === undefined || updateBaseline
    ? undefined
    : await readBaseline(baselinePathFor(plan.check.suite), fit);
  const outDir = await checkOutputFolder('harness merge --out', stringFlag(flags, 'out') ?? defaultRunDir(`merge-${plan.id}`));
  if (junit !== undefined) await refuseFileInRunFolder('harness merge --junit', junit, outDir);
  if (md !== undefined) await refuseFileInRunFolder('harness merge --md', md, outDir);
  const shardFolder = partials.find((p) => path.resolve(path.dirname(p.file)) === path.resolve(outDir));
  if (shardFolder !== undefined) {
    throw new InputError({ file: 'harness merge --out', line: 0, col: 0 }, `${outDir}, the folder of the partial ${shardFolder.file}`, 'a folder of its own for the merge (a merge replaces what is in --out)');
  }
  await refuseFolderHoldingInputs('harness merge --out', outDir, partials.map((p) => ({ file: p.file, what: 'a partial being merged' })));
  // A run folder like any other: one harness at a time, and an earlier run's files replaced, never mixed in.
  const folder = await claimRunFolder('harness merge --out', outDir);
  // Ctrl-C or SIGTERM before the earlier run's files are replaced leaves them as they were (exit 130); once the
  // replacing began, the merge finishes (seconds) rather than leave a folder holding half of each. Without a
  // handler, a signal killed the merge with its lock left behind and --out half copied.
  const interrupt = interruptSignal();
  try {
    return await mergeInto(outDir, { partials, plan, junit, md, updateBaseline, suite, baseline, fit, signal: interrupt.signal });
  } finally {
    interrupt.dispose();
    await folder.release();
  }
}

async function mergeInto(
  outDir: string,
  { partials, plan, junit, md, updateBaseline, suite, baseline, fit, signal }: {
    signal: AbortSignal;
    partials: PartialResult[];
    plan: ReturnType<typeof checkPartials>;
    junit: string | undefined;
    md: string | undefined;
    updateBaseline: boolean;
    suite: Suite | undefined;
    baseline: Baseline | undefined;
    fit: BaselineFit | undefined;
  },
): Promise<number> {

  const adapters = new Map((await loadAdapters()).map((a) => [a.id, a]));
  const moves: { from: string; to: string; required: boolean }[] = [];
  const relocate = (partial: PartialResult, relative: string, required: boolean): string => {
    const runDir = path.dirname(path.resolve(partial.file));
    const absolute = path.resolve(runDir, relative);
    const inside = pathInside(runDir, absolute);
    // A team's capture stays where it is; what the shard wrote into its folder comes along.
    if (inside === undefined) return path.relative(outDir, absolute);
    moves.push({ from: absolute, to: path.join(outDir, inside), required });
    return inside;
  };
  const results = mergePartials(partials, adapters, outDir, relocate);
  const unique = uniqueMoves(moves);
  // Every file a partial names is there before --out is touched: a shard folder kept without its cells was refused
  // half-way through copying, after an earlier run in --out had been replaced by a half merge.
  for (const move of unique) if (move.required) await bring(move.from, undefined, true);
  if (signal.aborted) return 130;
  await replaceRunFolderContents(outDir);
  for (const move of unique) await bring(move.from, move.to, move.required);

  if (suite !== undefined && results.plan?.check !== undefined) {
    const check = results.plan.check;
    check.updateBaseline = updateBaseline;
    await writeReports(results, outDir, ['json']);
    process.stderr.write(`harness merge: ${plan.shard.count} shards of plan ${plan.id}; evidence in ${path.join(outDir, 'results.json')}\n`);
    const baselineFile = baselinePathFor(check.suite);
    const sensorSkips = new Map<string, SensorSkip>(check.sensorSkips.map((s) => [s.sensor, { reason: s.reason, bySuite: s.bySuite }]));
    const color = useColor(process.stdout);
    return judgeCheck({ suite, results, sensorSkips, baselineFile, baseline, updateBaseline, failOnSkip: check.failOnSkip, junit, md, color, stdout: process.stdout, ...(fit ? { fit } : {}) });
  }
  const written = await writeReports(results, outDir);
  process.stdout.write(renderTerminal(results, { color: useColor(process.stdout), width: outputWidth(process.stdout) }));
  process.stdout.write(`\nmerged ${plan.shard.count} shards of plan ${plan.id}; wrote:\n${written.map((p) => `  ${path.relative(process.cwd(), p) || p}`).join('\n')}\n`);
  return 0;
}

/** The suite the shards judged, unchanged since: a merge must not judge cells by expectations they never ran under. */
async function checkedSuite(suitePath: string, sha256: string, partial: string) {
  const loaded = await loadSuite(suitePath);
  if ((await fileSha256(suitePath)) !== sha256) {
    throw new InputError({ file: suitePath, line: 0, col: 0 }, `a suite changed since the shards ran (${partial} has sha256 ${sha256.slice(0, 12)}...)`, 'the suite as the shards ran it: run the shards again');
  }
  return loaded;
}

function uniqueMoves<T extends { to: string }>(moves: T[]): T[] {
  const seen = new Set<string>();
  return moves.filter((m) => (seen.has(m.to) ? false : (seen.add(m.to), true)));
}

/** A file is hard-linked when it can be (a pcap can be gigabytes), else copied; a folder is copied whole. */
async function bring(from: string, to: string | undefined, required: boolean): Promise<void> {
  if (to !== undefined && path.resolve(from) === path.resolve(to)) return;
  const kind = await stat(from).then((s) => (s.isDirectory() ? 'dir' : 'file'), () => undefined);
  if (kind === undefined && !required) return;
  if (kind === undefined) {
    throw new InputError({ file: from, line: 0, col: 0 }, 'no such file, which its partial names', "the shard's run folder as the shard wrote it (in CI, keep the whole folder as the artifact)");
  }
  if (to === undefined) return; // only checked
  await mkdir(path.dirname(to), { recursive: true });
  if (kind === 'dir') {
    await cp(from, to, { recursive: true, force: true });
    return;
  }
  try {
    await link(from, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'EPERM' && code !== 'EXDEV') throw error;
    await copyFile(from, to);
  }
}
