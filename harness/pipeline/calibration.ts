import path from 'node:path';
import { compareCell, DEFAULT_COMPARE_OPTIONS } from '../comparator/compare-cell.js';
import { generate, GenerationInterrupted, type GenerateResult } from '../../generators/generate.js';
import { parseScenario } from '../scenario/parse-scenario.js';
import { runCell } from '../executor/cell-runner.js';
import type { MonitorAdapter } from '../monitors/monitor-adapter.js';
import type { CommandRecord } from '../core/results.js';
import { monitorModel } from './monitor-model.js';

/**
 * Does this tool apply its timeouts to a pcap at all? One TCP connection with a gap the adapter says is longer
 * than its calibration setting, a clock flow so packet-driven timers advance, and a sentinel after the gap. A tool
 * that still reports it whole does not honour timeouts offline (softflowd, pmacct and nDPI, as measured), and
 * every later score for it carries that mark.
 */
export interface CalibrationResult {
  honours?: boolean;
  /** Fragments seen for the calibration connection, or why calibration could not tell. */
  detail: string;
  commands: CommandRecord[];
}

export function calibrationScenarioYaml(gapS: number): string {
  return [
    '# Calibration: one TCP connection with a single gap longer than the timeout under test.',
    'name: calibration',
    'description: one gap, clock flow, sentinel',
    'seed: 7',
    'clock: { every: 10s }',
    'sentinel: { after: 60s }',
    'connections:',
    '  - id: probe',
    '    protocol: tcp',
    '    client: 192.0.2.77:41000',
    '    server: 198.51.100.77:8080',
    '    close: none',
    '    activity:',
    `      pattern: { bursts: 2, gap: ${gapS}s, request: 100, response: 200 }`,
    '',
  ].join('\n');
}

export async function calibrate(
  adapter: MonitorAdapter,
  binary: string,
  version: string,
  dir: string,
  timeLimitMs: number,
  signal: AbortSignal,
  maxOutputBytes?: number,
): Promise<CalibrationResult> {
  const { setting, gapS } = adapter.calibration;
  if (keepsNoTimeouts(adapter)) return { detail: 'keeps no state timeouts (a reference): nothing to calibrate', commands: [] };
  const translation = adapter.translate(setting);
  if (!translation.supported) return { detail: `calibration setting ${setting.label} unsupported: ${translation.reason}`, commands: [] };
  const scenario = parseScenario(calibrationScenarioYaml(gapS), `calibration-${gapS}s.yaml`);
  // Whatever stops a calibration is its result, for every caller alike: the run reports it, `monitors` lists it.
  let generated: GenerateResult;
  try {
    generated = await generate(scenario, path.join(dir, adapter.id), { signal });
  } catch (error) {
    if (error instanceof GenerationInterrupted) return { detail: 'not calibrated: interrupted', commands: [] };
    return { detail: `calibration could not run: ${(error as Error).message}`, commands: [] };
  }
  const outcome = await runCell({
    adapter,
    binary,
    version,
    pcap: generated.pcapPath,
    setting,
    knobValues: translation.values,
    workDir: path.join(dir, adapter.id, 'run'),
    timeLimitMs,
    signal,
    maxOutputBytes,
  });
  const commands = outcome.provenance.commands;
  if (!outcome.ok) return { detail: `calibration run failed: ${outcome.reason.split('\n')[0] ?? ''}`, commands };
  const view = adapter.views[0] ?? 'default';
  const records = outcome.views[view] ?? [];
  const comparison = compareCell(generated.truth, records, monitorModel(adapter, setting, undefined), DEFAULT_COMPARE_OPTIONS);
  const probe = comparison.scores.find((s) => s.connectionId === 'probe');
  const fragments = probe?.fragments ?? 0;
  if (fragments === 0) return { detail: `calibration connection not reported at all (${records.length} records)`, commands };
  return {
    honours: fragments > 1,
    detail: `${fragments} record(s) for one connection with a ${gapS} s gap under ${setting.label}`,
    commands,
  };
}

/** tshark and other references keep no state at all, so "honours timeouts" does not apply to them. */
export function keepsNoTimeouts(adapter: MonitorAdapter): boolean {
  return adapter.knobs.length === 0;
}
