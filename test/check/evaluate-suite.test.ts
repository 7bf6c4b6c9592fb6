import { expect } from 'chai';
import type { CheckResult } from '../../harness/check/check-report.js';
import { exitCodeOf, failSkips } from '../../harness/check/check-report.js';
import { evaluateSuite } from '../../harness/check/evaluate-suite.js';
import { parseSuite } from '../../harness/check/parse-suite.js';
import { compareVersions, numericVersion, versionMismatch } from '../../harness/check/version-range.js';
import { buildResults, type ConnSpec } from './build-results.js';

// c2: 19 h = 68,400 s. Cut in f equal records with f-1 silences of 1/(2f) each (see build-results.ts):
// f = 2 gives two records of 25,650 s (7h7m30s), coverage 75%, sum 51,300 s.
const CONNS: ConnSpec[] = [
  { id: 'c2', durationS: 68_400 },
  { id: 'web#1', durationS: 100 },
  { id: 'web#2', durationS: 100 },
  { id: 'clock', durationS: 70_000, background: true },
];

function suiteOf(expectYaml: string, sensorsYaml = '  tuned: { monitor: zeek }\n  defaults: { monitor: zeek }\n'): ReturnType<typeof parseSuite> {
  return parseSuite(`sensors:\n${sensorsYaml}scenarios: [s.yaml]\nexpect:\n${expectYaml}`, 'suite.yaml');
}

function only(results: CheckResult[], sensor: string, kind?: string): CheckResult {
  const found = results.filter((r) => r.sensor === sensor && (kind === undefined || r.kind === kind));
  expect(found, `results for ${sensor} ${kind ?? ''}`).to.have.length(1);
  return found[0] as CheckResult;
}

