import { expect } from 'chai';
import { InputError } from '../../harness/core/input-error.js';
import { describeTimeoutSetting, parseTimeoutSetting, parseTimeoutSweep } from '../../harness/core/timeout-setting.js';
import { loadAdapters } from '../../harness/monitors/registry.js';
import { checkToolKnobs } from '../../harness/pipeline/monitor-model.js';

describe('timeout settings: a tool knob named <monitor>.<knob>', () => {
  it('reads durations and switches beside the generic keys, and describes them', () => {
    const setting = parseTimeoutSetting('tcp=4h,zeek.services=4h,suricata.midstream=on');
    expect(setting).to.deep.include({ isDefault: false, idle: { tcp: 14400 }, tool: { 'zeek.services': 14400, 'suricata.midstream': true } });
    expect(describeTimeoutSetting(setting)).to.equal('idle tcp 4h; zeek.services 4h; suricata.midstream on');
    // Consecutive keyed items are one setting in a sweep, as before.
    expect(parseTimeoutSweep('4h,tcp=4h,zeek.services=4h').map((s) => s.label)).to.deep.equal(['4h', 'tcp=4h,zeek.services=4h']);
  });

  it('refuses an unknown generic key and a bad value with the expected forms', () => {
    expect(() => parseTimeoutSetting('tpc=4h')).to.throw(InputError, /tool knob <monitor>\.<knob>/);
    expect(() => parseTimeoutSetting('zeek.services=soon')).to.throw(InputError, /positive duration/);
  });

  it('checks each tool knob against its monitor: unknown monitor, unknown knob, wrong kind are bad input', async () => {
    const adapters = await loadAdapters();
    const check = (text: string): void => checkToolKnobs([parseTimeoutSetting(text)], adapters, '--timeouts');
    expect(() => check('zeek.services=4h,suricata.midstream=on,suricata.tcp.new=1h')).not.to.throw();
    expect(() => check('zeeek.services=4h')).to.throw(InputError, /names no known monitor/);
    expect(() => check('zeek.port_timeouts=4h')).to.throw(InputError, /one of zeek\.port_inactivity_timeouts, zeek\.analyzer_inactivity_timeouts, zeek\.services, zeek\.dns_session_timeout/);
    expect(() => check('suricata.midstream=4h')).to.throw(InputError, /on or off/);
    expect(() => check('zeek.services=on')).to.throw(InputError, /positive duration/);
    expect(() => check('argus.anything=1h')).to.throw(InputError, /argus takes no tool knob/);
  });
});
