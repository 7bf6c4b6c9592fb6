import { stat } from 'node:fs/promises';
import { readInputText } from '../io/read-input.js';
import path from 'node:path';
import { InputError } from '../core/input-error.js';
import { loadAdapters } from '../monitors/registry.js';
import { loadScenario } from '../scenario/load-scenario.js';
import type { Scenario } from '../scenario/scenario.js';
import { expandGlob } from './expand-glob.js';
import { parseSuite } from './parse-suite.js';
import type { ScenarioPattern, Suite } from './suite.js';

/**
 * Reads a suite and checks everything parseSuite cannot see from the text alone: that monitors exist in the
 * registry, that scenario globs match files that parse, that expectations name real scenarios and connections,
 * and that config files are there. Every failure points at the suite's own file:line:col.
 */
export interface LoadedSuite {
  suite: Suite;
  /** Absolute scenario files, in suite order, each once. */
  scenarioFiles: string[];
  scenarios: Scenario[];
  /** Sensor name -> absolute path of its config file. */
  configFiles: Map<string, string>;
  /** Sensor name -> the binary it names: an absolute path, or a command looked up on PATH. */
  binaries: Map<string, string>;
}

export async function loadSuite(suitePath: string): Promise<LoadedSuite> {
  const text = await readInputText(suitePath, 'a suite YAML file, e.g. examples/zeek-long-connections.suite.yaml');
  const adapters = await loadAdapters();
  const suite = parseSuite(text, suitePath, adapters.map((a) => ({ id: a.id, views: a.views })));
  const baseDir = path.dirname(path.resolve(suitePath));

  const scenarioFiles: string[] = [];
  const scenarios: Scenario[] = [];
  const notScenarios = new Set(suite.sensors.flatMap((sensor) => (sensor.config === undefined ? [] : [path.resolve(baseDir, sensor.config)])));
  /** The file each entry that is not a glob names, and that entry: `a.yaml` and `./a.yaml` are one scenario. */
  const named = new Map<string, ScenarioPattern>();
  for (const pattern of suite.scenarios) {
    const files = await expandGlob(pattern.pattern, baseDir);
    if (!/[*?]/.test(pattern.pattern)) {
      const file = path.resolve(baseDir, pattern.pattern);
      const earlier = named.get(file);
      if (earlier !== undefined) {
        throw new InputError(pattern.where, `scenario "${pattern.pattern}" twice in scenarios (as "${earlier.pattern}" on line ${earlier.where.line})`, 'each scenario once');
      }
      named.set(file, pattern);
    }
    const existing: string[] = [];
    // `*.yaml` beside the suite would otherwise match the suite itself, a sensor's suricata.yaml, another suite or a
    // baseline: none of them is a scenario, and each was refused as a bad one. A file named without a glob is meant.
    const isGlob = /[*?]/.test(pattern.pattern);
    for (const file of files) {
      if (file === path.resolve(suitePath) || !(await isFile(file))) continue;
      if (isGlob && (notScenarios.has(file) || /\.suite\.ya?ml$|\.baseline\.json$/i.test(file))) continue;
      existing.push(file);
    }
    if (existing.length === 0) {
      throw new InputError(pattern.where, `"${pattern.pattern}", which matches no file (relative to ${baseDir})`, 'a scenario file or glob relative to the suite, e.g. ../scenarios/burst-20min.yaml');
    }
    for (const file of existing) {
      if (scenarioFiles.includes(file)) continue;
      const relative = path.relative(process.cwd(), file);
      const scenario = await loadScenario(relative.startsWith('..') || relative === '' ? file : relative);
      const clash = scenarios.find((s) => s.name === scenario.name);
      if (clash) {
        throw new InputError(pattern.where, `two scenarios named ${scenario.name} (${clash.file} and ${scenario.file})`, 'scenario names unique within a suite');
      }
      scenarioFiles.push(file);
      scenarios.push(scenario);
    }
  }

  for (const expectation of suite.expectations) {
    const scenario = scenarios.find((s) => s.name === expectation.scenario);
    if (!scenario) {
      throw new InputError(expectation.scenarioAt, `scenario "${expectation.scenario}"`, `one of the suite's scenarios: ${scenarios.map((s) => s.name).join(', ')}`);
    }
    if (expectation.connection !== undefined && !scenario.connections.some((c) => c.id === expectation.connection)) {
      throw new InputError(
        expectation.connectionAt ?? expectation.where,
        `connection "${expectation.connection}" in ${scenario.name}`,
        `one of ${scenario.connections.map((c) => c.id).join(', ')}`,
      );
    }
  }

  const configFiles = new Map<string, string>();
  for (const sensor of suite.sensors) {
    if (sensor.config === undefined) continue;
    const file = path.resolve(baseDir, sensor.config);
    if (!(await isFile(file))) {
      throw new InputError(sensor.configAt ?? sensor.where, `config "${sensor.config}", which is not a file (looked for ${file})`, 'a config file path relative to the suite');
    }
    configFiles.set(sensor.name, file);
  }
  // A binary that is not on this machine is the machine's matter, not the suite's: that sensor skips, with why.
  const binaries = new Map<string, string>();
  for (const sensor of suite.sensors) {
    if (sensor.binary === undefined) continue;
    if (sensor.binary.trim() === '') throw new InputError(sensor.binaryAt ?? sensor.where, 'an empty binary', 'the monitor binary this sensor runs, e.g. /opt/zeek-6/bin/zeek');
    binaries.set(sensor.name, sensor.binary.includes('/') ? path.resolve(baseDir, sensor.binary) : sensor.binary);
  }
  return { suite, scenarioFiles, scenarios, configFiles, binaries };
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
