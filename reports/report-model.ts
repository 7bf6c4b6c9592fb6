import type { TruthConnection } from '../harness/core/ground-truth.js';
import { isLiveCell, type Cell, type CommandRecord, type RunResults, type ScenarioResult } from '../harness/core/results.js';
import type { ConnectionScore, Verdict } from '../harness/core/score.js';
import { formatDuration } from '../harness/core/duration.js';

/**
 * What every report derives the same way from a ScenarioResult: the monitor/view x setting grid, the headline
 * connection, which connections get detail when there are thousands, and how a verdict reads. Rows come from the
 * cells themselves, so a new monitor appears in every report without a change here.
 */
export interface Grid {
  /** Report columns of the cells (`Zeek`, `argus (merged)`), in first-appearance order. */
  rows: string[];
  /** Setting labels in sweep order. */
  settings: string[];
  cell(row: string, setting: string): Cell | undefined;
}

export function buildGrid(scenario: ScenarioResult): Grid {
  const rows: string[] = [];
  const settings = scenario.settings.map((s) => s.label);
  const byKey = new Map<string, Cell>();
  for (const cell of scenario.cells) {
    if (!rows.includes(cell.column)) rows.push(cell.column);
    if (!settings.includes(cell.setting.label)) settings.push(cell.setting.label);
    byKey.set(gridKey(cell.column, cell.setting.label), cell);
  }
  return { rows, settings, cell: (row, setting) => byKey.get(gridKey(row, setting)) };
}

function gridKey(row: string, setting: string): string {
  return JSON.stringify([row, setting]);
}

const scoreIndexes = new WeakMap<Cell, Map<string, ConnectionScore>>();

export function scoreOf(cell: Cell, connectionId: string): ConnectionScore | undefined {
  let index = scoreIndexes.get(cell);
  if (!index) {
    index = new Map(cell.scores.map((s) => [s.connectionId, s]));
    scoreIndexes.set(cell, index);
  }
  return index.get(connectionId);
}

/** The longest scenario (non-background) connection: the one a security team asks about first. */
export function headlineConnection(scenario: ScenarioResult): TruthConnection | undefined {
  const all = scenario.truth.connections;
  const pool = all.some((c) => !c.background) ? all.filter((c) => !c.background) : all;
  let best: TruthConnection | undefined;
  for (const c of pool) {
    if (
      !best ||
      c.durationUs > best.durationUs ||
      (c.durationUs === best.durationUs && c.longestGapUs > best.longestGapUs)
    ) {
      best = c;
    }
  }
  return best;
}

/**
 * Connections worth detail, longest quiet period first (those are the ones timeouts cut), scenario connections
 * before background ones; at most `max`.
 */
