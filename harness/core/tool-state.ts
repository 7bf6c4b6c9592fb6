/**
 * A tool's own account of its flow table, collected by its adapter from whatever the tool writes (softflowd's debug
 * log, Suricata's stats events, Zeek's stats.log, nfcapd's summary) and shown beside the model's figure. Generic:
 * the comparator and reports read only these fields.
 */
export interface ToolState {
  /** Where the tool said it, relative to the cell folder. */
  source: string;
  /** The tool's figures in its own terms, each name ending in its unit (`flowsAdded`, `flowMemuseBytes`). */
  figures: Record<string, number>;
  /** Flows it expired early because its table (or memory) was full: a cut by pressure, not by a timeout. */
  evictedFlows?: number;
  /** Its counters say the table (or its memory) filled at some point (Suricata's emergency mode), count or not. */
  tableFull?: boolean;
  /** Most flows it says it held at once. */
  peakFlows?: number;
  /** Its flow memory at the end or at its peak, bytes. */
  flowMemoryBytes?: number;
}

/** Whether the tool's own account says its table filled: its flag, else any flow evicted; undefined when it says neither. */
export function tableFullOf(state: ToolState | undefined): boolean | undefined {
  if (state === undefined) return undefined;
  return state.tableFull ?? (state.evictedFlows !== undefined ? state.evictedFlows > 0 : undefined);
}
