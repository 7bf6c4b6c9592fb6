import { formatDuration } from '../core/duration.js';
import type { RecordLengthLimit } from '../core/record-sanity.js';
import type { MonitorAdapter } from './monitor-adapter.js';

/**
 * A tool whose active timeout has a ceiling (nfpcapd: `-e` refuses more than 3600 s) writes no record longer than
 * that ceiling plus its timer's check interval. A longer one is not its output as written: nfdump's aggregations
 * (`-a`, `-A`, `-b`, `-B`) print the same JSON with a flow's records joined, which scored a 19 h connection
 * "accurate" for a tool that cuts every record within an hour.
 */
const TIMER_SLACK_S = 60;

export function recordLengthLimit(adapter: Pick<MonitorAdapter, 'displayName' | 'knobs'>): RecordLengthLimit | undefined {
  const active = adapter.knobs.find((k) => k.appliesTo === 'active' && k.maxS !== undefined);
  if (active?.maxS === undefined) return undefined;
  return {
    longestUs: (active.maxS + TIMER_SLACK_S) * 1e6,
    expected: `a record of at most ${formatDuration(active.maxS)} (+${TIMER_SLACK_S} s of timer), the longest ${adapter.displayName} writes (${active.name} is capped at ${formatDuration(active.maxS)}): was the log aggregated after the sensor wrote it (nfdump -a, -A, -b or -B)?`,
  };
}
