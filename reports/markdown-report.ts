import type { TruthConnection } from '../harness/core/ground-truth.js';
import type { Cell, RunResults, ScenarioResult } from '../harness/core/results.js';
import { escapeMarkdown, escapeXml, markdownCode } from './escape.js';
import {
  buildGrid,
  cellHeadlineText,
  gridConnections,
  gridLegend,
  changedText,
  cutText,
  truthSourceText,
  versionComparisons,
  type VersionComparison,
  describeConnection,
  exitText,
  failingCommand,
  formatCoverage,
  formatSeconds,
  formatUs,
  groupProblems,
  headlineConnection,
  huntText,
  interruptionText,
  modelFindings,
  warningLines,
  pluralize,
  recommendationColumn,
  scoreOf,
  selectConnections,
  verdictText,
  liveCellLines,
  formatUtc,
} from './report-model.js';
import { formatEndpoint } from '../harness/core/ip-address.js';
import { connectionCounts } from '../harness/core/summarize-results.js';
import { costColumns, costFigures, type ColumnCost } from './cost-view.js';

/** Per-connection tables shown in a pull-request comment; the rest are summarized. */
export const MARKDOWN_MAX_CONNECTIONS = 10;

/**
 * The run as Markdown for a pull-request comment: per scenario a summary grid, a table per connection (the
 * longest-gap ones when there are many), the recommendations, and every failure and skip with its reason.
 */
export function renderMarkdown(results: RunResults): string {
  const out: string[] = [];
  out.push('# harness: long, quiet connections');
  out.push('');
  out.push(
    `Run ${escapeMarkdown(results.createdAt)} · harness ${escapeMarkdown(results.tool.version)} · ` +
      `${markdownCode(results.command.join(' '))} · tolerance ±${escapeMarkdown(formatSeconds(results.toleranceS))} ` +
      `or ${escapeMarkdown(String(results.toleranceRatio * 100))}%`,
  );
  const interrupted = interruptionText(results);
  if (interrupted !== undefined) out.push('', `> **${escapeMarkdown(interrupted)}**`);
  for (const warning of warningLines(results)) out.push('', `> ${escapeMarkdown(warning)}`);
  for (const scenario of results.scenarios) out.push('', ...renderScenario(results, scenario));
  out.push('');
  return out.join('\n');
}

