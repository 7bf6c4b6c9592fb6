import type { SourcePosition } from '../core/input-error.js';

/**
 * What `harness check` found: one result per check of an expectation on one sensor (per view), plus the baseline
 * comparison. Renderers (text, Markdown, JUnit) read only this.
 */
export type CheckStatus = 'pass' | 'fail' | 'skip';

export type CheckKind = 'max_fragments' | 'min_coverage' | 'longest_record' | 'hunt' | 'close' | 'baseline';

export interface CheckResult {
  status: CheckStatus;
  kind: CheckKind;
  scenario: string;
  /** Sensor name, with the view in parentheses when the monitor has several: `argus-prod (merged)`. */
  sensor: string;
  /** The connection(s) it is about: an id, or `all` for every non-background connection. */
  connection: string;
  /** What was expected, in words: `at most 1 fragment`. */
  expected: string;
  /** What was seen (pass and fail): `57 fragments (c2-beacon)`. */
  seen?: string;
  /** Why it was skipped, or why a failure could not even be measured. */
  reason?: string;
  /** Something true that changes what a pass means (e.g. the tool never applies timeouts to a pcap). */
  note?: string;
  /**
   * A skip the suite itself asked for (a sensor's `skip:`, a `requires:` version gate), as opposed to one the
   * machine imposed (monitor not installed) or the tool (timeouts not honoured on a pcap). --fail-on-skip keeps these.
   */
  bySuite?: boolean;
  /** The expectation in the suite (absent for baseline results). */
  where?: SourcePosition;
}

export interface CheckReport {
  suite: string;
  results: CheckResult[];
  counts: { pass: number; fail: number; skip: number };
  /**
   * `kept`: with status updated, the sensors (scenario, view) not judged in this run whose earlier entries stayed.
   * `unrecorded`: with status compared, the cells judged now that the baseline holds no entry of (each a skip).
   * `interrupted`: --update-baseline on a run stopped by Ctrl-C: the baseline was left as it was.
   */
  baseline?: {
    file: string;
    status: 'compared' | 'updated' | 'absent' | 'interrupted';
    regressions: number;
    kept?: string[];
    unrecorded?: number;
    /** With status compared: connections of recorded cells that the baseline has no entry of (added since). */
    unrecordedConnections?: number;
  };
}

export function countResults(results: readonly CheckResult[]): CheckReport['counts'] {
  const counts = { pass: 0, fail: 0, skip: 0 };
  for (const result of results) counts[result.status] += 1;
  return counts;
}

/** 0 when nothing failed, 1 otherwise; input errors (2) never get this far. */
export function exitCodeOf(report: CheckReport): 0 | 1 {
  return report.counts.fail > 0 ? 1 : 0;
}

/**
 * --fail-on-skip: every skip the suite did not ask for becomes a failure that keeps its reason, so the text,
 * Markdown and JUnit outputs and the exit status all say the same thing. A gate that checked nothing because Zeek
 * was missing on the runner must not pass; a sensor the suite skips on purpose, or gates on a version, still skips.
 */
export function failSkips(report: CheckReport): void {
  report.results = report.results.map((r) =>
    r.status === 'skip' && r.bySuite !== true
      ? { ...r, status: 'fail', reason: `skipped, and --fail-on-skip makes that a failure: ${r.reason ?? 'no reason given'}` }
      : r,
  );
  report.counts = countResults(report.results);
}

/** Why a sensor was not run at all, decided before the run. */
export interface SensorSkip {
  reason: string;
  /** The suite's own choice (a version gate), not the machine's (monitor not installed). */
  bySuite: boolean;
}