export function selectConnections(scenario: ScenarioResult, max: number): { shown: TruthConnection[]; total: number } {
  const all = scenario.truth.connections;
  const sorted = [...all].sort(
    (a, b) =>
      Number(a.background) - Number(b.background) ||
      b.longestGapUs - a.longestGapUs ||
      b.durationUs - a.durationUs ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  return { shown: sorted.slice(0, Math.max(0, max)), total: all.length };
}

/**
 * The verdict a summary grid shows for a cell. With one scenario connection it is that connection's (the headline);
 * with several, the cell's own, the worst over them: the longest connection's alone read "✓ accurate" for a cell of
 * a user's capture that cut two of its four connections. The cell's own when it never produced scores.
 */
export function verdictFor(cell: Cell, connectionId: string | undefined): Verdict {
  if (cell.status !== 'ok' || connectionId === undefined || scenarioConnectionsOf(cell) > 1) return cell.verdict;
  return scoreOf(cell, connectionId)?.verdict ?? cell.verdict;
}

function scenarioConnectionsOf(cell: Cell): number {
  return cell.status === 'ok' ? cell.aggregate?.connections ?? 0 : 0;
}

/** The scenario's own (non-background) connections, when a grid's cells summarize several of them. */
export function gridConnections(grid: Grid): number {
  let most = 0;
  for (const row of grid.rows) {
    for (const setting of grid.settings) {
      const cell = grid.cell(row, setting);
      if (cell) most = Math.max(most, scenarioConnectionsOf(cell));
    }
  }
  return most;
}

/** What a grid of several connections' cells shows, for the line under it. */
export function gridLegend(connections: number): string | undefined {
  return connections > 1 ? `each cell: the worst verdict over the ${connections.toLocaleString('en-US')} scenario connections, and how many had it` : undefined;
}

const VERDICT_TEXT: Record<Verdict, { symbol: string; word: string; short: string }> = {
  accurate: { symbol: '✓', word: 'accurate', short: 'ok' },
  inaccurate: { symbol: '✗', word: 'inaccurate', short: 'inacc' },
  fragmented: { symbol: '✗', word: 'fragmented', short: 'frag' },
  merged: { symbol: '✗', word: 'merged with another', short: 'merged' },
  missed: { symbol: '✗', word: 'missed', short: 'missed' },
  'timeouts-not-honoured': { symbol: '⚠', word: 'not honoured', short: 'n/h' },
  unsupported: { symbol: '–', word: 'unsupported', short: 'unsup' },
  failed: { symbol: '✗', word: 'failed', short: 'failed' },
  skipped: { symbol: '', word: 'skipped', short: 'skip' },
};

export function verdictText(verdict: Verdict, fragments?: number, short = false): string {
  const t = VERDICT_TEXT[verdict];
  const word = short ? t.short : t.word;
  const base = t.symbol ? `${t.symbol} ${word}` : word;
  if (verdict === 'fragmented' && fragments !== undefined) return short ? `${base} ${fragments}` : `${base} (${fragments})`;
  return base;
}

/** `✗ fragmented (57)`: the summary-table text of a cell for the headline connection. */
export function cellHeadlineText(cell: Cell | undefined, connectionId: string | undefined, short = false): string {
  if (!cell) return short ? '·' : '·';
  const connections = scenarioConnectionsOf(cell);
  if (connections > 1) {
    const a = cell.aggregate;
    const count = a === undefined ? undefined : cell.verdict === 'fragmented' ? a.fragmented : cell.verdict === 'missed' ? a.missed : cell.verdict === 'merged' ? (a.merged ?? 0)
      // Accurate over the connections judged: a live cell leaves those near a timeout unjudged, and "accurate" alone
      // read as all of them.
      : cell.verdict === 'accurate' && a.accurate < connections ? a.accurate : undefined;
    const text = verdictText(cell.verdict, undefined, short);
    if (count === undefined) return text;
    return short ? `${text} ${count}/${connections}` : `${text} (${count.toLocaleString('en-US')} of ${connections.toLocaleString('en-US')})`;
  }
  const verdict = verdictFor(cell, connectionId);
  const score = cell.status === 'ok' && connectionId !== undefined ? scoreOf(cell, connectionId) : undefined;
  return verdictText(verdict, score?.fragments, short);
}

export type VerdictTone = 'good' | 'bad' | 'warn' | 'muted';

export function verdictTone(verdict: Verdict): VerdictTone {
  switch (verdict) {
    case 'accurate':
      return 'good';
    case 'timeouts-not-honoured':
      return 'warn';
    case 'unsupported':
    case 'skipped':
      return 'muted';
    default:
      return 'bad';
  }
}

/** Mean coverage over scenario connections (background flows are scored apart), or undefined without scores. */
export function meanCoverage(cell: Cell): { mean: number; min: number } | undefined {
  if (cell.status !== 'ok') return undefined;
  const scores = cell.scores.some((s) => !s.background) ? cell.scores.filter((s) => !s.background) : cell.scores;
  if (scores.length === 0) return undefined;
  let sum = 0;
  let min = Infinity;
  for (const s of scores) {
    sum += s.coverage;
    min = Math.min(min, s.coverage);
  }
  return { mean: sum / scores.length, min };
}

/** `1.52%`, `100%`, `0.0027%`: enough digits to tell a 4-second sum from nothing. */
export function formatCoverage(coverage: number): string {
  if (!Number.isFinite(coverage)) return '–';
  const pct = coverage * 100;
  if (pct === 0) return '0%';
  if (Math.abs(pct - 100) < 0.05) return '100%';
  if (pct >= 10) return `${pct.toFixed(1)}%`;
  if (pct >= 1) return `${pct.toFixed(2)}%`;
  return `${Number(pct.toPrecision(2))}%`;
}

/**
 * A duration for people: whole seconds from a minute up (`20m28s`), milliseconds below (`18.18s`), microseconds
 * under a second (`0.000412s`), so a 4-second sum still reads as 4 s next to 19 h.
 */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  const abs = Math.abs(seconds);
  if (abs >= 60) return formatDuration(Math.round(seconds));
  if (abs >= 1) return formatDuration(Math.round(seconds * 1000) / 1000);
  return formatDuration(seconds);
}

