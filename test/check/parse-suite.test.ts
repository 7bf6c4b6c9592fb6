import { expect } from 'chai';
import { isInputError } from '../../harness/core/input-error.js';
import { parseSuite, type MonitorCatalogEntry } from '../../harness/check/parse-suite.js';

const CATALOG: MonitorCatalogEntry[] = [
  { id: 'zeek', views: ['default'] },
  { id: 'argus', views: ['raw', 'merged'] },
  { id: 'tshark', views: ['default'] },
];

const GOOD = `sensors:
  zeek-tuned:
    monitor: zeek
    config: local.zeek
    requires: { min: "6.0", below: "8" }
  zeek-defaults:
    monitor: zeek
  argus-prod:
    monitor: argus
    view: merged
    timeouts: tcp=1h,udp=10m
    skip: collector being replaced
scenarios:
  - ../scenarios/burst-20min.yaml
  - more/*.yaml
tolerance: { duration: 2s, coverage: 1%, fragments: 1 }
expect:
  - scenario: burst-20min
    max_fragments: 1
    min_coverage: 99%
    longest_record: 18h
    hunt: 1h
  - scenario: burst-20min
    sensors: [zeek-tuned]
    connection: c2
    requires: { min: "7" }
    tolerance: 5s
    hunt: { at: 4h, by: sum }
    close: SF
`;

function errorOf(text: string): { message: string; exitCode: number } {
  try {
    parseSuite(text, 'suite.yaml', CATALOG);
  } catch (error) {
    if (isInputError(error)) return { message: error.message, exitCode: error.exitCode };
    throw error;
  }
  throw new Error('expected an InputError, but the suite parsed');
}