describe('check: evaluateSuite on built results', () => {
  it('passes a whole connection and fails a fragmented one, saying what was expected and seen', () => {
    const suite = suiteOf('  - { scenario: s, connection: c2, max_fragments: 1 }\n');
    const results = buildResults('s', CONNS, [
      { sensor: 'tuned', fragments: { c2: 1 } },
      { sensor: 'defaults', fragments: { c2: 57 } },
    ]);
    const report = evaluateSuite(suite, results);
    expect(only(report.results, 'tuned')).to.include({ status: 'pass', expected: 'at most 1 record per connection', seen: '1 record (c2)', connection: 'c2' });
    expect(only(report.results, 'defaults')).to.include({ status: 'fail', expected: 'at most 1 record per connection', seen: '57 records (c2)' });
    expect(only(report.results, 'defaults').where).to.deep.equal({ file: 'suite.yaml', line: 6, col: 5 });
    expect(report.counts).to.deep.equal({ pass: 1, fail: 1, skip: 0 });
    expect(exitCodeOf(report)).to.equal(1);
  });

  it('judges coverage, longest record, hunts by longest record and by sum', () => {
    const suite = suiteOf('  - { scenario: s, connection: c2, min_coverage: 99%, longest_record: 18h, hunt: 8h }\n  - { scenario: s, connection: c2, hunt: { at: 8h, by: sum } }\n');
    const report = evaluateSuite(suite, buildResults('s', CONNS, [
      { sensor: 'tuned', fragments: { c2: 1 } },
      { sensor: 'defaults', fragments: { c2: 2 } },
    ]));
    const of = (sensor: string, kind: string, index = 0): CheckResult => report.results.filter((r) => r.sensor === sensor && r.kind === kind)[index] as CheckResult;
    expect(of('tuned', 'min_coverage')).to.include({ status: 'pass', seen: 'coverage 100% (c2)' });
    expect(of('defaults', 'min_coverage')).to.include({ status: 'fail', expected: 'coverage of at least 99%', seen: 'coverage 75% (c2)' });
    expect(of('tuned', 'longest_record')).to.include({ status: 'pass', seen: 'longest record 19h (c2)' });
    expect(of('defaults', 'longest_record')).to.include({ status: 'fail', expected: 'a record at least 18h long (tolerance 1s)', seen: 'longest record 7h7m30s (c2)' });
    expect(of('defaults', 'hunt', 0)).to.include({ status: 'fail', expected: 'found by a hunt for records of 8h or more', seen: 'not found (longest record 7h7m30s) (c2)' });
    expect(of('defaults', 'hunt', 1)).to.include({ status: 'pass', expected: 'found by a hunt summing durations to 8h or more', seen: 'found (durations sum to 14h15m) (c2)' });
  });

  it('applies the duration tolerance of the expectation, else of the suite', () => {
    // One record of exactly 19 h; asking for 19h0m3s passes only with a tolerance of 3 s or more.
    const tight = suiteOf('  - { scenario: s, sensor: tuned, connection: c2, longest_record: 19h0m3s }\n');
    const loose = suiteOf('  - { scenario: s, sensor: tuned, connection: c2, longest_record: 19h0m3s, tolerance: 5s }\n');
    const results = buildResults('s', CONNS, [{ sensor: 'tuned', fragments: { c2: 1 } }]);
    expect(only(evaluateSuite(tight, results).results, 'tuned').status).to.equal('fail');
    expect(only(evaluateSuite(loose, results).results, 'tuned')).to.include({ status: 'pass', expected: 'a record at least 19h3s long (tolerance 5s)' });
  });

  it('judges a hunt exactly, as the query would (the duration tolerance is not added to it)', () => {
    // One record of exactly 19 h: a hunt for 19h0m0.5s would not find it, whatever the tolerance of 1 s says.
    const suite = suiteOf('  - { scenario: s, sensor: tuned, connection: c2, hunt: 19h0m0.5s }\n  - { scenario: s, sensor: tuned, connection: c2, hunt: 19h }\n');
    const results = buildResults('s', CONNS, [{ sensor: 'tuned', fragments: { c2: 1 } }]);
    const [above, at] = evaluateSuite(suite, results).results;
    expect(above).to.include({ status: 'fail', expected: 'found by a hunt for records of 19h0.5s or more', seen: 'not found (longest record 19h) (c2)' });
    expect(at).to.include({ status: 'pass', seen: 'found (longest record 19h) (c2)' });
  });

  it('checks the last record state, and the close against the truth', () => {
    const suite = suiteOf('  - { scenario: s, connection: c2, close: SF }\n  - { scenario: s, connection: c2, close: as-truth }\n');
    const report = evaluateSuite(suite, buildResults('s', CONNS, [
      { sensor: 'tuned', fragments: { c2: 1 }, state: { c2: 'SF' } },
      { sensor: 'defaults', fragments: { c2: 3 }, state: { c2: 'OTH' } },
    ]));
    const [tunedState, tunedTruth] = report.results.filter((r) => r.sensor === 'tuned');
    const [defaultsState, defaultsTruth] = report.results.filter((r) => r.sensor === 'defaults');
    expect(tunedState).to.include({ status: 'pass', expected: 'last record in state SF', seen: 'last record in state SF (c2)' });
    expect(defaultsState).to.include({ status: 'fail', seen: 'last record in state OTH (c2)' });
    expect(tunedTruth).to.include({ status: 'pass', expected: 'closed as the truth says', seen: 'fin (truth: fin) (c2)' });
    expect(defaultsTruth).to.include({ status: 'fail', seen: 'none (truth: fin) (c2)' });
  });

  it('without a connection, checks every non-background connection and names the failing ones; an id matches its copies', () => {
    const all = suiteOf('  - { scenario: s, sensor: tuned, max_fragments: 1 }\n  - { scenario: s, sensor: tuned, connection: web, max_fragments: 1 }\n');
    const report = evaluateSuite(all, buildResults('s', CONNS, [{ sensor: 'tuned', fragments: { c2: 1, 'web#1': 1, 'web#2': 3, clock: 99 } }]));
    const [everything, web] = report.results;
    expect(everything).to.include({ status: 'fail', connection: 'all', seen: '1 of 3 connections: 3 records (web#2)' });
    expect(web).to.include({ status: 'fail', connection: 'web', seen: '1 of 2 connections: 3 records (web#2)' });
    const fine = evaluateSuite(all, buildResults('s', CONNS, [{ sensor: 'tuned', fragments: { c2: 1, 'web#1': 1, 'web#2': 1, clock: 99 } }]));
    expect(fine.results[0]).to.include({ status: 'pass', seen: 'all 3 connections; worst 1 record (c2)' });
  });

  it('fails a missed connection even under max_fragments', () => {
    const suite = suiteOf('  - { scenario: s, sensor: tuned, connection: c2, max_fragments: 2 }\n');
    const report = evaluateSuite(suite, buildResults('s', CONNS, [{ sensor: 'tuned', fragments: { c2: 0 } }]));
    expect(report.results[0]).to.include({ status: 'fail', seen: 'missed (no record) (c2)' });
  });

  it('skips with the reason: a sensor the suite skips, one the edge could not run, a monitor not installed', () => {
    const suite = suiteOf('  - { scenario: s, connection: c2, max_fragments: 1, min_coverage: 0.9 }\n',
      '  old: { monitor: argus, skip: "collector being replaced" }\n  gone: { monitor: zeek }\n  absent: { monitor: suricata }\n');
    const results = buildResults('s', CONNS, [{ sensor: 'absent', monitor: 'suricata', status: 'skipped', reason: 'suricata not found on PATH; install: see suricata.io', fragments: {} }]);
    const report = evaluateSuite(suite, results, { sensorSkips: new Map([['gone', { reason: 'Zeek is not installed (zeek not found on PATH); install: build Zeek 7', bySuite: false }]]) });
    expect(report.counts).to.deep.equal({ pass: 0, fail: 0, skip: 6 });
    expect(report.results.filter((r) => r.sensor === 'old').map((r) => r.reason)).to.deep.equal(['sensor skipped by the suite: collector being replaced', 'sensor skipped by the suite: collector being replaced']);
    expect(report.results.find((r) => r.sensor === 'gone')?.reason).to.equal('Zeek is not installed (zeek not found on PATH); install: build Zeek 7');
    expect(report.results.find((r) => r.sensor === 'absent')?.reason).to.equal('suricata not found on PATH; install: see suricata.io');
    expect(exitCodeOf(report)).to.equal(0);

    // --fail-on-skip: the machine's skips (not installed) fail with their reason; the suite's own skip stays a skip.
    failSkips(report);
    expect(report.counts).to.deep.equal({ pass: 0, fail: 4, skip: 2 });
    expect(report.results.filter((r) => r.status === 'skip').map((r) => r.sensor)).to.deep.equal(['old', 'old']);
    expect(report.results.find((r) => r.sensor === 'gone')?.reason).to.equal('skipped, and --fail-on-skip makes that a failure: Zeek is not installed (zeek not found on PATH); install: build Zeek 7');
    expect(exitCodeOf(report)).to.equal(1);
  });

  it('gates on versions: the sensor requires, and an expectation requires, each skipping with the reason', () => {
    const suite = suiteOf(
      '  - { scenario: s, connection: c2, max_fragments: 1 }\n  - { scenario: s, connection: c2, max_fragments: 1, requires: { below: "7" } }\n',
      '  new: { monitor: zeek, requires: { min: "7.0.10" } }\n',
    );
    const old = evaluateSuite(suite, buildResults('s', CONNS, [{ sensor: 'new', version: '7.0.9', fragments: { c2: 1 } }]));
    expect(old.results.map((r) => r.status)).to.deep.equal(['skip', 'skip']);
    expect(old.results[0]?.reason).to.equal('sensor requires zeek >= 7.0.10: version 7.0.9 is below the required minimum 7.0.10');
    const current = evaluateSuite(suite, buildResults('s', CONNS, [{ sensor: 'new', version: '7.0.11', fragments: { c2: 1 } }]));
    expect(current.results.map((r) => r.status)).to.deep.equal(['pass', 'skip']);
    expect(current.results[1]?.reason).to.equal('expectation gated on zeek < 7: version 7.0.11 is not below 7');
    const unknown = evaluateSuite(suite, buildResults('s', CONNS, [{ sensor: 'new', fragments: { c2: 1 } }]));
    expect(unknown.results[0]?.reason).to.equal('sensor requires zeek >= 7.0.10: its version is unknown; required >= 7.0.10');
    // Version gates are the suite's own choice: --fail-on-skip leaves them skips.
    failSkips(old);
    failSkips(current);
    expect([...old.results, ...current.results].map((r) => r.status)).to.deep.equal(['skip', 'skip', 'pass', 'skip']);
    // A version the runner could not read is the machine's fault, not the suite's choice: --fail-on-skip fails it.
    const unreadable = evaluateSuite(suite, buildResults('s', CONNS, [{ sensor: 'new', version: 'custom build', fragments: { c2: 1 } }]));
    expect(unreadable.results[0]?.reason).to.equal('sensor requires zeek >= 7.0.10: its version "custom build" has no number; required >= 7.0.10');
    failSkips(unknown);
    failSkips(unreadable);
    expect([...unknown.results, ...unreadable.results].map((r) => r.status)).to.deep.equal(['fail', 'fail', 'fail', 'fail']);
  });

  it('fails (not skips) a sensor whose monitor crashed or cannot take its setting, and a scenario missing from the run', () => {
    const suite = suiteOf('  - { scenario: s, connection: c2, max_fragments: 1 }\n  - { scenario: other, max_fragments: 1 }\n',
      '  crash: { monitor: zeek }\n  cap: { monitor: nfpcapd, timeouts: 4h }\n');
    const report = evaluateSuite(suite, buildResults('s', CONNS, [
      { sensor: 'crash', status: 'failed', reason: 'zeek failed: killed by SIGSEGV', fragments: {} },
      { sensor: 'cap', monitor: 'nfpcapd', status: 'unsupported', reason: 'nfpcapd caps timeouts at 3600 s', fragments: {} },
    ]));
    expect(report.results.map((r) => [r.scenario, r.sensor, r.status, r.reason])).to.deep.equal([
      ['s', 'crash', 'fail', 'the monitor failed: zeek failed: killed by SIGSEGV'],
      ['s', 'cap', 'fail', 'nfpcapd cannot take the sensor\'s setting default: nfpcapd caps timeouts at 3600 s'],
      ['other', 'crash', 'fail', 'scenario other is not in the run\'s results'],
      ['other', 'cap', 'fail', 'scenario other is not in the run\'s results'],
    ]);
  });

  it('checks every view of a multi-view monitor unless the sensor names one, and notes tools that ignore timeouts offline', () => {
    const expectYaml = '  - { scenario: s, connection: c2, max_fragments: 1 }\n';
    const cells = [
      { sensor: 'a', monitor: 'argus', view: 'raw', fragments: { c2: 4 } },
      { sensor: 'a', monitor: 'argus', view: 'merged', fragments: { c2: 1 } },
      { sensor: 'sf', monitor: 'softflowd', honours: false, fragments: { c2: 1 } },
    ];
    const both = evaluateSuite(suiteOf(expectYaml, '  a: { monitor: argus }\n  sf: { monitor: softflowd }\n'), buildResults('s', CONNS, cells));
    // One record from a tool that ignores its timeouts on a pcap is no evidence: skipped with the reason, never a pass.
    expect(both.results.map((r) => [r.sensor, r.status])).to.deep.equal([['a (raw)', 'fail'], ['a (merged)', 'pass'], ['sf', 'skip']]);
    expect(both.results[2]?.reason).to.equal('softflowd does not apply its timeouts to a pcap: a whole record here proves nothing about live traffic');
    const merged = evaluateSuite(suiteOf(expectYaml, '  a: { monitor: argus, view: merged }\n'), buildResults('s', CONNS, cells));
    expect(merged.results.map((r) => [r.sensor, r.status])).to.deep.equal([['a (merged)', 'pass']]);
    // A view that joins the tool's records after its timers cut them (racluster) passes whatever the timeouts: the
    // shipped example's argus gate passed with argus's 60 s default while argus cut the session 58 times.
    const joinedBy = (monitor: string, view: string): string | undefined => (monitor === 'argus' && view === 'merged' ? 'racluster joins every record of a directed 5-tuple' : undefined);
    const judged = evaluateSuite(suiteOf(expectYaml, '  a: { monitor: argus }\n'), buildResults('s', CONNS, cells), { joinedBy });
    expect(judged.results.map((r) => [r.sensor, r.status])).to.deep.equal([['a (raw)', 'fail'], ['a (merged)', 'skip']]);
    expect(judged.results[1]?.reason).to.equal(
      'the merged view joins the tool\'s records whatever its timeouts (racluster joins every record of a directed 5-tuple): a whole record here proves nothing about the sensor\'s config; judge its other view',
    );
  });
});

