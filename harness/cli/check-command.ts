import path from 'node:path';
import { InputError } from '../core/input-error.js';
import { runCheck } from '../check/run-check.js';
import { runPipeline } from '../pipeline/run-pipeline.js';
import { boolFlag, flagError, parseFlags, stringFlag } from './flags.js';
import { defaultRunDir, MAX_OUTPUT_HELP, maxOutputFlag, shardFlag, useColor } from './common-options.js';
import { claimRunFolder } from '../io/run-folder.js';
import { interruptSignal } from './interrupt.js';
import { checkOutputFile, checkOutputFolder, refuseFileInRunFolder } from '../io/output-paths.js';
import { baselinePathFor } from '../check/baseline.js';

export const CHECK_HELP = `harness check <suite.yaml> [--junit FILE] [--md FILE] [--update-baseline] [--fail-on-skip] [--out DIR]

Runs a suite of expectations on real monitors with your sensors' configs (see examples/*.suite.yaml), prints each
expectation as pass, fail (what was expected, what was seen) or skip (why), and compares with the suite's baseline.

Flags:
  --junit FILE         also write JUnit XML (one test case per expectation)
  --md FILE            also write a short Markdown summary for a pull-request comment
  --update-baseline    record the current scores in <suite>.baseline.json
  --fail-on-skip       a skip the suite did not ask for (monitor not installed, timeouts not honoured on a
                       pcap) fails instead: for a runner on which every sensor must really run; the suite's
                       own skip: and requires: version gates still skip
  --out DIR            run folder (default: a new folder under runs/); one harness at a time, and a new run
                       into an earlier run's folder replaces it (a fixed --out in CI is safe)
  --shard i/n          run only shard i of n of the cells and write a partial results.json into --out; harness
                       merge joins the shards, judges the suite and writes --junit / --md (so those, and
                       --update-baseline, go on the merge); a shard exits 0 once its cells ran
  ${MAX_OUTPUT_HELP}
Exit status: 0 no expectation fails (skips allowed unless --fail-on-skip), 1 any fails (or regresses against the
baseline), 2 bad input, 130 interrupted.`;

export async function checkCommand(argv: string[]): Promise<number> {
  const flags = parseFlags('check', argv, {
    junit: { type: 'string' },
    md: { type: 'string' },
    'update-baseline': { type: 'boolean' },
    'fail-on-skip': { type: 'boolean' },
    out: { type: 'string' },
    shard: { type: 'string' },
    'max-output': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (boolFlag(flags, 'help')) {
    process.stdout.write(`${CHECK_HELP}\n`);
    return 0;
  }
  const suitePath = flags.positionals[0];
  if (suitePath === undefined || flags.positionals.length > 1) {
    throw new InputError({ file: 'harness check', line: 0, col: 0 }, flags.positionals.length > 1 ? 'several suite files' : 'no suite file', 'exactly one suite.yaml, e.g. harness check examples/zeek-long-connections.suite.yaml');
  }
  const shard = shardFlag('check', flags);
  if (shard !== undefined) {
    for (const name of ['junit', 'md', 'update-baseline']) {
      if (flags.values[name] !== undefined) throw flagError('check', name, `--${name} with --shard`, `--${name} on harness merge, which judges the whole suite once every shard ran`);
    }
  }
  const junit = stringFlag(flags, 'junit');
  const md = stringFlag(flags, 'md');
  if (junit !== undefined) await checkOutputFile('harness check --junit', junit);
  if (md !== undefined) await checkOutputFile('harness check --md', md);
  // As --junit and --md: a baseline that cannot be written is refused before minutes of monitors, not after.
  if (boolFlag(flags, 'update-baseline')) await checkOutputFile('harness check --update-baseline', baselinePathFor(suitePath));
  const maxOutputBytes = maxOutputFlag('check', flags);
  const outDir = await checkOutputFolder('harness check --out', stringFlag(flags, 'out') ?? defaultRunDir(path.basename(suitePath, '.yaml')));
  if (junit !== undefined) await refuseFileInRunFolder('harness check --junit', junit, outDir);
  if (md !== undefined) await refuseFileInRunFolder('harness check --md', md, outDir);
  const folder = await claimRunFolder('harness check --out', outDir);
  const interrupt = interruptSignal();
  try {
    const code = await runCheck({
      suitePath,
      junit,
      md,
      updateBaseline: boolFlag(flags, 'update-baseline'),
      failOnSkip: boolFlag(flags, 'fail-on-skip'),
      outDir,
      maxOutputBytes,
      color: useColor(process.stdout),
      signal: interrupt.signal,
      runPipeline,
      checkRunFolder: () => folder.verify(),
      workDone: () => interrupt.dispose(),
      ...(shard === undefined ? {} : { shard }),
    });
    return code;
  } finally {
    interrupt.dispose();
    await folder.release();
  }
}
