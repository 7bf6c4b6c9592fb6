import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CellScoring, DEFAULT_COMPARE_OPTIONS } from '../../harness/comparator/compare-cell.js';
import { TRUTH_SCHEMA_VERSION, type GroundTruth, type TruthConnection } from '../../harness/core/ground-truth.js';
import { FlowRecordTable, type FlowRecordList } from '../../harness/core/flow-record-table.js';
import { parseTimeoutSetting } from '../../harness/core/timeout-setting.js';
import { TruthTable } from '../../harness/core/truth-table.js';
import { writeFileAtomic } from '../../harness/io/atomic-write.js';
import { jsonLines } from '../../harness/io/json-lines.js';
import zeek from '../../harness/monitors/zeek/index.js';
import { readConnLogTable } from '../../harness/monitors/zeek/parser.js';
import { cellModel, type CellModelSource } from '../../harness/pipeline/monitor-model.js';
import { nextWorkerShare, scoreCell, startCellScoring } from '../../harness/pipeline/parallel-scoring.js';

/**
 * A large cell is scored by two threads (the second half of its connections by a kept score worker reading the
 * same memory). What a reader gets must be what one thread makes, byte for byte: the scores file, the aggregate
 * (its mean coverage to the last bit), the worst scores kept, the distribution, the wholeness and the verdict. The
 * cell here has every kind of connection in both halves: whole, split, missed, flipped, partly covered, background.
 */
const CONNECTIONS = 4000;
const T0_US = 1_700_000_000_000_000;
const WORST_KEPT = 25;

function truthOf(): GroundTruth {
  const table = new TruthTable(CONNECTIONS);
  const connections: TruthConnection[] = [];
  for (let i = 0; i < CONNECTIONS; i += 1) {
    const udp = i % 5 === 0;
    const firstUs = T0_US + i * 1_000_000;
    const durationUs = (600 + ((i * 37) % 7200)) * 1_000_000;
    const gap = i % 3 === 0;
    const gapStartUs = firstUs + Math.floor(durationUs / 2);
    const quietPeriods = gap ? [{ startUs: gapStartUs, endUs: gapStartUs + 400_000_000, lengthUs: 400_000_000 }] : [];
    // Some connections reuse the previous one's tuple (sharesTuple), so that a record can hold both (merged).
    const owner = sharesTuple(i) ? i - 1 : i;
    connections.push(table.push({
      id: `beacon#${i}`, protocol: udp ? 'udp' : 'tcp', ipVersion: 4,
      client: { addr: `10.1.${owner >> 8}.${owner & 255}`, port: 20000 + (owner % 30000) }, server: { addr: `198.51.100.${1 + (owner % 40)}`, port: udp ? 53 : 443 },
      firstUs, lastUs: firstUs + durationUs, durationUs,
      clientPkts: 10, clientIpBytes: 1000, clientPayloadBytes: 600, serverPkts: 10, serverIpBytes: 2000, serverPayloadBytes: 1600,
      open: udp ? 'none' : 'handshake', close: udp ? 'none' : 'fin', firstSender: 'client', quietPeriods, longestGapUs: gap ? 400_000_000 : 20_000_000,
      background: i < 3,
    }));
  }
  return {
    schemaVersion: TRUTH_SCHEMA_VERSION, generator: 'parallel-scoring.test', scenario: { name: 'mixed', description: 'every kind of score', file: 'none', seed: 0 },
    pcap: { file: 'none', sha256: '', linkType: 'ethernet', timestampResolution: 'us', firstUs: T0_US, lastUs: T0_US + (CONNECTIONS + 8000) * 1_000_000, spanUs: (CONNECTIONS + 8000) * 1_000_000, packets: 0, frameBytes: 0 },
    quietThresholdUs: 30_000_000,
    connections,
  };
}

/** Connection i has connection i - 1's tuple (both TCP, the same server). */
function sharesTuple(i: number): boolean {
  return i % 11 === 10 && i % 5 !== 0 && (i - 1) % 5 !== 0;
}

const FIELDS = 'ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents';

