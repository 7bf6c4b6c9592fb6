import type { Cell, ScenarioResult } from '../core/results.js';
import type { SensorSpec } from './suite.js';

/** The cells of one sensor in one scenario, one per view (a sensor has one setting). */
export function cellsOf(scenario: ScenarioResult, sensor: SensorSpec): Cell[] {
  return scenario.cells.filter((c) => c.sensor === sensor.name && (sensor.view === undefined || c.view === sensor.view));
}

/** How a sensor's view is named in results: `argus-prod (merged)`, or just the sensor for a one-view monitor. */
export function sensorLabel(sensor: string, view: string): string {
  return view === 'default' ? sensor : `${sensor} (${view})`;
}

/** `c2` matches the connection `c2` and its copies `c2#1`, `c2#2`, ... */
export function matchesConnection(id: string, wanted: string | undefined): boolean {
  return wanted === undefined || id === wanted || id.startsWith(`${wanted}#`);
}
