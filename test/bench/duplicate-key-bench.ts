import { duplicateKeyProblem, firstJsonProblem } from '../../harness/core/json-position.js';

/**
 * The check for a key given twice runs on every truth.json read whole (up to 64 MB) and every results.json: its cost
 * beside JSON.parse of the same text, on a synthetic truth of ~60 MB shaped as harness generate writes one
 * (JSON.stringify(truth, null, 2), ~810 bytes a connection). firstJsonProblem(text, true), the walk that only locates
 * the key once the counts differ, is printed too: it is what a check without the counting would cost.
 */
const CONNECTIONS = 74_000;

function syntheticTruth(): string {
  const connections = Array.from({ length: CONNECTIONS }, (_, i) => ({
    id: `s#${i}`, protocol: 'tcp', ipVersion: 4,
    client: { addr: `10.0.${(i >> 8) & 255}.${1 + (i & 127)}`, port: 20000 + (i % 50) }, server: { addr: '198.51.100.80', port: 443 },
    firstUs: 1700000000000000 + i * 2000, lastUs: 1700001200065000 + i * 2000, durationUs: 1200065000,
    clientPkts: 8, clientIpBytes: 484, clientPayloadBytes: 160, serverPkts: 4, serverIpBytes: 484, serverPayloadBytes: 320,
    open: 'handshake', close: 'fin', firstSender: 'client',
    quietPeriods: [{ startUs: 1700000000043000 + i * 2000, endUs: 1700001200022000 + i * 2000, lengthUs: 1199979000 }],
    longestGapUs: 1199979000, background: false,
  }));
  return `${JSON.stringify({ schemaVersion: 1, generator: 'harness-generator/1', pcap: { file: 'bench.pcap' }, connections }, null, 2)}\n`;
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
}

function timed(run: () => unknown): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

export async function duplicateKeyBench(): Promise<string[]> {
  const text = syntheticTruth();
  const parse: number[] = [];
  const counted: number[] = [];
  const walked: number[] = [];
  for (let round = 0; round < 5; round += 1) {
    let value: unknown;
    parse.push(timed(() => { value = JSON.parse(text); }));
    counted.push(timed(() => { if (duplicateKeyProblem(text, value) !== undefined) throw new Error('a duplicate in the bench truth'); }));
    if (round < 3) walked.push(timed(() => firstJsonProblem(text, true)));
  }
  const p = median(parse);
  return [
    `  truth of ${(text.length / 1e6).toFixed(0)} MB (${CONNECTIONS} connections), medians of 5 (walk: of 3)`,
    `  JSON.parse                       ${p.toFixed(0).padStart(6)} ms`,
    `  duplicateKeyProblem (counting)   ${median(counted).toFixed(0).padStart(6)} ms  (${(median(counted) / p).toFixed(2)} x parse)`,
    `  firstJsonProblem(text, true)     ${median(walked).toFixed(0).padStart(6)} ms  (${(median(walked) / p).toFixed(2)} x parse)`,
  ];
}
