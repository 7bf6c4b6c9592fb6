import { refuseRepeatedKey } from '../../core/json-position.js';
import type { ToolState } from '../../core/tool-state.js';
import { consumeFile, consumeText, type LineConsumer } from '../../core/text-lines.js';

/**
 * Suricata's own account of its flow table: the last `stats` event of eve.json (enabled in our suricata.yaml; the
 * totals at shutdown). Counter names per the Suricata manual's statistics chapter: `flow.memuse` (bytes the flow
 * engine holds), `flow.memcap` (times an allocation hit flow.memcap), `flow.emerg_mode_entered` / `_over` (the
 * table ran out of memory and the emergency timeouts applied), `flow.tcp` / `flow.udp` / `flow.icmpv4` /
 * `flow.icmpv6` (flows created), `flow.active` (7.x: flows in the table). A counter a version does not print is
 * left out, never guessed.
 */
const FIGURES: [path: string, name: string][] = [
  ['flow.memuse', 'flowMemuseBytes'],
  ['flow.memcap', 'memcapReachedCount'],
  ['flow.emerg_mode_entered', 'emergencyModeEnteredCount'],
  ['flow.emerg_mode_over', 'emergencyModeOverCount'],
  ['flow.active', 'flowsActive'],
  ['flow.tcp', 'flowsCreatedTcp'],
  ['flow.udp', 'flowsCreatedUdp'],
  ['flow.icmpv4', 'flowsCreatedIcmpv4'],
  ['flow.icmpv6', 'flowsCreatedIcmpv6'],
];

function counter(stats: Record<string, unknown>, path: string): number | undefined {
  let node: unknown = stats;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === 'number' && Number.isFinite(node) ? node : undefined;
}

export function eveStatsState(text: string, source: string): ToolState | undefined {
  return consumeText(eveStats(source), text);
}

/** The same, streamed from the file: an eve.json of any size is read with bounded memory, as its flows are. */
export async function readEveStatsState(file: string, source: string): Promise<ToolState | undefined> {
  return consumeFile(eveStats(source), file, source);
}

function* eveStats(source: string): LineConsumer<ToolState | undefined> {
  let last: Record<string, unknown> | undefined;
  for (let item = yield; item !== undefined; item = yield) {
    const [line, lineNo] = item;
    // Flow events far outnumber stats events: only lines that can be one are parsed again.
    if (!line.includes('"stats"')) continue;
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      continue; // the flow parser has already refused a line that is not JSON
    }
    const e = event as { event_type?: unknown; stats?: unknown };
    if (e.event_type === 'stats' && typeof e.stats === 'object' && e.stats !== null) {
      // Its counters become the cost figures shown beside the model's: a counter given twice is not read as its last.
      refuseRepeatedKey(line, event, source, lineNo, 'each key once in a stats event, as Suricata writes it');
      last = e.stats as Record<string, unknown>;
    }
  }
  if (!last) return undefined;
  const figures: Record<string, number> = {};
  for (const [path, name] of FIGURES) {
    const value = counter(last, path);
    if (value !== undefined) figures[name] = value;
  }
  // A stats event without flow counters (a version that prints other sections only) says nothing of the table.
  if (Object.keys(figures).length === 0) return undefined;
  const state: ToolState = { source, figures };
  if (figures.flowMemuseBytes !== undefined) state.flowMemoryBytes = figures.flowMemuseBytes;
  if (figures.emergencyModeEnteredCount !== undefined || figures.memcapReachedCount !== undefined) {
    state.tableFull = (figures.emergencyModeEnteredCount ?? 0) > 0 || (figures.memcapReachedCount ?? 0) > 0;
  }
  return state;
}
