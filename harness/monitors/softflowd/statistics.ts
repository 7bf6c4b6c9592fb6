import type { ToolState } from '../../core/tool-state.js';
import { MonitorFailure } from '../monitor-adapter.js';

/**
 * What `softflowctl statistics` says of softflowd's table on a live interface: the flows it holds, the flows it
 * expired, and why (`maxflows` = evicted because the table was full: a cut by pressure, not by a timeout). Offline
 * the same figures come from its debug log (debug-log.ts); live that log would be written per packet at line rate.
 */
const ACTIVE = /^Number of active flows:\s*(\d+)/m;
const EXPIRED = /^Flows expired:\s*(\d+)/m;
const BY_MAXFLOWS = /\bmaxflows\s*=\s*(\d+)/;
const PROCESSED = /Packets processed:\s*(\d+)/i;

/** The packets softflowd processed (not what libpcap received), or undefined when the report does not say. */
export function packetsProcessedOf(text: string): number | undefined {
  const m = PROCESSED.exec(text);
  return m ? Number(m[1]) : undefined;
}

export function parseSoftflowctlStatistics(text: string, source: string): ToolState {
  const number = (re: RegExp, what: string): number => {
    const m = re.exec(text);
    // A softflowctl whose report we cannot read says nothing of evictions: failing the cell beats a cut blamed on a timeout.
    if (!m) throw new MonitorFailure(`softflowctl statistics (${source}) has no "${what}" line: not the report of softflowd 1.x`, null, undefined, text.trim().split('\n').slice(0, 10).join('\n'), false);
    return Number(m[1]);
  };
  const active = number(ACTIVE, 'Number of active flows');
  const expired = number(EXPIRED, 'Flows expired');
  // softflowd 1.1.0 writes its "Expired flow reasons" (maxflows = N among them) only once a flow has expired: with
  // none expired, none was evicted. The setting that keeps every connection whole failed every live cell.
  const evicted = expired === 0 ? 0 : number(BY_MAXFLOWS, 'maxflows =');
  return {
    source,
    figures: { flowsActiveAtStop: active, flowsExpired: expired, flowsEvictedTableFull: evicted },
    evictedFlows: evicted,
    tableFull: evicted > 0,
  };
}
