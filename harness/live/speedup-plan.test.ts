import { expect } from 'chai';
import { parseTimeoutSweep } from '../core/timeout-setting.js';
import { translateSoftflowdTimeouts } from '../netflow/softflowd-timeouts.js';
import { chooseSpeedup, replayGroups } from './speedup-plan.js';
import type { Translation } from '../monitors/monitor-adapter.js';

const softflowdLike = {
  id: 'softflowd',
  floorS: 2,
  settings: parseTimeoutSweep('default,5m,1h,4h'),
  defaults: { idleS: { tcp: 3600, udp: 300, icmp: 300 }, activeS: 604800 },
  translate: (s: Parameters<typeof translateSoftflowdTimeouts>[0]): Translation => translateSoftflowdTimeouts(s, 'softflowd'),
};

describe('live speedup plan', () => {
  it('picks the largest K that keeps the smallest scaled timeout at the floor, in whole seconds the tool takes', () => {
    // burst-20min: 68,236 s. 5 m / 2 s = 150, and 300/150, 3600/150, 14400/150 are whole.
    const choice = chooseSpeedup(softflowdLike, 68_236);
    expect(choice).to.include({ k: 150, free: false });
  });

  it('is not faster than needed for a short scenario', () => {
    expect(chooseSpeedup(softflowdLike, 600)).to.include({ k: 2 });
  });

  it('steps down to a K whose scaled timeouts the tool accepts', () => {
    const choice = chooseSpeedup({ ...softflowdLike, settings: parseTimeoutSweep('7m') }, 100_000);
    // 420/2 = 210 is the floor limit; 420/210 = 2 is whole.
    expect(choice).to.include({ k: 210 });
    const odd = chooseSpeedup({ ...softflowdLike, settings: parseTimeoutSweep('301s') }, 100_000);
    // 301 s: only K = 1, 7, 43, 301 divide it; 150 is the floor limit, so 43.
    expect(odd).to.include({ k: 43 });
  });

  it('refuses an explicit K that breaks the floor, with the reason', () => {
    const refused = chooseSpeedup(softflowdLike, 68_236, 600);
    expect(refused).to.have.property('refused').that.matches(/600, which makes softflowd's default a 0.5 s timeout, below its live floor of 2 s \(the largest speedup for this sweep is 150\)/);
  });

  it('a monitor with no timeout to scale is free; groups are one replay per K', () => {
    expect(chooseSpeedup({ ...softflowdLike, settings: parseTimeoutSweep('default'), defaults: { idleS: {} } }, 3000)).to.include({ free: true });
    expect([...replayGroups([{ id: 'a', k: 30 }, { id: 'b', k: 150 }, { id: 'c', k: 30 }])]).to.deep.equal([[150, ['b']], [30, ['a', 'c']]]);
  });
});
