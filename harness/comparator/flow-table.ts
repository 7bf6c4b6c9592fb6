import type { TruthConnection } from '../core/ground-truth.js';
import type { MonitorModel } from './monitor-model.js';

/**
 * The flow-table entries an idle-timeout setting keeps at each moment, from the truth alone: what a longer timeout
 * costs in state, before any tool runs. A connection holds one entry from its first packet until its last packet
 * plus the idle timeout; a quiet period longer than the timeout frees the entry at its start plus the timeout and a
 * new one opens at its end. A TCP connection closed by FIN or RST frees its entry at its last packet (each tool then
 * keeps it a few seconds of its own, which no timeout setting changes). The capture's end flushes everything.
 *
 * Exact for the model when every gap that could outlast the timeout is listed in the truth (the same condition as
 * the ideal fragment model); otherwise unlisted gaps are taken as busy, so the figures are an upper bound.
 */
export interface FlowTableEstimate {
  /** Most entries held at once, and when (µs since the epoch) that was first reached. */
  peakEntries: number;
  peakAtUs: number;
  /** Time-weighted mean over the capture's span. */
  meanEntries: number;
  /** False when some gap shorter than the quiet threshold could have been cut, or a timeout is unknown. */
  exact: boolean;
}

/** What the model reads of a truth: a GroundTruth is one; so is a scenario's nominal estimate (no packets). */
export type TableConnection = Pick<TruthConnection, 'protocol' | 'close' | 'firstUs' | 'lastUs' | 'quietPeriods' | 'longestGapUs' | 'background'>;
export interface TableInput {
  pcap: { firstUs: number; lastUs: number };
  quietThresholdUs: number;
  connections: readonly TableConnection[];
}

/** [start, end) intervals one connection holds an entry for, appended to the two lists. */
function holdIntervals(conn: TableConnection, idleUs: number, captureEndUs: number, opens: number[], closes: number[]): void {
  const closedAtLastPacket = conn.protocol === 'tcp' && conn.close !== 'none';
  let open = conn.firstUs;
  for (const gap of conn.quietPeriods) {
    if (gap.lengthUs > idleUs) {
      opens.push(open);
      closes.push(gap.startUs + idleUs);
      open = gap.endUs;
    }
  }
  opens.push(open);
  closes.push(closedAtLastPacket ? conn.lastUs : Math.min(conn.lastUs + idleUs, Math.max(captureEndUs, conn.lastUs)));
}

function gapsKnown(conn: TableConnection, idleUs: number, quietThresholdUs: number): boolean {
  if (conn.longestGapUs <= idleUs) return true;
  const listed = !conn.background || conn.quietPeriods.length > 0;
  return listed && quietThresholdUs <= idleUs;
}

export function flowTableOccupancy(truth: TableInput, model: Pick<MonitorModel, 'idleS'>): FlowTableEstimate | undefined {
  const captureEndUs = truth.pcap.lastUs;
  const opens: number[] = [];
  const closes: number[] = [];
  let exact = true;
  for (const conn of truth.connections) {
    const idle = model.idleS[conn.protocol];
    if (idle === undefined) {
      exact = false;
      continue;
    }
    const idleUs = idle === null ? Infinity : idle * 1e6;
    if (!gapsKnown(conn, idleUs, truth.quietThresholdUs)) exact = false;
    holdIntervals(conn, idleUs, captureEndUs, opens, closes);
  }
  if (opens.length === 0) return undefined;
  return sweep(Float64Array.from(opens).sort(), Float64Array.from(closes).sort(), truth.pcap.firstUs, captureEndUs, exact);
}

/** Walks opens and closes in time order (a close before an open at the same instant: the slot is reused). */
function sweep(opens: Float64Array, closes: Float64Array, fromUs: number, toUs: number, exact: boolean): FlowTableEstimate {
  let held = 0;
  let peak = 0;
  let peakAt = opens[0] as number;
  let heldTimeUs = 0;
  for (let i = 0; i < opens.length; i += 1) heldTimeUs += (closes[i] as number) - (opens[i] as number);
  let o = 0;
  let c = 0;
  while (o < opens.length) {
    const openAt = opens[o] as number;
    if (c < closes.length && (closes[c] as number) <= openAt) {
      held -= 1;
      c += 1;
      continue;
    }
    held += 1;
    o += 1;
    if (held > peak) {
      peak = held;
      peakAt = openAt;
    }
  }
  const spanUs = toUs - fromUs;
  return { peakEntries: peak, peakAtUs: peakAt, meanEntries: spanUs > 0 ? heldTimeUs / spanUs : peak, exact };
}
