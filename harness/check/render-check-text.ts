import type { CheckReport, CheckResult, CheckStatus } from './check-report.js';
import { oneLine } from '../core/input-error.js';

/**
 * The terminal view of a check: results grouped by scenario, each as PASS / FAIL / SKIP with what was expected and
 * what was seen (or why it was skipped), then the totals.
 */
const WORD: Record<CheckStatus, string> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' };
const COLOR: Record<CheckStatus, string> = { pass: '\u001b[32m', fail: '\u001b[31m', skip: '\u001b[33m' };
const RESET = '\u001b[0m';

export function renderCheckText(report: CheckReport, options: { color: boolean }): string {
  const lines: string[] = [`harness check ${oneLine(report.suite)}`];
  const byScenario = new Map<string, CheckResult[]>();
  for (const result of report.results) byScenario.set(result.scenario, [...(byScenario.get(result.scenario) ?? []), result]);
  for (const [scenario, results] of byScenario) {
    lines.push('', oneLine(scenario));
    for (const result of results) lines.push(...resultLines(result, options.color));
  }
  lines.push('');
  if (report.baseline) lines.push(baselineLine(report.baseline));
  const { pass, fail, skip } = report.counts;
  lines.push(`${pass} pass, ${fail} fail, ${skip} skip${fail > 0 ? ': FAILED' : pass === 0 ? ': nothing was checked' : ': OK'}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The result's texts with control characters written as escapes: a suite's skip reason or close state carried a
 * terminal escape (ESC[2J) straight into the CI log. Only the renderer's own colors stay codes.
 */
function printable(result: CheckResult): CheckResult {
  const safe = (text: string | undefined): string | undefined => (text === undefined ? undefined : oneLine(text));
  const where = result.where ? { ...result.where, file: oneLine(result.where.file) } : undefined;
  return {
    ...result,
    scenario: oneLine(result.scenario),
    sensor: oneLine(result.sensor),
    connection: oneLine(result.connection),
    expected: oneLine(result.expected),
    ...(result.seen !== undefined ? { seen: safe(result.seen) as string } : {}),
    ...(result.reason !== undefined ? { reason: safe(result.reason) as string } : {}),
    ...(result.note !== undefined ? { note: safe(result.note) as string } : {}),
    ...(where ? { where } : {}),
  };
}

function resultLines(raw: CheckResult, color: boolean): string[] {
  const result = printable(raw);
  const word = color ? `${COLOR[result.status]}${WORD[result.status]}${RESET}` : WORD[result.status];
  const subject = `${result.sensor}${result.connection === 'all' ? '' : ` / ${result.connection}`}${result.kind === 'baseline' ? ' [baseline]' : ''}`;
  const where = result.where ? ` (${result.where.file}:${result.where.line})` : '';
  const lines = [`  ${word}  ${subject}: ${result.expected}${where}`];
  if (result.status === 'skip') lines.push(`        skipped: ${result.reason ?? 'no reason given'}`);
  else if (result.status === 'fail') {
    lines.push(`        expected ${result.expected}; ${result.seen !== undefined ? `saw ${result.seen}` : `could not measure: ${result.reason ?? ''}`}`);
  } else if (result.seen !== undefined) lines.push(`        saw ${result.seen}`);
  // A skip for the note's reason has said it already.
  if (result.note && result.note !== result.reason) lines.push(`        note: ${result.note}`);
  return lines;
}

/** The sensors whose earlier baseline entries an update kept, since this run did not judge them. */
export function keptText(kept: readonly string[] | undefined): string {
  return kept === undefined || kept.length === 0 ? '' : `; kept the earlier entries of ${kept.join(', ')} (not judged in this run)`;
}

/** The cells a compared baseline holds no entry of: guarded by nothing, so said beside the regressions. */
export function unrecordedText(unrecorded: number | undefined, connections?: number): string {
  const parts: string[] = [];
  if (unrecorded !== undefined && unrecorded > 0) parts.push(`${unrecorded} ${unrecorded === 1 ? 'sensor and scenario' : 'sensors and scenarios'}`);
  if (connections !== undefined && connections > 0) parts.push(`${connections} ${connections === 1 ? 'connection' : 'connections'}`);
  if (parts.length === 0) return '';
  const one = parts.length === 1 && (unrecorded === 1 || connections === 1);
  return `; ${parts.join(' and ')} judged now ${one ? 'has' : 'have'} no entry in it (not compared; record them with --update-baseline)`;
}

function baselineLine(baseline: NonNullable<CheckReport['baseline']>): string {
  switch (baseline.status) {
    case 'updated':
      return `baseline ${baseline.file}: updated with this run's scores${keptText(baseline.kept)}`;
    case 'absent':
      return `baseline ${baseline.file}: none yet (record one with --update-baseline)`;
    case 'interrupted':
      return `baseline ${baseline.file}: not updated, the run was interrupted (the earlier baseline is left as it was)`;
    case 'compared':
      return `baseline ${baseline.file}: ${baseline.regressions} ${baseline.regressions === 1 ? 'regression' : 'regressions'}${unrecordedText(baseline.unrecorded, baseline.unrecordedConnections)}`;
  }
}
