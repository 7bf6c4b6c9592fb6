import { execa } from 'execa';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readConnLog } from '../../harness/monitors/zeek/parser.js';

/**
 * How fast the Zeek conn.log parser is against what an analyst would type: a ~1 M-line synthetic conn.log, parsed
 * and grouped (sum of durations per originator/responder pair, RITA's long-connection query) by our code, and by
 * `grep | cut | sort | datamash` on the same file in the same run. Prints the times and their ratio.
 */
const LINES = 1_000_000;
const HEADER = [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  '#path\tconn',
  '#open\t2026-11-28-23-40-31',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents',
  '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]',
].join('\n');

/** Deterministic, so every run parses the same file. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function writeSyntheticConnLog(file: string, lines: number): Promise<void> {
  const out = createWriteStream(file);
  const random = lcg(42);
  out.write(`${HEADER}\n`);
  let chunk: string[] = [];
  for (let i = 0; i < lines; i += 1) {
    const ts = 1_700_000_000 + i * 0.05;
    // 2000 internal hosts talking to 50 servers: ~100 000 pairs, the shape of a site's conn.log for a beacon hunt.
    const host = Math.floor(random() * 2000);
    const orig = `10.0.${host >> 8}.${host & 255}`;
    const resp = `198.51.100.${1 + Math.floor(random() * 50)}`;
    const duration = (random() * 600).toFixed(6);
    const tcp = random() < 0.8;
    chunk.push([ts.toFixed(6), `C${i.toString(36)}`, orig, 1024 + Math.floor(random() * 60000), resp, tcp ? 443 : 53, tcp ? 'tcp' : 'udp', '-',
      duration, 100, 200, tcp ? 'SF' : 'S0', 'T', 'F', 0, tcp ? 'ShADadFf' : 'D', 4, 260, 2, 280, '-'].join('\t'));
    if (chunk.length === 10_000) {
      if (!out.write(`${chunk.join('\n')}\n`)) await new Promise<void>((r) => out.once("drain", () => r()));
      chunk = [];
    }
  }
  if (chunk.length > 0) out.write(`${chunk.join('\n')}\n`);
  out.write('#close\t2026-11-28-23-40-31\n');
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

export async function zeekParseBench(): Promise<string[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-bench-zeek-'));
  const file = path.join(dir, 'conn.log');
  try {
    await writeSyntheticConnLog(file, LINES);
    const size = (await stat(file)).size;

    const oursStart = performance.now();
    const records = await readConnLog(file);
    const parsedMs = performance.now() - oursStart;
    const sums = new Map<string, number>();
    for (const r of records) {
      const key = `${r.origAddr}\t${r.respAddr}`;
      sums.set(key, (sums.get(key) ?? 0) + r.durationUs);
    }
    const oursMs = performance.now() - oursStart;

    const shellStart = performance.now();
    const pipeline = await execa(`grep -v '^#' '${file}' | cut -f 3,5,9 | sort | datamash -g 1,2 sum 3`, { shell: true, maxBuffer: 1024 * 1024 * 1024 });
    const shellMs = performance.now() - shellStart;
    const shellGroups = pipeline.stdout.trim().split('\n').length;

    const lines = [
      `zeek conn.log parse+group: ${LINES.toLocaleString('en')} lines, ${(size / 1e6).toFixed(0)} MB`,
      `  ours (readConnLog + Map sum): ${oursMs.toFixed(0)} ms (parse ${parsedMs.toFixed(0)} ms), ${records.length} records, ${sums.size} pairs`,
      `  grep | cut | sort | datamash: ${shellMs.toFixed(0)} ms, ${shellGroups} pairs`,
      `  ratio pipeline/ours: ${(shellMs / oursMs).toFixed(2)}x (target: ours faster, ratio > 1) -> ${oursMs < shellMs ? 'met' : 'NOT met'}`,
    ];
    if (shellGroups !== sums.size) lines.push(`  WARNING: the two disagree on the number of pairs (${shellGroups} vs ${sums.size})`);
    return lines;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const line of await zeekParseBench()) console.log(line);
}
