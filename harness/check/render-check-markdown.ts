import { keptText, unrecordedText } from './render-check-text.js';
import { oneLine } from '../core/input-error.js';
import type { CheckReport, CheckResult } from './check-report.js';

/**
 * A pull-request comment: one headline, the failures as a table (capped), the skips grouped by reason, and no
 * list of passes, so that a big suite still fits on one screen.
 */
const MAX_FAILURES = 15;
const MAX_SKIP_REASONS = 5;
const MAX_CELL = 200;

export function renderCheckMarkdown(report: CheckReport): string {
  const { pass, fail, skip } = report.counts;
  const verdict = fail > 0 ? '❌ failed' : pass === 0 ? '⚠️ nothing checked' : '✅ passed';
  const lines = [`### harness check: ${verdict}`, '', `\`${cell(report.suite)}\`: **${pass}** pass, **${fail}** fail, **${skip}** skip`];
  if (report.baseline) {
    const b = report.baseline;
    const text = b.status === 'compared' ? `${b.regressions} regression${b.regressions === 1 ? '' : 's'} against`
      : b.status === 'updated' ? 'updated'
        : b.status === 'interrupted' ? 'not updated (the run was interrupted):' : 'no';
    lines.push('', `Baseline: ${text} \`${cell(b.file)}\`${cell(keptText(b.kept))}${cell(unrecordedText(b.unrecorded, b.unrecordedConnections))}`);
  }
  const failures = report.results.filter((r) => r.status === 'fail');
  if (failures.length > 0) {
    lines.push('', '| scenario | sensor | connection | expected | seen |', '|---|---|---|---|---|');
    for (const r of failures.slice(0, MAX_FAILURES)) {
      lines.push(`| ${cell(r.scenario)} | ${cell(r.sensor)} | ${cell(r.connection)} | ${cell(r.expected)} | ${cell(r.seen ?? r.reason ?? '')} |`);
    }
    if (failures.length > MAX_FAILURES) lines.push('', `… and ${failures.length - MAX_FAILURES} more failures (see the job log or JUnit report).`);
  }
  const skips = groupSkips(report.results);
  if (skips.length > 0) {
    lines.push('', `<details><summary>${skip} skipped</summary>`, '');
    for (const [reason, count] of skips.slice(0, MAX_SKIP_REASONS)) lines.push(`- ${count} × ${cell(reason)}`);
    if (skips.length > MAX_SKIP_REASONS) lines.push(`- … ${skips.length - MAX_SKIP_REASONS} more reasons`);
    lines.push('', '</details>');
  }
  return `${lines.join('\n')}\n`;
}

function groupSkips(results: readonly CheckResult[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const r of results) {
    if (r.status !== 'skip') continue;
    const key = `${r.sensor}: ${r.reason ?? 'no reason given'}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}

/** Text safe inside a table cell: no pipes, newlines, HTML or runaway length. */
function cell(text: string): string {
  // Control characters from a suite (a skip reason with a terminal escape, a NUL) are written as escapes.
  const flat = oneLine(text.replace(/\s+/g, ' ')).trim();
  const short = flat.length > MAX_CELL ? `${flat.slice(0, MAX_CELL - 1)}…` : flat;
  return short.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|').replace(/`/g, "'");
}
