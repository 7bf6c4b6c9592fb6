import type { Cell, CellCost, ScenarioResult } from '../harness/core/results.js';
import { formatKb } from '../harness/comparator/table-limit-advice.js';
import { buildGrid, pluralize } from './report-model.js';

/**
 * Cost beside accuracy: per report column (monitor and view), what each swept setting cost the sensor (peak memory,
 * CPU, wall time, records) and the flow-table entries the model says it keeps, with one sentence a reader takes
 * away: "1h keeps every connection whole and costs +25% memory at this load". Monitor-agnostic: built from cells.
 */
export interface CostRow {
  setting: string;
  cell: Cell;
  cost: CellCost;
  /** Every scenario connection came out as one record (undefined when the cell has no scores). */
  whole?: boolean;
}

export interface ColumnCost {
  column: string;
  rows: CostRow[];
  summary: string;
}

export { formatKb };

function keepsWhole(cell: Cell): boolean | undefined {
  const a = cell.aggregate;
  if (cell.status !== 'ok' || !a || a.connections === 0) return undefined;
  // A connection a live replay could not judge (within the timing error of a timeout, or where the tool's unscaled
  // constants part the replay from a sensor) leaves "every connection whole" unknown.
  if (cell.verdict === 'unsupported' || cell.scores.some((s) => !s.background && s.verdict === 'unsupported')) return undefined;
  return a.fragmented === 0 && a.missed === 0;
}

export function costColumns(scenario: ScenarioResult): ColumnCost[] {
  const grid = buildGrid(scenario);
  const out: ColumnCost[] = [];
  for (const column of grid.rows) {
    const rows: CostRow[] = [];
    for (const setting of grid.settings) {
      const cell = grid.cell(column, setting);
      if (!cell?.cost) continue;
      const row: CostRow = { setting, cell, cost: cell.cost };
      const whole = keepsWhole(cell);
      if (whole !== undefined) row.whole = whole;
      rows.push(row);
    }
    if (rows.length > 0) out.push({ column, rows, summary: costSummary(column, rows) });
  }
  return out;
}

export function percentChange(value: number, base: number): string {
  if (base <= 0) return 'n/a';
  const pct = Math.round(((value - base) / base) * 100);
  return `${pct >= 0 ? '+' : ''}${pct}%`;
}

/**
 * Peak RSS is one reading of one run: the same process peaks a few per cent apart from run to run, and a small one
 * by a few hundred KB. A difference inside that is reported as none, so run-to-run noise is never sold as a cost or
 * a saving (10.9 MB against 11.4 MB is not "-4% memory").
 */
const RSS_NOISE_RATIO = 0.05;
const RSS_NOISE_KB = 1024;

export function memoryCost(valueKb: number, baseKb: number): string {
  if (!(baseKb > 0)) return `costs ${formatKb(valueKb)} of memory (no default figure to compare)`;
  if (Math.abs(valueKb - baseKb) < Math.max(RSS_NOISE_KB, RSS_NOISE_RATIO * baseKb)) return 'costs no measurable memory';
  if (valueKb < baseKb) return `uses ${percentChange(valueKb, baseKb).slice(1)} less memory`;
  return `costs ${percentChange(valueKb, baseKb)} memory`;
}

function memoryText(row: CostRow): string {
  return row.cost.peakRssKb !== undefined ? formatKb(row.cost.peakRssKb) : 'unknown memory';
}

/**
 * Why a cell that ran says nothing of wholeness: it scored no connection, or (live) some could not be judged. "default
 * scored nothing" was said of a cell that had judged one connection of two, accurate.
 */
function judgedPart(cell: CostRow['cell']): string {
  const connections = cell.aggregate?.connections ?? 0;
  const notJudged = cell.scores.filter((s) => !s.background && s.verdict === 'unsupported').length;
  if (connections === 0 || notJudged === 0) return 'scored nothing';
  return `judged only ${connections - notJudged} of ${connections} connections`;
}

