import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { compareCell, DEFAULT_COMPARE_OPTIONS } from '../../harness/comparator/compare-cell.js';
import type { GroundTruth } from '../../harness/core/ground-truth.js';
import type { ConnectionScore } from '../../harness/core/score.js';
import { parseTimeoutSetting, type TimeoutSetting } from '../../harness/core/timeout-setting.js';
import { readGroundTruth } from '../../harness/io/read-truth.js';
import { truthFromPcap } from '../../harness/io/truth-from-pcap.js';
import type { MonitorAdapter } from '../../harness/monitors/monitor-adapter.js';
import suricata from '../../harness/monitors/suricata/index.js';
import zeek from '../../harness/monitors/zeek/index.js';
import { monitorModel } from '../../harness/pipeline/monitor-model.js';
import { REAL_FIXTURES } from './cli.js';

/**
 * Every real output under test/fixtures/real/ as (fixture, monitor, setting) cases: the seven bundled scenarios
 * under default/1m/5m/1h/4h, and the three hand-made captures at their defaults and at 60-minute timeouts (their
 * truth read from the capture by tshark). Each case is scored by the comparator exactly as a run would score it.
 */
export interface RealFixtureCase {
  fixture: string;
  adapter: MonitorAdapter;
  setting: TimeoutSetting;
  log: string;
  truth: () => Promise<GroundTruth>;
}

/** One (fixture, monitor, setting, connection): what the tool wrote against what the model predicted. */
export interface RealConnectionCase {
  key: string;
  score: ConnectionScore;
}

const SCENARIO_SETTINGS = ['default', '1m', '5m', '1h', '4h'];

export async function realFixtureCases(): Promise<RealFixtureCase[]> {
  const cases: RealFixtureCase[] = [];
  const scenariosDir = path.join(REAL_FIXTURES, 'scenarios');
  for (const entry of (await readdir(scenariosDir, { withFileTypes: true })).filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const dir = path.join(scenariosDir, entry.name);
    let truth: Promise<GroundTruth> | undefined;
    const once = (): Promise<GroundTruth> => (truth ??= readGroundTruth(path.join(dir, 'truth.json')));
    for (const label of SCENARIO_SETTINGS) {
      cases.push({ fixture: entry.name, adapter: zeek, setting: parseTimeoutSetting(label), log: path.join(dir, 'zeek', `conn.${label}.log`), truth: once });
      cases.push({ fixture: entry.name, adapter: suricata, setting: parseTimeoutSetting(label), log: path.join(dir, 'suricata', `eve.${label}.json`), truth: once });
    }
  }
  // The hand-made captures: Zeek's 60-minute runs redefined tcp and udp (and icmp for icmp-ipv6-vlan, the only one
  // with ICMP), Suricata's all three: `1h` is the same setting for what each capture holds.
  for (const name of ['icmp-ipv6-vlan', 'longconn-42', 'quiet-fin-6x1500']) {
    const capture = path.join(REAL_FIXTURES, 'zeek', name, 'capture.pcap');
    let truth: Promise<GroundTruth> | undefined;
    const once = (): Promise<GroundTruth> => (truth ??= truthFromPcap(capture));
    const logs: [MonitorAdapter, string, string][] = [
      [zeek, 'default', path.join(REAL_FIXTURES, 'zeek', name, 'conn.default.log')],
      [zeek, '1h', path.join(REAL_FIXTURES, 'zeek', name, 'conn.timeouts-60min.log')],
      [suricata, 'default', path.join(REAL_FIXTURES, 'suricata', name, 'eve.default.json')],
      [suricata, '1h', path.join(REAL_FIXTURES, 'suricata', name, 'eve.timeouts-60min.json')],
    ];
    if (name === 'longconn-42') logs.push([zeek, 'default', path.join(REAL_FIXTURES, 'zeek', name, 'conn.default.json')]);
    for (const [adapter, label, log] of logs) cases.push({ fixture: name, adapter, setting: parseTimeoutSetting(label), log, truth: once });
  }
  return cases;
}

/** Scores one case as a run does (the calibration of both tools says they honour their timeouts offline). */
export async function scoreRealCase(c: RealFixtureCase): Promise<RealConnectionCase[]> {
  const truth = await c.truth();
  const records = await c.adapter.parseLog(c.log);
  const comparison = compareCell(truth, records, monitorModel(c.adapter, c.setting, true), DEFAULT_COMPARE_OPTIONS);
  return comparison.scores.map((score) => ({
    key: `${c.fixture} ${c.adapter.id} ${c.setting.label} ${path.basename(c.log)} ${score.connectionId}`,
    score,
  }));
}
