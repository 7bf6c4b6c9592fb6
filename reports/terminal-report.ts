import type { RunResults, ScenarioResult } from '../harness/core/results.js';
import { stripInvalidXmlChars } from './escape.js';
import {
  buildGrid,
  cellHeadlineText,
  gridConnections,
  gridLegend,
  changedText,
  formatSeconds,
  truthSourceText,
  verdictText,
  versionComparisons,
  formatUs,
  headlineConnection,
  pluralize,
  interruptionText,
  warningLines,
  recommendationColumn,
  verdictFor,
  verdictTone,
  type VerdictTone,
} from './report-model.js';
import { costColumns, cpuText, formatKb } from './cost-view.js';

export interface TerminalOptions {
  /** ANSI colour; the caller decides (a TTY and no NO_COLOR). */
  color: boolean;
  /** Columns available; default 100. */
  width?: number;
}

const TONE_CODE: Record<VerdictTone, string> = { good: '32', bad: '31', warn: '33', muted: '2' };
const MAX_RECOMMENDATIONS = 8;

/** One screen per run: per scenario a verdict grid for the longest connection, then the recommendation lines. */
export function renderTerminal(results: RunResults, options: TerminalOptions): string {
  const width = Math.max(40, options.width ?? 100);
  const paint = (code: string, text: string): string => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const out: string[] = [];
  const interrupted = interruptionText(results);
  if (interrupted !== undefined) out.push(paint('33', clean(interrupted)), '');
  const warnings = warningLines(results);
  if (warnings.length > 0) out.push(...warnings.map((w) => paint('33', clean(w))), '');
  for (const scenario of results.scenarios) out.push(...renderScenario(scenario, width, paint), '');
  if (out[out.length - 1] === '') out.pop();
  return `${out.join('\n')}\n`;
}

