import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { compareCell, DEFAULT_COMPARE_OPTIONS } from '../../harness/comparator/compare-cell.js';
import type { MonitorModel } from '../../harness/comparator/monitor-model.js';
import type { FlowRecord } from '../../harness/core/flow-record.js';
import { FlowRecordTable } from '../../harness/core/flow-record-table.js';
import type { GroundTruth, TruthConnection } from '../../harness/core/ground-truth.js';
import { TRUTH_SCHEMA_VERSION } from '../../harness/core/ground-truth.js';

/**
 * Scoring cost: match and score 1 M synthetic records (10 fragments each, every third flipped) against 100 k truth
 * connections, in time and memory, next to the cost of merely parsing the same records from Zeek TSV text with a
 * plain split-based parser. The goal is that scoring adds less than parsing costs.
 *
 * Scored as the harness scores a cell: from a FlowRecordTable, which is what every parser of a cell hands over
 * (Zeek's, tshark's and argus's, and nfdump's for the NetFlow exporters). An array of FlowRecords, which `harness
 * score` passes (an adapter's parseLog returns one) and the tests, is timed too, for comparison, and not judged.
 */
const CONNECTIONS = 100_000;
const PER_CONNECTION = 10;
const T0 = 1_700_000_000_000_000;
const STEP_US = 1_000_000_000; // 1000 s between fragments
const FRAGMENT_US = 20_000;

function address(i: number): string {
  return `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
}

export function syntheticTruth(connections = CONNECTIONS): GroundTruth {
  const list: TruthConnection[] = [];
  for (let i = 0; i < connections; i += 1) {
    const firstUs = T0 + (i % 1000) * 1_000_000;
    const lastUs = firstUs + (PER_CONNECTION - 1) * STEP_US + FRAGMENT_US;
    list.push({
      id: `c${i}`,
      protocol: i % 4 === 0 ? 'udp' : 'tcp',
      ipVersion: 4,
      client: { addr: address(i), port: 40000 + (i % 20000) },
      server: { addr: `198.51.100.${i % 250}`, port: 443 },
      firstUs,
      lastUs,
      durationUs: lastUs - firstUs,
      clientPkts: 2 * PER_CONNECTION,
      clientIpBytes: 200 * PER_CONNECTION,
      clientPayloadBytes: 100 * PER_CONNECTION,
      serverPkts: PER_CONNECTION,
      serverIpBytes: 300 * PER_CONNECTION,
      serverPayloadBytes: 200 * PER_CONNECTION,
      open: 'midstream',
      close: 'none',
      firstSender: 'client',
      quietPeriods: Array.from({ length: PER_CONNECTION - 1 }, (_, k) => {
        const startUs = firstUs + k * STEP_US + FRAGMENT_US;
        const endUs = firstUs + (k + 1) * STEP_US;
        return { startUs, endUs, lengthUs: endUs - startUs };
      }),
      longestGapUs: STEP_US - FRAGMENT_US,
      background: false,
    });
  }
  return {
    schemaVersion: TRUTH_SCHEMA_VERSION,
    generator: 'score-bench',
    scenario: { name: 'bench', description: 'synthetic', file: 'bench', seed: 1 },
    pcap: { file: 'none', sha256: '', linkType: 'ethernet', timestampResolution: 'us', firstUs: T0, lastUs: T0, spanUs: 0, packets: 0, frameBytes: 0 },
    quietThresholdUs: 60_000_000,
    connections: list,
  };
}

/** Zeek conn.log rows for every fragment, in time order as Zeek would write them. */
export function zeekText(truth: GroundTruth): string {
  const rows: string[] = [];
  const fields = 'ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents';
  rows.push('#separator \\x09', '#unset_field\t-', `#fields\t${fields}`);
  for (let k = 0; k < PER_CONNECTION; k += 1) {
    truth.connections.forEach((c, i) => {
      const flip = (i + k) % 3 === 0;
      const [oh, op, rh, rp] = flip ? [c.server.addr, c.server.port, c.client.addr, c.client.port] : [c.client.addr, c.client.port, c.server.addr, c.server.port];
      const ts = ((c.firstUs + k * STEP_US) / 1e6).toFixed(6);
      const [opk, ob, rpk, rb] = flip ? [1, 300, 2, 200] : [2, 200, 1, 300];
      rows.push(`${ts}\tC${i}x${k}\t${oh}\t${op}\t${rh}\t${rp}\t${c.protocol}\t-\t0.020000\t100\t200\tOTH\tT\tT\t0\tDdA\t${opk}\t${ob}\t${rpk}\t${rb}\t-`);
    });
  }
  return `${rows.join('\n')}\n`;
}

