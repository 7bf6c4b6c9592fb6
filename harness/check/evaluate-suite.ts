import { formatDuration, secondsToUs } from '../core/duration.js';
import type { Cell, RunResults } from '../core/results.js';
import type { ConnectionScore } from '../core/score.js';
import { compareBaseline, type Baseline } from './baseline.js';
import { countResults, type CheckReport, type CheckResult, type SensorSkip } from './check-report.js';
import { percent } from './percent.js';
import { cellsOf, matchesConnection, sensorLabel } from './sensor-cells.js';
import type { Check, Expectation, SensorSpec, Suite } from './suite.js';
import { describeVersionRange, gatedBySuite, versionMismatch } from './version-range.js';

/**
 * Judges a run against a suite: every check of every expectation, on every sensor it names, on every view of that
 * sensor, gives one pass, fail (expected vs seen) or skip (why). Pure: the run and the preflight are given.
 */
export interface EvaluateOptions {
  baseline?: { file: string; content: Baseline };
  /**
   * How a monitor's view joins the tool's flows after its timers cut them (argus merged: racluster), when it does:
   * a pass there holds whatever the timeouts, so it proves nothing about the sensor's config.
   */
  joinedBy?: (monitor: string, view: string) => string | undefined;
  /** The protocols a monitor reports at all (tcptrace: TCP only), when not every one. */
  protocolsOf?: (monitor: string) => readonly string[] | undefined;
  /** Sensors the edge did not run, and why (not installed: with the install command; version out of range). */
  sensorSkips?: ReadonlyMap<string, SensorSkip>;
}

export function evaluateSuite(suite: Suite, results: RunResults, options: EvaluateOptions = {}): CheckReport {
  const out: CheckResult[] = [];
  for (const expectation of suite.expectations) {
    const names = expectation.sensors ?? suite.sensors.map((s) => s.name);
    for (const name of names) {
      const sensor = suite.sensors.find((s) => s.name === name);
      if (sensor) out.push(...evaluateOnSensor(suite, expectation, sensor, results, options));
    }
  }
  const report: CheckReport = { suite: suite.file, results: out, counts: countResults(out) };
  if (options.baseline) {
    const compared = compareBaseline(suite, options.baseline.content, results, options.sensorSkips);
    out.push(...compared.results);
    report.counts = countResults(out);
    report.baseline = {
      file: options.baseline.file,
      status: 'compared',
      regressions: compared.results.filter((r) => r.status === 'fail').length,
      ...(compared.unrecorded > 0 ? { unrecorded: compared.unrecorded } : {}),
      ...(compared.unrecordedConnections > 0 ? { unrecordedConnections: compared.unrecordedConnections } : {}),
    };
  }
  return report;
}

