import { expect } from 'chai';
import { execa } from 'execa';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { baselineMisfit, baselinePathFor, buildBaseline, sameSetting } from '../../harness/check/baseline.js';
import { parseBaseline, readBaseline, writeBaseline } from '../../harness/check/baseline-file.js';
import { evaluateSuite } from '../../harness/check/evaluate-suite.js';
import { parseSuite } from '../../harness/check/parse-suite.js';
import { isInputError } from '../../harness/core/input-error.js';
import { parseTimeoutSetting } from '../../harness/core/timeout-setting.js';
import { buildResults, type ConnSpec } from './build-results.js';
import { isConnectionId } from '../../harness/scenario/expand-connections.js';
import { renderCheckText } from '../../harness/check/render-check-text.js';
import { judgeCheck } from '../../harness/check/run-check.js';
import { failSkips } from '../../harness/check/check-report.js';
import { renderCheckMarkdown } from '../../harness/check/render-check-markdown.js';

const CONNS: ConnSpec[] = [{ id: 'c2', durationS: 68_400 }, { id: 'web', durationS: 100 }];
// The expectation alone passes in every run below (at most 10 records), so only the baseline can fail them.
const suite = parseSuite(
  'sensors:\n  z: { monitor: zeek }\nscenarios: [s.yaml]\ntolerance: { coverage: 1% }\nexpect:\n  - { scenario: s, max_fragments: 10, hunt: 8h }\n',
  'suite.yaml',
);
const run = (c2: number, web = 1) => buildResults('s', CONNS, [{ sensor: 'z', version: '7.0.11', fragments: { c2, web } }]);
const { baseline } = buildBaseline(suite, run(1), '2024-01-01T00:00:00Z');

function regressions(c2: number, web = 1): string[] {
  const report = evaluateSuite(suite, run(c2, web), { baseline: { file: 'suite.baseline.json', content: baseline } });
  return report.results.filter((r) => r.kind === 'baseline' && r.status === 'fail').map((r) => `${r.connection}: ${r.seen}`);
}