/** Records of connection i, by kind (i % 7): whole, split in two, none, flipped, three pieces, 30 % of it, whole. */
function connLog(truth: GroundTruth): string {
  const lines: string[] = [];
  const line = (c: TruthConnection, fromUs: number, toUs: number, flipped: boolean): void => {
    const [orig, resp] = flipped ? [c.server, c.client] : [c.client, c.server];
    lines.push([(fromUs / 1e6).toFixed(6), `C${lines.length}`, orig.addr, orig.port, resp.addr, resp.port, c.protocol, '-', ((toUs - fromUs) / 1e6).toFixed(6),
      600, 1600, 'SF', 'T', 'F', 0, 'ShADadFf', 5, 500, 5, 1000, '-'].join('\t'));
  };
  truth.connections.forEach((c, i) => {
    const third = Math.floor(c.durationUs / 3);
    switch (i % 7) {
      case 1: line(c, c.firstUs, c.firstUs + third, false); line(c, c.firstUs + 2 * third, c.lastUs, false); break;
      case 2: break;
      case 3: line(c, c.firstUs, c.lastUs, true); break;
      case 4: for (let k = 0; k < 3; k += 1) line(c, c.firstUs + k * third, c.firstUs + (k + 1) * third - 1000, k === 1); break;
      case 5: line(c, c.firstUs, c.firstUs + Math.floor(c.durationUs * 0.3), false); break;
      default: line(c, c.firstUs, c.lastUs, false);
    }
  });
  // A record over both connections of a shared tuple, with more packets than either has: it merges them.
  truth.connections.forEach((c, i) => {
    if (!sharesTuple(i)) return;
    const before = truth.connections[i - 1] as TruthConnection;
    lines.push([(before.firstUs / 1e6).toFixed(6), `M${i}`, c.client.addr, c.client.port, c.server.addr, c.server.port, 'tcp', '-', ((Math.max(before.lastUs, c.lastUs) - before.firstUs) / 1e6).toFixed(6),
      600, 1600, 'SF', 'T', 'F', 0, 'ShADadFf', 30, 3000, 30, 6000, '-'].join('\t'));
  });
  for (let k = 0; k < 50; k += 1) lines.push([(T0_US / 1e6 + k).toFixed(6), `S${k}`, '192.0.2.1', 1000 + k, '192.0.2.2', 80, 'tcp', '-', '1.000000', 1, 1, 'SF', 'T', 'F', 0, 'Sh', 1, 40, 1, 40, '-'].join('\t'));
  // Not in truth order, as a conn.log is not: the match groups each connection's rows from anywhere in the table.
  const shuffled = lines.map((text, i) => ({ text, key: (i * 2654435761) % 4294967296 })).sort((a, b) => a.key - b.key).map((l) => l.text);
  return `#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#fields\t${FIELDS}\n${shuffled.join('\n')}\n`;
}

const SOURCE: CellModelSource = { monitor: zeek.id, setting: parseTimeoutSetting('default'), honoursTimeoutsOffline: true };

/** What a reader of the cell gets: its scores file and everything its fold says. */
async function outcomeOf(scoring: CellScoring, file: string): Promise<unknown> {
  return {
    lines: await readFile(file, 'utf8'), aggregate: scoring.aggregate(), verdict: scoring.verdict(), kept: scoring.fold.kept(),
    distribution: scoring.fold.distribution(), wholeness: scoring.fold.wholeness(), spurious: scoring.spurious(Infinity),
  };
}