describe('check: version ranges', () => {
  it('compares dotted versions as numbers, missing parts as 0', () => {
    expect(compareVersions([7, 0, 11], [7, 0, 9])).to.equal(1);
    expect(compareVersions([8], [8, 0, 0])).to.equal(0);
    expect(compareVersions([3, 0, 8], [3, 0, 8, 2])).to.equal(-1);
    expect(numericVersion('7.0.11-debug')).to.deep.equal([7, 0, 11]);
    expect(numericVersion('unknown')).to.equal(undefined);
  });

  it('says why a version is out of range, and nothing when it is in', () => {
    expect(versionMismatch('7.0.11', { min: '7.0', below: '8' })).to.equal(undefined);
    expect(versionMismatch('8.0.0', { min: '7.0', below: '8' })).to.equal('version 8.0.0 is not below 8');
    expect(versionMismatch('6.2.1', { min: '7.0' })).to.equal('version 6.2.1 is below the required minimum 7.0');
    expect(versionMismatch('unknown', { min: '7.0' })).to.equal('its version "unknown" has no number; required >= 7.0');
  });
});

describe('check: thresholds compared in whole microseconds', () => {
  it('a record exactly as long as a hunt or longest_record threshold is found (1049.046524 s x 1e6 is 1049046524.0000001)', () => {
    const results = buildResults('s', [{ id: 't', durationS: 1049.046524 }], [{ sensor: 'z', fragments: { t: 1 } }]);
    const score = results.scenarios[0]!.cells[0]!.scores[0]!;
    score.longestRecordUs = 1_049_046_524;
    score.sumDurationUs = 1_049_046_524;
    const suite = suiteOf('  - { scenario: s, connection: t, hunt: 1049.046524s }\n  - { scenario: s, connection: t, longest_record: 1049.046524s, tolerance: 0s }\n', '  z: { monitor: zeek }\n');
    const report = evaluateSuite(suite, results);
    expect(report.results.map((r) => [r.status, r.seen])).to.deep.equal([
      ['pass', 'found (longest record 17m29.046524s) (t)'],
      ['pass', 'longest record 17m29.046524s (t)'],
    ]);
  });
});

