import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunResults } from '../../harness/core/results.js';
import { which } from '../../harness/executor/which.js';
import { harness, REPO } from '../support/cli.js';

/**
 * Two binaries of one real monitor side by side, and a sharded `harness check` joined by `harness merge`. The
 * second argus is a wrapper script that execs the installed argus (the same tool under another path, as a second
 * installed version would be), so the labels, the per-sensor `requires:` gates and the grouping across binaries are
 * checked on real output; that the comparison marks a verdict that changes is checked in the report-model tests.
 */
describe('check --shard, merge, and sensors naming their binary (real argus and tshark)', function () {
  this.timeout(600_000);
  let dir: string;
  let argus: string;
  let wrapper: string;
  let suite: string;

  before(async function () {
    const found = await which('argus', process.env);
    if (found === undefined) {
      this.skip(); // argus missing: apt-get install -y argus-server argus-client
      return;
    }
    argus = found;
    dir = await mkdtemp(path.join(os.tmpdir(), 'harness-versions-'));
    await copyFile(path.join(REPO, 'test/check/fixtures/quiet-300s.yaml'), path.join(dir, 'quiet-300s.yaml'));
    wrapper = path.join(dir, 'bin', 'argus-second-install');
    await mkdir(path.join(dir, 'bin'));
    await writeFile(wrapper, `#!/bin/sh\nexec ${argus} "$@"\n`);
    await chmod(wrapper, 0o755);
    suite = path.join(dir, 'versions.suite.yaml');
    await writeFile(suite, [
      '# Two argus binaries side by side on a connection with two 300 s silences.',
      'sensors:',
      '  reference: { monitor: tshark }',
      `  argus-installed: { monitor: argus, view: raw, binary: ${argus} }`,
      '  argus-second: { monitor: argus, view: raw, binary: bin/argus-second-install, requires: { min: "3.0" } }',
      '  argus-next-major: { monitor: argus, view: raw, binary: bin/argus-second-install, requires: { min: "99" } }',
      'scenarios: ["*.yaml"]',
      'expect:',
      '  - scenario: quiet-300s',
      '    connection: beacon',
      '    max_fragments: 1',
      '',
    ].join('\n'));
  });

  it('a sharded check merged gives the unsharded check\'s exit status, text, JUnit and Markdown', async () => {
    const whole = await harness(['check', suite, '--out', path.join(dir, 'whole'), '--junit', path.join(dir, 'whole.xml'), '--md', path.join(dir, 'whole.md')], { cwd: dir });
    expect(whole.exitCode, whole.stderr).to.equal(1);
    for (const i of [1, 2]) {
      const shard = await harness(['check', suite, '--out', path.join(dir, `shard-${i}`), '--shard', `${i}/2`], { cwd: dir });
      expect(shard.exitCode, shard.stderr).to.equal(0);
      expect(shard.stdout).to.match(new RegExp(`^shard ${i}/2 of plan [0-9a-f]{16}`));
    }
    const merged = await harness(['merge', 'shard-2', 'shard-1', '--out', path.join(dir, 'merged'), '--junit', path.join(dir, 'merged.xml'), '--md', path.join(dir, 'merged.md')], { cwd: dir });
    expect(merged.exitCode, merged.stderr).to.equal(1);
    expect(merged.stdout).to.equal(whole.stdout);
    const untimed = async (file: string) => (await readFile(path.join(dir, file), 'utf8')).replace(/ time="[^"]*"/g, '').replace(/ timestamp="[^"]*"/g, '');
    expect(await untimed('merged.xml')).to.equal(await untimed('whole.xml'));
    expect(await readFile(path.join(dir, 'merged.md'), 'utf8')).to.equal(await readFile(path.join(dir, 'whole.md'), 'utf8'));
    // The text says what each binary did: the same argus under two paths splits the same way.
    expect(whole.stdout).to.match(/FAIL {2}argus-installed \(raw\) \[\d[\d.]*\] \/ beacon/);
    expect(whole.stdout).to.match(/FAIL {2}argus-second \(raw\) \[\d[\d.]*\] \/ beacon/);
    expect(whole.stdout).to.match(/PASS {2}reference \/ beacon/);
  });

  it('merge refuses, before --out is touched, a baseline with entries of a sensor the suite no longer has', async () => {
    const shard = await harness(['check', suite, '--out', path.join(dir, 'lone-shard'), '--shard', '1/1'], { cwd: dir });
    expect(shard.exitCode, shard.stderr).to.equal(0);
    const baselineFile = path.join(dir, 'versions.suite.baseline.json');
    const entry = { scenario: 'quiet-300s', sensor: 'argus-renamed', view: 'raw', connection: 'beacon', setting: 'default', fragments: 3, coverage: 0.5, longestRecordUs: 1, huntsFound: [] };
    await writeFile(baselineFile, `${JSON.stringify({ schemaVersion: 1, suite: 'versions.suite.yaml', entries: [entry] }, null, 2)}\n`);
    try {
      const merged = await harness(['merge', 'lone-shard', '--out', path.join(dir, 'merged-stale')], { cwd: dir });
      expect(merged.exitCode, merged.stderr + merged.stdout).to.equal(2);
      expect(merged.stderr.trim().split('\n'), merged.stderr).to.have.length(1);
      expect(merged.stderr, merged.stderr).to.include('versions.suite.baseline.json:7:17: found $.entries[0].sensor = "argus-renamed", a sensor the suite no longer has');
      expect(merged.stderr).to.include('expected one of the suite\'s sensors: reference, argus-installed, argus-second, argus-next-major (if argus-renamed was renamed');
      expect(existsSync(path.join(dir, 'merged-stale')), 'nothing written').to.equal(false);
    } finally {
      await rm(baselineFile);
    }
  });

  it('gates requires: per sensor, on the version of the binary that sensor names', async () => {
    const results = JSON.parse(await readFile(path.join(dir, 'whole', 'results.json'), 'utf8')) as RunResults;
    const sensors = new Set(results.scenarios[0]?.cells.map((c) => c.sensor));
    expect([...sensors].sort()).to.deep.equal(['argus-installed', 'argus-second', 'reference']);
    const text = (await harness(['check', suite, '--out', path.join(dir, 'again')], { cwd: dir })).stdout;
    expect(text).to.match(/SKIP {2}argus-next-major .*\n\s+skipped: sensor requires argus >= 99: version \S+ is below/);
  });

  it('harness run labels each binary with its version and groups the same setting across binaries', async () => {
    const out = path.join(dir, 'run');
    const run = await harness(['run', 'quiet-300s.yaml', '--monitors', `argus@${argus},argus@bin/argus-second-install`, '--timeouts', 'default,1h', '--out', out], { cwd: dir });
    expect(run.exitCode, run.stderr).to.equal(0);
    const results = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as RunResults;
    const cells = results.scenarios[0]?.cells ?? [];
    const version = cells[0]?.version as string;
    expect(version).to.match(/^\d+\./);
    const columns = [...new Set(cells.map((c) => c.column))];
    expect(columns).to.deep.equal([
      `argus@${argus} (raw) [${version}]`,
      `argus@${argus} (merged) [${version}]`,
      `argus@${wrapper} (raw) [${version}]`,
      `argus@${wrapper} (merged) [${version}]`,
    ]);
    expect(new Set(cells.map((c) => c.binary))).to.deep.equal(new Set([argus, wrapper]));
    expect(results.plan?.sensors.map((s) => s.binary)).to.deep.equal([argus, wrapper]);
    const md = await readFile(path.join(out, 'report.md'), 'utf8');
    const section = md.slice(md.indexOf('### Versions side by side'));
    // One row per view and setting, both binaries in it; the same tool agrees with itself.
    for (const row of ['| argus (raw) | `default` |', '| argus (merged) | `default` |', '| argus (raw) | `1h` |', '| argus (merged) | `1h` |']) {
      const line = section.split('\n').find((l) => l.startsWith(row));
      // Markdown escapes the brackets of the version label.
      expect(line, row).to.include(`argus@${argus} (${row.includes('raw') ? 'raw' : 'merged'}) \\[${version}\\]`);
      expect(line).to.include(`argus@${wrapper}`);
      expect(line).to.include('same verdicts');
    }
    expect(run.stdout).to.match(/= argus \(raw\) @ default: \S+ ✗ frag 3 vs \S+ ✗ frag 3: same verdicts/);
  });

  it('refuses the same monitor and binary twice, and an empty binary, in one line (exit 2)', async () => {
    const twice = await harness(['run', 'quiet-300s.yaml', '--monitors', `argus@${argus},argus@${argus}`], { cwd: dir });
    expect(twice.exitCode).to.equal(2);
    expect(twice.stderr.trim()).to.equal(`harness: harness run --monitors: found "argus@${argus}" twice; expected each monitor (or monitor@binary) once`);
    // The installed one named bare and by its path is one binary twice, however spelled.
    const same = await harness(['run', 'quiet-300s.yaml', '--monitors', `argus,argus@${argus}`], { cwd: dir, env: { HARNESS_ARGUS: '' } });
    expect(same.exitCode, same.stderr).to.equal(2);
    expect(same.stderr.trim()).to.match(/found "argus@.*", which runs \S+, the binary "argus" runs; expected each binary once/);
    const empty = await harness(['run', 'quiet-300s.yaml', '--monitors', 'argus@'], { cwd: dir });
    expect(empty.exitCode).to.equal(2);
    expect(empty.stderr.trim().split('\n')).to.have.length(1);
  });
});
