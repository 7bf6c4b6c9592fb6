import { expect } from 'chai';
import { access, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { which } from '../../executor/which.js';
import { buildOrderedShutdownShim, needsOrderedShutdown } from './live.js';

describe('argus live: ordered shutdown', () => {
  it('is applied to the argus versions that shut down from their capture thread (3.0.8.3 and below) and to an unreadable version', () => {
    expect(needsOrderedShutdown('3.0.8.2')).to.equal(true);
    expect(needsOrderedShutdown('3.0.8.3')).to.equal(true);
    expect(needsOrderedShutdown('3.0.6')).to.equal(true);
    expect(needsOrderedShutdown('unreadable (timed out)')).to.equal(true);
    expect(needsOrderedShutdown('3.0.8.4')).to.equal(false);
    expect(needsOrderedShutdown('5.0.2')).to.equal(false);
  });

  it('compiles the shim from its C source beside the adapter (found from dist/ too) into the cell folder', async function () {
    if (!(await which('cc'))) this.skip();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'argus-shim-'));
    try {
      const env = await buildOrderedShutdownShim(dir);
      expect(env.LD_PRELOAD).to.equal(path.join(dir, 'ordered-shutdown.so'));
      await access(env.LD_PRELOAD as string);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