export function formatUs(us: number): string {
  return formatSeconds(us / 1e6);
}

/** `2023-11-14 22:13:20.000000 UTC`, exact to the microsecond. */
const YEAR_0_MS = Date.parse('0000-01-01T00:00:00Z');
const YEAR_10000_MS = Date.parse('9999-12-31T23:59:59.999Z') + 1;

export function formatUtc(us: number): string {
  const ms = Math.floor(us / 1000);
  // Years 0-9999 read as dates; anything else (a hand-edited results.json, a log in the wrong unit) is shown as the
  // number it is rather than thrown as a RangeError from a report, or printed as a six-digit year.
  if (!(ms >= YEAR_0_MS && ms < YEAR_10000_MS)) return `${us} us since 1970 (not a calendar time)`;
  const iso = new Date(ms).toISOString();
  const micros = String(((us % 1_000_000) + 1_000_000) % 1_000_000).padStart(6, '0');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${micros} UTC`;
}

export function describeConnection(c: TruthConnection): string {
  const arrow = `${c.client.addr}:${c.client.port} → ${c.server.addr}:${c.server.port}`;
  return `${c.protocol} ${arrow}${c.vlan !== undefined ? ` vlan ${c.vlan}` : ''}`;
}

/** Hunt answer for one threshold: found by a single record, only by summing records, or not at all. */
export function huntText(score: ConnectionScore, thresholdS: number): string {
  const hunt = score.hunts.find((h) => h.thresholdS === thresholdS);
  if (!hunt) return '–';
  if (hunt.byLongestRecord) return 'yes';
  if (hunt.bySum) return 'sum only';
  return 'no';
}

/** Verdicts that mean the monitor did not report the connection truthfully. */
export function isFailingVerdict(verdict: Verdict): boolean {
  return verdictTone(verdict) === 'bad';
}

export function pluralize(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** The report column a recommendation belongs to (recommendations name the monitor id and view). */
export function recommendationColumn(scenario: ScenarioResult, r: { monitor: string; view: string }): string {
  const cell =
    scenario.cells.find((c) => c.monitor === r.monitor && c.view === r.view) ??
    scenario.cells.find((c) => c.sensor === r.monitor && c.view === r.view);
  if (cell) return cell.column;
  return r.view && r.view !== 'default' ? `${r.monitor} (${r.view})` : r.monitor;
}

/** The lines every report puts first, after an interruption: what the reader must know to trust the results. */
export function warningLines(results: RunResults): string[] {
  return (results.warnings ?? []).map((w) => `Warning: ${w}`);
}

/** The one line every report puts first when the run was stopped by Ctrl-C; undefined for a complete run. */
export function interruptionText(results: RunResults): string | undefined {
  const i = results.interrupted;
  if (i === undefined) return undefined;
  const missing = i.scenariosNotGenerated;
  return (
    'Interrupted: this run was stopped before it finished; monitors still running were stopped and their cells are marked failed ' +
    '("interrupted"), cells not yet started are marked skipped ("not run")' +
    (missing.length > 0 ? `, and ${pluralize(missing.length, 'scenario')} never generated (${missing.join(', ')}) ${missing.length === 1 ? 'is' : 'are'} absent.` : '.')
  );
}

/** The first command of a cell that exited non-zero, was killed or timed out. */
export function failingCommand(cell: Cell): CommandRecord | undefined {
  return cell.provenance.commands.find((c) => c.exitCode !== 0 || c.signal !== undefined || c.timedOut);
}

/** The command to show for a failed cell: the failing one, else the last (a run whose output could not be read). */
export function failedCommand(cell: Cell): CommandRecord | undefined {
  const cmds = cell.provenance.commands;
  return failingCommand(cell) ?? cmds[cmds.length - 1];
}

/** How a command ended, in a few words. */
export function exitText(cmd: CommandRecord): string {
  if (cmd.timedOut) return 'timed out';
  if (cmd.signal) return `killed by ${cmd.signal}`;
  return `exit ${cmd.exitCode ?? '?'}`;
}

/** Failed and skipped cells to list: settings of one column skipped for the same reason share an entry; each failure keeps its own. */
export function groupProblems(cells: Cell[]): Cell[][] {
  const groups = new Map<string, Cell[]>();
  for (const c of cells) {
    const key = JSON.stringify([c.column, c.status, c.reason ?? '', c.status === 'failed' ? c.setting.label : '']);
    const list = groups.get(key) ?? [];
    list.push(c);
    groups.set(key, list);
  }
  return [...groups.values()];
}

/**
 * One line per live cell (harness run --live): where it listened, the speedup, what the replay's timing error was,
 * how many packets the monitor saw against the wire, whether immediate mode was applied, whether offline and live
 * agree, and what the tool itself discarded. Shared by the Markdown, HTML and terminal reports.
 */
export function liveCellLines(scenario: ScenarioResult): string[] {
  const lines: string[] = [];
  for (const cell of scenario.cells) {
    const live = cell.live;
    if (!live) continue;
    const ms = (us: number): string => `${(us / 1000).toFixed(1)} ms`;
    const parts = [
      `${cell.column} @ ${cell.setting.label}: ${cell.verdict}`,
      `on ${live.interface}, speedup K=${live.speedup}`,
      live.timingError === undefined
        ? 'no replay ran (interrupted before it), so no timing error was measured'
        : `replay timing error median ${ms(live.timingError.medianUs)}, p99 ${ms(live.timingError.p99Us)}, max ${ms(live.timingError.maxUs)}, drift ${ms(live.timingError.driftUs)} (x${live.speedup} in scenario time)`,
      `packets ${live.packetsScheduled} ${live.timingError === undefined ? 'scheduled' : 'sent'}, ${live.packetsOnWire} on the wire, ${live.packetsSeen === undefined ? 'monitor reports no count' : `${live.packetsSeen} seen by the monitor`}`,
    ];
    if (live.immediateMode) parts.push(live.immediateMode);
    if (live.invariance) parts.push(live.invariance.detail);
    const losses = cell.scores.flatMap((s) => (s.toolLosses ?? []).filter((l) => l.confirmed).map((l) => `${s.connectionId} lost ${formatUs(l.endUs - l.startUs)} (${l.reason})`));
    if (losses.length > 0) parts.push(`discarded by the tool: ${losses.join('; ')}`);
    lines.push(parts.join('; '));
  }
  return lines;
}

/**
 * Where a scenario's truth came from, when it is not a synthesized scenario's exact truth: a team's capture, read
 * with tshark. Undefined for a synthesized scenario (every report has always meant that).
 */
export function truthSourceText(scenario: ScenarioResult): string | undefined {
  if (scenario.truthSource !== 'derived') return undefined;
  const cut = scenario.truth.connections.filter((c) => c.cut !== undefined).length;
  return (
    'Truth derived from the capture itself with tshark (one connection per conversation, never split; quiet periods ' +
    `computed from its packets), not synthesized: ${pluralize(cut, 'connection')} of ${scenario.truth.connections.length.toLocaleString('en-US')} ` +
    `${cut === 1 ? 'was' : 'were'} cut by the capture's start or end and ${cut === 1 ? 'is' : 'are'} marked "cut".`
  );
}

