import { expect } from 'chai';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { harness, REAL_FIXTURES, REPO } from '../support/cli.js';

// Every wrong input: one line naming where, what was found and what was expected; exit 2; never a stack trace.
function expectInputError(result: { exitCode: number; stderr: string }, ...fragments: string[]): void {
  expect(result.exitCode, result.stderr).to.equal(2);
  expect(result.stderr).to.not.match(/\n\s+at /);
  expect(result.stderr.trim().split('\n')).to.have.length(1);
  for (const fragment of fragments) expect(result.stderr).to.include(fragment);
}

describe('harness CLI: bad input', function () {
  it('prints help with every command and exits 0', async () => {
    const result = await harness(['--help']);
    expect(result.exitCode).to.equal(0);
    for (const command of ['run', 'generate', 'check', 'score', 'report', 'monitors']) expect(result.stdout).to.include(`harness ${command}`);
  });

  it('explains every flag of run', async () => {
    const result = await harness(['run', '--help']);
    expect(result.exitCode).to.equal(0);
    for (const flag of ['--monitors', '--timeouts', '--out', '--json', '--hunt', '--tolerance', '--time-limit', '--jobs']) expect(result.stdout).to.include(flag);
  });

  it('refuses an unknown command', async () => {
    const result = await harness(['frobnicate']);
    expectInputError(result, 'found command "frobnicate"', 'expected one of run');
  });

  it('refuses an unknown flag', async () => {
    expectInputError(await harness(['run', 'scenarios/burst-20min.yaml', '--fast']), 'harness run', 'unknown flag --fast', 'expected one of');
  });

  it('refuses a flag value that starts with a dash in one line, saying how to pass one', async () => {
    expectInputError(await harness(['run', 'scenarios/burst-20min.yaml', '--time-limit', '-1s']), 'harness run --time-limit', 'a value starting with "-"', '--time-limit=<value>');
    expectInputError(await harness(['run', 'scenarios/burst-20min.yaml', '--time-limit=-1s']), 'harness run --time-limit', '"-1s"', 'a duration from 1s up to 24d');
    // Past 2^31 ms a Node timer fires at once: every monitor was killed as hung after 1 ms, at exit 0.
    expectInputError(await harness(['run', 'scenarios/burst-20min.yaml', '--time-limit', '25d']), 'harness run --time-limit', '"25d"', 'up to 24d');
  });

  it('refuses --shard with a live run, run or check, in one line: each shard replayed every live monitor and merge refused them all', async () => {
    expectInputError(await harness(['run', 'scenarios/burst-20min.yaml', '--live', '--shard', '1/2']), 'harness run --shard', '"1/2" with --live', 'a live run without --shard');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-cli-'));
    await copyFile(path.join(REPO, 'test/check/fixtures/quiet-300s.yaml'), path.join(dir, 'quiet-300s.yaml'));
    const suite = path.join(dir, 'live.suite.yaml');
    await writeFile(suite, 'sensors:\n  s: { monitor: softflowd }\nscenarios: [quiet-300s.yaml]\nexpect: [{ scenario: quiet-300s, max_fragments: 1 }]\nlive: true\n');
    expectInputError(await harness(['check', suite, '--shard', '1/2', '--out', path.join(dir, 'out')]), `${suite}:5:`, 'live: true with --shard', 'a live run without --shard');
    expect(existsSync(path.join(dir, 'out')), 'nothing was run').to.equal(false);
  });

  it('refuses an unknown monitor', async () => {
    expectInputError(await harness(['run', 'scenarios/burst-20min.yaml', '--monitors', 'argus,snort']), 'unknown monitor "snort"', 'expected one of');
  });

  it('refuses an empty item in --monitors (a trailing comma), as --timeouts does, instead of dropping it', async () => {
    expectInputError(await harness(['run', 'scenarios/burst-20min.yaml', '--monitors', 'tshark,']), 'harness run --monitors', 'an empty item in "tshark,"');
    expectInputError(await harness(['run', 'scenarios/burst-20min.yaml', '--monitors', 'tshark,,argus']), 'harness run --monitors', 'an empty item in "tshark,,argus"');
  });

  it('refuses the same setting written two ways in one sweep (it ran twice and counted twice)', async () => {
    expectInputError(await harness(['run', 'scenarios/burst-20min.yaml', '--monitors', 'tshark', '--timeouts', '5m,300s']), 'harness run --timeouts', '"300s", the same setting as "5m"', 'each setting once');
  });

  it('refuses an unparsable timeout setting', async () => {
    expectInputError(await harness(['run', 'scenarios/burst-20min.yaml', '--timeouts', 'default,5 minutes']), '--timeouts', '"5 minutes"', 'positive duration');
    expectInputError(await harness(['run', 'scenarios/burst-20min.yaml', '--timeouts', 'tcp=1h,sctp=5m']), '"sctp"', 'one of tcp, udp, icmp');
  });

  it('names file, line and column of a bad scenario', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-cli-'));
    const file = path.join(dir, 'bad.yaml');
    await writeFile(file, 'name: bad\nconnections:\n  - id: a\n    protocol: tcp\n    client: 192.0.2.1:70000\n    server: 198.51.100.1:80\n    activity:\n      pattern: { bursts: 2, gap: 10m, request: 1, response: 1 }\n');
    expectInputError(await harness(['generate', file, '--out', dir]), `${file}:5:`, '70000');
  });

  it('refuses, before any work, an output folder that is a file, lies under a file, or cannot be made', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-cli-'));
    const file = path.join(dir, 'a-file');
    await writeFile(file, 'x');
    expectInputError(await harness(['generate', 'scenarios/burst-20min.yaml', '--out', file]), 'harness generate --out', `"${file}", a file`, 'expected a folder to write into');
    expectInputError(await harness(['run', 'scenarios/burst-20min.yaml', '--monitors', 'tshark', '--out', path.join(file, 'sub')]), 'harness run --out', `under ${file}, which is a file`);
    // Node's own recursive mkdir never returns for this path: the check must not use it.
    expectInputError(await harness(['generate', 'scenarios/burst-20min.yaml', '--out', '/proc/harness-test/out'], { timeoutMs: 30_000 }), 'harness generate --out', 'where no folder can be made');
    expectInputError(await harness(['check', 'examples/netflow-exporters.suite.yaml', '--junit', dir]), 'harness check --junit', 'a folder', 'expected a file name to write');
    const fixture = path.join(REAL_FIXTURES, 'zeek/longconn-42');
    expectInputError(await harness(['score', '--pcap', path.join(fixture, 'capture.pcap'), '--monitor', 'zeek', '--log', path.join(fixture, 'conn.default.log'), '--out', file]), 'harness score --out', 'a file');
    expect((await readdir(dir)).sort(), 'nothing written, no empty folder left').to.deep.equal(['a-file']);
  });

  it('refuses a run folder that holds an input of the run: replacing the folder deleted the scenario it was running', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-cli-'));
    const out = path.join(dir, 'run');
    const scenario = path.join(REPO, 'test/check/fixtures/quiet-300s.yaml');
    expect((await harness(['run', scenario, '--monitors', 'tshark', '--timeouts', 'default', '--out', out])).exitCode).to.equal(0);
    // The scenario kept beside that run's results, then run again into the same folder: it was deleted, exit 0.
    const kept = path.join(out, 'my-scenario.yaml');
    await copyFile(scenario, kept);
    expectInputError(await harness(['run', kept, '--monitors', 'tshark', '--timeouts', 'default', '--out', out]), 'harness run --out', `which holds a scenario or capture of this run (${kept})`, 'so the input would be deleted');
    expect(existsSync(kept), 'the scenario is still there').to.equal(true);
    // A suite in an earlier check's folder, likewise.
    const checkOut = path.join(dir, 'check');
    await mkdir(checkOut);
    await writeFile(path.join(checkOut, '.harness-run'), '');
    await copyFile(scenario, path.join(checkOut, 'quiet-300s.yaml'));
    const suite = path.join(checkOut, 'c.suite.yaml');
    await writeFile(suite, 'sensors:\n  t: { monitor: tshark }\nscenarios: [quiet-300s.yaml]\nexpect: [{ scenario: quiet-300s, max_fragments: 1 }]\n');
    expectInputError(await harness(['check', suite, '--out', checkOut]), 'harness check --out', `which holds the suite (${suite})`);
    expect(existsSync(suite), 'the suite is still there').to.equal(true);
  });

  it('refuses a --junit or --md inside the run folder through a link, for check and merge: it overwrote results.json at exit 0', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-cli-'));
    await copyFile(path.join(REPO, 'test/check/fixtures/quiet-300s.yaml'), path.join(dir, 'quiet-300s.yaml'));
    const suite = path.join(dir, 'c.suite.yaml');
    await writeFile(suite, 'sensors:\n  t: { monitor: tshark }\nscenarios: [quiet-300s.yaml]\nexpect: [{ scenario: quiet-300s, max_fragments: 1 }]\n');
    const run = path.join(dir, 'c1');
    await mkdir(run);
    await symlink(run, path.join(dir, 'c1link'));
    expectInputError(await harness(['check', suite, '--out', run, '--junit', path.join(dir, 'c1link', 'results.json')]), 'harness check --junit', 'inside the run folder');
    expectInputError(await harness(['check', suite, '--out', path.join(dir, 'c1link'), '--md', path.join(run, 'results.json')]), 'harness check --md', 'inside the run folder');
    // A folder not made yet, under a link to the folder above it.
    await symlink(dir, path.join(dir, 'alias'));
    expectInputError(await harness(['check', suite, '--out', path.join(dir, 'alias', 'new'), '--junit', path.join(dir, 'new', 'results.json')]), 'harness check --junit', 'inside the run folder');
    const shard = await harness(['check', suite, '--out', path.join(dir, 'shard'), '--shard', '1/1']);
    expect(shard.exitCode, shard.stderr).to.equal(0);
    const merged = path.join(dir, 'm1');
    await mkdir(merged);
    await symlink(merged, path.join(dir, 'm1link'));
    expectInputError(await harness(['merge', path.join(dir, 'shard'), '--out', merged, '--junit', path.join(dir, 'm1link', 'results.json')]), 'harness merge --junit', 'inside the run folder');
    expectInputError(await harness(['merge', path.join(dir, 'shard'), '--out', path.join(dir, 'm1link'), '--md', path.join(merged, 'results.json')]), 'harness merge --md', 'inside the run folder');
    expect(await readdir(run)).to.deep.equal([]);
    expect(await readdir(merged)).to.deep.equal([]);
  });

  it('generate refuses a run folder, a folder inside one, and a link to one: it replaced a finished run\'s pcap and truth', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-cli-'));
    const run = path.join(dir, 'run');
    await mkdir(path.join(run, 'quiet-300s'), { recursive: true });
    await writeFile(path.join(run, '.harness-run'), '');
    await writeFile(path.join(run, 'quiet-300s', 'quiet-300s.pcap'), 'the run\'s capture');
    await symlink(run, path.join(dir, 'runlink'));
    const scenario = path.join(REPO, 'test/check/fixtures/quiet-300s.yaml');
    expectInputError(await harness(['generate', scenario, '--out', run]), 'harness generate --out', `"${run}", a run folder (it holds .harness-run)`, 'expected a folder of its own, outside any run folder');
    expectInputError(await harness(['generate', scenario, '--out', path.join(run, 'quiet-300s')]), 'harness generate --out', `inside the run folder ${run}`);
    expectInputError(await harness(['generate', scenario, '--out', path.join(run, 'new')]), 'harness generate --out', `inside the run folder ${run}`);
    expectInputError(await harness(['generate', scenario, '--out', path.join(dir, 'runlink')]), 'harness generate --out', 'a run folder (it holds .harness-run)');
    expect(await readFile(path.join(run, 'quiet-300s', 'quiet-300s.pcap'), 'utf8')).to.equal('the run\'s capture');
    expect((await readdir(run)).sort()).to.deep.equal(['.harness-run', 'quiet-300s']);
  });

  it('a missing output folder is made only once there is something to put in it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-cli-'));
    const out = path.join(dir, 'new', 'deeper');
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, 'name: bad\n');
    expect((await harness(['generate', bad, '--out', out])).exitCode).to.equal(2);
    expect(await readdir(dir)).to.deep.equal(['bad.yaml']);
    expect((await harness(['generate', 'scenarios/burst-20min.yaml', '--out', out])).exitCode).to.equal(0);
    expect((await readdir(out)).sort()).to.deep.equal(['burst-20min.pcap', 'burst-20min.truth.conn.log', 'burst-20min.truth.json']);
  });

  it('refuses a results file of another schema version', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-cli-'));
    const file = path.join(dir, 'results.json');
    await writeFile(file, JSON.stringify({ schemaVersion: 99, scenarios: [] }));
    expectInputError(await harness(['report', file, '--format', 'md']), `${file}:1:1`, '99');
  });

  it('refuses a log that is not the monitor\'s format', async () => {
    const fixture = path.join(REAL_FIXTURES, 'zeek/longconn-42');
    const result = await harness(['score', '--pcap', path.join(fixture, 'capture.pcap'), '--monitor', 'argus', '--log', path.join(fixture, 'conn.default.log')]);
    expectInputError(result, 'conn.default.log:1:');
  });

  it('refuses a log whose records carry no ports as such, not as "another capture\'s"', async () => {
    const fixture = path.join(REAL_FIXTURES, 'zeek/longconn-42');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-portless-'));
    // Both ports zeroed, as a flow key without ports leaves them (pmacct's aggregate of hosts only).
    const lines = (await readFile(path.join(fixture, 'conn.default.log'), 'utf8')).split('\n')
      .map((line) => (line === '' || line.startsWith('#') ? line : line.split('\t').map((field, i) => (i === 3 || i === 5 ? '0' : field)).join('\t')));
    const log = path.join(dir, 'conn.portless.log');
    await writeFile(log, lines.join('\n'));
    const result = await harness(['score', '--pcap', path.join(fixture, 'capture.pcap'), '--monitor', 'zeek', '--log', log]);
    expectInputError(result, `${log}:9:1: found records that carry no ports`, 'ports included');
    expect(result.stderr).to.not.include('another capture');
  });

  it('refuses a named pipe as run\'s scenario in one line (it read the pipe empty, then waited for a writer forever)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-fifo-'));
    const fifo = path.join(dir, 'scenario.yaml');
    await execa('mkfifo', [fifo]);
    expectInputError(await harness(['run', fifo, '--monitors', 'tcptrace', '--out', path.join(dir, 'out')]), `${fifo}: found a named pipe (FIFO)`);
  });

  it('refuses a compressed log and one with a byte-order mark by what they are (their bytes were quoted as a bad line)', async () => {
    const fixture = path.join(REAL_FIXTURES, 'zeek/longconn-42');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-encoded-'));
    const log = await readFile(path.join(fixture, 'conn.default.log'));
    const gz = path.join(dir, 'conn.log.gz');
    await writeFile(gz, gzipSync(log));
    const bom = path.join(dir, 'conn.bom.log');
    await writeFile(bom, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), log]));
    const score = (file: string) => harness(['score', '--pcap', path.join(fixture, 'capture.pcap'), '--monitor', 'zeek', '--log', file]);
    expectInputError(await score(gz), `${gz}:1:1: found a gzip-compressed file`, `gunzip -k ${gz}`);
    expectInputError(await score(bom), `${bom}:1:1: found a UTF-8 byte-order mark before the first line`);
  });

  it('refuses a score without its truth', async () => {
    expectInputError(await harness(['score', '--monitor', 'zeek', '--log', 'x.log']), '--truth');
  });
});
