import { expect } from 'chai';
import { mkdtemp, readFile, writeFile, copyFile, access } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Cell, RunResults } from '../../harness/core/results.js';
import { harness, REPO } from '../support/cli.js';
import { loadAdapters } from '../../harness/monitors/registry.js';

/**
 * Sharding on real monitors (argus, tshark, softflowd) and the small quiet-300s scenario plus gap-boundary: three
 * shards and their merge must equal one unsharded run cell for cell, and a merge refuses partials that are missing,
 * doubled or of another plan, each with one line naming the file and exit 2.
 */
const SCENARIOS = ['test/check/fixtures/quiet-300s.yaml', 'scenarios/gap-boundary.yaml'];
const SWEEP = ['--monitors', 'argus,tshark,softflowd', '--timeouts', 'default,1h', '--jobs', '2'];

async function readResults(dir: string): Promise<RunResults> {
  return JSON.parse(await readFile(path.join(dir, 'results.json'), 'utf8')) as RunResults;
}

/**
 * A cell without what differs between any two runs of the same cell: timings, argv and cwd (the run folder is in
 * them), and notes naming the collector's ephemeral port.
 */
/** A cell without what differs from run to run: where it ran, and the measured cost (memory, CPU, wall time). */
function comparable(cell: Cell): unknown {
  const { provenance, cost, ...rest } = cell;
  const measured = cost ? { records: cost.records, table: cost.table, toolState: cost.toolState } : undefined;
  return { ...rest, cost: measured, dir: provenance.dir, rawFiles: provenance.rawFiles, configFiles: provenance.configFiles.map((c) => path.basename(c.path)) };
}

/** Report.md's tables, but for the cost section, whose figures are measured anew by each run. */
function tablesWithoutCost(md: string): string[] {
  const lines = md.split('\n');
  const out: string[] = [];
  let inCost = false;
  for (const line of lines) {
    if (line.startsWith('### ')) inCost = line === '### Cost of each setting';
    if (!inCost && line.startsWith('|')) out.push(line);
  }
  return out;
}

function oneLineError(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).to.have.length(1);
  expect(stderr).to.not.match(/\n\s+at /);
  return lines[0] as string;
}

