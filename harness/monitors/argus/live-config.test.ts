import { expect } from 'chai';
import { parseTimeoutSetting } from '../../core/timeout-setting.js';
import { effectiveKnobs } from './adapter.js';
import { ARGUS_LIVE_STATUS_INTERVAL_S, argusLiveConfig } from './live.js';

describe('argus live config (-F)', () => {
  const setting = parseTimeoutSetting('tcp=10');
  const values = { ARGUS_TCP_TIMEOUT: 10, ARGUS_FLOW_STATUS_INTERVAL: ARGUS_LIVE_STATUS_INTERVAL_S };

  it('sets the 1 s status interval without a user config', () => {
    expect(effectiveKnobs(argusLiveConfig(setting, values)).ARGUS_FLOW_STATUS_INTERVAL).to.equal('1');
  });

  it('sets it after a user\'s argus.conf too, whose own status interval argus would otherwise take', () => {
    const text = argusLiveConfig(setting, values, { path: '/etc/argus.conf', text: 'ARGUS_FLOW_STATUS_INTERVAL=60\nARGUS_IP_TIMEOUT=120\n' });
    const knobs = effectiveKnobs(text);
    expect(knobs.ARGUS_FLOW_STATUS_INTERVAL).to.equal('1');
    expect(knobs.ARGUS_TCP_TIMEOUT).to.equal('10');
    expect(knobs.ARGUS_IP_TIMEOUT).to.equal('120');
  });
});
