import { expect } from 'chai';
import { missingLiveCapabilities } from './capabilities.js';
import { timingError } from './timing-error.js';

describe('live replay timing error and capabilities', () => {
  it('measures each gap against the schedule, and the accumulated drift', () => {
    const schedule = [0, 1_000_000, 2_000_000, 3_000_000];
    const arrived = [10, 1_000_110, 2_000_310, 3_000_320];
    expect(timingError(schedule, arrived)).to.deep.equal({ packets: 4, medianUs: 100, p99Us: 200, maxUs: 200, driftUs: 310 });
  });

  it('names the capabilities a live run lacks', async () => {
    expect(await missingLiveCapabilities('CapEff:\t000001ffffffffff\n')).to.deep.equal([]);
    expect(await missingLiveCapabilities('CapEff:\t0000000000000000\n')).to.deep.equal(['CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_SYS_ADMIN']);
  });
});
