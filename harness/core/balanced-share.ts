/** How one side of a split of work went: the units it did (rows, bytes, connections) and the milliseconds it took. */
export interface Pace {
  units: number;
  ms: number;
}

/** How far one measurement moves a share towards its balance point: a third of the way, and 0.1 at most. */
const STEP = 1 / 3;
const LARGEST_STEP = 0.1;

/**
 * One side's share of the next split of the same kind of work, from how fast each side went in this one: a third of
 * the way from `share` to the point where both would have finished together, by 0.1 at most, within `min` .. `max`.
 * A measurement of nothing (no units, no time) changes nothing. Where a split falls never changes a result, only who
 * waits for whom: the threads of a VM do not run at one speed (a parse worker finished its half of a conn.log 80-150
 * ms after this thread, a score worker sometimes 100 ms before), and one of them now and then loses 200 ms to the
 * machine: moved halfway, the next split overshot the other way.
 */
export function nextShare(share: number, mine: Pace, other: Pace, min: number, max: number): number {
  if (!(mine.ms > 0 && other.ms > 0 && mine.units > 0 && other.units > 0)) return share;
  const myRate = mine.units / mine.ms;
  const otherRate = other.units / other.ms;
  const balanced = myRate / (myRate + otherRate);
  const step = Math.max(-LARGEST_STEP, Math.min(LARGEST_STEP, (balanced - share) * STEP));
  return Math.min(max, Math.max(min, share + step));
}
