import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO } from '../../../test/support/cli.js';
import { MonitorFailure } from '../monitor-adapter.js';
import { packetsProcessedOf, parseSoftflowctlStatistics } from './statistics.js';

describe('softflowctl statistics (softflowd live)', () => {
  it('reads the flows softflowd evicted because its table was full, from a real report (-m 100, 300 idle connections)', () => {
    const text = readFileSync(path.join(REPO, 'harness/monitors/softflowd/fixtures/softflowctl-statistics-maxflows.txt'), 'utf8');
    const state = parseSoftflowctlStatistics(text, 'softflowctl-statistics.txt');
    expect(state).to.deep.equal({
      source: 'softflowctl-statistics.txt',
      figures: { flowsActiveAtStop: 100, flowsExpired: 921, flowsEvictedTableFull: 921 },
      evictedFlows: 921,
      tableFull: true,
    });
    expect(packetsProcessedOf(text)).to.equal(3620);
  });

  it('says the table never filled when no flow expired for maxflows', () => {
    const text = readFileSync(path.join(REPO, 'harness/monitors/softflowd/fixtures/softflowctl-statistics-maxflows.txt'), 'utf8')
      .replace('Flows expired: 921 (921 forced)', 'Flows expired: 12 (0 forced)')
      .replace(/maxflows =\s+921/, 'maxflows =         0');
    expect(parseSoftflowctlStatistics(text, 's.txt')).to.deep.include({ evictedFlows: 0, tableFull: false });
  });

  it('with no flow expired, softflowd 1.1.0 writes no "Expired flow reasons": nothing was evicted (every such live cell failed)', () => {
    const text = readFileSync(path.join(REPO, 'harness/monitors/softflowd/fixtures/softflowctl-statistics-maxflows.txt'), 'utf8')
      .replace('Flows expired: 921 (921 forced)', 'Flows expired: 0 (0 forced)')
      .replace(/\nExpired flow statistics:[\s\S]*?flushed =\s+0\n/, '\n');
    expect(text).not.to.include('maxflows');
    expect(parseSoftflowctlStatistics(text, 's.txt')).to.deep.include({ evictedFlows: 0, tableFull: false });
    // Flows expired but no reasons to read: still not the report we know.
    expect(() => parseSoftflowctlStatistics(text.replace('Flows expired: 0 (0 forced)', 'Flows expired: 3 (0 forced)'), 's.txt')).to.throw(MonitorFailure, /has no "maxflows =" line/);
  });

  it('fails the cell on a report it cannot read, rather than say nothing was evicted', () => {
    expect(() => parseSoftflowctlStatistics('softflowd[5]: something else\n', 's.txt')).to.throw(MonitorFailure, /has no "Number of active flows" line/);
  });
});