describe('scoreCell: a large cell scored by two threads gives what one thread gives', function () {
  this.timeout(120_000);
  let dir: string;
  let truth: GroundTruth;
  let logFile: string;
  let oneThread: unknown;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'harness-parallel-scoring-'));
    truth = truthOf();
    logFile = path.join(dir, 'conn.log');
    await writeFile(logFile, connLog(truth));
    const scoring = new CellScoring(truth, await readConnLogTable(logFile), cellModel(zeek, SOURCE), DEFAULT_COMPARE_OPTIONS, WORST_KEPT);
    await writeFileAtomic(path.join(dir, 'one.jsonl'), jsonLines(scoring.scores()));
    oneThread = await outcomeOf(scoring, path.join(dir, 'one.jsonl'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  const scored = async (records: FlowRecordList, source: CellModelSource, name: string, minConnections = 0): Promise<{ by: unknown; outcome: unknown }> => {
    const scoring = new CellScoring(truth, records, cellModel(zeek, SOURCE), DEFAULT_COMPARE_OPTIONS, WORST_KEPT);
    const by = await scoreCell(scoring, source, path.join(dir, name), minConnections);
    return { by, outcome: await outcomeOf(scoring, path.join(dir, name)) };
  };

  it('the cell really has every kind of score (else the comparison below proves little)', () => {
    const { aggregate, kept } = oneThread as { aggregate: Record<string, number>; kept: unknown[] };
    expect(aggregate).to.include({ connections: CONNECTIONS - 3, spurious: 50 });
    expect(aggregate.accurate).to.be.above(500);
    expect(aggregate.fragmented).to.be.above(500);
    expect(aggregate.missed).to.be.above(500);
    expect(kept).to.have.length(WORST_KEPT + 3);
    const lines = (oneThread as { lines: string }).lines.split('\n');
    expect(lines.filter((l) => l.includes('"mergedWith"')).length, 'connections merged by a record').to.be.above(40);
  });

  it('two threads: the same scores file byte for byte, aggregate, worst kept, distribution, wholeness and verdict', async () => {
    const { by, outcome } = await scored(await readConnLogTable(logFile), SOURCE, 'two.jsonl');
    expect(by).to.deep.equal({ threads: 2 });
    expect(outcome).to.deep.equal(oneThread);
    // Its second thread's lines went through a file of their own, which is gone.
    expect((await readdir(dir)).filter((f) => f.endsWith('.part') || f.endsWith('.tmp'))).to.deep.equal([]);
  });

  it('a score worker that fails: this thread scores its half too, with the same result, and says why', async () => {
    // A cell model the worker cannot make again (no such monitor): its range fails before any score.
    const { by, outcome } = await scored(await readConnLogTable(logFile), { ...SOURCE, monitor: 'no-such-monitor' }, 'fallback.jsonl');
    expect(by).to.include({ threads: 1, workerFailed: true });
    expect((by as { why: string }).why).to.match(/score worker failed \(.*no monitor adapter no-such-monitor/);
    expect(outcome).to.deep.equal(oneThread);
    expect((await readdir(dir)).filter((f) => f.endsWith('.part'))).to.deep.equal([]);
  });

  it('records that are not columns in shared memory, or a small cell: one thread, and why', async () => {
    const table = await readConnLogTable(logFile);
    const records = Array.from(table);
    const { by, outcome } = await scored(records, SOURCE, 'array.jsonl');
    expect(by).to.deep.equal({ threads: 1, why: 'its truth or records are not in shared columns', workerFailed: false });
    expect(outcome).to.deep.equal(oneThread);
    const small = await scored(await readConnLogTable(logFile), SOURCE, 'small.jsonl', CONNECTIONS + 1);
    expect(small.by).to.deep.equal({ threads: 1, why: `${CONNECTIONS} connections, fewer than ${CONNECTIONS + 1}`, workerFailed: false });
    expect(small.outcome).to.deep.equal(oneThread);
  });

  it('matched by two threads (the worker matches the second half of the rows): the same cell, scored by one or two', async () => {
    const { scoring, note } = await startCellScoring(truth, await readConnLogTable(logFile), cellModel(zeek, SOURCE), DEFAULT_COMPARE_OPTIONS, WORST_KEPT, 0);
    expect(note).to.equal(undefined);
    expect(await scoreCell(scoring, SOURCE, path.join(dir, 'matched-two.jsonl'), CONNECTIONS + 1)).to.include({ threads: 1 });
    expect(await outcomeOf(scoring, path.join(dir, 'matched-two.jsonl'))).to.deep.equal(oneThread);
    const both = await startCellScoring(truth, await readConnLogTable(logFile), cellModel(zeek, SOURCE), DEFAULT_COMPARE_OPTIONS, WORST_KEPT, 0);
    expect(await scoreCell(both.scoring, SOURCE, path.join(dir, 'matched-scored-two.jsonl'), 0)).to.deep.equal({ threads: 2 });
    expect(await outcomeOf(both.scoring, path.join(dir, 'matched-scored-two.jsonl'))).to.deep.equal(oneThread);
  });

  it('a match elsewhere that fails: this thread matches that half too, the same cell, and says so', async () => {
    const failing = async (): Promise<never> => { throw new Error('worker gone'); };
    const table = await readConnLogTable(logFile);
    const inTwo = await CellScoring.matchedInTwo(truth, table, cellModel(zeek, SOURCE), DEFAULT_COMPARE_OPTIONS, WORST_KEPT, failing);
    expect(inTwo?.elsewhereFailed?.message).to.equal('worker gone');
    await writeFileAtomic(path.join(dir, 'match-fallback.jsonl'), jsonLines((inTwo as { scoring: CellScoring }).scoring.scores()));
    expect(await outcomeOf((inTwo as { scoring: CellScoring }).scoring, path.join(dir, 'match-fallback.jsonl'))).to.deep.equal(oneThread);
    // Records not in shared memory (pushed one by one) cannot be handed over: no split, and startCellScoring matches them here.
    const pushed = new FlowRecordTable();
    for (const record of table) pushed.push(record);
    expect(await CellScoring.matchedInTwo(truth, pushed, cellModel(zeek, SOURCE), DEFAULT_COMPARE_OPTIONS, WORST_KEPT, failing)).to.equal(undefined);
  });

  it('without a scores file: only the fold, the same as one thread folds', async () => {
    const scoring = new CellScoring(truth, await readConnLogTable(logFile), cellModel(zeek, SOURCE), DEFAULT_COMPARE_OPTIONS, WORST_KEPT);
    expect(await scoreCell(scoring, SOURCE, undefined, 0)).to.deep.equal({ threads: 2 });
    const { lines: _lines, ...folded } = oneThread as Record<string, unknown>;
    expect({ aggregate: scoring.aggregate(), verdict: scoring.verdict(), kept: scoring.fold.kept(), distribution: scoring.fold.distribution(), wholeness: scoring.fold.wholeness(), spurious: scoring.spurious(Infinity) }).to.deep.equal(folded);
  });
});

describe('the split of a two-thread cell follows what the last one measured', () => {
  it('moves a third of the way toward the share at which both threads finish together, within 0.3 .. 0.7', () => {
    // Equal speeds: half each.
    expect(nextWorkerShare(0.5, 500, 100, 500, 100)).to.equal(0.5);
    // A worker half as fast per connection: both finish together at a third; a third of the way from a half is 4/9.
    expect(nextWorkerShare(0.5, 500, 100, 500, 200)).to.be.closeTo(4 / 9, 1e-12);
    // A worker twice as fast (this thread also takes in the worker's results): 2/3, a third of the way 5/9.
    expect(nextWorkerShare(0.5, 500, 200, 500, 100)).to.be.closeTo(5 / 9, 1e-12);
    // Repeated, it settles at the balance point.
    let share = 0.5;
    for (let cell = 0; cell < 40; cell += 1) {
      const workerConnections = Math.round(1000 * share);
      share = nextWorkerShare(share, 1000 - workerConnections, (1000 - workerConnections) * 1, workerConnections, workerConnections * 1.5);
    }
    expect(share).to.be.closeTo(0.4, 0.002);
    // Never below 0.3 however slow the worker, never above 0.7 however fast.
    expect(nextWorkerShare(0.3, 500, 10, 500, 10_000)).to.equal(0.3);
    expect(nextWorkerShare(0.7, 500, 1000, 500, 1)).to.equal(0.7);
    // A measurement that says nothing (no time, no connections) leaves the split as it was.
    expect(nextWorkerShare(0.42, 500, 0, 500, 100)).to.equal(0.42);
    expect(nextWorkerShare(0.42, 500, 100, 0, 100)).to.equal(0.42);
    expect(nextWorkerShare(0.42, 500, Number.NaN, 500, 100)).to.equal(0.42);
  });
});