function renderScenario(results: RunResults, scenario: ScenarioResult): string[] {
  const out: string[] = [];
  const truth = scenario.truth;
  const grid = buildGrid(scenario);
  const headline = headlineConnection(scenario);
  const counts = connectionCounts(scenario);

  out.push(`## ${escapeMarkdown(scenario.name)}`);
  out.push('');
  if (scenario.description) out.push(escapeMarkdown(scenario.description), '');
  const source = truthSourceText(scenario);
  if (source !== undefined) out.push(`> ${escapeMarkdown(source)}`, '');
  out.push(
    `${pluralize(counts.scenario, 'connection')} (+${counts.background} background) · ` +
      `capture ${escapeMarkdown(formatUs(truth.pcap.spanUs))}, ${pluralize(truth.pcap.packets, 'packet')} · ` +
      `${markdownCode(scenario.pcapFile)}`,
  );
  out.push('');

  if (headline) {
    out.push(
      `**Longest connection** ${markdownCode(headline.id)} (${escapeMarkdown(describeConnection(headline))}): ` +
        `${escapeMarkdown(formatUs(headline.durationUs))}, ${pluralize(headline.quietPeriods.length, 'quiet period')}, ` +
        `longest gap ${escapeMarkdown(formatUs(headline.longestGapUs))}.`,
    );
    out.push('');
  }
  out.push(`| monitor / view | ${grid.settings.map((s) => markdownCode(s)).join(' | ')} |`);
  out.push(`|---|${grid.settings.map(() => '---').join('|')}|`);
  for (const row of grid.rows) {
    const cells = grid.settings.map((s) => escapeMarkdown(cellHeadlineText(grid.cell(row, s), headline?.id)));
    out.push(`| ${escapeMarkdown(row)} | ${cells.join(' | ')} |`);
  }
  const legend = gridLegend(gridConnections(grid));
  if (legend !== undefined) out.push('', `_${escapeMarkdown(legend)}_`);

  const versions = versionComparisons(scenario);
  if (versions.length > 0) out.push('', ...versionTable(versions));

  const okCells = scenario.cells.filter((c) => c.status === 'ok');
  if (okCells.length > 0 && counts.scenario > 1) out.push('', ...aggregateTable(results, okCells));
  const stray = spuriousLines(okCells);
  if (stray.length > 0) out.push('', ...stray);

  // Background flows only prove the timers ran; they get a line, not a table.
  const { shown: picked } = selectConnections(scenario, MARKDOWN_MAX_CONNECTIONS);
  const shown = picked.filter((c) => !c.background);
  if (okCells.length > 0 && shown.length > 0) {
    out.push('', '### Connections', '');
    if (shown.length < counts.scenario) {
      out.push(
        `_Showing ${shown.length} of ${counts.scenario.toLocaleString('en-US')} connections (longest quiet periods first); ` +
          `the other ${(counts.scenario - shown.length).toLocaleString('en-US')} are summarized in the table above._`,
        '',
      );
    }
    for (const connection of shown) out.push(...connectionTable(results, connection, okCells), '');
    out.pop();
  }
  const background = truth.connections.filter((c) => c.background);
  if (okCells.length > 0 && background.length > 0) out.push('', backgroundLine(background, okCells));

  if (scenario.recommendations.length > 0) {
    out.push('', '### Recommendations', '');
    for (const r of scenario.recommendations) {
      const who = `**${escapeMarkdown(recommendationColumn(scenario, r))}**`;
      // Nothing reported: the timeout the scenario would need is no advice; only what to check is said.
      const parts = r.noRecords === true
        ? [`${who} ${escapeMarkdown(r.protocol)}: no timeout advice`]
        : [`${who} ${escapeMarkdown(r.protocol)}: idle timeout ≥ ${escapeMarkdown(formatSeconds(r.minimumIdleS))}: ${markdownCode(r.advice)}`];
      if (r.firstSufficientSetting !== undefined) parts.push(`first sufficient setting in this sweep: ${markdownCode(r.firstSufficientSetting)}`);
      if (r.limitation) parts.push(`⚠ ${escapeMarkdown(r.limitation)}`);
      if (r.tableLimit) parts.push(`⚠ ${escapeMarkdown(r.tableLimit)}`);
      for (const cap of r.caps ?? []) parts.push(`⚠ ${escapeMarkdown(cap)}`);
      out.push(`- ${parts.join('; ')}`);
      // Ready to paste: HTML <pre>, one source line, so that nothing in the lines can close a Markdown fence.
      if (r.adviceLines && r.adviceLines.length > 0) out.push(`  <pre>${r.adviceLines.map((l) => escapeXml(l)).join('&#10;')}</pre>`);
    }
  }

  const live = liveCellLines(scenario);
  if (live.length > 0) out.push('', '### Live cells', '', ...live.map((line) => `- ${escapeMarkdown(line)}`));
  const findings = modelFindings(scenario);
  if (findings.length > 0) out.push('', ...modelSection(findings));
  const costs = costColumns(scenario);
  if (costs.length > 0) out.push('', '### Cost of each setting', '', ...costTable(costs));

  const problems = scenario.cells.filter((c) => c.status !== 'ok');
  if (problems.length > 0) out.push('', '### Failures and skips', '', ...problemList(problems));
  return out;
}

/**
 * Per monitor and setting: what the sensor used, and the flow-table entries the setting keeps (the model's figure,
 * `≤` when an upper bound) beside the tool's own account; then each monitor's one-line summary.
 */
function costTable(columns: ColumnCost[]): string[] {
  const out = [
    '| monitor / view | setting | peak memory | CPU | wall | records | flow table (model: peak, mean) | tool\'s own count |',
    '|---|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const column of columns) {
    for (const row of column.rows) {
      const f = costFigures(row);
      out.push(
        `| ${escapeMarkdown(column.column)} | ${markdownCode(row.setting)} | ${escapeMarkdown(f.memory)} | ${escapeMarkdown(f.cpu)} | ${escapeMarkdown(f.wall)} | ` +
          `${escapeMarkdown(f.records)} | ${escapeMarkdown(f.table)} | ${escapeMarkdown(f.toolState)} |`,
      );
    }
  }
  out.push('');
  for (const column of columns) out.push(`- ${escapeMarkdown(column.summary)}`);
  return out;
}

