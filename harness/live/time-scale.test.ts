import { expect } from 'chai';
import { parseTimeoutSetting } from '../core/timeout-setting.js';
import { scenario, tcp } from '../../test/generator/scenario-builders.js';
import { recordToScenarioTime, scaleScenario, scaleSetting, timeoutsOf, toScenarioUs } from './time-scale.js';
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
    // What a setting leaves at the tool's default is scaled too: unscaled, UDP's 300 s would last 150 x 300 s.
    const tcpOnly = scaleSetting(parseTimeoutSetting('tcp=1h'), 150, { idleS: { tcp: 3600, udp: 300, icmp: null }, activeS: 604800 });
    expect(tcpOnly).to.deep.include({ label: 'tcp=1h/150', isDefault: false, idle: { tcp: 24, udp: 2 }, active: 604800 / 150 });
    // A protocol no connection of the scenario uses keeps the tool's default; one the setting names is scaled.
    expect(scaleSetting(parseTimeoutSetting('tcp=1h'), 150, { idleS: { tcp: 3600, udp: 300, icmp: 300 } }, ['tcp']).idle).to.deep.equal({ tcp: 24 });
    expect(scaleSetting(parseTimeoutSetting('udp=10m'), 10, { idleS: { tcp: 3600, udp: 600 } }, ['tcp']).idle).to.deep.equal({ tcp: 360, udp: 60 });
    // A value the setting gives wins over what the tool would otherwise have in force.
    expect(scaleSetting(parseTimeoutSetting('udp=10m'), 10, { idleS: { tcp: 3600, udp: 300 } }).idle).to.deep.equal({ tcp: 360, udp: 60 });
    // Table limits are sizes and stay; the emergency timeout and a tool knob's duration are timeouts; a switch stays.
    const limited = scaleSetting(parseTimeoutSetting('tcp=1h,maxflows=100,emergency=60s,suricata.udp.new=2m,suricata.midstream=on'), 60, { idleS: {} });
    expect(limited).to.deep.include({ idle: { tcp: 60 }, limits: { maxFlows: 100, emergencyIdleS: 1 }, tool: { 'suricata.udp.new': 2, 'suricata.midstream': true } });
    expect(timeoutsOf(limited).sort((a, b) => a - b)).to.deep.equal([1, 2, 60]);
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