describe('check: close as-truth on a connection the truth never closes', () => {
  it('passes when the monitor reports it without a close (UDP, ICMP), fails when it missed it', () => {
    const results = buildResults('s', [{ id: 'u', durationS: 600, close: 'none' }, { id: 'gone', durationS: 600, close: 'none' }], [{ sensor: 'z', fragments: { u: 1, gone: 0 } }]);
    for (const s of results.scenarios[0]!.cells[0]!.scores) s.close = { expected: 'none' };
    const suite = suiteOf('  - { scenario: s, connection: u, close: as-truth }\n  - { scenario: s, connection: gone, close: as-truth }\n', '  z: { monitor: zeek }\n');
    expect(evaluateSuite(suite, results).results.map((r) => [r.status, r.seen])).to.deep.equal([
      ['pass', 'no close (truth: none) (u)'],
      ['fail', 'no record (truth: none) (gone)'],
    ]);
  });

  it('skips, not fails, a TCP close a monitor whose records carry no state cannot show (tshark, nDPI)', () => {
    const results = buildResults('s', [{ id: 't', durationS: 600 }], [{ sensor: 'z', fragments: { t: 1 } }]);
    results.scenarios[0]!.cells[0]!.scores[0]!.close = { expected: 'fin' };
    const suite = suiteOf('  - { scenario: s, connection: t, close: as-truth }\n', '  z: { monitor: zeek }\n');
    const [result] = evaluateSuite(suite, results).results;
    expect(result).to.include({ status: 'skip', seen: 'records without a state (truth: fin) (t)' });
    expect(result?.reason).to.match(/records carry no state: how a connection closed cannot be judged/);
    // A named state alike (close: SF): skipped, as documented; a record that has a state is judged.
    const named = evaluateSuite(suiteOf('  - { scenario: s, connection: t, close: SF }\n', '  z: { monitor: zeek }\n'), results).results[0];
    expect(named).to.include({ status: 'skip', seen: 'last record without a state (t)' });
    const withState = buildResults('s', [{ id: 't', durationS: 600 }], [{ sensor: 'z', fragments: { t: 1 }, state: { t: 'S1' } }]);
    expect(evaluateSuite(suiteOf('  - { scenario: s, connection: t, close: SF }\n', '  z: { monitor: zeek }\n'), withState).results[0]).to.include({ status: 'fail', seen: 'last record in state S1 (t)' });
  });
});