/** `cut at start (no SYN: ...); cut at end (...)`, or undefined when the capture holds the whole connection. */
export function cutText(c: TruthConnection): string | undefined {
  if (c.cut === undefined) return undefined;
  const parts: string[] = [];
  if (c.cut.start !== undefined) parts.push(`cut at start (${c.cut.start})`);
  if (c.cut.end !== undefined) parts.push(`cut at end (${c.cut.end})`);
  return parts.join('; ');
}

/** One setting of one monitor (and view), run by several binaries side by side, and whether their verdicts agree. */
export interface VersionComparison {
  monitor: string;
  view: string;
  setting: string;
  entries: { column: string; version: string; verdict: Verdict; fragments?: number }[];
  /** Connections whose verdict differs between the binaries: what an upgrade would change. */
  changedConnections: string[];
}

/**
 * The comparison across versions: for each monitor run by more than one binary, each setting with every binary's
 * verdict on the headline connection, and the connections on which they disagree. Changed ones come first.
 */
export function versionComparisons(scenario: ScenarioResult): VersionComparison[] {
  const headline = headlineConnection(scenario);
  const groups = new Map<string, Cell[]>();
  for (const cell of scenario.cells) {
    if (cell.status === 'skipped') continue;
    // A live cell is its binary replayed to, not another version: compared with the offline cell of the same
    // binary, every monitor without a live form read "verdict changed" against its unsupported twin.
    const key = JSON.stringify([cell.monitor, cell.view, cell.setting.label, isLiveCell(cell)]);
    const list = groups.get(key) ?? [];
    list.push(cell);
    groups.set(key, list);
  }
  const out: VersionComparison[] = [];
  for (const cells of groups.values()) {
    const binaries = new Set(cells.map((c) => `${c.binary ?? ''}\0${c.version ?? ''}`));
    if (binaries.size < 2) continue;
    const first = cells[0] as Cell;
    const changed = new Set<string>();
    const ids = new Set(cells.flatMap((c) => c.scores.map((s) => s.connectionId)));
    for (const id of ids) {
      if (new Set(cells.map((c) => verdictFor(c, id))).size > 1) changed.add(id);
    }
    out.push({
      monitor: first.monitor,
      view: first.view,
      setting: first.setting.label,
      entries: cells.map((c) => {
        const score = c.status === 'ok' && headline !== undefined ? scoreOf(c, headline.id) : undefined;
        return { column: c.column, version: c.version ?? 'unknown', verdict: verdictFor(c, headline?.id), ...(score ? { fragments: score.fragments } : {}) };
      }),
      changedConnections: [...changed].sort(),
    });
  }
  return out.sort((a, b) => Number(b.changedConnections.length > 0) - Number(a.changedConnections.length > 0));
}

