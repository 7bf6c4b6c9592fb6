import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseRaCsv } from '../../harness/monitors/argus/parser.js';

/**
 * argus parsing speed: 1 M synthetic `ra` CSV lines in the exact field layout the adapter asks for (a Start and
 * nine Status records per flow, one in ten IPv6, a few ICMP), parsed as the raw view (which also links each record
 * to the next of its flow), next to a baseline that only splits the same lines on commas.
 */
const LINES = 1_000_000;
const RUNS = 3;

function syntheticRaCsv(lines: number): string {
  const out: string[] = [];
  const t0 = 1_700_000_000;
  for (let i = 0; i < lines; i += 1) {
    const flow = Math.floor(i / 10);
    const part = i % 10;
    const seconds = t0 + (flow % 3600) + part * 60;
    const micros = String((flow * 7919 + part) % 1_000_000).padStart(6, '0');
    const stime = `${seconds}.${micros}`;
    const ltime = `${seconds + 1}.${micros}`;
    const cause = part === 0 ? 'Start' : 'Status';
    if (flow % 50 === 7) {
      out.push(`${stime},${ltime},1.000000,icmp,192.0.2.${flow % 250},0x0008,  <->,198.51.100.20,0x3412,1,1,2,74,74,148,ECO,${cause}`);
    } else if (flow % 10 === 3) {
      out.push(`${stime},${ltime},1.000000,tcp,2001:db8::${(flow % 65535).toString(16)},${40000 + (flow % 20000)},   ->,2001:db8::20,443,4,2,6,412,356,768,CON,${cause}`);
    } else {
      const src = `10.${(flow >>> 16) & 255}.${(flow >>> 8) & 255}.${flow & 255}`;
      out.push(`${stime},${ltime},1.000000,tcp,${src},${40000 + (flow % 20000)},   ->,198.51.100.20,9000,4,2,6,316,308,624,CON,${cause}`);
    }
  }
  return `${out.join('\n')}\n`;
}

function baselineSplit(text: string): number {
  let fields = 0;
  for (const line of text.split('\n')) if (line) fields += line.split(',').length;
  return fields;
}

function best(run: () => void): number {
  let bestMs = Infinity;
  for (let i = 0; i < RUNS; i += 1) {
    const started = performance.now();
    run();
    bestMs = Math.min(bestMs, performance.now() - started);
  }
  return bestMs;
}

export async function argusParseBench(): Promise<string[]> {
  const text = syntheticRaCsv(LINES);
  let records = 0;
  const heapBefore = process.memoryUsage().heapUsed;
  const parseMs = best(() => { records = parseRaCsv(text, { file: 'bench.csv', view: 'raw' }).length; });
  const heapAfter = process.memoryUsage().heapUsed;
  if (records !== LINES) throw new Error(`parsed ${records} records of ${LINES}`);
  const splitMs = best(() => { baselineSplit(text); });
  const perSecond = Math.round(records / (parseMs / 1000));
  return [
    `  ${LINES.toLocaleString('en-US')} ra CSV lines (${(text.length / 1e6).toFixed(0)} MB), best of ${RUNS}`,
    `  parseRaCsv (raw view): ${parseMs.toFixed(0)} ms, ${perSecond.toLocaleString('en-US')} records/s`,
    `  baseline split on commas: ${splitMs.toFixed(0)} ms; parse / split = ${(parseMs / splitMs).toFixed(2)}`,
    `  heap growth while parsing (approximate): ${Math.round((heapAfter - heapBefore) / 1e6)} MB`,
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  for (const line of await argusParseBench()) console.log(line);
}
