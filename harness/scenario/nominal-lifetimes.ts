import type { QuietPeriod } from '../core/ground-truth.js';
import type { TableConnection, TableInput } from '../comparator/flow-table.js';
import { activityEndS, activityStartS, burstLengthS, eventLengthS } from './exchange-timing.js';
import { expandConnections } from './expand-connections.js';
import type { ConnectionSpec, Scenario } from './scenario.js';

/**
 * A scenario's connections as the flow-table model reads them, from the scenario alone: when each copy opens and
 * ends and its quiet periods, at their nominal places (jitter left out, keepalives taken as no traffic between).
 * For estimating the table a setting keeps before a pcap of 100,000 connections is written; the run itself uses
 * the exact truth.
 */
export function nominalLifetimes(scenario: Scenario): TableInput {
  const connections: TableConnection[] = [];
  let lastUs = scenario.startUs;
  const thresholdUs = Math.round(scenario.quietThresholdS * 1e6);
  for (const spec of scenario.connections) {
    const gaps = nominalGapsS(spec);
    const endS = spec.holdS !== undefined ? Math.max(spec.holdS, activityEndS(spec)) : activityEndS(spec);
    for (const copy of expandConnections(spec)) {
      const firstUs = scenario.startUs + Math.round(copy.startS * 1e6);
      const quietPeriods: QuietPeriod[] = [];
      let longestGapUs = 0;
      for (const [fromS, toS] of gaps) {
        const lengthUs = Math.round((toS - fromS) * 1e6);
        longestGapUs = Math.max(longestGapUs, lengthUs);
        if (lengthUs >= thresholdUs) quietPeriods.push({ startUs: firstUs + Math.round(fromS * 1e6), endUs: firstUs + Math.round(toS * 1e6), lengthUs });
      }
      const connLastUs = firstUs + Math.round(endS * 1e6);
      lastUs = Math.max(lastUs, connLastUs);
      connections.push({ protocol: spec.protocol, close: spec.close, firstUs, lastUs: connLastUs, quietPeriods, longestGapUs, background: false });
    }
  }
  return { pcap: { firstUs: scenario.startUs, lastUs }, quietThresholdUs: thresholdUs, connections };
}

/** Silences between bursts or events, as [from, to] offsets from the connection start. */
function nominalGapsS(spec: ConnectionSpec): [number, number][] {
  const start = activityStartS(spec);
  const a = spec.activity;
  const gaps: [number, number][] = [];
  if (a.kind === 'timeline') {
    let busyUntil = start;
    for (const e of a.events) {
      if (e.atS > busyUntil) gaps.push([busyUntil, e.atS]);
      busyUntil = e.atS + eventLengthS(e, spec);
    }
    return gaps;
  }
  const step = a.spanS !== undefined ? (a.bursts > 1 ? a.spanS / (a.bursts - 1) : 0) : a.gapS ?? 0;
  const length = burstLengthS(a, spec);
  for (let i = 1; i < a.bursts; i += 1) gaps.push([start + (i - 1) * step + length, start + i * step]);
  return gaps;
}
