import { expect } from 'chai';
import fc from 'fast-check';
import { assignShards, parseShard, planId, shardSummary, truthSha256, type CostedTask, type PlanIdentity } from '../../harness/pipeline/shard-plan.js';
import { conn, truthOf } from '../comparator/build.js';
import { DEFAULT_COMPARE_OPTIONS } from '../../harness/comparator/compare-cell.js';

const tasksArb = fc.uniqueArray(fc.record({ key: fc.string({ minLength: 1, maxLength: 8 }), cost: fc.nat({ max: 1_000_000 }) }), {
  minLength: 0,
  maxLength: 60,
  selector: (t) => t.key,
});

function loads(tasks: CostedTask[], shardOf: number[], count: number): number[] {
  const load = new Array<number>(count).fill(0);
  tasks.forEach((t, i) => { load[(shardOf[i] as number) - 1] += t.cost; });
  return load;
}

describe('shard plan: which cells each shard runs', () => {
  it('reads i/n and refuses what is not a shard of n', () => {
    expect(parseShard('2/4')).to.deep.equal({ index: 2, count: 4 });
    expect(parseShard('1/1')).to.deep.equal({ index: 1, count: 1 });
    for (const bad of ['0/4', '5/4', 'a/b', '1/0', '2', '2/4/1', '-1/4', '1.5/4', '']) {
      expect(parseShard(bad), bad).to.have.property('error');
    }
  });

  it('puts every cell in exactly one shard, 1..n', () => {
    fc.assert(fc.property(tasksArb, fc.integer({ min: 1, max: 9 }), (tasks, count) => {
      const shardOf = assignShards(tasks, count);
      expect(shardOf).to.have.length(tasks.length);
      for (const s of shardOf) expect(s).to.be.within(1, count);
    }));
  });

  it('assigns the same cell to the same shard whatever order the cells come in', () => {
    fc.assert(fc.property(tasksArb, fc.integer({ min: 1, max: 6 }), fc.nat(), (tasks, count, seed) => {
      const shuffled = [...tasks].sort((a, b) => ((a.key.charCodeAt(0) * 31 + seed) % 7) - ((b.key.charCodeAt(0) * 31 + seed) % 7));
      const first = new Map(tasks.map((t, i) => [t.key, assignShards(tasks, count)[i]]));
      const again = assignShards(shuffled, count);
      shuffled.forEach((t, i) => expect(again[i]).to.equal(first.get(t.key)));
    }));
  });

  it('balances by expected cost, not by count: no shard exceeds the even share by more than the largest cell', () => {
    fc.assert(fc.property(tasksArb, fc.integer({ min: 1, max: 6 }), (tasks, count) => {
      const load = loads(tasks, assignShards(tasks, count), count);
      const total = tasks.reduce((n, t) => n + t.cost, 0);
      const largest = Math.max(0, ...tasks.map((t) => t.cost));
      for (const l of load) expect(l).to.be.at.most(total / count + largest);
    }));
    // One huge cell and many small ones: the huge one gets a shard to itself; counts are unequal on purpose.
    const tasks: CostedTask[] = [{ key: 'big', cost: 100 }, ...Array.from({ length: 10 }, (_, i) => ({ key: `small${i}`, cost: 10 }))];
    const shardOf = assignShards(tasks, 2);
    const bigShard = shardOf[0];
    expect(shardOf.filter((s) => s === bigShard)).to.have.length(1);
    expect(loads(tasks, shardOf, 2)).to.deep.equal(bigShard === 1 ? [100, 100] : [100, 100]);
  });

  it('spreads cells that cost nothing (unsupported settings) rather than piling them on one shard', () => {
    const tasks = Array.from({ length: 8 }, (_, i) => ({ key: `free${i}`, cost: 0 }));
    const shardOf = assignShards(tasks, 4);
    for (let s = 1; s <= 4; s += 1) expect(shardOf.filter((x) => x === s)).to.have.length(2);
  });

  it('names a plan by what decides its results, whatever order the identity was built in', () => {
    const identity: PlanIdentity = {
      harnessVersion: '0.1.0',
      command: 'run',
      scenarios: [{ name: 'a', pcapSha256: 'aa' }],
      sensors: [{ sensor: 'argus', monitor: 'argus', version: '3.0.8.2', settings: ['default', '1h'] }],
      compare: DEFAULT_COMPARE_OPTIONS,
    };
    const reordered = JSON.parse(JSON.stringify({ compare: identity.compare, sensors: identity.sensors, scenarios: identity.scenarios, command: 'run', harnessVersion: '0.1.0' })) as PlanIdentity;
    expect(planId(reordered)).to.equal(planId(identity));
    expect(planId({ ...identity, scenarios: [{ name: 'a', pcapSha256: 'ab' }] })).to.not.equal(planId(identity));
    expect(planId({ ...identity, harnessVersion: '0.2.0' })).to.not.equal(planId(identity));
    expect(planId({ ...identity, sensors: [{ sensor: 'argus', monitor: 'argus', version: '3.0.8.2', settings: ['default'] }] })).to.not.equal(planId(identity));
    expect(planId({ ...identity, sensors: [{ sensor: 'argus', monitor: 'argus', binary: '/opt/argus', version: '3.0.8.2', settings: ['default', '1h'] }] })).to.not.equal(planId(identity));
    // Another build of the same package version, or another truth of the same pcap (quiet_threshold edited).
    expect(planId({ ...identity, harnessBuild: 'b2' })).to.not.equal(planId({ ...identity, harnessBuild: 'b1' }));
    expect(planId({ ...identity, scenarios: [{ name: 'a', pcapSha256: 'aa', truthSha256: 't2' }] })).to.not.equal(planId({ ...identity, scenarios: [{ name: 'a', pcapSha256: 'aa', truthSha256: 't1' }] }));
  });

  it('sends a complete shard\'s partial to the merge, an interrupted one back to run again (the merge refuses it)', () => {
    const plan = { id: 'p1', tasks: 4, sensors: [], shard: { index: 1, count: 2, tasks: 2 } };
    expect(shardSummary(plan, 'out/results.json')).to.match(/join every shard's partial with: harness merge/);
    expect(shardSummary(plan, 'out/results.json', true)).to.match(/interrupted: this partial cannot be merged; run shard 1\/2 again to completion$/);
  });

  it('hashes a truth as its file\'s text, whatever path named its scenario', () => {
    const truth = truthOf([conn({ id: 'c1', firstS: 0, lastS: 600 })]);
    const named = (file: string) => truthSha256({ ...truth, scenario: { ...truth.scenario, file } });
    expect(named('./scenarios/x.yaml')).to.equal(named('scenarios/x.yaml'));
    expect(truthSha256({ ...truth, quietThresholdUs: truth.quietThresholdUs + 1 })).to.not.equal(truthSha256(truth));
    expect(truthSha256(truthOf([conn({ id: 'c1', firstS: 0, lastS: 601 })]))).to.not.equal(truthSha256(truth));
  });
});