describe('check: parseSuite', () => {
  it('reads sensors, scenarios, tolerance and every kind of check', () => {
    const suite = parseSuite(GOOD, 'suite.yaml', CATALOG);
    expect(suite.sensors.map((s) => s.name)).to.deep.equal(['zeek-tuned', 'zeek-defaults', 'argus-prod']);
    const [tuned, defaults, argus] = suite.sensors;
    expect(tuned?.config).to.equal('local.zeek');
    expect(tuned?.requires).to.deep.equal({ min: '6.0', below: '8' });
    expect(tuned?.where).to.deep.equal({ file: 'suite.yaml', line: 2, col: 3 });
    expect(defaults?.setting.isDefault).to.equal(true);
    expect(argus?.view).to.equal('merged');
    expect(argus?.setting.idle).to.deep.equal({ tcp: 3600, udp: 600 });
    expect(argus?.skip).to.equal('collector being replaced');
    expect(suite.scenarios.map((s) => s.pattern)).to.deep.equal(['../scenarios/burst-20min.yaml', 'more/*.yaml']);
    expect(suite.tolerance).to.deep.equal({ durationS: 2, coverage: 0.01, fragments: 1 });
    const [first, second] = suite.expectations;
    expect(first?.sensors).to.equal(undefined);
    expect(first?.checks).to.deep.equal([
      { kind: 'max_fragments', max: 1 },
      { kind: 'min_coverage', min: 0.99 },
      { kind: 'longest_record', atLeastS: 64800 },
      { kind: 'hunt', thresholdS: 3600, by: 'longest' },
    ]);
    expect(second?.sensors).to.deep.equal(['zeek-tuned']);
    expect(second?.connection).to.equal('c2');
    expect(second?.requires).to.deep.equal({ min: '7' });
    expect(second?.toleranceS).to.equal(5);
    expect(second?.checks).to.deep.equal([
      { kind: 'hunt', thresholdS: 14400, by: 'sum' },
      { kind: 'close', state: 'SF' },
    ]);
    expect(second?.where.line).to.equal(23);
  });

  it('takes a single scenario string and the default tolerance', () => {
    const suite = parseSuite('sensors: { t: { monitor: tshark } }\nscenarios: a.yaml\nexpect: [{ scenario: a, max_fragments: 1 }]\n', 's.yaml', CATALOG);
    expect(suite.scenarios).to.deep.equal([{ pattern: 'a.yaml', where: { file: 's.yaml', line: 2, col: 12 } }]);
    expect(suite.tolerance).to.deep.equal({ durationS: 1, coverage: 0.001, fragments: 0 });
  });

  const HEAD = 'sensors:\n  z:\n    monitor: zeek\nscenarios: [a.yaml]\n';
  const cases: { name: string; text: string; message: string }[] = [
    { name: 'YAML that does not parse', text: 'sensors: [zeek\nscenarios: a\n', message: 'suite.yaml:2:1: found invalid YAML (Flow sequence in block collection must be sufficiently indented and end with a ]); expected well-formed YAML' },
    { name: 'two YAML documents', text: `${HEAD}---\n${HEAD}`, message: 'suite.yaml:5:1: found a second YAML document (a --- after the first); expected one YAML document (no second ---)' },
    { name: 'a key written twice', text: `${HEAD}scenarios: [b.yaml]\n`, message: 'suite.yaml:5:1: found key "scenarios" twice in one map; expected each key once per map' },
    { name: 'an unknown YAML tag', text: 'sensors:\n  z:\n    monitor: !sensor zeek\n', message: 'suite.yaml:3:14: found the YAML tag !sensor, which harness does not read; expected a plain value without a tag' },
    { name: 'a %YAML version the reader lacks', text: '%YAML 2.0\n---\nsensors: {}\n', message: 'suite.yaml:1:7: found the directive "%YAML 2.0"; expected YAML 1.2 (no %YAML line, or %YAML 1.2)' },
    { name: 'an empty file', text: '# nothing\n', message: 'suite.yaml:1:1: found an empty suite; expected a map with sensors, scenarios and expect' },
    { name: 'an unknown top-level key', text: `${HEAD}expectations: []\n`, message: 'suite.yaml:5:1: found key "expectations" in the suite; expected one of sensors, scenarios, expect, tolerance' },
    { name: 'no sensors', text: 'scenarios: [a.yaml]\nexpect: [{ scenario: a, max_fragments: 1 }]\n', message: 'suite.yaml:1:1: found the suite without "sensors"' },
    { name: 'an unknown monitor', text: 'sensors:\n  z:\n    monitor: zeeek\n', message: 'suite.yaml:3:14: found monitor "zeeek"; expected one of zeek, argus, tshark' },
    { name: 'a view the monitor lacks', text: 'sensors:\n  a:\n    monitor: argus\n    view: cooked\n', message: 'suite.yaml:4:11: found view "cooked" of argus; expected one of raw, merged' },
    { name: 'a bad timeout setting', text: 'sensors:\n  z:\n    monitor: zeek\n    timeouts: 5 minutes\n', message: 'suite.yaml:4:15: found "5 minutes" in "5 minutes"; expected default, or a positive duration' },
    { name: 'a bad sensor name', text: 'sensors:\n  "zeek tuned":\n    monitor: zeek\n', message: 'suite.yaml:2:3: found sensor name "zeek tuned"; expected letters, digits' },
    { name: 'a sensor key it does not know', text: 'sensors:\n  z:\n    monitor: zeek\n    conf: local.zeek\n', message: 'suite.yaml:4:5: found key "conf" in sensor "z" (did you mean config?); expected one of monitor, binary, timeouts, config, view, requires, skip' },
    { name: 'a version that is not dotted numbers', text: 'sensors:\n  z:\n    monitor: zeek\n    requires: { min: seven }\n', message: 'suite.yaml:4:22: found min version "seven"; expected dotted numbers such as "7.0" or "7.0.11" (quote them)' },
    { name: 'requires with no bound', text: 'sensors:\n  z:\n    monitor: zeek\n    requires: {}\n', message: 'suite.yaml:4:15: found requires with neither min nor below' },
    { name: 'a skip without a reason', text: 'sensors:\n  z:\n    monitor: zeek\n    skip: true\n', message: 'suite.yaml:4:11: found true as skip; expected the reason for skipping, as text' },
    { name: 'no scenarios', text: 'sensors:\n  z:\n    monitor: zeek\nscenarios: []\n', message: 'suite.yaml:4:12: found no scenario; expected at least one scenario file or glob' },
    { name: 'no expect', text: HEAD, message: 'suite.yaml:1:1: found the suite without "expect"; expected expect: [{ scenario: burst-20min, max_fragments: 1 }]' },
    { name: 'an expectation on an unknown sensor', text: `${HEAD}expect:\n  - scenario: a\n    sensor: zz\n    max_fragments: 1\n`, message: 'suite.yaml:7:13: found sensor "zz"; expected a sensor of this suite: z' },
    { name: 'both sensor and sensors', text: `${HEAD}expect:\n  - scenario: a\n    sensor: z\n    sensors: [z]\n    max_fragments: 1\n`, message: 'suite.yaml:8:5: found both sensor and sensors' },
    { name: 'an expectation with nothing to check', text: `${HEAD}expect:\n  - scenario: a\n    sensor: z\n`, message: 'suite.yaml:6:5: found an expectation with nothing to check; expected at least one of max_fragments, min_coverage, longest_record, hunt, close' },
    { name: 'a check it does not know', text: `${HEAD}expect:\n  - scenario: a\n    max_fragment: 1\n`, message: 'suite.yaml:7:5: found key "max_fragment" in an expectation (did you mean max_fragments?); expected one of scenario, sensor, sensors, connection, requires, tolerance, max_fragments' },
    { name: 'max_fragments 0', text: `${HEAD}expect:\n  - scenario: a\n    max_fragments: 0\n`, message: 'suite.yaml:7:20: found max_fragments 0; expected a whole number of 1 or more' },
    { name: 'a coverage over 100%', text: `${HEAD}expect:\n  - scenario: a\n    min_coverage: 150%\n`, message: 'suite.yaml:7:19: found min_coverage "150%"; expected a fraction from 0 to 1 such as 0.99, or a percentage such as 99%' },
    { name: 'a duration that does not parse', text: `${HEAD}expect:\n  - scenario: a\n    longest_record: 18 hours\n`, message: 'suite.yaml:7:21: found an unparsable longest_record "18 hours"; expected a positive duration' },
    { name: 'a hunt by something else', text: `${HEAD}expect:\n  - scenario: a\n    hunt: { at: 1h, by: average }\n`, message: 'suite.yaml:7:25: found hunt by "average"; expected one of longest, sum' },
    { name: 'one scenario entry twice', text: `${HEAD.replace('[a.yaml]', '[a.yaml, b/*.yaml, a.yaml]')}expect: [{ scenario: a, max_fragments: 1 }]\n`, message: 'suite.yaml:4:31: found scenario "a.yaml" twice in scenarios (first on line 4); expected each scenario once' },
    { name: 'two identical expectations', text: `${HEAD}expect:\n  - { scenario: a, sensors: [z], max_fragments: 1 }\n  - { scenario: a, sensors: [z], max_fragments: 1 }\n`, message: 'suite.yaml:7:5: found an expectation that checks only what the expectation on line 6 checks already (max_fragments 1 of "z" on scenario a); expected each check once for a sensor and scenario' },
    { name: 'an expectation for every sensor and one for a sensor, one check alike (99% and 0.99)', text: `sensors:\n  z: { monitor: zeek }\n  t: { monitor: tshark }\nscenarios: [a.yaml]\nexpect:\n  - { scenario: a, min_coverage: 99% }\n  - { scenario: a, sensor: t, max_fragments: 1, min_coverage: 0.99 }\n`, message: 'suite.yaml:7:5: found min_coverage 0.99 of sensor "t" on scenario a, which the expectation on line 6 checks already; expected each check once' },
    { name: 'one hunt in two spellings with the same tolerance', text: `${HEAD}tolerance: { duration: 5s }\nexpect:\n  - { scenario: a, connection: c, hunt: 1h }\n  - { scenario: a, connection: c, tolerance: 5s, hunt: { at: 60m, by: longest } }\n`, message: 'suite.yaml:8:5: found an expectation that checks only what the expectation on line 7 checks already (hunt at 3600s by longest of "z" on connection c of scenario a)' },
    { name: 'max_fragments twice whatever the tolerance', text: `${HEAD}expect:\n  - { scenario: a, max_fragments: 2 }\n  - { scenario: a, tolerance: 9s, max_fragments: 2 }\n`, message: 'suite.yaml:7:5: found an expectation that checks only what the expectation on line 6 checks already' },
    { name: "a longest_record no longer than the suite's tolerance (any record, even none long, would pass)", text: `${HEAD}tolerance: { duration: 1h }\nexpect:\n  - { scenario: a, longest_record: 1h }\n`, message: "suite.yaml:7:36: found longest_record 1h with the suite's duration tolerance of 1h; expected a tolerance shorter than the record asked for" },
    { name: "a longest_record shorter than the expectation's own tolerance", text: `${HEAD}expect:\n  - { scenario: a, tolerance: 20h, longest_record: 13m }\n`, message: "suite.yaml:6:52: found longest_record 13m with this expectation's tolerance of 20h" },
    { name: 'one hunt twice under two tolerances (a hunt takes none)', text: `${HEAD}expect:\n  - { scenario: a, connection: c, hunt: 1h }\n  - { scenario: a, connection: c, tolerance: 9s, hunt: 1h }\n`, message: 'suite.yaml:7:5: found an expectation that checks only what the expectation on line 6 checks already (hunt at 3600s by longest' },
    { name: 'a scenario given as the suite', text: 'name: s\nconnections:\n  - id: c\n', message: 'suite.yaml:1:1: found a scenario (it has connections:), not a suite; expected a suite (sensors, scenarios, expect)' },
    { name: 'a results.json given as the suite', text: '{ "schemaVersion": 2, "scenarios": [] }\n', message: 'suite.yaml:1:1: found a harness JSON file (results, truth or baseline), not a suite' },
    { name: 'a negative tolerance', text: `${HEAD}tolerance: { duration: -1s }\nexpect: [{ scenario: a, max_fragments: 1 }]\n`, message: 'suite.yaml:5:24: found a negative duration tolerance "-1s"' },
  ];
  for (const c of cases) {
    it(`refuses ${c.name} with file:line:col and exit 2`, () => {
      const { message, exitCode } = errorOf(c.text);
      expect(message).to.contain(c.message);
      expect(exitCode).to.equal(2);
    });
  }
});