/** The same setting across versions of one monitor, changed verdicts first and in bold. */
function versionTable(comparisons: VersionComparison[]): string[] {
  const out = ['### Versions side by side', '', '| monitor / view | setting | verdicts by version | between versions |', '|---|---|---|---|'];
  for (const c of comparisons) {
    const verdicts = c.entries.map((e) => `${escapeMarkdown(e.column)}: ${escapeMarkdown(verdictText(e.verdict, e.fragments))}`).join('<br>');
    const changed = c.changedConnections.length > 0;
    const what = escapeMarkdown(changedText(c));
    out.push(`| ${escapeMarkdown(c.view === 'default' ? c.monitor : `${c.monitor} (${c.view})`)} | ${markdownCode(c.setting)} | ${verdicts} | ${changed ? `**⚠ ${what}**` : what} |`);
  }
  return out;
}

/** Findings listed in full; the rest are counted. */
const MARKDOWN_MAX_FINDINGS = 20;

/** Where each tool's own timer rule (not the naive "silence > global timeout") decides the count, and whether the tool kept to it. */
function modelSection(findings: ReturnType<typeof modelFindings>): string[] {
  const agreeing = findings.filter((f) => f.agrees).length;
  const out = [
    "### The model against each tool's timer rule",
    '',
    `${agreeing} of ${findings.length} noted cases are as the tool's own rule predicts (or within the model's range where the rule leaves room); cases the naive model already predicts are not listed.`,
    '',
  ];
  for (const f of findings.slice(0, MARKDOWN_MAX_FINDINGS)) {
    out.push(`- **${escapeMarkdown(f.column)}** · ${markdownCode(f.setting)} · ${markdownCode(f.connectionId)}: ${escapeMarkdown(f.text)}`);
    for (const rule of f.rules) out.push(`  - rule: ${escapeMarkdown(rule)}`);
  }
  if (findings.length > MARKDOWN_MAX_FINDINGS) out.push(`- … ${findings.length - MARKDOWN_MAX_FINDINGS} more in results.json (each score's modelAgreement and timerRules)`);
  return out;
}

/**
 * Records that belong to no connection of the scenario, per cell: a real monitor reading the scenario's own pcap
 * writes none, so any is worth a look (another capture's output mixed in, a tuple the tool rewrote). They were in
 * results.json alone.
 */
function spuriousLines(cells: Cell[]): string[] {
  const withStray = cells.filter((c) => (c.aggregate?.spurious ?? 0) > 0);
  if (withStray.length === 0) return [];
  return [
    '**Records of no connection of the scenario** (a monitor reading this pcap should write none):',
    '',
    ...withStray.map((c) => {
      const first = c.spurious[0];
      const example = first === undefined ? '' : `; the first: ${first.protocol} ${formatEndpoint(first.origAddr, first.origPort)} → ${formatEndpoint(first.respAddr, first.respPort)} at ${formatUtc(first.firstUs)}`;
      return `- ${escapeMarkdown(c.column)} · ${markdownCode(c.setting.label)}: ${(c.aggregate?.spurious ?? 0).toLocaleString('en-US')} of ${c.recordCount.toLocaleString('en-US')} record(s)${escapeMarkdown(example)}`;
    }),
  ];
}

