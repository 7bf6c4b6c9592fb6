/**
 * When a tool's table filled and it evicted flows early, the recommendation names the limit to raise, how far (the
 * most entries the scenario needs at once, from the flow-table model or the tool's own count), and what that costs
 * in memory, measured across the sweep's own cells (peak RSS against table size).
 */
export interface LimitRow {
  label: string;
  limitEntries?: number;
  evictedFlows?: number;
  /** The tool's counters say its table filled, with no count of flows evicted (Suricata's emergency mode). */
  tableFull?: boolean;
  peakRssKb?: number;
  /** Most entries held: the tool's own count when it gives one, else the model's. */
  peakEntries?: number;
}

export interface LimitAdviceInput {
  displayName: string;
  /** The knob that sets the limit: `-m`, `nfprobe_maxflows`, `flow.memcap`. */
  knob: string;
  /** Most flow-table entries the scenario needs at once (the model's peak for the widest setting). */
  neededEntries?: number;
  rows: LimitRow[];
}

/** KiB of peak RSS per extra table entry, from the cells that did not evict, when they differ enough to tell. */
export function kbPerEntry(rows: readonly LimitRow[]): number | undefined {
  const clean = rows.filter((r) => !(r.evictedFlows && r.evictedFlows > 0) && r.peakRssKb !== undefined && r.peakEntries !== undefined);
  if (clean.length < 2) return undefined;
  let low = clean[0] as LimitRow;
  let high = clean[0] as LimitRow;
  for (const r of clean) {
    if ((r.peakEntries as number) < (low.peakEntries as number)) low = r;
    if ((r.peakEntries as number) > (high.peakEntries as number)) high = r;
  }
  const entries = (high.peakEntries as number) - (low.peakEntries as number);
  const kb = (high.peakRssKb as number) - (low.peakRssKb as number);
  return entries > 0 && kb > 0 ? kb / entries : undefined;
}

export function tableLimitAdvice(input: LimitAdviceInput): string | undefined {
  const evicting = input.rows.filter((r) => (r.evictedFlows ?? 0) > 0 || r.tableFull === true);
  if (evicting.length === 0) return undefined;
  const worst = evicting.reduce((a, b) => ((b.evictedFlows ?? 0) > (a.evictedFlows ?? 0) ? b : a));
  const parts = [
    (worst.evictedFlows ?? 0) > 0
      ? `${input.displayName} evicted ${worst.evictedFlows} flows early at ${worst.label} (table full): a cut by pressure, not by the timeout`
      : `${input.displayName}'s table filled at ${worst.label} (its own counters say so, with no count of flows evicted): cuts there may be by pressure, not by the timeout`,
  ];
  const needed = input.neededEntries;
  if (needed !== undefined && worst.limitEntries !== undefined && needed > worst.limitEntries) {
    let raise = `raise ${input.knob} from ${worst.limitEntries} to at least ${needed} (the most flows this scenario holds at once)`;
    const perEntry = kbPerEntry(input.rows);
    if (perEntry !== undefined) raise += `; measured ${formatKb(perEntry)} per flow here: about +${formatKb(perEntry * (needed - worst.limitEntries))}`;
    parts.push(raise);
  } else {
    parts.push(`raise ${input.knob}`);
  }
  return parts.join('; ');
}

/**
 * 512 B, 3.4 KiB, 151 MiB, 1.2 GiB: binary units, as /proc and rusage count them, and so named: labelled MB, a
 * "1.2 GB" here was 1.29 GB in the decimal units every size flag of the CLI reads (--max-pcap-size 500MB).
 */
export function formatKb(kb: number): string {
  if (kb < 1) return `${Math.round(kb * 1024)} B`;
  if (kb < 1024) return `${trim(kb)} KiB`;
  if (kb < 1024 * 1024) return `${trim(kb / 1024)} MiB`;
  return `${trim(kb / 1024 / 1024)} GiB`;
}

function trim(n: number): string {
  return n >= 100 ? String(Math.round(n)) : String(Math.round(n * 10) / 10);
}