describe('parseSuite: what is not said twice', () => {
  it('keeps expectations that differ in limit, connection, version gate, or tolerance of a duration check', () => {
    const suite = parseSuite(`sensors:\n  z: { monitor: zeek }\n  t: { monitor: tshark }\nscenarios: [a.yaml, "*.yaml"]\nexpect:
  - { scenario: a, max_fragments: 1, longest_record: 1h }
  - { scenario: a, max_fragments: 2 }
  - { scenario: a, connection: c, max_fragments: 1 }
  - { scenario: a, requires: { min: "7" }, max_fragments: 1 }
  - { scenario: a, tolerance: 5s, longest_record: 1h }
  - { scenario: a, sensors: [t], min_coverage: 99% }
  - { scenario: a, sensors: [z], min_coverage: 99% }
`, 's.yaml', CATALOG);
    expect(suite.expectations).to.have.length(7);
    expect(suite.scenarios.map((p) => p.pattern)).to.deep.equal(['a.yaml', '*.yaml']);
  });
});

describe('parseSuite: live', () => {
  const base = 'sensors:\n  s: { monitor: zeek }\nscenarios: [a.yaml]\nexpect: [{ scenario: a, max_fragments: 1 }]\n';
  it('reads live: true and speedup', () => {
    const suite = parseSuite(`${base}live: true\nspeedup: 60\n`, 'suite.yaml', CATALOG);
    expect(suite.live).to.deep.include({ speedup: 60 });
    expect(parseSuite(base, 'suite.yaml', CATALOG).live).to.equal(undefined);
  });
  it('refuses a speedup without live: true, and a live that is not a boolean', () => {
    expect(() => parseSuite(`${base}speedup: 60\n`, 'suite.yaml', CATALOG)).to.throw(/suite.yaml:5:10: found speedup without live: true/);
    expect(() => parseSuite(`${base}live: yes please\n`, 'suite.yaml', CATALOG)).to.throw(/suite.yaml:5:7: found live .*; expected true or false/);
  });
});