/** The sentence: which setting keeps everything whole first, and what it costs against the tool's default. */
export function costSummary(column: string, rows: readonly CostRow[]): string {
  const base = rows.find((r) => r.cell.setting.isDefault) ?? (rows[0] as CostRow);
  const chosen = rows.find((r) => r.whole === true);
  const parts: string[] = [];
  const notHonoured = rows.some((r) => r.cell.honoursTimeoutsOffline === false);
  // A cell that failed (crashed, hung, wrote too much) was not judged: it says nothing about whether its setting keeps
  // connections whole, and its memory figure is of a process that did not finish.
  const unjudged = rows.filter((r) => r.whole === undefined);
  const judged = rows.filter((r) => r.whole !== undefined);
  const unjudgedList = unjudged.map((r) => `${r.setting} ${r.cell.status === 'ok' ? judgedPart(r.cell) : r.cell.status}`).join(', ');
  const notJudged = `${unjudgedList}: not judged, cost unknown`;
  if (judged.length === 0) {
    parts.push(`${column}: no swept setting could be judged (${unjudgedList}): whether one keeps every connection whole, and at what cost, is unknown`);
  } else if (!chosen) {
    const mems = judged.map((r) => r.cost.peakRssKb).filter((k): k is number => k !== undefined);
    const low = Math.min(...mems);
    const high = Math.max(...mems);
    // Compared as printed: 163,464 and 163,420 KiB are both "160 MiB", not a range "160 MiB to 160 MiB".
    const range = mems.length === 0 ? '' : formatKb(low) === formatKb(high) ? `; peak memory ${formatKb(low)}` : `; peak memory ${formatKb(low)} to ${formatKb(high)}`;
    parts.push(unjudged.length === 0 ? `${column}: no swept setting keeps every connection whole${range}` : `${column}: no setting that was judged keeps every connection whole${range}; ${notJudged}`);
  } else if (chosen === base) {
    parts.push(`${column}: ${chosen.setting} keeps every connection whole at ${memoryText(chosen)} peak memory`);
  } else {
    const delta = base.whole === undefined
      ? `its memory cost is unknown (${base.setting} was not judged: no figure to compare)`
      : chosen.cost.peakRssKb !== undefined && base.cost.peakRssKb !== undefined
      ? `${memoryCost(chosen.cost.peakRssKb, base.cost.peakRssKb)} at this load (${memoryText(chosen)} against ${memoryText(base)} at ${base.setting})`
      : 'its memory cost is unknown (no peak RSS measured)';
    const table = chosen.cost.table && base.cost.table
      ? `; flow table peak ${pluralize(chosen.cost.table.peakEntries, 'entry', 'entries')} against ${base.cost.table.peakEntries.toLocaleString('en-US')} at ${base.setting}`
      : '';
    parts.push(`${column}: ${chosen.setting} keeps every connection whole and ${delta}${base.whole === undefined ? '' : table}`);
  }
  // A setting before the chosen one that was not judged might have kept them whole too, and cheaper.
  if (chosen !== undefined && unjudged.length > 0) parts.push(notJudged);
  if (notHonoured) parts[0] += ' (but the tool ignores its timeouts on a pcap: a whole record proves nothing about them)';
  for (const r of rows) {
    const evicted = r.cost.toolState?.evictedFlows;
    if (evicted) parts.push(`at ${r.setting} its table filled and it evicted ${evicted.toLocaleString('en-US')} flows early`);
  }
  return parts.join('; ');
}

/**
 * A row's figures as every report prints them. A cell that did not finish (crashed, hung, interrupted) has figures
 * of a process cut short: printed as measured, a Ctrl-C'd 1h read "10.1 MB, 0 ms, 0 records" beside the summary's
 * "not judged, cost unknown". They are marked instead.
 */
export interface CostFigures {
  memory: string;
  cpu: string;
  wall: string;
  records: string;
  table: string;
  toolState: string;
}

export function costFigures(row: CostRow): CostFigures {
  const c = row.cost;
  if (row.cell.status !== 'ok') {
    const why = `n/a (${row.cell.status})`;
    return { memory: why, cpu: 'n/a', wall: 'n/a', records: 'n/a', table: tableText(c), toolState: '' };
  }
  return {
    memory: c.peakRssKb !== undefined ? formatKb(c.peakRssKb) : 'n/a',
    cpu: cpuText(c),
    wall: `${c.wallMs.toLocaleString('en-US')} ms`,
    records: c.records.toLocaleString('en-US'),
    table: tableText(c),
    toolState: toolStateText(c),
  };
}

export function cpuText(cost: CellCost): string {
  return cost.cpuMs !== undefined ? `${cost.cpuMs.toLocaleString('en-US')} ms` : 'n/a';
}

export function tableText(cost: CellCost): string {
  const t = cost.table;
  if (!t) return 'n/a';
  const mean = t.meanEntries.toLocaleString('en-US', { maximumFractionDigits: 1 });
  return `${t.peakEntries.toLocaleString('en-US')} (mean ${mean})${t.exact ? '' : ' ≤'}${t.limitEntries !== undefined ? `, limit ${t.limitEntries.toLocaleString('en-US')}` : ''}`;
}

/** The tool's own account, for the column beside the model's figure. */
export function toolStateText(cost: CellCost): string {
  const s = cost.toolState;
  if (!s) return '';
  const parts: string[] = [];
  if (s.peakFlows !== undefined) parts.push(`peak ${s.peakFlows.toLocaleString('en-US')} flows`);
  if (s.flowMemoryBytes !== undefined) parts.push(`flow memory ${formatKb(s.flowMemoryBytes / 1024)}`);
  if (s.evictedFlows !== undefined) parts.push(`${s.evictedFlows.toLocaleString('en-US')} evicted`);
  if (parts.length === 0) parts.push(Object.entries(s.figures).map(([k, v]) => `${k} ${v}`).join(', '));
  return `${parts.join(', ')} (${s.source})`;
}
