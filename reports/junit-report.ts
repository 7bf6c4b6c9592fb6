import { connectionsNamed, scoredIds, type TruthConnection } from '../harness/core/ground-truth.js';
import type { Cell, RunResults, ScenarioResult } from '../harness/core/results.js';
import type { CellAggregate, ConnectionScore } from '../harness/core/score.js';
import { durationToleranceUs } from '../harness/comparator/score-connection.js';
import { escapeXml } from './escape.js';
import { describeConnection, failedCommand, formatCoverage, formatSeconds, formatUs, formatUtc, isFailingVerdict, pluralize } from './report-model.js';

/** Connections listed in one failure's body; the count of the rest follows. */
const MAX_LISTED = 20;

/**
 * JUnit XML for CI: a testsuite per scenario, a testcase per cell. A monitor that does not report the truth is a
 * failure; one that cannot be judged (skipped, unsupported, timeouts not honoured offline) is a skip with its reason.
 */
export function renderJunit(results: RunResults): string {
  const suites = results.scenarios.map((s) => renderSuite(results, s));
  const tests = sum(suites.map((s) => s.tests));
  const failures = sum(suites.map((s) => s.failures));
  const skipped = sum(suites.map((s) => s.skipped));
  const time = sum(suites.map((s) => s.timeS));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="harness" tests="${tests}" failures="${failures}" errors="0" skipped="${skipped}" time="${seconds(time)}">`,
    ...suites.map((s) => s.xml),
    '</testsuites>',
    '',
  ].join('\n');
}

interface SuiteOut {
  xml: string;
  tests: number;
  failures: number;
  skipped: number;
  timeS: number;
}

function renderSuite(results: RunResults, scenario: ScenarioResult): SuiteOut {
  const truthById = connectionsNamed(scenario.truth.connections, scoredIds(scenario.cells));
  let failures = 0;
  let skipped = 0;
  const cases: string[] = [];
  for (const cell of scenario.cells) {
    const outcome = judge(results, cell, truthById);
    if (outcome.kind === 'failure') failures += 1;
    if (outcome.kind === 'skipped') skipped += 1;
    const attrs = `classname="${escapeXml(`harness.${scenario.name}.${cell.column}`)}" name="${escapeXml(cell.setting.label)}" time="${seconds(cell.provenance.wallMs / 1000)}"`;
    if (outcome.kind === 'pass') {
      cases.push(`    <testcase ${attrs}/>`);
      continue;
    }
    const lines = [`    <testcase ${attrs}>`];
    if (outcome.kind === 'failure') {
      lines.push(`      <failure type="${escapeXml(cell.verdict)}" message="${escapeXml(outcome.message)}">${escapeXml(outcome.body)}</failure>`);
    } else {
      lines.push(`      <skipped message="${escapeXml(outcome.message)}"/>`);
    }
    const stderr = failedCommand(cell)?.stderrTail.trim();
    if (cell.status === 'failed' && stderr) lines.push(`      <system-err>${escapeXml(stderr)}</system-err>`);
    lines.push('    </testcase>');
    cases.push(lines.join('\n'));
  }
  const timeS = sum(scenario.cells.map((c) => c.provenance.wallMs / 1000));
  const tests = scenario.cells.length;
  const props = [
    ['scenario.file', scenario.file],
    ['pcap', scenario.pcapFile],
    ['truth', scenario.truthFile],
  ]
    .map(([k, v]) => `      <property name="${escapeXml(k as string)}" value="${escapeXml(v as string)}"/>`)
    .join('\n');
  const xml = [
    `  <testsuite name="${escapeXml(scenario.name)}" tests="${tests}" failures="${failures}" errors="0" skipped="${skipped}" time="${seconds(timeS)}" timestamp="${escapeXml(results.createdAt)}">`,
    '    <properties>',
    props,
    '    </properties>',
    ...cases,
    '  </testsuite>',
  ].join('\n');
  return { xml, tests, failures, skipped, timeS };
}

type Outcome = { kind: 'pass' } | { kind: 'failure'; message: string; body: string } | { kind: 'skipped'; message: string };

function judge(results: RunResults, cell: Cell, truthById: Map<string, TruthConnection>): Outcome {
  switch (cell.verdict) {
    case 'accurate':
      return { kind: 'pass' };
    case 'skipped':
      return { kind: 'skipped', message: `skipped: ${cell.reason ?? 'no reason recorded'}` };
    case 'unsupported':
      return { kind: 'skipped', message: `unsupported setting: ${cell.reason ?? 'no reason recorded'}` };
    case 'timeouts-not-honoured':
      return {
        kind: 'skipped',
        message:
          `timeouts not honoured offline: ${cell.displayName} ignores its timeouts when reading a pcap, so a whole record proves nothing` +
          (cell.reason ? ` (${cell.reason})` : ''),
      };
    case 'failed': {
      const cmd = failedCommand(cell);
      const how = cmd ? (cmd.timedOut ? 'timed out' : cmd.signal ? `killed by ${cmd.signal}` : `exit status ${cmd.exitCode}`) : 'no exit status';
      return {
        kind: 'failure',
        message: `expected ${cell.displayName} to run and write readable records; it failed (${how}): ${cell.reason ?? 'no reason recorded'}`,
        body: cmd ? `command: ${cmd.argv.join(' ')}\ncwd: ${cmd.cwd}\n${cmd.stderrTail}` : (cell.reason ?? ''),
      };
    }
    default:
      return connectionFailure(results, cell, truthById);
  }
}

function connectionFailure(results: RunResults, cell: Cell, truthById: Map<string, TruthConnection>): Outcome {
  // The cell's verdict is its scenario connections' (the clock and sentinel are scored apart): counted into the
  // message, they made JUnit say "7 of 7 not reported whole (4 missed)" where every report said "missed (2 of 5)".
  const failing = cell.scores.filter((s) => isFailingVerdict(s.verdict));
  const bad = failing.filter((s) => !s.background);
  const backgroundBad = failing.length - bad.length;
  const scenarioScores = cell.scores.filter((s) => !s.background).length;
  const expectations = bad.slice(0, MAX_LISTED).map((s) => expectation(results, s, truthById.get(s.connectionId)));
  if (bad.length === 0) {
    return { kind: 'failure', message: `cell verdict ${cell.verdict} without a failing scenario connection score`, body: '' };
  }
  const message =
    cell.connectionsScored !== undefined && cell.aggregate !== undefined
      ? `${summarizedCount(cell.aggregate)}; first of the ${scenarioScores} worst kept: ${expectations[0]}`
      : bad.length === 1
        ? (expectations[0] as string)
        : `${pluralize(bad.length, 'connection')} of ${cell.connectionsScored === undefined ? scenarioScores : `the ${scenarioScores} worst of ${cell.connectionsScored}`} not reported whole (${countBy(bad)}); first: ${expectations[0]}`;
  const body = [
    ...expectations.slice(0, MAX_LISTED),
    ...(bad.length === 1 ? fragmentLines(bad[0] as ConnectionScore) : []),
    ...(bad.length > MAX_LISTED ? [`... and ${bad.length - MAX_LISTED} more`] : []),
    ...(backgroundBad > 0 ? [`(also ${pluralize(backgroundBad, 'background flow')} not reported whole, scored apart: ${failing.filter((s) => s.background).map((s) => `${s.connectionId} ${s.verdict}`).join(', ')})`] : []),
  ].join('\n');
  return { kind: 'failure', message, body };
}

function expectation(results: RunResults, s: ConnectionScore, truth: TruthConnection | undefined): string {
  const who = truth ? `${s.connectionId} (${describeConnection(truth)})` : s.connectionId;
  const expected = `expected ${who} as one record of ${formatUs(s.trueDurationUs)}`;
  switch (s.verdict) {
    case 'missed':
      return `${expected}; saw no record`;
    case 'merged':
      return `${expected}; saw it in one record of ${formatUs(s.longestRecordUs)} together with ${s.mergedWith ?? 'another connection'}${s.likelyReason ? `: ${s.likelyReason}` : ''}`;
    case 'inaccurate': {
      const tol = durationToleranceUs(s.trueDurationUs, results) / 1e6;
      return `${expected} (±${formatSeconds(tol)}); saw one record of ${formatUs(s.longestRecordUs)}`;
    }
    default:
      return (
        `${expected}; saw ${s.fragments} fragments, longest ${formatUs(s.longestRecordUs)}, summing to ${formatUs(s.sumDurationUs)} ` +
        `(coverage ${formatCoverage(s.coverage)})${s.likelyReason ? `: ${s.likelyReason}` : ''}`
      );
  }
}

function fragmentLines(s: ConnectionScore): string[] {
  const lines = s.fragmentList.slice(0, MAX_LISTED).map((f, i) => {
    const where = f.sources.map((src) => `${src.file}:${src.line}`).join(', ');
    const state = f.state !== undefined ? ` state ${f.state}` : '';
    return `  fragment ${i + 1}: ${formatUtc(f.firstUs)} to ${formatUtc(f.lastUs)} (${formatUs(f.durationUs)})${state} at ${where}`;
  });
  if (s.fragmentList.length > MAX_LISTED) lines.push(`  ... and ${s.fragmentList.length - MAX_LISTED} more fragments`);
  return lines;
}

/**
 * A cell summarized in memory keeps only its worst scores: how many connections failed comes from its counts over
 * all of them, never from the kept few ("100 of the 102 worst" read as if 100 were all, when 10,000 were cut).
 */
function summarizedCount(a: CellAggregate): string {
  const notWhole = a.connections - a.accurate;
  const merged = a.merged ?? 0;
  const other = notWhole - a.fragmented - a.missed - merged;
  const parts = [[a.fragmented, 'fragmented'], [a.missed, 'missed'], [merged, 'merged with another'], [other, 'inaccurate']] as const;
  const kinds = parts.filter(([n]) => n > 0).map(([n, what]) => `${n.toLocaleString('en-US')} ${what}`).join(', ');
  return `${notWhole.toLocaleString('en-US')} of ${pluralize(a.connections, 'scenario connection')} not reported whole (${kinds})`;
}

function countBy(scores: ConnectionScore[]): string {
  const counts = new Map<string, number>();
  for (const s of scores) counts.set(s.verdict, (counts.get(s.verdict) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${n} ${v}`).join(', ');
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function seconds(s: number): string {
  return (Math.round(s * 1000) / 1000).toFixed(3);
}