/** `5 connections changed (c1, c2, c3, ...)` or `same verdicts`. */
export function changedText(comparison: VersionComparison): string {
  const ids = comparison.changedConnections;
  if (ids.length === 0) return 'same verdicts';
  const shown = ids.slice(0, 3).join(', ');
  return `verdict changed for ${pluralize(ids.length, 'connection')} (${shown}${ids.length > 3 ? ', ...' : ''})`;
}

/** One connection in one cell where the tool's timer rule is worth a line: a range, a difference, or a rule at work. */
export interface ModelFinding {
  column: string;
  setting: string;
  connectionId: string;
  /** `2 records, as the model predicts (naive "silence > global timeout": 1)`, `3 records, within the model's range 2–4`. */
  text: string;
  /** The tool's rules behind the difference from the naive model, in its own words. */
  rules: string[];
  /** The tool did what its rule allows. */
  agrees: boolean;
}

/**
 * The model against the tool, per cell and connection: every score whose count the naive model would have got
 * wrong, that the model could only bound, or that the tool did not match. A score the naive model already
 * predicts exactly says nothing new and is left out.
 */
export function modelFindings(scenario: ScenarioResult): ModelFinding[] {
  const out: ModelFinding[] = [];
  for (const cell of scenario.cells) {
    if (cell.status !== 'ok') continue;
    for (const s of cell.scores) {
      if (s.modelAgreement === undefined) continue;
      const plain = s.modelAgreement === 'as-predicted' && s.timerRules === undefined && s.naivePredictedFragments === s.fragments;
      if (plain) continue;
      const records = pluralize(s.fragments, 'record');
      const naive = s.naivePredictedFragments !== undefined && s.naivePredictedFragments !== s.fragments ? ` (naive "silence > global timeout": ${s.naivePredictedFragments})` : '';
      const range = s.predictedRange ? `${s.predictedRange.min}–${s.predictedRange.max}` : '';
      const text =
        s.modelAgreement === 'as-predicted'
          ? `${records}, as the model predicts${naive}`
          : s.modelAgreement === 'differs'
            ? `${records}, the model predicts ${s.predictedFragments ?? '?'}${s.likelyReason ? ` (likely reason: ${s.likelyReason})` : ''}`
            : s.modelAgreement === 'within-range'
              ? `${records}, within the model's range ${range}${naive}`
              : `${records}, outside the model's range ${range}${s.likelyReason ? ` (likely reason: ${s.likelyReason})` : ''}`;
      out.push({
        column: cell.column,
        setting: cell.setting.label,
        connectionId: s.connectionId,
        text,
        rules: s.timerRules ?? [],
        agrees: s.modelAgreement === 'as-predicted' || s.modelAgreement === 'within-range',
      });
    }
  }
  return out;
}
