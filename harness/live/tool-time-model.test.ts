import { expect } from 'chai';
import { predictRecords } from '../comparator/ideal-model.js';
import type { MonitorModel } from '../comparator/monitor-model.js';
import type { TruthConnection } from '../core/ground-truth.js';
import { parseTimeoutSetting } from '../core/timeout-setting.js';
import type { MonitorAdapter, UserConfigText } from '../monitors/monitor-adapter.js';
import argus from '../monitors/argus/index.js';
import nfpcapd from '../monitors/nfpcapd/index.js';
import softflowd from '../monitors/softflowd/index.js';
import zeek from '../monitors/zeek/index.js';
import { effectiveTimeouts } from '../pipeline/monitor-model.js';
import { T0, conn, quiet, s, us } from '../../test/comparator/build.js';
import { scaleSetting, toReplayUs, toScenarioUs, type TimeMap } from './time-scale.js';
import { liveCellModel } from './tool-time-model.js';

/**
 * The live model predicts what the tool does in its own (replay) time, shown in scenario time: hand-made
 * connections in scenario time, the model built as live-pipeline builds it for a cell replayed K times faster.
 */
const R0 = 1_800_000_000_000_000;

function mapAt(k: number): TimeMap {
  return { k, replayOriginUs: R0, scenarioOriginUs: T0 };
}

/** The model of a live cell of `label` at speedup k, as live-pipeline.ts builds it. */
function liveModel(adapter: MonitorAdapter, label: string, k: number, view?: string, userConfig?: UserConfigText): MonitorModel {
  const setting = parseTimeoutSetting(label);
  const replaySetting = scaleSetting(setting, k, effectiveTimeouts(adapter, setting));
  return liveCellModel(adapter, { setting, replaySetting, userConfig, view, map: mapAt(k) });
}

/** A TCP connection from 0 to lastS with one silence [startS, endS], in scenario seconds from T0. */
function oneSilence(startS: number, endS: number, lastS: number, over: Partial<TruthConnection> = {}): TruthConnection {
  return conn({ id: `gap${endS - startS}`, firstS: 0, lastS, ...quiet([startS, endS]), ...over });
}

const range = (c: TruthConnection, model: MonitorModel): { min: number; max: number } | undefined => {
  const p = predictRecords(c, model, us(60));
  return p === undefined ? undefined : { min: p.min, max: p.max };
};