/** The straightforward parser a user would write: split lines, split tabs, build records. */
export function parseZeekSimple(text: string): FlowRecord[] {
  const out: FlowRecord[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n += 1) {
    const line = lines[n] as string;
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split('\t');
    const firstUs = Math.round(Number(f[0]) * 1e6);
    const durationUs = f[8] === '-' ? 0 : Math.round(Number(f[8]) * 1e6);
    out.push({
      protocol: f[6] as FlowRecord['protocol'],
      origAddr: f[2] as string,
      origPort: Number(f[3]),
      respAddr: f[4] as string,
      respPort: Number(f[5]),
      firstUs,
      lastUs: firstUs + durationUs,
      durationUs,
      origPkts: Number(f[16]),
      respPkts: Number(f[18]),
      origBytes: Number(f[17]),
      respBytes: Number(f[19]),
      bytesKind: 'ip',
      direction: 'bi',
      state: f[11] as string,
      history: f[15] as string,
      sourceFile: 'conn.log',
      sourceLine: n + 1,
    });
  }
  return out;
}

const model: MonitorModel = { idleS: { tcp: 300, udp: 60 }, granularityS: 0, honoursTimeoutsOffline: true };

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect) collect();
}

export async function scoreBench(): Promise<string[]> {
  const truth = syntheticTruth();
  const text = zeekText(truth);
  const records = parseZeekSimple(text);
  const lines: string[] = [`  ${records.length.toLocaleString('en')} records, ${truth.connections.length.toLocaleString('en')} truth connections, ${mb(text.length)} of TSV`];

  const table = new FlowRecordTable();
  for (const record of records) table.push(record);

  // One checked run first, of the table as a cell is scored: a benchmark of a comparator that scores wrongly
  // measures nothing.
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const result = compareCell(truth, table, model, DEFAULT_COMPARE_OPTIONS);
  const peak = process.memoryUsage();
  gc();
  const memory = process.memoryUsage();
  const wrong = result.scores.filter((s) => s.fragments !== PER_CONNECTION || s.packets.ok !== true).length;
  if (result.spurious.length > 0 || wrong > 0) throw new Error(`score-bench: ${result.spurious.length} spurious, ${wrong} connections scored wrongly`);
  lines.push(
    `  memory: heap +${mb(peak.heapUsed - heapBefore)} right after scoring, +${mb(memory.heapUsed - heapBefore)} live in the result; RSS ${mb(peak.rss)}` +
      ((globalThis as { gc?: unknown }).gc ? '' : ' (run with --expose-gc for a clean heap delta)'),
  );
  const fromArray = compareCell({ ...truth }, records, model, DEFAULT_COMPARE_OPTIONS);
  const differing = fromArray.scores.findIndex((score, i) => JSON.stringify(score) !== JSON.stringify(result.scores[i]));
  if (fromArray.scores.length !== result.scores.length || differing >= 0) throw new Error(`score-bench: the table and the array scored connection ${differing} differently`);

  const bench = new Bench({ iterations: 3, time: 0, warmupIterations: 1, warmupTime: 0 });
  bench.add('parse 1 M Zeek TSV rows (split-based)', () => {
    parseZeekSimple(text);
  });
  // A fresh truth object per run: compareCell keeps its match index per truth, and this measures one whole cell.
  bench.add('match + score 1 M records from a record table (as a cell)', () => {
    compareCell({ ...truth }, table, model, DEFAULT_COMPARE_OPTIONS);
  });
  bench.add('match + score 1 M records from an array of FlowRecords (not judged)', () => {
    compareCell({ ...truth }, records, model, DEFAULT_COMPARE_OPTIONS);
  });
  await bench.run();
  const means: number[] = [];
  for (const task of bench.tasks) {
    const r = task.result;
    if (r.state !== 'completed') throw new Error(`score-bench: ${task.name} ${r.state}`);
    means.push(r.latency.mean);
    lines.push(`  ${task.name}: ${r.latency.mean.toFixed(0)} ms mean over ${r.latency.samplesCount} runs`);
  }
  const [parseMs, scoreMs, arrayMs] = means as [number, number, number];
  // CPU time as well: on a shared, busy machine wall time mostly measures the neighbours.
  const cpuMs = (f: () => unknown): number => {
    const start = process.cpuUsage();
    f();
    const d = process.cpuUsage(start);
    return (d.user + d.system) / 1000;
  };
  const parseCpu = cpuMs(() => parseZeekSimple(text));
  const scoreCpu = cpuMs(() => compareCell({ ...truth }, table, model, DEFAULT_COMPARE_OPTIONS));
  lines.push(`  CPU time of one run: parse ${parseCpu.toFixed(0)} ms, score from the table ${scoreCpu.toFixed(0)} ms (ratio ${(scoreCpu / parseCpu).toFixed(2)})`);
  const ratio = scoreMs / parseMs;
  lines.push(`  scoring / parsing = ${ratio.toFixed(2)} (target < 1: scoring adds less than parsing costs) ${ratio < 1 ? 'MET' : 'NOT MET'}; from an array of FlowRecords ${(arrayMs / parseMs).toFixed(2)}`);
  return lines;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const line of await scoreBench()) console.log(line);
}
