import { recommend, type OffRule } from '../comparator/recommend.js';
import { tableLimitAdvice } from '../comparator/table-limit-advice.js';
import { connectionsNamed, scoredIds, type GroundTruth } from '../core/ground-truth.js';
import type { Cell } from '../core/results.js';
import type { Recommendation } from '../core/score.js';
import { parseTimeoutSetting, type TimeoutProtocol } from '../core/timeout-setting.js';
import type { MonitorAdapter, UserConfigText } from '../monitors/monitor-adapter.js';
import { ScoreFold, type Wholeness } from '../core/score-fold.js';
import { keepsNoTimeouts } from './calibration.js';
import { effectiveTimeouts, idleKnobMaxima, idleKnobNames } from './monitor-model.js';

/**
 * The recommendations of one scenario: per report column (monitor and view), the sweep of its cells in order and,
 * for each setting, whether it kept every connection of a protocol whole, handed to `recommend`. A run sweeps
 * several settings; `harness score` judges one, and still gets the minimum timeout the truth calls for.
 */
export function recommendationsFor(
  truth: GroundTruth,
  cells: Cell[],
  adapters: Map<string, MonitorAdapter>,
  /** Each sensor's own config file, read: the advice starts from what it sets. */
  userConfigs: ReadonlyMap<string, UserConfigText> = new Map(),
  /** For a cell whose scores were summarized in memory: its wholeness, taken from every score before that. */
  wholenessOf: (cell: Cell) => Wholeness | undefined = () => undefined,
): Recommendation[] {
  const out: Recommendation[] = [];
  // Built only when a cell's scores are asked about, and only of the connections scored.
  let protocolOf: Map<string, TimeoutProtocol> | undefined;
  const columns = new Map<string, Cell[]>();
  for (const cell of cells) {
    const list = columns.get(cell.column) ?? [];
    list.push(cell);
    columns.set(cell.column, list);
  }
  for (const list of columns.values()) {
    const first = list[0];
    if (!first) continue;
    const adapter = adapters.get(first.monitor);
    // A reference that keeps no timeouts has nothing to tune.
    if (!adapter || keepsNoTimeouts(adapter)) continue;
    // Nothing was measured (every cell failed, was skipped or could not take its setting): nothing to recommend.
    if (!list.some((cell) => cell.status === 'ok')) continue;
    const sweep = list.map((cell) => {
      const wholeByProtocol = cell.status === 'ok' && cell.honoursTimeoutsOffline !== false ? wholenessOf(cell) ?? wholeness(cell, (protocolOf ??= protocolsOf(truth, cells))) : {};
      // What the tool ran with: its effective timeouts, or for a protocol it does not model (argus ICMP) the setting's own.
      const offRule = adapter.timerNeedsLaterPacket === true ? undefined : offTheRule(cell, () => (protocolOf ??= protocolsOf(truth, cells)));
      return {
        label: cell.setting.label, wholeByProtocol, idleS: { ...cell.setting.idle, ...effectiveTimeouts(adapter, cell.setting).idleS },
        ...(offRule === undefined ? {} : { offRule }),
      };
    });
    const activeKnob = adapter.knobs.find((k) => k.appliesTo === 'active');
    const advised = recommend({
      truth,
      monitor: first.sensor,
      view: first.view,
      displayName: adapter.displayName,
      ...(adapter.protocols !== undefined ? { protocols: adapter.protocols } : {}),
      granularityS: adapter.granularityS,
      knobNames: idleKnobNames(adapter),
      maxIdleS: idleKnobMaxima(adapter),
      maxActiveS: activeKnob?.maxS,
      ...(activeKnob !== undefined ? { activeKnob: { name: activeKnob.name, defaultS: activeKnob.defaultS } } : {}),
      ...(adapter.timerNeedsLaterPacket === true ? { timerNeedsLaterPacket: true } : {}),
      honoursTimeoutsOffline: list.find((cell) => cell.honoursTimeoutsOffline !== undefined)?.honoursTimeoutsOffline,
      sweep,
      // The rule as the user's own config leaves it (no swept setting): the advice says what to change from there.
      ...(adapter.timerRule ? { rule: adapter.timerRule(parseTimeoutSetting('default'), userConfigs.get(first.sensor)) } : {}),
    });
    for (const rec of advised) {
      // A protocol the tool does not report at all: recommend() has said so already.
      if (rec.noRecords === true || reportedAny(list, rec.protocol, () => (protocolOf ??= protocolsOf(truth, cells)))) continue;
      // Nothing of this protocol was reported in any cell that ran: a timeout is not what lost them, and a raised
      // one cannot bring back a connection the monitor never reported (an empty log, a capture filter, the wrong
      // interface, another capture's log). Only what to check is said.
      rec.noRecords = true;
      rec.limitation = `${adapter.displayName} reported no record of this scenario's ${rec.protocol.toUpperCase()} connections: check its capture filter and interface, `
        + 'and that the log is its output for this capture (no timeout makes a monitor report a connection it never reported, so none is advised)';
      delete rec.adviceLines;
      delete rec.caps;
      delete rec.firstSufficientSetting;
    }
    const limit = limitAdvice(adapter, list);
    if (limit !== undefined && advised[0]) advised[0].tableLimit = limit;
    out.push(...advised);
  }
  return out;
}

