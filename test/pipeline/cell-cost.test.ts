import { expect } from 'chai';
import type { CommandRecord } from '../../harness/core/results.js';
import { parseTimeoutSetting } from '../../harness/core/timeout-setting.js';
import { cellCost } from '../../harness/pipeline/cell-cost.js';
import { conn, truthOf } from '../comparator/build.js';

function command(over: Partial<CommandRecord>): CommandRecord {
  return { argv: ['x'], cwd: '/', exitCode: 0, startMs: 1000, wallMs: 100, timedOut: false, stderrTail: '', service: false, ...over };
}

describe('cell cost', () => {
  const truth = truthOf([conn({ id: 'a', firstS: 0, lastS: 100 })]);

  it('adds a collector to its exporter, leaves the harness reading output out, and sums CPU', () => {
    const cost = cellCost({
      commands: [
        command({ argv: ['softflowd'], startMs: 1000, wallMs: 300, peakRssKb: 3000, cpuUserMs: 10, cpuSystemMs: 20 }),
        command({ argv: ['nfdump'], startMs: 1400, wallMs: 900, peakRssKb: 90000, cpuUserMs: 500, cpuSystemMs: 0, readsOutput: true }),
        command({ argv: ['nfcapd'], startMs: 900, wallMs: 450, peakRssKb: 2500, cpuUserMs: 0, cpuSystemMs: 10, service: true }),
      ],
      records: 7,
      truth,
      model: { idleS: { tcp: 60 } },
      setting: parseTimeoutSetting('idle=1m,maxflows=10'),
    });
    expect(cost).to.deep.equal({
      wallMs: 450,
      records: 7,
      peakRssKb: 5500,
      cpuMs: 40,
      cpuUserMs: 10,
      cpuSystemMs: 30,
      table: { peakEntries: 1, meanEntries: 1, exact: true, limitEntries: 10 },
    });
  });

  it('leaves CPU unknown when one process was not measured', () => {
    const cost = cellCost({ commands: [command({ peakRssKb: 10 }), command({ cpuUserMs: 1, cpuSystemMs: 1 })], records: 0, truth, model: { idleS: {} }, setting: parseTimeoutSetting('default') });
    expect(cost.cpuMs).to.equal(undefined);
    expect(cost.table).to.equal(undefined);
    expect(cost.peakRssKb).to.equal(10);
  });
});
