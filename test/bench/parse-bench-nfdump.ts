import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNfdumpJson } from '../../harness/netflow/nfdump-json.js';

/**
 * Parses about a million records of `nfdump -o json` (the shape softflowd/pmacct records take through nfcapd,
 * 27 lines each) from a file, through the same streaming reader the adapters use, and reports records per second.
 */
const RECORDS = 1_000_000;

function record(i: number): string {
  const s = 1700000000 + Math.floor(i / 10);
  const t = new Date(s * 1000).toISOString().slice(0, 19);
  const ms = String(i % 1000).padStart(3, '0');
  return `{
\t"type" : "FLOW",
\t"sampled" : 0,
\t"export_sysid" : 1,
\t"first" : "${t}.${ms}",
\t"last" : "${t}.${ms}",
\t"received" : "2026-11-28T23:58:35.296",
\t"in_packets" : ${1 + (i % 50)},
\t"in_bytes" : ${88 + (i % 5000)},
\t"proto" : ${i % 3 === 0 ? 17 : 6},
\t"tcp_flags" : "...AP.S.",
\t"src_port" : ${1024 + (i % 60000)},
\t"dst_port" : 443,
\t"src_tos" : 0,
\t"src4_addr" : "192.0.${(i >> 8) & 255}.${i & 255}",
\t"dst4_addr" : "198.51.100.20",
\t"input_snmp" : 0,
\t"output_snmp" : 0,
\t"src_mask" : 0,
\t"dst_mask" : 0,
\t"src_net" : "",
\t"dst_net" : "",
\t"fwd_status" : 0,
\t"direction" : 0,
\t"dst_tos" : 0,
\t"ip4_router" : "127.0.0.1",
\t"label" : "<none>"
}`;
}

async function writeSample(file: string, count: number): Promise<void> {
  const out = createWriteStream(file);
  const write = (text: string): Promise<void> =>
    new Promise((resolve) => { if (out.write(text)) resolve(); else out.once('drain', () => resolve()); });
  await write('[\n');
  for (let i = 0; i < count; i += 1) await write(`${record(i)}${i + 1 < count ? ',' : ']'}\n`);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

export async function nfdumpParseBench(): Promise<string[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-bench-nfdump-'));
  try {
    const file = path.join(dir, 'nfdump.json');
    await writeSample(file, RECORDS);
    const size = (await stat(file)).size;
    const started = performance.now();
    const records = await readNfdumpJson(file, 'nfdump.json');
    const seconds = (performance.now() - started) / 1000;
    if (records.length !== RECORDS) throw new Error(`parsed ${records.length} records, wrote ${RECORDS}`);
    const rate = Math.round(records.length / seconds);
    return [
      `nfdump JSON: ${records.length.toLocaleString('en-US')} records (${(size / 1e6).toFixed(0)} MB) in ${seconds.toFixed(2)} s: ${rate.toLocaleString('en-US')} records/s`,
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const line of await nfdumpParseBench()) console.log(line);
}