export type { Wholeness } from '../core/score-fold.js';

/**
 * Whether any cell that ran reported a record of a scenario connection of `protocol`. A cell whose scores were
 * summarized keeps only the worst: it counts as reporting unless it missed every connection.
 */
function reportedAny(cells: readonly Cell[], protocol: TimeoutProtocol, protocolOf: () => ReadonlyMap<string, TimeoutProtocol>): boolean {
  return cells.some((cell) => {
    if (cell.status !== 'ok' || cell.recordCount === 0) return false;
    if (cell.connectionsScored !== undefined) return cell.aggregate === undefined || cell.aggregate.missed < cell.aggregate.connections;
    const of = protocolOf();
    return cell.scores.some((s) => !s.background && s.fragments > 0 && of.get(s.connectionId) === protocol);
  });
}

/**
 * Connections of a cell whose tool applies its timers that were reported in fewer records than the model's fewest
 * (kept whole across a silence the setting's rule cuts), else in more than its most with no reason the model knows,
 * per protocol. With a setting given by the user (harness score), the claim is the likely fault: a 1 h Zeek log scored
 * as `1m` kept 8 connections whole across 65 s to 3500 s silences, and nothing on the terminal said so.
 */
function offTheRule(cell: Cell, protocolOf: () => ReadonlyMap<string, TimeoutProtocol>): Partial<Record<TimeoutProtocol, OffRule>> | undefined {
  if (cell.status !== 'ok' || cell.honoursTimeoutsOffline === false) return undefined;
  const found: Partial<Record<TimeoutProtocol, Record<OffRule['way'], OffRule | undefined>>> = {};
  for (const s of cell.scores) {
    const protocol = s.background || s.fragments === 0 ? undefined : protocolOf().get(s.connectionId);
    if (protocol === undefined) continue;
    const least = s.predictedRange?.min ?? s.predictedFragments;
    const most = s.predictedRange?.max ?? s.predictedFragments;
    const way = least !== undefined && s.fragments < least ? 'fewer'
      : most !== undefined && s.fragments > most && s.likelyReason === 'unexplained' ? 'more' : undefined;
    if (way === undefined) continue;
    const ways = (found[protocol] ??= { fewer: undefined, more: undefined });
    const off = ways[way];
    if (off !== undefined) off.count += 1;
    else ways[way] = { way, count: 1, example: `${s.connectionId}: ${s.fragments}, the rule ${way === 'fewer' ? 'at least' : 'at most'} ${way === 'fewer' ? least : most}` };
  }
  const out: Partial<Record<TimeoutProtocol, OffRule>> = {};
  for (const [protocol, ways] of Object.entries(found) as [TimeoutProtocol, Record<OffRule['way'], OffRule | undefined>][]) {
    const off = ways.fewer ?? ways.more;
    if (off !== undefined) out[protocol] = off;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The protocol of each connection `cells` kept a score of. */
function protocolsOf(truth: GroundTruth, cells: readonly Cell[]): Map<string, TimeoutProtocol> {
  const protocols = new Map<string, TimeoutProtocol>();
  for (const [id, c] of connectionsNamed(truth.connections, scoredIds(cells))) protocols.set(id, c.protocol);
  return protocols;
}

function wholeness(cell: Cell, protocolOf: ReadonlyMap<string, TimeoutProtocol>): Wholeness {
  const fold = new ScoreFold([], 0);
  for (const score of cell.scores) fold.add(score, protocolOf.get(score.connectionId));
  return fold.wholeness();
}

/** The limit knob a tool takes, by its own name. */
function limitAdvice(adapter: MonitorAdapter, cells: Cell[]): string | undefined {
  const knobs = adapter.tableLimits?.knobs ?? {};
  const rows = cells.filter((c) => c.cost !== undefined).map((c) => {
    const cost = c.cost as NonNullable<Cell['cost']>;
    return {
      label: c.setting.label,
      limitEntries: cost.table?.limitEntries,
      evictedFlows: cost.toolState?.evictedFlows,
      tableFull: cost.toolState?.tableFull,
      peakRssKb: cost.peakRssKb,
      peakEntries: cost.toolState?.peakFlows ?? cost.table?.peakEntries,
    };
  });
  const needed = Math.max(0, ...cells.map((c) => c.cost?.table?.peakEntries ?? 0)) || undefined;
  const knob = knobs.maxflows ?? knobs.memcap ?? 'its flow-table limit';
  return tableLimitAdvice({ displayName: adapter.displayName, knob, neededEntries: knobs.maxflows !== undefined ? needed : undefined, rows });
}