function aggregateTable(results: RunResults, cells: Cell[]): string[] {
  const hunts = results.huntThresholdsS;
  const out = [
    `| monitor / view | setting | accurate | fragmented | missed | fragments | mean coverage | min coverage | ${hunts
      .map((h) => `hunt ${escapeMarkdown(formatSeconds(h))} found`)
      .join(' | ')} |`,
    `|---|---|---:|---:|---:|---:|---:|---:|${hunts.map(() => '---:').join('|')}|`,
  ];
  for (const cell of cells) {
    const a = cell.aggregate;
    if (!a) continue;
    const huntCells = hunts.map((h) => `${a.huntFoundByLongest[String(h)] ?? 0} / ${a.connections}`);
    out.push(
      `| ${escapeMarkdown(cell.column)} | ${markdownCode(cell.setting.label)} | ${a.accurate} | ${a.fragmented} | ${a.missed} | ` +
        `${a.fragmentsTotal} | ${formatCoverage(a.meanCoverage)} | ${formatCoverage(a.minCoverage)} | ${huntCells.join(' | ')} |`,
    );
  }
  return out;
}

function connectionTable(results: RunResults, connection: TruthConnection, cells: Cell[]): string[] {
  const hunts = results.huntThresholdsS;
  const role = connection.background ? ` · background${connection.role ? ` (${escapeMarkdown(connection.role)})` : ''}` : '';
  const cut = cutText(connection);
  const out = [
    `#### ${markdownCode(connection.id)}: ${escapeMarkdown(describeConnection(connection))}`,
    '',
    `${escapeMarkdown(formatUs(connection.durationUs))}, ${pluralize(connection.quietPeriods.length, 'quiet period')}, ` +
      `longest gap ${escapeMarkdown(formatUs(connection.longestGapUs))}${role}${cut === undefined ? '' : ` · **${escapeMarkdown(cut)}**`}`,
    '',
    `| monitor / view | setting | fragments | longest record | sum of durations | coverage | ${hunts
      .map((h) => `hunt ${escapeMarkdown(formatSeconds(h))}`)
      .join(' | ')} | verdict |`,
    `|---|---|---:|---:|---:|---:|${hunts.map(() => '---').join('|')}|---|`,
  ];
  for (const cell of cells) {
    const s = scoreOf(cell, connection.id);
    if (!s) continue;
    out.push(
      `| ${escapeMarkdown(cell.column)} | ${markdownCode(cell.setting.label)} | ${s.fragments} | ${escapeMarkdown(formatUs(s.longestRecordUs))} | ` +
        `${escapeMarkdown(formatUs(s.sumDurationUs))} | ${formatCoverage(s.coverage)} | ${hunts
          .map((h) => huntText(s, h))
          .join(' | ')} | ${escapeMarkdown(verdictText(s.verdict, s.fragments))} |`,
    );
  }
  return out;
}

function backgroundLine(background: TruthConnection[], cells: Cell[]): string {
  const parts = background.map((c) => {
    const scored = cells.map((cell) => scoreOf(cell, c.id)).filter((s) => s !== undefined);
    const accurate = scored.filter((s) => s.verdict === 'accurate').length;
    return `${markdownCode(c.id)}${c.role ? ` (${escapeMarkdown(c.role)})` : ''} accurate in ${accurate} of ${scored.length} cells`;
  });
  return `Background flows, scored apart: ${parts.join('; ')}.`;
}

function problemList(cells: Cell[]): string[] {
  const out: string[] = [];
  // A monitor skipped for every setting for the same reason is one line, not one per setting.
  for (const group of groupProblems(cells)) {
    const first = group[0] as Cell;
    const settings = group.map((c) => markdownCode(c.setting.label)).join(', ');
    const failedCommand = failingCommand(first);
    const exit = failedCommand ? ` (${escapeMarkdown(exitText(failedCommand))})` : '';
    out.push(`- **${escapeMarkdown(first.column)}** · ${settings}: ${escapeMarkdown(first.status)}${exit}: ${escapeMarkdown(first.reason ?? 'no reason recorded')}`);
    const tail = failedCommand?.stderrTail.trim();
    if (first.status === 'failed' && tail) {
      // HTML <pre> inside the comment: Markdown fences could be closed by the stderr itself.
      // One source line: a blank line in stderr would otherwise end the HTML block mid-<pre>.
      const pre = escapeXml(tail.replace(/\r/g, '')).split('\n').join('&#10;');
      out.push(`  <details><summary>stderr of ${escapeXml(failedCommand?.argv[0] ?? 'the command')}</summary><pre>${pre}</pre></details>`);
    }
  }
  return out;
}