describe('check: baselines', () => {
  it('records per connection the fragments, coverage, longest record and the hunts that found it', () => {
    expect(baseline.huntThresholdsS).to.deep.equal([3600, 28800]);
    expect(baseline.entries).to.deep.equal([
      { scenario: 's', sensor: 'z', view: 'default', connection: 'c2', setting: 'default', fragments: 1, coverage: 1, longestRecordUs: 68_400e6, huntsFound: [3600, 28800], monitorVersion: '7.0.11' },
      { scenario: 's', sensor: 'z', view: 'default', connection: 'web', setting: 'default', fragments: 1, coverage: 1, longestRecordUs: 100e6, huntsFound: [], monitorVersion: '7.0.11' },
    ]);
  });

  it("an update keeps the earlier entries of a sensor this run could not judge (not installed, crashed), and says so", () => {
    const two = parseSuite('sensors:\n  z: { monitor: zeek }\n  a: { monitor: argus }\nscenarios: [s.yaml]\nexpect:\n  - { scenario: s, max_fragments: 10 }\n', 'suite.yaml');
    const both = buildResults('s', CONNS, [{ sensor: 'z', fragments: { c2: 1, web: 1 } }, { sensor: 'a', fragments: { c2: 3, web: 1 } }]);
    const first = buildBaseline(two, both, '2024-01-01T00:00:00Z').baseline;
    // On a laptop without Zeek: zeek's cell is skipped, argus ran and now reports 2 records.
    const laptop = buildResults('s', CONNS, [{ sensor: 'z', status: 'skipped', fragments: {} }, { sensor: 'a', fragments: { c2: 2, web: 1 } }]);
    const { baseline: updated, kept } = buildBaseline(two, laptop, '2024-01-02T00:00:00Z', first);
    expect(kept).to.deep.equal(['z on s']);
    expect(updated.entries.filter((e) => e.sensor === 'z')).to.deep.equal(first.entries.filter((e) => e.sensor === 'z'));
    expect(updated.entries.filter((e) => e.sensor === 'a').map((e) => e.fragments)).to.deep.equal([2, 1]);
    // Nor an entry of a connection the scenario no longer has: kept, the next check refused the baseline, and
    // re-recording on the same machine kept it again.
    const fit = {
      suiteFile: 'suite.yaml', scenarios: ['s'],
      sensors: [{ name: 'z', views: ['default'], setting: parseTimeoutSetting('default') }, { name: 'a', views: ['default'], setting: parseTimeoutSetting('default') }],
      hasConnection: (_scenario: string, id: string) => id === 'c2',
    };
    const trimmed = buildBaseline(two, laptop, '2024-01-02T00:00:00Z', first, fit).baseline;
    expect(trimmed.entries.filter((e) => e.sensor === 'z').map((e) => e.connection)).to.deep.equal(['c2']);
    // A sensor whose setting changed since is not given back: its old entries judge another setting.
    const retuned = parseSuite('sensors:\n  z: { monitor: zeek, timeouts: 1h }\n  a: { monitor: argus }\nscenarios: [s.yaml]\nexpect:\n  - { scenario: s, max_fragments: 10 }\n', 'suite.yaml');
    expect(buildBaseline(retuned, laptop, '2024-01-02T00:00:00Z', first).kept).to.deep.equal([]);
    // One whose setting is the same, spelled otherwise (300s recorded, 5m now), is given back.
    const at300s = parseSuite('sensors:\n  z: { monitor: zeek, timeouts: 300s }\n  a: { monitor: argus }\nscenarios: [s.yaml]\nexpect:\n  - { scenario: s, max_fragments: 10 }\n', 'suite.yaml');
    const at5m = parseSuite('sensors:\n  z: { monitor: zeek, timeouts: 5m }\n  a: { monitor: argus }\nscenarios: [s.yaml]\nexpect:\n  - { scenario: s, max_fragments: 10 }\n', 'suite.yaml');
    const recorded300s = { ...first, entries: first.entries.map((e) => (e.sensor === 'z' ? { ...e, setting: '300s' } : e)) };
    expect(buildBaseline(at300s, laptop, '2024-01-02T00:00:00Z', recorded300s).kept).to.deep.equal(['z on s']);
    expect(buildBaseline(at5m, laptop, '2024-01-02T00:00:00Z', recorded300s).kept).to.deep.equal(['z on s']);
  });

  it('passes the same run, one pass per scenario and sensor', () => {
    const report = evaluateSuite(suite, run(1), { baseline: { file: 'suite.baseline.json', content: baseline } });
    const base = report.results.filter((r) => r.kind === 'baseline');
    expect(base).to.have.length(1);
    expect(base[0]).to.include({ status: 'pass', seen: '2 connections no worse' });
    expect(report.baseline).to.deep.equal({ file: 'suite.baseline.json', status: 'compared', regressions: 0 });
  });

  it('names each regression: more fragments, less coverage, a hunt that no longer finds it', () => {
    // c2 in 2 records: 2 fragments, 75% coverage, longest 7h7m30s (below 8h and above 1h).
    expect(regressions(2)).to.deep.equal([
      'c2: more fragments than the baseline: 1 -> 2',
      'c2: less coverage than the baseline: 100% -> 75%',
      'c2: a hunt at 8h no longer finds it: longest record 19h -> 7h7m30s',
    ]);
    // web in 3 records: 100 s with 2 silences of 16.67 s; 3 fragments, coverage 66.67%; it was never hunted.
    expect(regressions(1, 3)).to.deep.equal([
      'web: more fragments than the baseline: 1 -> 3',
      'web: less coverage than the baseline: 100% -> 66.67%',
    ]);
  });

  it('fails a connection reported in the baseline and missed now, whatever the coverage tolerance (its coverage was below it)', () => {
    // Recorded in 30 records of a 19 h connection (coverage far below the 1% tolerance), then no record at all.
    const cut = buildBaseline(suite, run(30), '2024-01-01T00:00:00Z').baseline;
    const report = evaluateSuite(suite, run(0), { baseline: { file: 'suite.baseline.json', content: cut } });
    expect(report.results.filter((r) => r.kind === 'baseline' && r.status === 'fail').map((r) => `${r.connection}: ${r.expected}: ${r.seen}`)).to.deep.equal([
      'c2: reported, as in the baseline (30 records): missed now: no record of it',
    ]);
  });

  it('fails a sensor that crashed or cannot take its setting, guarded by the baseline alone; one not installed stays a skip', () => {
    const judged = (status: 'failed' | 'unsupported' | 'skipped') =>
      evaluateSuite(suite, buildResults('s', CONNS, [{ sensor: 'z', status, reason: 'exit status 139\n--- stderr (tail) ---\nSegmentation fault', fragments: {} }]), {
        baseline: { file: 'suite.baseline.json', content: baseline },
      }).results.filter((r) => r.kind === 'baseline').map((r) => `${r.status}: ${r.seen ?? r.reason}`);
    expect(judged('failed')).to.deep.equal(['fail: not compared with the baseline: failed: exit status 139 | --- stderr (tail) --- | Segmentation fault']);
    expect(judged('unsupported')[0]).to.match(/^fail: not compared with the baseline: unsupported: /);
    expect(judged('skipped')[0]).to.match(/^skip: not compared with the baseline \(skipped: /);
  });

  it('judges a hunt exactly, as the hunt itself does: a record half a second short of 1h is a regression whatever the duration tolerance', () => {
    const hunted = buildResults('s', [{ id: 'h', durationS: 3599.5 }], [{ sensor: 'z', fragments: { h: 1 } }]);
    const recorded = {
      ...baseline,
      huntThresholdsS: [3600],
      entries: [{ scenario: 's', sensor: 'z', view: 'default', connection: 'h', setting: 'default', fragments: 1, coverage: 1, longestRecordUs: 3600e6, huntsFound: [3600] }],
    };
    const tolerant = parseSuite('sensors:\n  z: { monitor: zeek }\nscenarios: [s.yaml]\ntolerance: { duration: 5s }\nexpect:\n  - { scenario: s, max_fragments: 10 }\n', 'suite.yaml');
    const report = evaluateSuite(tolerant, hunted, { baseline: { file: 'b', content: recorded } });
    expect(report.results.filter((r) => r.kind === 'baseline' && r.status === 'fail').map((r) => r.seen)).to.deep.equal([
      'a hunt at 1h no longer finds it: longest record 1h -> 59m59.5s',
    ]);
  });

  it('accepts changes within the suite\'s tolerance', () => {
    const loose = parseSuite(
      'sensors:\n  z: { monitor: zeek }\nscenarios: [s.yaml]\ntolerance: { coverage: 30%, fragments: 1 }\nexpect:\n  - { scenario: s, max_fragments: 10 }\n',
      'suite.yaml',
    );
    const report = evaluateSuite(loose, buildResults('s', CONNS, [{ sensor: 'z', fragments: { c2: 1, web: 2 } }]), { baseline: { file: 'b', content: baseline } });
    expect(report.results.filter((r) => r.status === 'fail')).to.deep.equal([]);
  });

  it('names a connection added to the scenario since the baseline: not counted as "no worse"', () => {
    const grown = buildResults('s', [...CONNS, { id: 'added', durationS: 50 }], [{ sensor: 'z', version: '7.0.11', fragments: { c2: 1, web: 1, added: 4 } }]);
    const report = evaluateSuite(suite, grown, { baseline: { file: 'b.json', content: baseline } });
    expect(report.results.filter((r) => r.kind === 'baseline').map((r) => `${r.status} ${r.connection}: ${r.seen ?? r.reason ?? ''}`)).to.deep.equal([
      'pass all: 2 connections no worse',
      'skip added: not compared with the baseline: connection added judged now has no entry in it (record them with --update-baseline)',
    ]);
    expect(report.baseline).to.include({ regressions: 0, unrecordedConnections: 1 });
    expect(renderCheckText(report, { color: false })).to.include('baseline b.json: 0 regressions; 1 connection judged now has no entry in it (not compared; record them with --update-baseline)');
  });

  it('a sensor the suite itself skips stays a skip under --fail-on-skip, as its checks do', () => {
    const skipped = parseSuite('sensors:\n  z: { monitor: zeek, skip: being replaced }\nscenarios: [s.yaml]\ntolerance: { coverage: 1% }\nexpect:\n  - { scenario: s, max_fragments: 10, hunt: 8h }\n', 'suite.yaml');
    const report = evaluateSuite(skipped, buildResults('s', CONNS, [{ sensor: 'z', status: 'skipped', fragments: {} }]), { baseline: { file: 'b', content: baseline } });
    failSkips(report);
    expect(report.results.filter((r) => r.kind === 'baseline').map((r) => [r.status, r.bySuite])).to.deep.equal([['skip', true]]);
    expect(report.counts.fail).to.equal(0);
  });

  it('skips, with the reason, a recorded sensor that did not run now', () => {
    const report = evaluateSuite(suite, buildResults('s', CONNS, []), {
      baseline: { file: 'b', content: baseline },
      sensorSkips: new Map([['z', { reason: 'Zeek is not installed', bySuite: false }]]),
    });
    expect(report.results.find((r) => r.kind === 'baseline')).to.include({ status: 'skip', reason: 'not compared with the baseline (Zeek is not installed)' });
  });

  it('an --update-baseline stopped by Ctrl-C leaves the committed baseline as it was, and says so', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-baseline-'));
    const file = path.join(dir, 'suite.baseline.json');
    await writeBaseline(file, baseline);
    const before = await readFile(file, 'utf8');
    // What the interrupted run finished: one connection of two, its scenario partly judged.
    const partial = buildResults('s', [{ id: 'c2', durationS: 68_400 }], [{ sensor: 'z', fragments: { c2: 1 } }]);
    partial.interrupted = { scenariosNotGenerated: [] };
    let printed = '';
    const status = await judgeCheck({
      suite, results: partial, sensorSkips: new Map(), baselineFile: file, baseline: undefined, updateBaseline: true,
      failOnSkip: false, junit: undefined, md: undefined, color: false, stdout: { write: (t: string) => (printed += t) },
    });
    expect(await readFile(file, 'utf8')).to.equal(before);
    expect(printed).to.contain(`baseline ${file}: not updated, the run was interrupted (the earlier baseline is left as it was)`);
    expect(status).to.equal(0);
  });

  it('lives next to the suite, is written atomically and read back the same', async () => {
    expect(baselinePathFor('ci/sensors.suite.yaml')).to.equal('ci/sensors.suite.baseline.json');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-baseline-'));
    const file = path.join(dir, 'x.suite.baseline.json');
    expect(await readBaseline(file)).to.equal(undefined);
    await writeBaseline(file, baseline);
    expect(await readdir(dir)).to.deep.equal(['x.suite.baseline.json']);
    expect(await readBaseline(file)).to.deep.equal(baseline);
    expect(JSON.parse(await readFile(file, 'utf8')).schemaVersion).to.equal(1);
  });

  it('refuses a named pipe as the baseline at once (opening it waited for a writer past Ctrl-C); a missing one is none yet', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-baseline-'));
    const fifo = path.join(dir, 'x.suite.baseline.json');
    await execa('mkfifo', [fifo]);
    const refused = await readBaseline(fifo).then(() => undefined, (e: unknown) => e);
    expect(isInputError(refused)).to.equal(true);
    expect((refused as Error).message).to.equal(`${fifo}: found a named pipe (FIFO), whose opening waits for a writer; expected a readable baseline file (or none, to record one with --update-baseline)`);
    expect(await readBaseline(path.join(dir, 'none.json'))).to.equal(undefined);
  });

  it('refuses a damaged baseline with its position, and another schema version', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-baseline-'));
    const file = path.join(dir, 'bad.json');
    await writeFile(file, '{\n  "schemaVersion": 1,\n  "entries": [,]\n}\n');
    const damaged = await readBaseline(file).then(() => undefined, (e: unknown) => e);
    expect(isInputError(damaged)).to.equal(true);
    expect((damaged as Error).message).to.match(new RegExp(`^${file.replace(/[.]/g, '\\.')}:3:15: found JSON that does not parse`));
    expect(() => parseBaseline('{"schemaVersion": 2, "entries": []}', 'b.json')).to.throw('b.json:1:19: found schemaVersion 2; expected 1 (re-record it with --update-baseline)');
    expect(() => parseBaseline('{"schemaVersion": 1, "entries": [{"scenario": 1}]}', 'b.json')).to.throw('b.json:1:34: found $.entries[0] without "sensor"; expected "sensor": a non-empty string');
    // Values no run can produce, and keys no harness writes, are refused with their JSON path too.
    const entry = { scenario: 's', sensor: 'z', view: 'default', connection: 'c', setting: 'default', fragments: 1, coverage: 1, longestRecordUs: 5, huntsFound: [] };
    const withEntry = (changes: object): string => JSON.stringify({ schemaVersion: 1, entries: [{ ...entry, ...changes }] });
    expect(() => parseBaseline(withEntry({}), 'b.json')).to.not.throw();
    // A connection the monitor merged with another is covered many times over (softflowd: two pings 10 min apart in
    // one record, 60.88): what --update-baseline wrote, the next check read.
    expect(() => parseBaseline(withEntry({ coverage: 60.88 }), 'b.json')).to.not.throw();
    expect(() => parseBaseline(withEntry({ coverage: -0.5 }), 'b.json')).to.throw(/found \$\.entries\[0\]\.coverage = -0\.5; expected a number of 0 or more/);
    expect(() => parseBaseline(withEntry({ fragments: -1 }), 'b.json')).to.throw(/found \$\.entries\[0\]\.fragments = -1; expected a whole number of records/);
    expect(() => parseBaseline(withEntry({ fragments: 1.5 }), 'b.json')).to.throw(/\$\.entries\[0\]\.fragments = 1\.5/);
    expect(() => parseBaseline(withEntry({ fragmnets: 1 }), 'b.json')).to.throw(/found key "fragmnets" in \$\.entries\[0\]; expected one of scenario/);
    // One connection recorded twice (both sides of a merge conflict kept): each copy was judged, "2 connections no worse".
    const twice = JSON.stringify({ schemaVersion: 1, entries: [entry, { ...entry, fragments: 3 }] }, null, 2);
    expect(() => parseBaseline(twice, 'b.json')).to.throw(/^b\.json:\d+:\d+: found \$\.entries\[1\], connection c of z \(default\) on s again \(as \$\.entries\[0\]\); expected one entry per scenario, sensor, view and connection/);
  });

  it('fits its suite: the same suite named from another folder passes; a sensor the suite lost fails the gate, never passes silently', () => {
    const fit = { suiteFile: '../ci/suite.yaml', scenarios: ['s'], sensors: [{ name: 'z', views: ['default'], setting: parseTimeoutSetting('default') }] };
    // Recorded as `suite.yaml` from the suite's folder, read as `../ci/suite.yaml` from another: the same suite.
    expect(baselineMisfit(baseline, fit)).to.equal(undefined);
    expect(baselineMisfit({ ...baseline, suite: '' }, fit)).to.equal(undefined);
    expect(baselineMisfit({ ...baseline, suite: 'ci/other.yaml' }, fit)?.path).to.deep.equal(['suite']);
    expect(baselineMisfit(baseline, { ...fit, sensors: [{ name: 'zz', views: ['default'], setting: parseTimeoutSetting('default') }] })?.path).to.deep.equal(['entries', 0, 'sensor']);
    // A connection the scenario does not have (an id edited, or renamed since): refused up front, not judged after the run.
    const specs = [{ id: 'c2', count: 1 }, { id: 'web', count: 3 }] as unknown as Parameters<typeof isConnectionId>[0];
    const hasConnection = (scenario: string, id: string): boolean => scenario === 's' && isConnectionId(specs, id);
    expect(baselineMisfit(baseline, { ...fit, hasConnection })?.path).to.deep.equal(['entries', 1, 'connection']);
    expect(['c2', 'web#0', 'web#2'].map((id) => isConnectionId(specs, id))).to.deep.equal([true, true, true]);
    expect(['c3', 'web', 'web#3', 'web#01', 'c2#0'].map((id) => isConnectionId(specs, id))).to.deep.equal([false, false, false, false, false]);
    // evaluateSuite given such a baseline all the same (readBaseline refuses it) counts the lost gate as a failure.
    const renamed = parseSuite('sensors:\n  zz: { monitor: zeek }\nscenarios: [s.yaml]\nexpect:\n  - { scenario: s, max_fragments: 10 }\n', 'suite.yaml');
    const report = evaluateSuite(renamed, buildResults('s', CONNS, [{ sensor: 'zz', fragments: { c2: 1, web: 1 } }]), { baseline: { file: 'b', content: baseline } });
    expect(report.results.filter((r) => r.kind === 'baseline').map((r) => `${r.status} ${r.sensor}: ${r.seen ?? r.reason ?? ''}`)).to.deep.equal([
      'fail z: the suite has no sensor z now (re-record the baseline with harness check --update-baseline if that is intended)',
      'skip zz: not compared with the baseline: it holds no entry for this sensor on this scenario (record them with --update-baseline)',
    ]);
    expect(report.baseline).to.include({ regressions: 1, unrecorded: 1 });
  });

  it('says which sensors judged now the baseline holds no entry of (recorded empty, or a sensor added since), never "0 regressions" alone', () => {
    const two = parseSuite('sensors:\n  z: { monitor: zeek }\n  a: { monitor: argus }\nscenarios: [s.yaml]\nexpect:\n  - { scenario: s, max_fragments: 10 }\n', 'suite.yaml');
    const both = buildResults('s', CONNS, [{ sensor: 'z', fragments: { c2: 1, web: 1 } }, { sensor: 'a', fragments: { c2: 1, web: 1 } }]);
    const empty = { ...baseline, entries: [] };
    const report = evaluateSuite(two, both, { baseline: { file: 'b.json', content: empty } });
    expect(report.results.filter((r) => r.kind === 'baseline').map((r) => `${r.status} ${r.sensor}`)).to.deep.equal(['skip z', 'skip a']);
    expect(report.baseline).to.deep.equal({ file: 'b.json', status: 'compared', regressions: 0, unrecorded: 2 });
    expect(renderCheckText(report, { color: false })).to.include(
      'baseline b.json: 0 regressions; 2 sensors and scenarios judged now have no entry in it (not compared; record them with --update-baseline)',
    );
    expect(renderCheckMarkdown(report)).to.include('2 sensors and scenarios judged now have no entry in it');
    // The baseline of z alone: argus, added since, is named; z is compared.
    const added = evaluateSuite(two, both, { baseline: { file: 'b.json', content: baseline } });
    expect(added.results.filter((r) => r.kind === 'baseline').map((r) => `${r.status} ${r.sensor}`)).to.deep.equal(['pass z', 'skip a']);
    expect(added.baseline?.unrecorded).to.equal(1);
  });

  it('fits the sensor\'s setting: scores recorded under another timeout setting are refused, the same setting in other words is not', () => {
    const sensorAt = (setting: string) => ({ suiteFile: 'suite.yaml', scenarios: ['s'], sensors: [{ name: 'z', views: ['default'], setting: parseTimeoutSetting(setting) }] });
    const misfit = baselineMisfit(baseline, sensorAt('1h'));
    expect(misfit?.path).to.deep.equal(['entries', 0, 'setting']);
    expect(misfit?.found).to.equal('"default", recorded under another setting than sensor z\'s "1h" now (its scores measure another configuration)');
    expect(misfit?.expected).to.equal('z\'s setting "1h" (if its timeouts changed on purpose, re-record the baseline with harness check --update-baseline)');
    const at5m = { ...baseline, entries: baseline.entries.map((e) => ({ ...e, setting: '5m' })) };
    expect(baselineMisfit(at5m, sensorAt('300s'))).to.equal(undefined);
    expect(baselineMisfit(at5m, sensorAt('tcp=5m,udp=300s,icmp=5m'))).to.equal(undefined);
    expect(baselineMisfit(at5m, sensorAt('tcp=5m'))?.path).to.deep.equal(['entries', 0, 'setting']);
    expect(sameSetting('not a setting', parseTimeoutSetting('default'))).to.equal(false);
    // evaluateSuite given such a baseline all the same (readBaseline refuses it) fails each entry, never "no worse".
    const at1h = { ...baseline, entries: baseline.entries.map((e) => ({ ...e, setting: '1h' })) };
    const report = evaluateSuite(suite, run(1), { baseline: { file: 'b', content: at1h } });
    expect(report.results.filter((r) => r.kind === 'baseline').map((r) => `${r.status} ${r.connection}: ${r.seen ?? ''}`)).to.deep.equal([
      'fail c2: scored under default now (re-record the baseline with harness check --update-baseline if that is intended)',
      'fail web: scored under default now (re-record the baseline with harness check --update-baseline if that is intended)',
    ]);
  });
});