function renderScenario(scenario: ScenarioResult, width: number, paint: (code: string, text: string) => string): string[] {
  const grid = buildGrid(scenario);
  const headline = headlineConnection(scenario);
  const out: string[] = [];
  const title = headline
    ? `${clean(scenario.name)}: longest connection ${clean(headline.id)}, ${formatUs(headline.durationUs)}, ` +
      `${pluralize(headline.quietPeriods.length, 'quiet period')}, longest gap ${formatUs(headline.longestGapUs)}`
    : clean(scenario.name);
  out.push(paint('1', fit(title, width)));

  // Full verdict words when they fit, short ones otherwise; then the row labels give way.
  let short = false;
  let table = layout(grid, headline?.id, short);
  if (table.total > width) {
    short = true;
    table = layout(grid, headline?.id, short);
  }
  const labelWidth = Math.max(6, Math.min(table.labelWidth, width - (table.total - table.labelWidth)));
  const header = pad('monitor / view', labelWidth) + grid.settings.map((s, i) => '  ' + pad(clean(s), table.widths[i] as number)).join('');
  out.push(paint('2', fit(header, width).trimEnd()));
  for (const row of grid.rows) {
    let line = pad(fit(clean(row), labelWidth), labelWidth);
    grid.settings.forEach((setting, i) => {
      const cell = grid.cell(row, setting);
      const text = cellHeadlineText(cell, headline?.id, short);
      const spaces = ' '.repeat(Math.max(0, (table.widths[i] as number) - text.length));
      line += '  ' + (cell ? paint(TONE_CODE[verdictTone(verdictFor(cell, headline?.id))], text) : text) + spaces;
    });
    out.push(line.trimEnd());
  }
  const legend = gridLegend(gridConnections(grid));
  if (legend !== undefined) out.push(paint('2', fit(legend, width)));

  const source = truthSourceText(scenario);
  if (source !== undefined) out.push(paint('2', fit(source, width)));
  for (const c of versionComparisons(scenario)) {
    const verdicts = c.entries.map((e) => `${e.version} ${verdictText(e.verdict, e.fragments, true)}`).join(' vs ');
    const changed = c.changedConnections.length > 0;
    const line = `${changed ? '⚠' : '='} ${c.view === 'default' ? c.monitor : `${c.monitor} (${c.view})`} @ ${c.setting}: ${verdicts}: ${changedText(c)}`;
    out.push(changed ? paint('33', fit(clean(line), width)) : paint('2', fit(clean(line), width)));
  }

  const problems = scenario.cells.filter((c) => c.status === 'failed').length;
  const skipped = scenario.cells.filter((c) => c.status === 'skipped').length;
  if (problems + skipped > 0) {
    out.push(paint('2', fit(`${problems} failed, ${skipped} skipped cells: reasons in report.md`, width)));
  }
  const recs = scenario.recommendations;
  for (const r of recs.slice(0, MAX_RECOMMENDATIONS)) {
    const text = r.limitation
      ? `${recommendationColumn(scenario, r)} ${r.protocol}: ${r.limitation}`
      : `${recommendationColumn(scenario, r)} ${r.protocol}: ${r.advice} (idle ≥ ${formatSeconds(r.minimumIdleS)})`;
    out.push(`${paint(r.limitation ? '33' : '36', '→')} ${fit(clean(text), width - 2)}`);
    if (r.tableLimit) out.push(`${paint('33', '→')} ${fit(clean(r.tableLimit), width - 2)}`);
    // An override the global knob cannot lift: the whole advice is in report.md, ready to paste.
    for (const cap of r.caps ?? []) out.push(`${paint('33', '  ⚠')} ${fit(clean(`${cap} (report.md has the lines to paste)`), width - 4)}`);
  }
  if (recs.length > MAX_RECOMMENDATIONS) out.push(`  ... ${recs.length - MAX_RECOMMENDATIONS} more recommendations in report.md`);
  // Cost: the sentence (wrapped, it is the point), then the figures per setting on one line.
  for (const column of costColumns(scenario)) {
    const [first, ...rest] = wrap(clean(column.summary), width - 2, 3);
    out.push(`${paint('36', '$')} ${first ?? ''}`, ...rest.map((l) => `  ${l}`));
    const figures = column.rows
      .map((r) => (r.cell.status === 'ok'
        ? `${r.setting} ${r.cost.peakRssKb !== undefined ? formatKb(r.cost.peakRssKb) : '?'} ${cpuText(r.cost)} ${r.cost.table ? r.cost.table.peakEntries.toLocaleString('en-US') : '?'}`
        : `${r.setting} ${r.cell.status}`))
      .join(' · ');
    out.push(paint('2', `  ${fit(clean(`memory, CPU, table peak: ${figures}`), width - 2)}`));
  }
  return out;
}

function layout(grid: ReturnType<typeof buildGrid>, connectionId: string | undefined, short: boolean): { widths: number[]; labelWidth: number; total: number } {
  const labelWidth = Math.max('monitor / view'.length, ...grid.rows.map((r) => clean(r).length));
  const widths = grid.settings.map((s) =>
    Math.max(clean(s).length, ...grid.rows.map((r) => cellHeadlineText(grid.cell(r, s), connectionId, short).length)),
  );
  return { widths, labelWidth, total: labelWidth + widths.reduce((a, w) => a + 2 + w, 0) };
}

/** Monitor output can hold escape sequences; a report must not be able to drive the terminal. */
/** Words onto at most `maxLines` lines of `width`, the last cut with an ellipsis if it still does not fit. */
function wrap(text: string, width: number, maxLines: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  if (lines.length <= maxLines) return lines.map((l) => fit(l, width));
  return [...lines.slice(0, maxLines - 1), fit(lines.slice(maxLines - 1).join(' '), width)];
}

function clean(text: string): string {
  return stripInvalidXmlChars(text).replace(/[\u001b\u007f-\u009f\r\n\t]/g, ' ');
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function fit(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}
