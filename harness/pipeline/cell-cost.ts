import { flowTableOccupancy, type FlowTableEstimate } from '../comparator/flow-table.js';
import type { MonitorModel } from '../comparator/monitor-model.js';
import type { GroundTruth } from '../core/ground-truth.js';
import type { CellCost, CommandRecord } from '../core/results.js';
import type { TimeoutSetting } from '../core/timeout-setting.js';
import type { ToolState } from '../core/tool-state.js';

/** A sweep asks the same truth about the same few timeouts once per cell and view: each is swept once. */
const tables = new WeakMap<GroundTruth, Map<string, FlowTableEstimate | undefined>>();

function tableOf(truth: GroundTruth, model: Pick<MonitorModel, 'idleS'>): FlowTableEstimate | undefined {
  let byModel = tables.get(truth);
  if (!byModel) {
    byModel = new Map();
    tables.set(truth, byModel);
  }
  const key = [model.idleS.tcp, model.idleS.udp, model.idleS.icmp].map(String).join('|');
  if (!byModel.has(key)) byModel.set(key, flowTableOccupancy(truth, model));
  return byModel.get(key);
}

/**
 * What one cell cost its sensor, from the commands it ran (provenance) and the truth. The harness reading output
 * back (readsOutput) is not the sensor. Non-service commands run one after another, so the sensor's memory is the
 * largest of them; a collector (service) runs beside them, so its peak adds to that.
 */
export function cellCost(input: {
  commands: readonly CommandRecord[];
  records: number;
  truth: GroundTruth;
  model: Pick<MonitorModel, 'idleS'>;
  setting: TimeoutSetting;
  toolState?: ToolState;
  /** The tool's own flow-count limit when the setting sets none (softflowd's -m 8192). */
  defaultMaxFlows?: number;
}): CellCost {
  const sensor = input.commands.filter((c) => !c.readsOutput);
  let foregroundRss: number | undefined;
  let serviceRss = 0;
  let rssKnown = false;
  let cpuUserMs = 0;
  let cpuSystemMs = 0;
  let cpuKnown = sensor.length > 0;
  let from = Infinity;
  let to = -Infinity;
  for (const c of sensor) {
    if (c.peakRssKb !== undefined) {
      rssKnown = true;
      if (c.service) serviceRss += c.peakRssKb;
      else foregroundRss = Math.max(foregroundRss ?? 0, c.peakRssKb);
    }
    if (c.cpuUserMs === undefined || c.cpuSystemMs === undefined) cpuKnown = false;
    else {
      cpuUserMs += c.cpuUserMs;
      cpuSystemMs += c.cpuSystemMs;
    }
    const start = c.startMs ?? 0;
    from = Math.min(from, start);
    to = Math.max(to, start + c.wallMs);
  }
  const cost: CellCost = { wallMs: sensor.length > 0 ? to - from : 0, records: input.records };
  if (rssKnown) cost.peakRssKb = (foregroundRss ?? 0) + serviceRss;
  if (cpuKnown) Object.assign(cost, { cpuMs: cpuUserMs + cpuSystemMs, cpuUserMs, cpuSystemMs });
  const table = tableOf(input.truth, input.model);
  if (table) {
    cost.table = { peakEntries: table.peakEntries, meanEntries: Math.round(table.meanEntries * 100) / 100, exact: table.exact };
    const limit = input.setting.limits?.maxFlows ?? input.defaultMaxFlows;
    if (limit !== undefined) cost.table.limitEntries = limit;
  }
  if (input.toolState) cost.toolState = input.toolState;
  return cost;
}