describe('harness run --shard i/n and harness merge (real monitors)', function () {
  this.timeout(900_000);
  let work: string;
  let whole: RunResults;
  let merged: RunResults;
  const shardDirs: string[] = [];

  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'harness-shards-'));
    const full = await harness(['run', ...SCENARIOS, ...SWEEP, '--out', path.join(work, 'whole')]);
    expect(full.exitCode, full.stderr).to.equal(0);
    whole = await readResults(path.join(work, 'whole'));
    for (let i = 1; i <= 3; i += 1) {
      const dir = path.join(work, `shard-${i}`);
      const shard = await harness(['run', ...SCENARIOS, ...SWEEP, '--out', dir, '--shard', `${i}/3`]);
      expect(shard.exitCode, shard.stderr).to.equal(0);
      expect(shard.stdout).to.match(new RegExp(`^shard ${i}/3 of plan [0-9a-f]{16}: \\d+ of 12 cells`));
      shardDirs.push(dir);
    }
    // The partials in another order than their shards: a merge does not depend on it.
    const merge = await harness(['merge', shardDirs[2] as string, path.join(shardDirs[0] as string, 'results.json'), shardDirs[1] as string, '--out', path.join(work, 'merged')]);
    expect(merge.exitCode, merge.stderr).to.equal(0);
    expect(merge.stdout).to.include('merged 3 shards of plan');
    merged = await readResults(path.join(work, 'merged'));
  });

  it('every shard names the same plan, and together they hold each of its cells once', async () => {
    const plans = await Promise.all(shardDirs.map(async (d) => (await readResults(d)).plan));
    expect(new Set(plans.map((p) => p?.id)).size).to.equal(1);
    expect(plans[0]?.id).to.equal(whole.plan?.id);
    expect(plans.map((p) => p?.shard?.index)).to.deep.equal([1, 2, 3]);
    expect(plans.reduce((n, p) => n + (p?.shard?.tasks ?? 0), 0)).to.equal(12);
    expect(whole.plan?.tasks).to.equal(12);
  });

  it('balances by expected cost (packets x the monitor\'s relative cost): no shard exceeds an even share by more than its largest cell', async () => {
    const adapters = new Map((await loadAdapters()).map((a) => [a.id, a]));
    const partials = await Promise.all(shardDirs.map((d) => readResults(d)));
    const costs = partials.map((r) => {
      const perTask = new Map<string, number>();
      for (const s of r.scenarios) {
        for (const c of s.cells) {
          if (c.status !== 'ok' && c.status !== 'failed') continue;
          perTask.set(`${s.name} ${c.sensor} ${c.setting.label}`, s.truth.pcap.packets * (adapters.get(c.monitor)?.relativeCost ?? 1));
        }
      }
      return [...perTask.values()];
    });
    const loads = costs.map((list) => list.reduce((a, b) => a + b, 0));
    const total = loads.reduce((a, b) => a + b, 0);
    const largest = Math.max(...costs.flat());
    for (const load of loads) expect(load).to.be.at.most(total / 3 + largest);
    // tshark at 1h is unsupported: it costs nothing, so it never stands in for real work in a shard's count.
    const unsupported = partials.flatMap((r) => r.scenarios.flatMap((s) => s.cells)).filter((c) => c.status === 'unsupported');
    expect(unsupported.map((c) => c.monitor)).to.deep.equal(['tshark', 'tshark']);
  });

  it('runs the same cells into the same shard when asked again (with --json: the partial on stdout)', async () => {
    const again = await harness(['run', ...SCENARIOS, ...SWEEP, '--out', path.join(work, 'shard-2-again'), '--shard', '2/3', '--json']);
    expect(again.exitCode, again.stderr).to.equal(0);
    expect((JSON.parse(again.stdout) as RunResults).plan?.shard).to.include({ index: 2, count: 3 });
    const keys = (r: RunResults) => r.scenarios.flatMap((s) => s.cells.map((c) => `${s.name} ${c.column} ${c.setting.label}`)).sort();
    expect(keys(await readResults(path.join(work, 'shard-2-again')))).to.deep.equal(keys(await readResults(shardDirs[1] as string)));
  });

  it('the merge equals the unsharded run, cell for cell, with the same recommendations and calibrations', () => {
    expect(merged.scenarios.map((s) => s.name)).to.deep.equal(whole.scenarios.map((s) => s.name));
    whole.scenarios.forEach((scenario, i) => {
      const other = merged.scenarios[i];
      expect(other?.cells.map(comparable)).to.deep.equal(scenario.cells.map(comparable));
      expect(other?.recommendations).to.deep.equal(scenario.recommendations);
      expect(other?.truth).to.deep.equal(scenario.truth);
      expect(other?.pcapFile).to.equal(scenario.pcapFile);
    });
    expect(merged.calibrations?.map((c) => [c.monitor, c.honoursTimeoutsOffline, c.detail])).to.deep.equal(whole.calibrations?.map((c) => [c.monitor, c.honoursTimeoutsOffline, c.detail]));
    expect(merged.plan).to.deep.equal(whole.plan);
    expect(merged.command.includes('--shard')).to.equal(false);
  });

  it('writes the same reports, with every cell\'s evidence beside them', async () => {
    for (const file of ['report.md', 'report.html', 'junit.xml']) await access(path.join(work, 'merged', file));
    const junit = async (dir: string) => (await readFile(path.join(dir, 'junit.xml'), 'utf8')).replace(/ time="[^"]*"/g, '').replace(/ timestamp="[^"]*"/g, '');
    const testcases = (xml: string) => xml.match(/<testcase [^>]*>/g);
    expect(testcases(await junit(path.join(work, 'merged')))).to.deep.equal(testcases(await junit(path.join(work, 'whole'))));
    const table = async (dir: string) => tablesWithoutCost(await readFile(path.join(dir, 'report.md'), 'utf8'));
    expect(await table(path.join(work, 'merged'))).to.deep.equal(await table(path.join(work, 'whole')));
    for (const cell of merged.scenarios.flatMap((s) => s.cells).filter((c) => c.recordsFile !== undefined)) {
      await access(path.join(work, 'merged', cell.recordsFile as string));
    }
    await access(path.join(work, 'merged', merged.scenarios[0]?.pcapFile as string));
  });

  it('refuses a missing shard, a doubled one, another plan\'s, and a whole run, each in one line naming the file (exit 2)', async () => {
    const [one, two, three] = shardDirs as [string, string, string];
    const out = path.join(work, 'refused');
    const missing = await harness(['merge', one, three, '--out', out]);
    expect(missing.exitCode).to.equal(2);
    expect(oneLineError(missing.stderr)).to.match(/harness merge: found no partial for shard 2\/3 of plan/);

    const doubled = await harness(['merge', one, two, three, path.join(two, 'results.json'), '--out', out]);
    expect(doubled.exitCode).to.equal(2);
    expect(oneLineError(doubled.stderr)).to.include(`${path.join(two, 'results.json')}: found shard 2/3 again`);

    const otherPlan = path.join(work, 'other-plan');
    const other = await harness(['run', SCENARIOS[0] as string, '--monitors', 'tshark', '--out', otherPlan, '--shard', '2/3']);
    expect(other.exitCode, other.stderr).to.equal(0);
    const mixed = await harness(['merge', one, otherPlan, three, '--out', out]);
    expect(mixed.exitCode).to.equal(2);
    expect(oneLineError(mixed.stderr)).to.match(new RegExp(`${path.join(otherPlan, 'results.json')}: found plan [0-9a-f]{16}, while .* is plan`));

    const notPartial = await harness(['merge', path.join(work, 'whole'), '--out', out]);
    expect(notPartial.exitCode).to.equal(2);
    expect(oneLineError(notPartial.stderr)).to.include('found a result with no shard');

    // A partial someone edited so that it lost a cell no longer holds its shard's share.
    const edited = path.join(work, 'edited');
    const partial = await readResults(one);
    const scenario = partial.scenarios.find((s) => s.cells.length > 0) as RunResults['scenarios'][number];
    const dropped = scenario.cells[scenario.cells.length - 1] as Cell;
    scenario.cells = scenario.cells.filter((c) => c.sensor !== dropped.sensor || c.setting.label !== dropped.setting.label);
    await writeFile(path.join(edited + '.json'), JSON.stringify(partial));
    await copyFile(path.join(edited + '.json'), path.join(work, 'edited-results.json'));
    const lost = await harness(['merge', path.join(work, 'edited-results.json'), two, three, '--out', out]);
    expect(lost.exitCode).to.equal(2);
    expect(oneLineError(lost.stderr), lost.stderr).to.match(/edited-results\.json: found \d+ cells, while its shard 1\/3 planned \d+/);

    // One view of a cell removed (argus raw without merged), and a scenario renamed: both were merged at exit 0.
    const shards = await Promise.all(shardDirs.map(readResults));
    const withArgus = shards.findIndex((r) => r.scenarios.some((sc) => sc.cells.some((c) => c.monitor === 'argus')));
    expect(withArgus, 'some shard runs argus').to.be.at.least(0);
    const viewless = shards[withArgus] as RunResults;
    const argusScenario = viewless.scenarios.find((sc) => sc.cells.some((c) => c.monitor === 'argus')) as RunResults['scenarios'][number];
    const dropView = argusScenario.cells.find((c) => c.monitor === 'argus' && c.view === 'merged') as Cell;
    argusScenario.cells = argusScenario.cells.filter((c) => c !== dropView);
    await writeFile(path.join(work, 'viewless-results.json'), JSON.stringify(viewless));
    const others = shardDirs.filter((_, i) => i !== withArgus);
    const hole = await harness(['merge', path.join(work, 'viewless-results.json'), ...others, '--out', out]);
    expect(hole.exitCode, hole.stderr).to.equal(2);
    expect(oneLineError(hole.stderr)).to.match(/viewless-results\.json:1:1: found \$\.scenarios\[\d+\]\.cells\[\d+\]: cell .* \/ argus \/ .* without its merged view/);
    const renamed = await readResults(two);
    (renamed.scenarios[1] as RunResults['scenarios'][number]).name = 'other';
    await writeFile(path.join(work, 'renamed-results.json'), JSON.stringify(renamed));
    const dropped2 = await harness(['merge', one, path.join(work, 'renamed-results.json'), three, '--out', out]);
    expect(dropped2.exitCode, dropped2.stderr).to.equal(2);
    expect(oneLineError(dropped2.stderr)).to.match(/renamed-results\.json:1:1: found \$\.scenarios\[1\]: scenario "other" where .* has "gap-boundary"/);
    // A cell written twice, and a partial whose tolerance was edited: both were merged at exit 0.
    const doubledCell = await readResults(shardDirs[withArgus] as string);
    const twiceScenario = doubledCell.scenarios.find((sc) => sc.cells.length > 0) as RunResults['scenarios'][number];
    twiceScenario.cells.push(structuredClone(twiceScenario.cells[0] as Cell));
    await writeFile(path.join(work, 'doubled-cell-results.json'), JSON.stringify(doubledCell));
    const twice = await harness(['merge', path.join(work, 'doubled-cell-results.json'), ...others, '--out', out]);
    expect(twice.exitCode, twice.stderr).to.equal(2);
    expect(oneLineError(twice.stderr)).to.match(/doubled-cell-results\.json:1:1: found \$\.scenarios\[\d+\]\.cells\[\d+\]: cell .* a second time/);
    const retoleranced = await readResults(two);
    retoleranced.toleranceS = 3600;
    await writeFile(path.join(work, 'tolerance-results.json'), JSON.stringify(retoleranced));
    const loose = await harness(['merge', one, path.join(work, 'tolerance-results.json'), three, '--out', out]);
    expect(loose.exitCode, loose.stderr).to.equal(2);
    expect(oneLineError(loose.stderr)).to.match(/tolerance-results\.json:1:1: found tolerance and hunt thresholds \[3600,/);
    await access(out).then(() => expect.fail('a refused merge wrote its folder'), () => undefined);
  });

  it('refuses --shard values that are not a shard of n, in one line (exit 2)', async () => {
    for (const bad of ['0/4', '5/4', 'a/b']) {
      for (const command of [['run', SCENARIOS[0] as string], ['check', path.join(REPO, 'examples/netflow-exporters.suite.yaml')]]) {
        const result = await harness([...command, '--shard', bad, '--out', path.join(work, 'never')]);
        expect(result.exitCode, `${command[0]} --shard ${bad}`).to.equal(2);
        expect(oneLineError(result.stderr)).to.include(`harness ${command[0]} --shard: found "${bad}"`);
      }
    }
  });
});
