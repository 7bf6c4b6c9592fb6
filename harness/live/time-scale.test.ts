import { expect } from 'chai';
import { parseTimeoutSetting } from '../core/timeout-setting.js';
import { scenario, tcp } from '../../test/generator/scenario-builders.js';
import { recordToScenarioTime, scaleScenario, scaleSetting, toScenarioUs } from './time-scale.js';
import type { FlowRecord } from '../core/flow-record.js';

describe('live time scaling', () => {
  it('divides every scenario time by K (gaps, jitter, starts, holds, keepalives, clock, sentinel) but not the RTT', () => {
    const s = scenario('x', [tcp('a', '192.0.2.1:1000', '198.51.100.1:80', { startS: 60, holdS: 600, keepalive: { intervalS: 120, style: 'zero-byte' }, activity: { kind: 'pattern', bursts: 3, gapS: 1200, jitterS: 30, requestBytes: 1, responseBytes: 1, exchangesPerBurst: 1 } })], {
      clock: { intervalS: 30, client: { addr: '192.0.2.9', port: 1 }, server: { addr: '198.51.100.9', port: 1 }, payloadBytes: 1 },
      sentinel: { afterS: 600, client: { addr: '192.0.2.8', port: 1 }, server: { addr: '198.51.100.8', port: 1 } },
    });
    const scaled = scaleScenario(s, 60);
    const c = scaled.connections[0];
    expect(c?.startS).to.equal(1);
    expect(c?.holdS).to.equal(10);
    expect(c?.keepalive?.intervalS).to.equal(2);
    expect(c?.activity).to.include({ gapS: 20, jitterS: 0.5 });
    expect(c?.rttS).to.equal(0.02);
    expect(scaled.clock?.intervalS).to.equal(0.5);
    expect(scaled.sentinel?.afterS).to.equal(10);
    expect(scaled.quietThresholdS).to.equal(0.5);
    expect(scaled.timestampResolution).to.equal('ns');
  });

  it('scales a setting, and `default` through the tool\'s own defaults', () => {
    expect(scaleSetting(parseTimeoutSetting('5m'), 150, { idleS: {} }).idle).to.deep.equal({ tcp: 2, udp: 2, icmp: 2 });
    const d = scaleSetting(parseTimeoutSetting('default'), 150, { idleS: { tcp: 3600, udp: 300, icmp: null }, activeS: 604800 });
    expect(d).to.deep.include({ isDefault: false, idle: { tcp: 24, udp: 2 }, active: 604800 / 150 });
    // A tool with no settable timeout keeps `default`.
    expect(scaleSetting(parseTimeoutSetting('default'), 150, { idleS: { tcp: null } }).isDefault).to.equal(true);
  });

  it('maps replay time back to scenario time', () => {
    const map = { k: 100, replayOriginUs: 5_000_000, scenarioOriginUs: 1_000_000_000 };
    expect(toScenarioUs(map, 5_500_000)).to.equal(1_050_000_000);
    const record = { firstUs: 5_000_000, lastUs: 6_000_000, durationUs: 1_000_000 } as FlowRecord;
    expect(recordToScenarioTime(map, record)).to.include({ firstUs: 1_000_000_000, lastUs: 1_100_000_000, durationUs: 100_000_000 });
  });
});
