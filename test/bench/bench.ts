import { spawnSync } from 'node:child_process';
import { generatorBench } from './generator-bench.js';
import { binEnvironment } from './measure-in-child.js';
import { zeekParseBench } from './parse-bench-zeek.js';
import { argusParseBench } from './parse-bench-argus.js';
import { nfdumpParseBench } from './parse-bench-nfdump.js';
import { scoreBench } from './score-bench.js';
import { overheadBench } from './overhead-bench.js';
import { scaleBench } from './scale-bench.js';
import { scenarioLoadBench } from './scenario-load-bench.js';
import { duplicateKeyBench } from './duplicate-key-bench.js';

/**
 * `npm run bench`: speed and memory goals live here, never in timed tests. Each bench prints its numbers with the
 * ratio to a baseline measured in the same run, because these machines are noisy.
 */
const benches: [string, () => Promise<string[]>][] = [
  ['generator', generatorBench],
  ['parse: zeek conn.log', zeekParseBench],
  ['parse: argus ra CSV', argusParseBench],
  ['parse: nfdump JSON', nfdumpParseBench],
  ['score', scoreBench],
  ['sweep overhead', overheadBench],
  ['scenario load: 295,000 connection entries (~50 MB) against 5,000 read by the yaml package', scenarioLoadBench],
  ['duplicate keys: the check on a ~60 MB truth beside JSON.parse of it', duplicateKeyBench],
  ['scale: harness run at 10 k and 100 k connections (npm run bench:scale adds 1 M)', () => scaleBench()],
];

// Measured as the harness runs: with bin/harness's malloc settings (every large block its own mapping, given back
// when freed, which costs page faults on the next; those of 2 MB or more on huge pages), not node's defaults, which
// flattered the in-process benches (a 1 M-line conn.log parsed in 300-450 ms plain, 470-560 ms as the harness ran
// before huge pages, 400-450 ms with them).
const harnessEnvironment = await binEnvironment();
if (Object.entries(harnessEnvironment).some(([name, value]) => process.env[name] !== value)) {
  const env = { ...process.env, ...harnessEnvironment };
  const again = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env });
  process.exit(again.status ?? 1);
}

console.log(`environment as bin/harness sets it: ${Object.entries(harnessEnvironment).map(([name, value]) => `${name}=${value}`).join(' ') || 'nothing'}`);
const only = process.argv.slice(2);
for (const [name, bench] of benches) {
  if (only.length > 0 && !only.some((o) => name.includes(o))) continue;
  console.log(`\n== ${name}`);
  try {
    for (const line of await bench()) console.log(line);
  } catch (error) {
    console.log(`  failed: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 1;
  }
}