describe('live model in the tool\'s time (tool-time-model.ts)', () => {
  it('maps scenario time to replay time and back to the microsecond', () => {
    const map = mapAt(36);
    for (const r of [R0, R0 + 1, R0 + 123_456_789, R0 + 100_999_999]) expect(toReplayUs(map, toScenarioUs(map, r))).to.equal(r);
    expect(toReplayUs(map, T0 + 3600_000_000)).to.equal(R0 + 100_000_000);
  });

  it('nfpcapd at 1h, K=36: its 10 s sweep is 360 s of the scenario, so a 3800 s silence may or may not end the record (100 s timeout)', () => {
    const model = liveModel(nfpcapd, '1h', 36);
    expect(model.granularityS).to.equal(360);
    expect(model.idleS.tcp).to.equal(3600);
    // Offline, 1h gives nfpcapd an active timeout of 1 h too (max(300, inactive)): live it is scaled with the rest, so
    // it stays 3600 s of the scenario. Left to nfpcapd's max(300, 100) it was 300 x 36 s = 3 h.
    expect(model.activeS).to.equal(3600);
    // In a scenario-time model the sweep is 10 s: 3800 s > 3600 + 10 s, split.
    expect(range(oneSilence(100, 3900, 4000), model)).to.deep.equal({ min: 1, max: 2 });
    // Beyond 100 + 10 s of the tool's time (3960 s): split.
    expect(range(oneSilence(100, 4100, 4200), model)).to.deep.equal({ min: 2, max: 2 });
    expect(model.timer?.comparison).to.match(/replayed 36 times faster: 1 s of it is 36 s of the scenario/);
  });

  it('nfpcapd\'s active rule at K=36: whole seconds of the tool (101 s, swept by 112 s) are 3636 s and 4032 s of the scenario', () => {
    const model = liveModel(nfpcapd, 'idle=1h,active=1h', 36);
    expect(model.activeS).to.equal(3600);
    // The last microsecond kept is one before the image of the tool's bound, not the image of its last kept µs.
    expect(model.active?.keepsUntilUs(T0)).to.equal(T0 + 3_635_999_999);
    expect(model.active?.cutByUs(T0)).to.equal(T0 + 4032_000_000);
    // 18 s of the scenario is half a second of the tool: still whole second 0 of it.
    expect(model.active?.keepsUntilUs(T0 + 18_000_000)).to.equal(T0 + 3_635_999_999);
    expect(model.active?.comparison).to.match(/> 100 s \(-e active\).*1 s of it is 36 s of the scenario/);
    // A busy 3620 s connection (packets at most 60 s apart) is within 101 whole seconds of the tool: one record,
    // where a cut at 3601 s of the scenario would allow two.
    const busy = conn({ id: 'busy', firstS: 0, lastS: 3620, longestGapUs: us(50) });
    expect(range(busy, model)).to.deep.equal({ min: 1, max: 1 });
  });

  it('softflowd\'s maxlife at K=36: the kept bound mapped, "no bound in time" stays Infinity', () => {
    const model = liveModel(softflowd, 'idle=1h,active=1h', 36);
    expect(model.active?.keepsUntilUs(T0)).to.equal(T0 + 3_635_999_999);
    expect(model.active?.cutByUs(T0)).to.equal(Infinity);
    // expint=1 live: 2 s of the tool's time, not the 60 s of the offline model.
    expect(model.granularityS).to.equal(72);
  });

  it('argus live (1 s status interval) at K=6 and K=120: a range of 6 s and 120 s beyond the timeout, not 60 s', () => {
    const k6 = liveModel(argus, '1h', 6, 'raw');
    const k120 = liveModel(argus, '1h', 120, 'raw');
    expect([k6.granularityS, k6.statusIntervalS, k120.granularityS, k120.statusIntervalS]).to.deep.equal([6, 6, 120, 120]);
    expect(range(oneSilence(100, 3703, 3800), k6)).to.deep.equal({ min: 1, max: 2 });
    expect(range(oneSilence(100, 3710, 3800), k6)).to.deep.equal({ min: 2, max: 2 });
    expect(range(oneSilence(100, 3800, 3900), k120)).to.deep.equal({ min: 1, max: 2 });
    expect(range(oneSilence(100, 3730, 3900), k120)).to.deep.equal({ min: 1, max: 2 });
    expect(range(oneSilence(100, 3900, 4000), k120)).to.deep.equal({ min: 2, max: 2 });
    // A user's argus.conf does not set the live status interval: the live form writes its own after it.
    const withConf = liveModel(argus, '1h', 6, 'raw', { file: 'argus.conf', text: 'ARGUS_FLOW_STATUS_INTERVAL=60\n' });
    expect(range(oneSilence(100, 3710, 3800), withConf)).to.deep.equal({ min: 2, max: 2 });
  });

  it('Zeek (exact, to the µs) at K=36: the same predictions as in scenario time for silences away from the timeout', () => {
    const model = liveModel(zeek, '1h', 36);
    expect(range(oneSilence(100, 3500, 3600), model)).to.deep.equal({ min: 1, max: 1 });
    expect(range(oneSilence(100, 3700, 3800), model)).to.deep.equal({ min: 2, max: 2 });
    // At the timeout to the µs too: 3600 s of the scenario is 100 s of the tool, a silence of at least it splits.
    expect(range(oneSilence(100, 3700, 3800), model)).to.deep.equal({ min: 2, max: 2 });
    expect(range(oneSilence(100, 3699.999, 3800), model)).to.deep.equal({ min: 1, max: 1 });
    expect(model.timer?.globalIdleS.tcp).to.equal(3600);
  });

  it('Zeek\'s service port timeout (1 hr, not scaled) runs in the tool\'s time: at 4h, K=10, a 2 h silence on 22/tcp stays whole', () => {
    const model = liveModel(zeek, '4h', 10);
    const ssh = oneSilence(100, 100 + 7200, 7400, { server: { addr: '198.51.100.20', port: 22 } });
    expect(range(ssh, model)).to.deep.equal({ min: 1, max: 1 });
    // 10 h of the scenario is 1 hr of the tool.
    const long = oneSilence(100, 100 + 36_001, 36_200, { server: { addr: '198.51.100.20', port: 22 } });
    expect(range(long, model)).to.deep.equal({ min: 2, max: 2 });
    // A 5 h silence: the naive model (4 h) splits it, the tool's 1 hr of 22/tcp did not, and says in which time it ran.
    const fiveHours = oneSilence(100, 100 + 18_000, 18_200, { server: { addr: '198.51.100.20', port: 22 } });
    const p = predictRecords(fiveHours, model, us(60));
    expect([p?.min, p?.max, p?.naive]).to.deep.equal([1, 1, 2]);
    expect(p?.rules[0]).to.match(/port_inactivity_timeouts\[22\/tcp\] = 1h .*1 s of it is 10 s of the scenario/);
  });

  it('reads the sensor\'s own config as the tool did live, unscaled: a local.zeek port override of 2 hr is 20 h of the scenario at K=10', () => {
    const localZeek = { file: 'local.zeek', text: 'redef Conn::port_inactivity_timeouts += { [9000/tcp] = 2 hr };\n' };
    const model = liveModel(zeek, '4h', 10, undefined, localZeek);
    // A 5 h silence: longer than the 4 h global, but the tool kept 9000/tcp for 2 hr of its own time.
    expect(range(oneSilence(100, 100 + 18_000, 18_200), model)).to.deep.equal({ min: 1, max: 1 });
    expect(s(0)).to.equal(T0);
  });
});
