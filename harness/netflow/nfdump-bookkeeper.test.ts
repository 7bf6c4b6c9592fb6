import { expect } from 'chai';
import { bookkeeperKeys, withStaleBookkeeperHint } from './nfdump-bookkeeper.js';
import { MonitorFailure } from '../monitors/monitor-adapter.js';

describe('nfdump bookkeeper: the stale record of a killed collector, named', () => {
  it('computes the keys nfpcapd 1.7.1 uses for a folder (shmget key seen with strace)', () => {
    expect(bookkeeperKeys('/work/probe-faults/repro/sw/tiny/nfpcapd/default/flows')).to.deep.equal({ shm: '0x5755f67d', sem: '0x9f6ca063' });
  });

  it('a collector refused by another\'s record fails with the keys and the ipcrm command; other failures stay as they are', async () => {
    const stderr = "Another collector with pid 2 is already running, and configured for '/nonexistent/flows'\ninitialize bookkeeper failed.\n";
    const failed = await withStaleBookkeeperHint(new MonitorFailure('nfpcapd failed: exit status 1', 1, undefined, stderr, false), 'nfpcapd', '/nonexistent/flows');
    const keys = bookkeeperKeys('/nonexistent/flows');
    expect(failed).to.be.instanceOf(MonitorFailure);
    expect((failed as MonitorFailure).message).to.equal(
      `nfpcapd failed: exit status 1: nfpcapd's bookkeeping record for /nonexistent/flows (System V shared memory key ${keys.shm}, semaphore key ${keys.sem}) `
      + `names pid 2, which is no collector of this run: a record left by a collector killed earlier (without an IPC namespace of its own, as without root). `
      + `Remove it with \`ipcrm -M ${keys.shm} -S ${keys.sem}\``);
    expect((failed as MonitorFailure).stderrTail).to.equal(stderr);
    const other = new MonitorFailure('nfpcapd failed: exit status 255', 255, undefined, 'cannot open capture', false);
    expect(await withStaleBookkeeperHint(other, 'nfpcapd', '/nonexistent/flows')).to.equal(other);
  });
});
