import { expect } from 'chai';
import { parseTimeoutSweep } from '../core/timeout-setting.js';
import { translateSoftflowdTimeouts } from '../netflow/softflowd-timeouts.js';
import { chooseSpeedup, replayGroups } from './speedup-plan.js';
import type { Translation } from '../monitors/monitor-adapter.js';
import softflowd from '../monitors/softflowd/index.js';
import { effectiveTimeouts } from '../pipeline/monitor-model.js';
import type { TimeoutSetting } from '../core/timeout-setting.js';

const softflowdLike = {
  id: 'softflowd',
  floorS: 2,
  settings: parseTimeoutSweep('default,5m,1h,4h'),
  inForce: (setting: TimeoutSetting) => effectiveTimeouts(softflowd, setting),
  carried: ['tcp', 'udp', 'icmp'] as const,
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
    // 301 s: only K = 1, 7, 43, 301 divide it, and 150 is the floor limit; maxlife, left at its 604800 s, is
    // scaled too and must stay whole: 43 does not divide it, 7 does.
    expect(odd).to.include({ k: 7 });
  });

  it('a setting that leaves a timeout at its default is limited by that default scaled too', () => {
    // tcp=1h leaves udp and icmp at softflowd's 300 s: 300 / 2 s = 150, not 3600 / 2 = 1800.
    expect(chooseSpeedup({ ...softflowdLike, settings: parseTimeoutSweep('tcp=1h') }, 1_000_000)).to.include({ k: 150 });
    // A scenario of TCP connections only: UDP's and ICMP's defaults judge nothing and set no limit, so 3600 / 2 s.
    // maxlife (604800 s), which applies to every flow, is scaled too and 1800 divides it.
    expect(chooseSpeedup({ ...softflowdLike, settings: parseTimeoutSweep('tcp=1h'), carried: ['tcp'] }, 100_000_000)).to.include({ k: 1800 });
  });

  it('refuses an explicit K that breaks the floor, with the reason', () => {
    const refused = chooseSpeedup(softflowdLike, 68_236, 600);
    expect(refused).to.have.property('refused').that.matches(/600, which makes softflowd's default a 0.5 s timeout, below its live floor of 2 s \(the largest speedup for this sweep is 150\)/);
  });

  it('an explicit K is not limited by a setting the tool cannot take at all (an unsupported cell whatever K is)', () => {
    // softflowd takes whole seconds: 1.5s is refused unscaled; it once refused K = 10 for "1.5s divided by 10".
    const input = { ...softflowdLike, settings: parseTimeoutSweep('1.5s,10m') };
    expect(input.translate(parseTimeoutSweep('1.5s')[0] as TimeoutSetting).supported).to.equal(false);
    expect(chooseSpeedup(input, 100_000, 10)).to.include({ k: 10 });
    // The settings it can take still hold K to the floor.
    expect(chooseSpeedup(input, 100_000, 400)).to.have.property('refused').that.match(/^400, which makes softflowd's 10m a 1\.5 s timeout, below its live floor of 2 s/);
  });

  it('automatic K is also bounded by the scenario\'s own timing, and the reason says so', () => {
    // The floor allows 150 and the scenario's length wants more; the scenario's bursts allow 100.
    const choice = chooseSpeedup({ ...softflowdLike, structure: { k: 100, why: 'connection d: bursts 2s apart, each 22ms long' } }, 68_236);
    expect(choice).to.include({ k: 100 });
    expect(choice).to.include({ heldByScenario: true });
    expect(choice).to.have.property('why').that.equals("at most 100 for the scenario's own timing (connection d: bursts 2s apart, each 22ms long); softflowd's live floor of 2 s alone would allow 150");
    // softflowd takes whole seconds: 45 does not divide 300 s, so it steps down, and says so.
    expect(chooseSpeedup({ ...softflowdLike, structure: { k: 45, why: 'connection t' } }, 68_236)).to.have.property('why')
      .that.equals("at most 45 for the scenario's own timing (connection t), 30 in whole values the tool accepts; softflowd's live floor of 2 s alone would allow 150");
    // A monitor with no floor (nDPI) is held to it too: it was accepted at any K.
    const free = chooseSpeedup({ ...softflowdLike, settings: parseTimeoutSweep('default'), inForce: () => ({ idleS: {} }), structure: { k: 45, why: 'connection t' } }, 100_000);
    expect(free).to.include({ k: 45, free: true });
    // Not binding: the floor's reason stays.
    expect(chooseSpeedup({ ...softflowdLike, structure: { k: 1000, why: 'x' } }, 68_236)).to.include({ k: 150 }).and.not.have.property('heldByScenario');
  });

  it('a scaled timeout far below the floor is shown with its digits, not as "a 0 s timeout"', () => {
    const refused = chooseSpeedup({ ...softflowdLike, settings: parseTimeoutSweep('60s') }, 1000, 1_000_000);
    expect(refused).to.have.property('refused').that.matches(/^1000000, which makes softflowd's 60s a 0\.00006 s timeout, below its live floor of 2 s/);
  });

  it('an explicit K says where it was given', () => {
    expect(chooseSpeedup(softflowdLike, 68_236, 30)).to.include({ why: 'given with --speedup' });
    expect(chooseSpeedup(softflowdLike, 68_236, 30, "the suite's speedup: (s.yaml:2:10)")).to.include({ why: "given with the suite's speedup: (s.yaml:2:10)" });
  });

  it('a monitor with no timeout to scale is free; groups are one replay per K', () => {
    expect(chooseSpeedup({ ...softflowdLike, settings: parseTimeoutSweep('default'), inForce: () => ({ idleS: {} }) }, 3000)).to.include({ free: true });
    expect([...replayGroups([{ id: 'a', k: 30 }, { id: 'b', k: 150 }, { id: 'c', k: 30 }])]).to.deep.equal([[150, ['b']], [30, ['a', 'c']]]);
  });
});