describe('check: connections of a protocol the monitor does not report', () => {
  it('are not judged (UDP on tcptrace failed every scenario-wide expectation as missed); asked about alone, a skip saying why', () => {
    const results = buildResults('s', [{ id: 't', durationS: 600 }, { id: 'u', durationS: 600 }], [{ sensor: 'tt', monitor: 'tcptrace', fragments: { t: 1, u: 0 } }]);
    const truth = results.scenarios[0]!.truth;
    truth.connections = truth.connections.map((c) => (c.id === 'u' ? { ...c, protocol: 'udp' } : c));
    const protocolsOf = (monitor: string): readonly string[] | undefined => (monitor === 'tcptrace' ? ['tcp'] : undefined);
    const every = evaluateSuite(suiteOf('  - { scenario: s, max_fragments: 1 }\n', '  tt: { monitor: tcptrace }\n'), results, { protocolsOf });
    expect(every.results.map((r) => [r.status, r.seen])).to.deep.equal([['pass', '1 record (t)']]);
    const udpOnly = evaluateSuite(suiteOf('  - { scenario: s, connection: u, max_fragments: 1 }\n', '  tt: { monitor: tcptrace }\n'), results, { protocolsOf });
    expect(udpOnly.results.map((r) => [r.status, r.reason])).to.deep.equal([['skip', 'tcptrace reports TCP connections only: none of those asked about']]);
    // Without the adapter's word, as before: the UDP connection fails as missed.
    expect(evaluateSuite(suiteOf('  - { scenario: s, max_fragments: 1 }\n', '  tt: { monitor: tcptrace }\n'), results).results[0]?.status).to.equal('fail');
  });
});