function evaluateOnSensor(
  suite: Suite,
  expectation: Expectation,
  sensor: SensorSpec,
  results: RunResults,
  { sensorSkips, joinedBy, protocolsOf }: EvaluateOptions,
): CheckResult[] {
  const connection = expectation.connection ?? 'all';
  const tolerance = expectation.toleranceS ?? suite.tolerance.durationS;
  const base = (label: string) => (check: Check): CheckResult => ({
    status: 'skip',
    kind: check.kind,
    scenario: expectation.scenario,
    sensor: label,
    connection,
    expected: describeCheck(check, tolerance),
    where: expectation.where,
  });
  const allChecks = (label: string, patch: Partial<CheckResult>): CheckResult[] =>
    expectation.checks.map((check) => ({ ...base(label)(check), ...patch }));

  if (sensor.skip !== undefined) return allChecks(sensor.name, { reason: `sensor skipped by the suite: ${sensor.skip}`, bySuite: true });
  const preflight = sensorSkips?.get(sensor.name);
  if (preflight !== undefined) return allChecks(sensor.name, { reason: preflight.reason, ...bySuiteIf(preflight.bySuite) });
  const scenario = results.scenarios.find((s) => s.name === expectation.scenario);
  if (!scenario) {
    return allChecks(sensor.name, { status: 'fail', reason: `scenario ${expectation.scenario} is not in the run's results` });
  }
  const cells = cellsOf(scenario, sensor);
  if (cells.length === 0) {
    return allChecks(sensor.name, { status: 'fail', reason: `the run has no result for sensor ${sensor.name} on ${scenario.name}` });
  }
  const out: CheckResult[] = [];
  for (const cell of cells) {
    // A sensor that names its binary says which version it ran: the same config on Zeek 6 and on Zeek 7.
    const label = sensorLabel(sensor.name, cell.view) + (sensor.binary !== undefined && cell.version !== undefined ? ` [${cell.version}]` : '');
    const unusable = cellProblem(cell, sensor, expectation);
    if (unusable) {
      out.push(...allChecks(label, unusable));
      continue;
    }
    const asked = cell.scores.filter((s) => !s.background && matchesConnection(s.connectionId, expectation.connection));
    // A connection of a protocol the monitor does not report at all (UDP on tcptrace) is not its to judge: "missed"
    // failed every scenario-wide expectation there.
    const reported = protocolsOf?.(cell.monitor);
    const protocolOf = reported === undefined ? undefined : new Map(scenario.truth.connections.map((c) => [c.id, c.protocol as string]));
    const ofItsProtocols = protocolOf === undefined || reported === undefined ? asked : asked.filter((s) => {
      const protocol = protocolOf.get(s.connectionId);
      return protocol === undefined || reported.includes(protocol);
    });
    if (ofItsProtocols.length === 0 && asked.length > 0) {
      out.push(...allChecks(label, { reason: `${cell.displayName} reports ${(reported ?? []).map((p) => p.toUpperCase()).join(' and ')} connections only: none of those asked about` }));
      continue;
    }
    // A connection the run could not judge (live: too near a scaled timeout, or in reach of a constant the replay did
    // not scale) is no evidence either way: its records passed "at most 1 record" at exit 0 while results.json said
    // "not judged".
    const scores = ofItsProtocols.filter((s) => s.verdict !== 'unsupported');
    const notJudged = ofItsProtocols.length - scores.length;
    if (scores.length === 0 && notJudged > 0) {
      const why = ofItsProtocols.find((s) => s.likelyReason !== undefined)?.likelyReason ?? 'the run could not judge them';
      out.push(...allChecks(label, { reason: `${notJudged} ${plural(notJudged, 'connection')} asked about ${notJudged === 1 ? 'is' : 'are'} not judged: ${why}` }));
      continue;
    }
    if (scores.length === 0) {
      const wanted = expectation.connection ? `connection ${expectation.connection}` : 'any non-background connection';
      out.push(...allChecks(label, { status: 'fail', reason: `no score for ${wanted} in ${scenario.name}` }));
      continue;
    }
    const joined = joinedBy?.(cell.monitor, cell.view);
    const note = notHonoured(cell)
      ? `${cell.displayName} does not apply its timeouts to a pcap: a whole record here proves nothing about live traffic`
      : joined !== undefined
        ? `the ${cell.view} view joins the tool's records whatever its timeouts (${joined}): a whole record here proves nothing about the sensor's config; judge its other view`
        : undefined;
    for (const check of expectation.checks) {
      const judged = judge(check, scores, tolerance);
      const result: CheckResult = { ...base(label)(check), status: judged.ok ? 'pass' : 'fail', seen: judged.seen };
      if (judged.unjudged === true) {
        result.status = 'skip';
        result.reason = `${cell.displayName}'s records carry no state: how a connection closed cannot be judged from them`;
      }
      if (notJudged > 0) result.note = `${notJudged} of ${ofItsProtocols.length} connections asked about not judged (${cell.displayName}): judged on the others`;
      if (note) {
        result.note = note;
        // A pass here would be false assurance for a live sensor; a failure still stands.
        if (judged.ok) {
          result.status = 'skip';
          result.reason = note;
        }
      }
      out.push(result);
    }
  }
  return out;
}

function cellProblem(cell: Cell, sensor: SensorSpec, expectation: Expectation): Partial<CheckResult> | undefined {
  if (cell.status === 'skipped') return { reason: cell.reason ?? `${cell.monitor} was skipped` };
  if (cell.status === 'unsupported') {
    return { status: 'fail', reason: `${cell.monitor} cannot take the sensor's setting ${cell.setting.label}: ${cell.reason ?? 'unsupported'}` };
  }
  if (cell.status === 'failed') return { status: 'fail', reason: `the monitor failed: ${cell.reason ?? 'no reason recorded'}` };
  if (sensor.requires) {
    const why = versionMismatch(cell.version, sensor.requires);
    if (why) return { reason: `sensor requires ${cell.monitor} ${describeVersionRange(sensor.requires)}: ${why}`, ...bySuiteIf(gatedBySuite(cell.version)) };
  }
  if (expectation.requires) {
    const why = versionMismatch(cell.version, expectation.requires);
    if (why) return { reason: `expectation gated on ${cell.monitor} ${describeVersionRange(expectation.requires)}: ${why}`, ...bySuiteIf(gatedBySuite(cell.version)) };
  }
  return undefined;
}

/** `bySuite` present only when true, as results carry it. */
function bySuiteIf(bySuite: boolean): { bySuite?: true } {
  return bySuite ? { bySuite } : {};
}

function notHonoured(cell: Cell): boolean {
  return cell.honoursTimeoutsOffline === false || cell.verdict === 'timeouts-not-honoured';
}

