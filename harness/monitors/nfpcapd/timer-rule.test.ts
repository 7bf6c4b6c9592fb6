import { expect } from 'chai';
import { parseTimeoutSetting } from '../../core/timeout-setting.js';
import { monitorModel } from '../../pipeline/monitor-model.js';
import nfpcapd from './index.js';
import { NFPCAPD_SWEEP_WAIT_S, nfpcapdActiveRule } from './timer-rule.js';

describe('nfpcapd active-timeout rule (nfdump 1.7.1 Expire_FlowTree)', () => {
  const T = 1_700_000_000_000_000;

  it('keeps every packet before whole second F + active + 1: (when - t_first) > active in whole seconds', () => {
    const rule = nfpcapdActiveRule(300);
    // First packet at a whole second: a packet 300.999999 s later is in whole second F + 300, not > 300.
    expect(rule.keepsUntilUs(T)).to.equal(T + 300_999_999);
    // First packet late in its second: whole seconds put the boundary only 300.1 s after it.
    expect(rule.keepsUntilUs(T + 900_000)).to.equal(T + 300_999_999);
  });

  it('has swept by the first packet 12 whole seconds after F + active: a sweep > 10 s after the last, behind a look > 1 s after the last', () => {
    expect(NFPCAPD_SWEEP_WAIT_S).to.equal(12);
    const rule = nfpcapdActiveRule(300);
    expect(rule.cutByUs(T)).to.equal(T + 312_000_000);
    expect(rule.cutByUs(T + 900_000)).to.equal(T + 312_000_000);
    expect(rule.comparison).to.match(/\(when - t_first\) > 300 s/);
  });

  it('is the rule of every nfpcapd model with an active timeout, at the -e active the setting translates to', () => {
    const model = monitorModel(nfpcapd, parseTimeoutSetting('1h'), true);
    expect(model.activeS).to.equal(3600);
    expect(model.active?.cutByUs(T)).to.equal(T + 3612_000_000);
    expect(monitorModel(nfpcapd, parseTimeoutSetting('default'), true).active?.keepsUntilUs(T)).to.equal(T + 300_999_999);
  });
});