describe('check: connections the run did not judge (verdict unsupported, as live marks them)', () => {
  const NOT_JUDGED = 'not judged: replayed 30 times faster, the tool\'s own constants ran 30 times longer in scenario time than on a sensor';
  function resultsWithUnjudged(): ReturnType<typeof buildResults> {
    const results = buildResults('s', [{ id: 't', durationS: 600 }, { id: 'u', durationS: 600 }], [{ sensor: 'ar', monitor: 'argus', fragments: { t: 1, u: 1 } }]);
    const cell = results.scenarios[0]!.cells[0]!;
    const u = cell.scores.find((score) => score.connectionId === 'u')!;
    u.verdict = 'unsupported';
    u.likelyReason = NOT_JUDGED;
    return results;
  }

  it('asked about alone: a skip that says why (it passed "at most 1 record" at exit 0 while results.json said not judged)', () => {
    const report = evaluateSuite(suiteOf('  - { scenario: s, connection: u, max_fragments: 1, min_coverage: 99% }\n', '  ar: { monitor: argus }\n'), resultsWithUnjudged());
    expect(report.results.map((r) => [r.status, r.reason])).to.deep.equal([
      ['skip', `1 connection asked about is not judged: ${NOT_JUDGED}`],
      ['skip', `1 connection asked about is not judged: ${NOT_JUDGED}`],
    ]);
    failSkips(report);
    expect(exitCodeOf(report)).to.equal(1);
  });

  it('among others: judged on the others, with a note saying how many were left out', () => {
    const report = evaluateSuite(suiteOf('  - { scenario: s, max_fragments: 1 }\n', '  ar: { monitor: argus }\n'), resultsWithUnjudged());
    expect(report.results).to.have.length(1);
    expect(report.results[0]).to.include({ status: 'pass', seen: '1 record (t)', note: '1 of 2 connections asked about not judged (argus): judged on the others' });
  });
});
