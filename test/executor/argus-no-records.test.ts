import { expect } from 'chai';
import path from 'node:path';
import argus from '../../harness/monitors/argus/index.js';
import { runAdapterForTest } from '../support/run-adapter.js';
import { REPO } from '../support/cli.js';

/**
 * argus that reads nothing of a capture writes only its management records, and ra (filtering them out) exits 1
 * saying nothing: the cell's reason was "ra failed: exit status 1", blaming ra, with argus's own words elsewhere.
 */
describe('argus that wrote no flow records (real argus and ra)', function () {
  this.timeout(120_000);

  it('a Linux SLL2 capture argus cannot read: the reason is argus\'s "unsupported device type 276", not "ra failed"', async function () {
    const run = await runAdapterForTest(argus, path.join(REPO, 'test/fixtures/captures/sll2.pcap'), 'default');
    if ('missing' in run) this.skip();
    expect(run.outcome.ok).to.equal(false);
    if (run.outcome.ok) return;
    expect(run.outcome.reason).to.match(/^argus wrote no flow records \(ra found none in out\.argus\)\n--- stderr \(tail\) ---\n.*unsupported device type 276/);
    expect(run.outcome.reason).not.to.include('ra failed');
  });

  it('a capture argus reads is listed as before', async function () {
    const run = await runAdapterForTest(argus, path.join(REPO, 'test/fixtures/captures/base.pcap'), 'default');
    if ('missing' in run) this.skip();
    expect(run.outcome.ok, run.outcome.ok ? '' : run.outcome.reason).to.equal(true);
  });
});