export function describeCheck(check: Check, toleranceS: number): string {
  const slack = toleranceS > 0 ? ` (tolerance ${formatDuration(toleranceS)})` : '';
  switch (check.kind) {
    case 'max_fragments':
      return `at most ${check.max} ${plural(check.max, 'record')} per connection`;
    case 'min_coverage':
      return `coverage of at least ${percent(check.min)}`;
    case 'longest_record':
      return `a record at least ${formatDuration(check.atLeastS)} long${slack}`;
    case 'hunt':
      return check.by === 'longest'
        ? `found by a hunt for records of ${formatDuration(check.thresholdS)} or more`
        : `found by a hunt summing durations to ${formatDuration(check.thresholdS)} or more`;
    case 'close':
      return check.state === 'as-truth' ? 'closed as the truth says' : `last record in state ${check.state}`;
  }
}

interface Measure {
  ok: boolean;
  /** Not ok because the monitor's records cannot say (no state at all for a close): a skip, not a failure. */
  unjudged?: true;
  text: string;
  /** Larger is worse; orders the connections shown. */
  badness: number;
}

function measure(check: Check, score: ConnectionScore, toleranceS: number): Measure {
  const tolUs = secondsToUs(toleranceS);
  switch (check.kind) {
    case 'max_fragments':
      if (score.fragments === 0) return { ok: false, text: 'missed (no record)', badness: Number.MAX_SAFE_INTEGER };
      return { ok: score.fragments <= check.max, text: `${score.fragments} ${plural(score.fragments, 'record')}`, badness: score.fragments };
    case 'min_coverage':
      return { ok: score.coverage + 1e-9 >= check.min, text: `coverage ${percent(score.coverage)}`, badness: -score.coverage };
    case 'longest_record':
      return {
        ok: score.longestRecordUs + tolUs >= secondsToUs(check.atLeastS),
        text: `longest record ${formatDuration(score.longestRecordUs / 1e6)}`,
        badness: -score.longestRecordUs,
      };
    case 'hunt': {
      // A hunt is a query on what the tool wrote (`duration >= 1h`): it finds the connection or not, with no slack,
      // as score.hunts and the baseline's hunts judge it. The duration tolerance is for longest_record alone.
      const valueUs = check.by === 'longest' ? score.longestRecordUs : score.sumDurationUs;
      const ok = valueUs >= secondsToUs(check.thresholdS);
      const what = check.by === 'longest' ? 'longest record' : 'durations sum to';
      return { ok, text: `${ok ? 'found' : 'not found'} (${what} ${formatDuration(valueUs / 1e6)})`, badness: -valueUs };
    }
    case 'close': {
      if (check.state === 'as-truth') {
        // A connection the truth never closes (UDP, ICMP, a TCP session held open), reported without a close: as the
        // truth says. It failed as "no close seen" on every UDP connection of every monitor.
        const nothingToClose = score.close.ok === undefined && score.close.expected === 'none' && score.fragments > 0;
        const ok = score.close.ok === true || nothingToClose;
        // Records with no state at all (tshark, nDPI) cannot say how a connection closed: not a failure to close.
        const stateless = !ok && score.fragments > 0 && score.close.seen === undefined;
        const seen = score.close.seen ?? (nothingToClose ? 'no close' : stateless ? 'records without a state' : 'no record');
        return { ok, ...(stateless ? { unjudged: true as const } : {}), text: `${seen} (truth: ${score.close.expected})`, badness: ok ? 0 : 1 };
      }
      const last = [...score.fragmentList].sort((a, b) => a.lastUs - b.lastUs).at(-1);
      // A record with no state at all (tshark, nDPI) cannot say how the connection closed: skipped, as the suite
      // docs say, never failed as "no state".
      if (last !== undefined && last.state === undefined) return { ok: false, unjudged: true as const, text: 'last record without a state', badness: 1 };
      const state = last?.state ?? 'no record';
      return { ok: state === check.state, text: `last record in state ${state}`, badness: state === check.state ? 0 : 1 };
    }
  }
}

const SHOWN = 3;

function judge(check: Check, scores: ConnectionScore[], toleranceS: number): { ok: boolean; seen: string; unjudged?: true } {
  const measured = scores
    .map((score) => {
      const m = measure(check, score, toleranceS);
      // A record it shares with another connection measures both: said beside the figure, whichever way it judged.
      return { id: score.connectionId, ...m, text: score.mergedWith === undefined ? m.text : `${m.text}, in a record shared with ${score.mergedWith}` };
    })
    .sort((a, b) => b.badness - a.badness || a.id.localeCompare(b.id));
  const failing = measured.filter((m) => !m.ok);
  const single = scores.length === 1;
  if (failing.length === 0) {
    const worst = measured[0] as (typeof measured)[number];
    return { ok: true, seen: single ? `${worst.text} (${worst.id})` : `all ${scores.length} connections; worst ${worst.text} (${worst.id})` };
  }
  const shown = failing.slice(0, SHOWN).map((m) => `${m.text} (${m.id})`);
  const more = failing.length > SHOWN ? `; and ${failing.length - SHOWN} more` : '';
  const of = single ? '' : `${failing.length} of ${scores.length} connections: `;
  return { ok: false, seen: `${of}${shown.join('; ')}${more}`, ...(failing.every((m) => m.unjudged === true) ? { unjudged: true as const } : {}) };
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

