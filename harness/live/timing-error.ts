/**
 * How far the replay strayed from the pcap's schedule, from the reference capture on the listening end (tcpreplay's
 * lateness accumulates, docs/measured/live.md): per gap between consecutive packets, and the drift over the whole.
 * Real time, microseconds.
 */
export interface TimingError {
  packets: number;
  medianUs: number;
  p99Us: number;
  maxUs: number;
  /** Arrival span minus scheduled span: the accumulated lateness at the last packet. */
  driftUs: number;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}

/** Both lists in the same packet order (the wire reorders nothing); only the common prefix is compared. */
export function timingError(scheduleUs: number[], arrivedUs: number[]): TimingError {
  const n = Math.min(scheduleUs.length, arrivedUs.length);
  const errors: number[] = [];
  for (let i = 1; i < n; i += 1) {
    const scheduled = (scheduleUs[i] as number) - (scheduleUs[i - 1] as number);
    const actual = (arrivedUs[i] as number) - (arrivedUs[i - 1] as number);
    errors.push(Math.abs(actual - scheduled));
  }
  errors.sort((a, b) => a - b);
  const drift = n < 2 ? 0 : ((arrivedUs[n - 1] as number) - (arrivedUs[0] as number)) - ((scheduleUs[n - 1] as number) - (scheduleUs[0] as number));
  return {
    packets: n,
    medianUs: Math.round(quantile(errors, 0.5)),
    p99Us: Math.round(quantile(errors, 0.99)),
    maxUs: Math.round(errors[errors.length - 1] ?? 0),
    driftUs: Math.round(drift),
  };
}
