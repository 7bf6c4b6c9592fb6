import { expect } from 'chai';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCheck } from '../../harness/check/run-check.js';
import { isInputError } from '../../harness/core/input-error.js';
import { runPipeline } from '../../harness/pipeline/run-pipeline.js';

/**
 * `harness check` end to end on real monitors (tshark, argus) and the small quiet-300s scenario: one TCP
 * connection, three bursts 300 s apart (about 600 s), a 10 s clock. tshark keeps one conversation; argus's raw view
 * at its defaults (TCP 60 s) cuts it at both silences into 3 records; with ARGUS_TCP_TIMEOUT=3600 it keeps one.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
const SCENARIO = path.join(repo, 'test/check/fixtures/quiet-300s.yaml');
const CLI = path.join(repo, 'bin/harness');

interface Outcome { code: number; text: string }

async function workspace(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-check-e2e-'));
  await copyFile(SCENARIO, path.join(dir, 'quiet-300s.yaml'));
  return dir;
}

/** A suite of tshark as the reference, expecting quiet-300s's beacon in one record (more expectations may follow). */
const TSHARK_BEACON_SUITE = [
  'sensors:',
  '  reference: { monitor: tshark }',
  'scenarios: ["*.yaml"]',
  'expect:',
  '  - scenario: quiet-300s',
  '    connection: beacon',
  '    max_fragments: 1',
];

/** Writes a suite file of these lines into the workspace and returns its path. */
async function suiteFile(dir: string, name: string, lines: string[]): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, [...lines, ''].join('\n'));
  return file;
}

async function check(suitePath: string, extra: { junit?: string; md?: string; updateBaseline?: boolean } = {}): Promise<Outcome> {
  let text = '';
  const code = await runCheck({
    suitePath,
    updateBaseline: extra.updateBaseline ?? false,
    ...(extra.junit ? { junit: extra.junit } : {}),
    ...(extra.md ? { md: extra.md } : {}),
    outDir: path.join(path.dirname(suitePath), `run-${Math.random().toString(36).slice(2)}`),
    color: false,
    signal: new AbortController().signal,
    runPipeline,
    concurrency: 2,
    stdout: { write: (s: string) => (text += s) },
    stderr: { write: () => true },
  });
  return { code, text };
}

