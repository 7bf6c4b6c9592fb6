import type { SourcePosition } from '../core/input-error.js';
import type { TimeoutSetting } from '../core/timeout-setting.js';
import type { VersionRange } from './version-range.js';

/**
 * A Suite is the validated form of a `*.suite.yaml` file: the team's sensors (a monitor plus its config), the
 * scenarios to run them on, and what each sensor must report. Every part keeps where it was written, so that
 * checks made later (files on disk, the monitor registry) can still point at file:line:col.
 */
export interface Suite {
  /** Path of the suite as the user named it; relative paths inside the suite are relative to its folder. */
  file: string;
  sensors: SensorSpec[];
  scenarios: ScenarioPattern[];
  expectations: Expectation[];
  tolerance: SuiteTolerance;
  /** `live: true`: the sensors are judged live (harness run --live), with `speedup` when given. */
  live?: { speedup?: number; where: SourcePosition; speedupWhere?: SourcePosition };
}

export interface SuiteTolerance {
  /** Default slack for `longest_record` (seconds); an expectation's own `tolerance` overrides it. Hunts take none. */
  durationS: number;
  /** Baseline: how much coverage (a fraction) may drop before it counts as a regression. */
  coverage: number;
  /** Baseline: how many more fragments than recorded are still accepted. */
  fragments: number;
}

export interface SensorSpec {
  name: string;
  monitor: string;
  /** One of the adapter's views (argus: raw, merged); absent means every view is checked. */
  view?: string;
  setting: TimeoutSetting;
  /** The team's own config file, as written (relative to the suite's folder). */
  config?: string;
  /**
   * The monitor binary to run, as written: a path (relative to the suite's folder) or a command on PATH. Two sensors
   * of one monitor with different binaries run side by side (Zeek 6 against Zeek 7). Absent: the adapter's own.
   */
  binary?: string;
  binaryAt?: SourcePosition;
  requires?: VersionRange;
  /** Why the suite skips this sensor. */
  skip?: string;
  where: SourcePosition;
  monitorAt: SourcePosition;
  viewAt?: SourcePosition;
  configAt?: SourcePosition;
  /** Where its `timeouts:` is, when it has one: a knob the monitor lacks is refused there. */
  settingAt?: SourcePosition;
}

export interface ScenarioPattern {
  /** A path or glob (`*`, `?`, `**`), relative to the suite's folder. */
  pattern: string;
  where: SourcePosition;
}

export interface Expectation {
  where: SourcePosition;
  scenario: string;
  scenarioAt: SourcePosition;
  /** Sensor names; absent means every sensor of the suite. */
  sensors?: string[];
  sensorsAt?: SourcePosition[];
  /** A connection id of the scenario (copies `id#k` included); absent means every non-background connection. */
  connection?: string;
  connectionAt?: SourcePosition;
  /** Gate on the monitor's version, as suricata-verify does: outside the range the checks skip. */
  requires?: VersionRange;
  /** Slack for duration checks (seconds); falls back to the suite's tolerance. */
  toleranceS?: number;
  checks: Check[];
}

export type Check =
  | { kind: 'max_fragments'; max: number }
  | { kind: 'min_coverage'; min: number }
  | { kind: 'longest_record'; atLeastS: number }
  | { kind: 'hunt'; thresholdS: number; by: 'longest' | 'sum' }
  /** `as-truth`: the monitor's close must agree with the truth; any other text: the last record's state. */
  | { kind: 'close'; state: string };

export const CHECK_KEYS = ['max_fragments', 'min_coverage', 'longest_record', 'hunt', 'close'] as const;
