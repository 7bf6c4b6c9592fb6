import { formatDuration, roundMicros } from '../core/duration.js';
import type { SourcePosition } from '../core/input-error.js';
import { activityStartS, closestBurstApproach, burstLengthS, eventLengthS, jitterWords } from '../scenario/exchange-timing.js';
import type { Scenario } from '../scenario/scenario.js';
import { positionInFile } from '../scenario/yaml-position.js';

/**
 * How far a scenario can be sped up before it stops being itself. scaleScenario divides every start, gap, span and
 * event time by K but keeps the RTT, the handshake and the spacing inside a burst (exchange-timing.ts): at a K where
 * a scaled gap is shorter than a burst, or a scaled event falls inside the handshake or the event before it, the
 * generator pushes bursts back (the replay is no longer the scenario, and multiplied back by K a 10-minute connection
 * lasted 1.9 hours) or fails outright ("packet at ... after one at ... (generator bug)"). The limit is the parser's
 * own rules (parse-scenario.ts: bursts must not overlap after jitter; no event inside the handshake or the one
 * before) asked of the scaled times.
 */
export interface StructureLimit {
  /** The largest whole K at which every connection keeps those rules (1 at least: K = 1 is the scenario itself). */
  k: number;
  /** The connection that binds it, by its index in scenario.connections and its id. */
  connectionIndex: number;
  connectionId: string;
  /** Where in the connection's YAML (below its list entry) the binding time is written, for the message's line:col. */
  path: (string | number)[];
  /** What binds, in scenario time, such as `bursts 2s apart (gap 2s minus 2 × jitter 0s), each 22ms long`. */
  what: string;
  /** Why it cannot be faster, one clause: `its bursts would overlap`. */
  breaks: string;
  /** What in the scenario would allow a larger K: `a longer gap`. */
  remedy: string;
}

/**
 * One microsecond of slack: the generator places scaled times on whole microseconds (or nanoseconds), so a K that
 * leaves a gap exactly one burst long could still push a burst back by a rounding.
 */
const SLACK_S = 1e-6;

/** Largest whole K with `span / K >= length` (with the slack), at least 1. */
function wholeLimit(spanS: number, lengthS: number): number {
  if (lengthS <= 0) return Number.POSITIVE_INFINITY;
  let k = Math.max(1, Math.floor(spanS / (lengthS + SLACK_S)));
  while (k > 1 && roundMicros(spanS / k) < lengthS + SLACK_S) k -= 1;
  return k;
}

/** The tightest limit of a scenario's connections; undefined when none binds (no connection has two things to keep apart). */
export function structureLimit(scenario: Scenario): StructureLimit | undefined {
  let best: StructureLimit | undefined;
  const offer = (candidate: StructureLimit): void => {
    if (Number.isFinite(candidate.k) && (best === undefined || candidate.k < best.k)) best = candidate;
  };
  scenario.connections.forEach((spec, connectionIndex) => {
    const base = { connectionIndex, connectionId: spec.id };
    const a = spec.activity;
    if (a.kind === 'pattern') {
      const approach = closestBurstApproach(a);
      if (approach === undefined) return;
      const burstS = burstLengthS(a, spec);
      const closestS = approach.closestS;
      const gapWords = a.spanS !== undefined ? `span ${formatDuration(a.spanS)} / ${a.bursts - 1} = gap ${formatDuration(roundMicros(approach.gapS))}` : `gap ${formatDuration(approach.gapS)}`;
      const jitter = jitterWords(approach, a.jitterS);
      offer({
        ...base,
        k: wholeLimit(closestS, burstS),
        path: ['activity', 'pattern', a.spanS !== undefined ? 'span' : 'gap'],
        what: `bursts ${formatDuration(closestS)} apart (${gapWords}${jitter}), each ${formatDuration(burstS)} long (exchanges × (rtt + 2ms), not scaled)`,
        breaks: 'its bursts would overlap',
        remedy: `a longer ${a.spanS !== undefined ? 'span' : 'gap'}${approach.moving === 0 ? '' : ' or less jitter'}`,
      });
      return;
    }
    const firstS = activityStartS(spec);
    a.events.forEach((event, i) => {
      const prev = i === 0 ? undefined : a.events[i - 1];
      if (prev === undefined) {
        if (firstS <= 0 || event.atS <= 0) return;
        offer({
          ...base,
          k: wholeLimit(event.atS, firstS),
          path: ['activity', 'timeline', i, 'at'],
          what: `its first event at ${formatDuration(event.atS)}, after a TCP handshake of ${formatDuration(firstS)} (rtt + 2ms, not scaled)`,
          breaks: 'the event would fall inside the handshake',
          remedy: 'a later first event',
        });
        return;
      }
      const lengthS = eventLengthS(prev, spec);
      const apartS = roundMicros(event.atS - prev.atS);
      offer({
        ...base,
        k: wholeLimit(apartS, lengthS),
        path: ['activity', 'timeline', i, 'at'],
        what: `its event at ${formatDuration(event.atS)}, ${formatDuration(apartS)} after the one at ${formatDuration(prev.atS)}, which lasts ${formatDuration(lengthS)} (not scaled)`,
        breaks: 'the two events would overlap',
        remedy: 'events further apart',
      });
    });
  });
  return best;
}

/** One line for the plan's reason: `connection c's bursts 2s apart (...), each 22ms long`. */
export function describeStructureLimit(limit: StructureLimit): string {
  return `connection ${limit.connectionId}: ${limit.what}; any faster and ${limit.breaks}`;
}

/** Where the binding time is written in the scenario file: its line and column, or the connection's. */
export function structureLimitPosition(file: string, limit: StructureLimit): Promise<SourcePosition> {
  return positionInFile(file, ['connections', limit.connectionIndex, ...limit.path]);
}