describe('check: harness check end to end on real monitors', function () {
  this.timeout(300_000);

  it('a suite that must pass: tshark keeps the connection whole (exit 0, JUnit and Markdown written)', async () => {
    const dir = await workspace();
    const suite = await suiteFile(dir, 'pass.suite.yaml', [...TSHARK_BEACON_SUITE, '    min_coverage: 99%', '    longest_record: 10m', '    hunt: 9m']);
    const { code, text } = await check(suite, { junit: path.join(dir, 'out.xml'), md: path.join(dir, 'out.md') });
    expect(text, text).to.contain('PASS  reference / beacon: at most 1 record per connection');
    expect(text).to.contain('saw 1 record (beacon)');
    expect(text).to.contain('4 pass, 0 fail, 0 skip: OK');
    expect(code).to.equal(0);
    expect(await readFile(path.join(dir, 'out.xml'), 'utf8')).to.contain('tests="4" failures="0" skipped="0"');
    expect(await readFile(path.join(dir, 'out.md'), 'utf8')).to.contain('✅ passed');
  });

  it('says the work is done (workDone) once the monitors are, before any report is written', async () => {
    const dir = await workspace();
    const suite = await suiteFile(dir, 'done.suite.yaml', TSHARK_BEACON_SUITE);
    const outDir = path.join(dir, 'run');
    const md = path.join(dir, 'out.md');
    const events: string[] = [];
    const code = await runCheck({
      suitePath: suite, updateBaseline: false, md, outDir, color: false, signal: new AbortController().signal,
      runPipeline: async (request) => {
        const results = await runPipeline(request);
        events.push('monitors done');
        return results;
      },
      workDone: () => events.push(`work done; results.json ${existsSync(path.join(outDir, 'results.json')) ? 'written' : 'not yet'}, report ${existsSync(md) ? 'written' : 'not yet'}`),
      stdout: { write: () => true },
      stderr: { write: () => true },
    });
    expect(code).to.equal(0);
    expect(events).to.deep.equal(['monitors done', 'work done; results.json not yet, report not yet']);
    expect(existsSync(md)).to.equal(true);
  });

  it('a suite that must fail: argus at its defaults splits the connection (exit 1, expected vs seen)', async () => {
    const dir = await workspace();
    const suite = path.join(dir, 'fail.suite.yaml');
    await writeFile(suite, 'sensors:\n  argus-defaults: { monitor: argus, view: raw }\nscenarios: [quiet-300s.yaml]\nexpect:\n  - { scenario: quiet-300s, connection: beacon, max_fragments: 1 }\n');
    const { code, text } = await check(suite);
    expect(text, text).to.contain('FAIL  argus-defaults (raw) / beacon: at most 1 record per connection');
    expect(text).to.contain('expected at most 1 record per connection; saw 3 records (beacon)');
    expect(code).to.equal(1);
  });

  it('detects a regression against the baseline when the team\'s argus.conf loses its long TCP timeout', async () => {
    const dir = await workspace();
    const suite = path.join(dir, 'sensors.suite.yaml');
    const conf = path.join(dir, 'argus.conf');
    await writeFile(suite, 'sensors:\n  argus-prod: { monitor: argus, view: raw, config: argus.conf }\nscenarios: [quiet-300s.yaml]\nexpect:\n  - { scenario: quiet-300s, max_fragments: 5 }\n');
    await writeFile(conf, 'ARGUS_TCP_TIMEOUT=3600\n');
    const recorded = await check(suite, { updateBaseline: true });
    expect(recorded.code, recorded.text).to.equal(0);
    expect(recorded.text).to.contain('sensors.suite.baseline.json: updated');
    const baseline = JSON.parse(await readFile(path.join(dir, 'sensors.suite.baseline.json'), 'utf8')) as { entries: { connection: string; fragments: number }[] };
    expect(baseline.entries.map((e) => [e.connection, e.fragments])).to.deep.equal([['beacon', 1]]);

    const unchanged = await check(suite);
    expect(unchanged.code, unchanged.text).to.equal(0);
    expect(unchanged.text).to.contain('baseline');
    expect(unchanged.text).to.contain('0 regressions');

    await writeFile(conf, 'ARGUS_TCP_TIMEOUT=60\n');
    const regressed = await check(suite);
    expect(regressed.text, regressed.text).to.contain('PASS  argus-prod (raw): at most 5 records per connection');
    expect(regressed.text).to.contain('saw more fragments than the baseline: 1 -> 3');
    expect(regressed.text).to.match(/saw less coverage than the baseline: 100% -> \d/);
    expect(regressed.text).to.contain('2 regressions');
    expect(regressed.code).to.equal(1);
  });

  it('gates on the installed version: a sensor and an expectation out of range skip with the reason', async () => {
    const dir = await workspace();
    const suite = await suiteFile(dir, 'gated.suite.yaml', [
      'sensors:',
      '  future-tshark: { monitor: tshark, requires: { min: "999" } }',
      '  tshark-now: { monitor: tshark }',
      'scenarios: [quiet-300s.yaml]',
      'expect:',
      '  - { scenario: quiet-300s, max_fragments: 1 }',
      '  - { scenario: quiet-300s, max_fragments: 1, requires: { below: "1" } }',
    ]);
    const { code, text } = await check(suite);
    expect(text, text).to.match(/SKIP {2}future-tshark: at most 1 record per connection \(.*gated\.suite\.yaml:6\)\n {8}skipped: sensor requires tshark >= 999: version \d+\.\d+(\.\d+)* is below the required minimum 999/);
    expect(text).to.match(/SKIP {2}tshark-now: at most 1 record per connection \(.*:7\)\n {8}skipped: expectation gated on tshark < 1: version \d+\.\d+(\.\d+)* is not below 1/);
    expect(text).to.match(/PASS {2}tshark-now: at most 1 record per connection \(.*:6\)/);
    expect(text).to.contain('1 pass, 0 fail, 3 skip: OK');
    expect(code).to.equal(0);
  });

  it('--fail-on-skip: a sensor this machine cannot run fails with its reason, in text and JUnit; the suite\'s own gates still skip', async () => {
    const dir = await workspace();
    const suite = await suiteFile(dir, 'gated.suite.yaml', [
      'sensors:',
      '  zeek-missing: { monitor: zeek }',
      '  future-tshark: { monitor: tshark, requires: { min: "999" } }',
      '  tshark-now: { monitor: tshark }',
      'scenarios: [quiet-300s.yaml]',
      'expect:',
      '  - { scenario: quiet-300s, max_fragments: 1 }',
    ]);
    const junit = path.join(dir, 'junit.xml');
    // A zeek on this machine would make the "not installed" skip impossible: run with a PATH without it, and no
    // HARNESS_ZEEK (one naming nothing is refused, exit 2: it names the user's own binary, see the bad-input corpus).
    const env = { NO_COLOR: '1', HARNESS_ZEEK: '', PATH: (process.env.PATH ?? '').split(':').filter((d) => d !== '' && !existsSync(path.join(d, 'zeek'))).join(':') };
    const result = await execa(CLI, ['check', suite, '--fail-on-skip', '--junit', junit, '--out', path.join(dir, 'run')], { reject: false, env });
    expect(result.exitCode, result.stderr).to.equal(1);
    expect(result.stdout).to.match(/FAIL {2}zeek-missing: at most 1 record per connection .*\n.*could not measure: skipped, and --fail-on-skip makes that a failure: Zeek is not installed/);
    expect(result.stdout).to.match(/SKIP {2}future-tshark: .*\n.*skipped: sensor requires tshark >= 999/);
    expect(result.stdout).to.match(/PASS {2}tshark-now/);
    expect(result.stdout).to.include('1 pass, 1 fail, 1 skip: FAILED');
    const xml = await readFile(junit, 'utf8');
    expect(xml).to.match(/failures="1" skipped="1"/);
    const plain = await execa(CLI, ['check', suite, '--out', path.join(dir, 'run2')], { reject: false, env });
    expect(plain.exitCode, 'without the flag a skip does not fail').to.equal(0);
  });

  describe('bad suites: the CLI prints file:line:col and exits 2', () => {
    const cases: { name: string; suite: string; files?: Record<string, string>; message: RegExp }[] = [
      { name: 'a glob that matches nothing', suite: 'sensors: { t: { monitor: tshark } }\nscenarios: [nothing/*.yaml]\nexpect: [{ scenario: x, max_fragments: 1 }]\n', message: /bad\.suite\.yaml:2:13: found "nothing\/\*\.yaml", which matches no file/ },
      { name: 'an expectation on a scenario the suite does not run', suite: 'sensors: { t: { monitor: tshark } }\nscenarios: [quiet-300s.yaml]\nexpect: [{ scenario: burst-20min, max_fragments: 1 }]\n', message: /bad\.suite\.yaml:3:22: found scenario "burst-20min"; expected one of the suite's scenarios: quiet-300s/ },
      { name: 'a connection the scenario lacks', suite: 'sensors: { t: { monitor: tshark } }\nscenarios: [quiet-300s.yaml]\nexpect: [{ scenario: quiet-300s, connection: c2, max_fragments: 1 }]\n', message: /bad\.suite\.yaml:3:46: found connection "c2" in quiet-300s; expected one of beacon/ },
      { name: 'a config file that is not there', suite: 'sensors: { a: { monitor: argus, config: argus.conf } }\nscenarios: [quiet-300s.yaml]\nexpect: [{ scenario: quiet-300s, max_fragments: 1 }]\n', message: /bad\.suite\.yaml:1:41: found config "argus\.conf", which is not a file/ },
      { name: 'a monitor the registry does not have', suite: 'sensors: { a: { monitor: bro } }\nscenarios: [quiet-300s.yaml]\nexpect: [{ scenario: quiet-300s, max_fragments: 1 }]\n', message: /bad\.suite\.yaml:1:26: found monitor "bro"; expected one of .*argus.*tshark.*zeek/ },
      { name: 'a scenario file that is itself wrong', suite: 'sensors: { t: { monitor: tshark } }\nscenarios: [broken.yaml]\nexpect: [{ scenario: broken, max_fragments: 1 }]\n', files: { 'broken.yaml': 'name: broken\nconnections: 3\n' }, message: /broken\.yaml:2:14: found/ },
      { name: 'an argus.conf with a timeout argus would not read', suite: 'sensors: { a: { monitor: argus, config: argus.conf } }\nscenarios: [quiet-300s.yaml]\nexpect: [{ scenario: quiet-300s, max_fragments: 1 }]\n', files: { 'argus.conf': '# ours\nARGUS_TCP_TIMEOUT=1h\n' }, message: /argus\.conf:2:19: found ARGUS_TCP_TIMEOUT "1h"; expected whole seconds from 1 to 32767/ },
      { name: 'a config for a monitor that takes none', suite: 'sensors: { t: { monitor: tshark, config: t.conf } }\nscenarios: [quiet-300s.yaml]\nexpect: [{ scenario: quiet-300s, max_fragments: 1 }]\n', files: { 't.conf': 'x\n' }, message: /t\.conf:1:1: found a config file for tshark; expected no config/ },
      { name: "a tool knob the sensor's monitor lacks, at its timeouts:", suite: 'sensors:\n  a: { monitor: argus, timeouts: zeek.services=4h }\nscenarios: [quiet-300s.yaml]\nexpect: [{ scenario: quiet-300s, max_fragments: 1 }]\n', message: /bad\.suite\.yaml:2:34: found "zeek\.services" in "zeek\.services=4h", a knob of zeek/ },
      { name: 'a damaged baseline', suite: 'sensors: { t: { monitor: tshark } }\nscenarios: [quiet-300s.yaml]\nexpect: [{ scenario: quiet-300s, max_fragments: 1 }]\n', files: { 'bad.suite.baseline.json': '{"schemaVersion": 1,\n "entries": [}' }, message: /bad\.suite\.baseline\.json:2:14: found JSON that does not parse/ },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const dir = await workspace();
        const suite = path.join(dir, 'bad.suite.yaml');
        await writeFile(suite, c.suite);
        for (const [name, content] of Object.entries(c.files ?? {})) await writeFile(path.join(dir, name), content);
        const result = await execa(CLI, ['check', suite, '--out', path.join(dir, 'run')], { reject: false, cwd: dir });
        expect(result.stderr, result.stderr).to.match(c.message);
        expect(result.stderr).not.to.contain('    at ');
        expect(result.exitCode).to.equal(2);
      });
    }

    it('runCheck itself throws the InputError for the CLI to print', async () => {
      const dir = await workspace();
      const suite = path.join(dir, 'bad.suite.yaml');
      await writeFile(suite, 'sensors: { t: { monitor: tshark } }\nscenarios: [quiet-300s.yaml]\nexpect: [{ scenario: quiet-300s }]\n');
      const error = await check(suite).then(() => undefined, (e: unknown) => e);
      expect(isInputError(error)).to.equal(true);
      expect((error as Error).message).to.equal(`${suite}:3:10: found an expectation with nothing to check; expected at least one of max_fragments, min_coverage, longest_record, hunt, close`);
    });
  });
});
