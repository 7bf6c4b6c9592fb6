import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { FlowRecordTable } from '../core/flow-record-table.js';
import { MonitorFailure, type CellContext } from '../monitors/monitor-adapter.js';
import { which } from '../executor/which.js';
import { waitUntilUdpDrained } from '../executor/ports.js';
import { endedHow, tail } from '../executor/process-runner.js';
import { readNfdumpJson } from './nfdump-json.js';
import { withStaleBookkeeperHint } from './nfdump-bookkeeper.js';

/**
 * The NetFlow/IPFIX back end shared by softflowd, pmacct and nfpcapd: an nfcapd collector on 127.0.0.1 for the
 * exporters, and `nfdump -o json` to read the files back. nfcapd and nfdump both ship in Debian's nfdump package.
 */
export const NFDUMP_INSTALL = 'apt-get install -y --no-install-recommends nfdump';
/** What nfdump prints is kept in the cell folder under this name: it is the raw output the records point into. */
export const NFDUMP_JSON_FILE = 'nfdump.json';

/** The collector's binaries and the variables that name them (MonitorAdapter.helperBinaries). */
export const COLLECTOR_BINARIES = [
  { envVar: 'HARNESS_NFCAPD', command: 'nfcapd' },
  { envVar: 'HARNESS_NFDUMP', command: 'nfdump' },
] as const;

export interface CollectorTools {
  nfcapd: string;
  nfdump: string;
}

/** For detect(): the collector tools, or why they are missing. */
export async function findCollectorTools(env: NodeJS.ProcessEnv): Promise<CollectorTools | { missing: string }> {
  const nfcapd = await which(env.HARNESS_NFCAPD || 'nfcapd', env);
  const nfdump = await which(env.HARNESS_NFDUMP || 'nfdump', env);
  if (nfcapd && nfdump) return { nfcapd, nfdump };
  const absent = [nfcapd ? undefined : 'nfcapd', nfdump ? undefined : 'nfdump'].filter(Boolean).join(' and ');
  return { missing: `${absent} not found on PATH (the collector and reader for NetFlow exporters; or set HARNESS_NFCAPD / HARNESS_NFDUMP)` };
}

async function collectorTools(): Promise<CollectorTools> {
  const found = await findCollectorTools(process.env);
  if ('missing' in found) throw new MonitorFailure(found.missing, null, undefined, '', false);
  return found;
}

/** How long a collector may take to read what an exporter sent before it is stopped anyway. */
const COLLECTOR_DRAIN_MS = 10_000;

export interface CollectedFlows {
  records: FlowRecordTable;
  rawFiles: string[];
  notes: string[];
  /** nfcapd's own summary at exit: flows, packets and bytes it received, and export datagrams it saw lost. */
  collector?: Record<string, number>;
}

/**
 * nfcapd prints, when it terminates, per exporter `Ident: 'none' Flows: 1615, Packets: 4633, Bytes: 407768,
 * Sequence Errors: 73, Bad Packets: 0` (nfdump 1.7). Sequence errors are export datagrams that never arrived: flows
 * lost between the exporter and the collector, not by the monitor.
 */
export function nfcapdSummary(log: string): Record<string, number> | undefined {
  const m = /Ident: '[^']*' Flows: (\d+), Packets: (\d+), Bytes: (\d+), Sequence Errors: (\d+), Bad Packets: (\d+)/.exec(log);
  if (!m) return undefined;
  return {
    collectorFlows: Number(m[1]),
    collectorPackets: Number(m[2]),
    collectorBytes: Number(m[3]),
    collectorSequenceErrors: Number(m[4]),
    collectorBadPackets: Number(m[5]),
  };
}

/**
 * Starts nfcapd on a free UDP port of 127.0.0.1 writing into `<workDir>/nfcapd`, lets `exportTo` send it flows,
 * stops it (SIGTERM makes nfcapd flush its file and exit) and reads what it stored. The collector is stopped on
 * every path; the cell context would stop it too, but stopping here records how it ended.
 */
export async function collectWithNfcapd(ctx: CellContext, exportTo: (receiver: { host: string; port: number }) => Promise<void>): Promise<CollectedFlows> {
  const tools = await collectorTools();
  const dir = path.join(ctx.workDir, 'nfcapd');
  await mkdir(dir, { recursive: true });
  const port = await ctx.freePort('udp');
  // -t 3600: rotate files hourly by wall clock; a cell rarely crosses an hour and nfdump -R reads every file anyway.
  const collector = await ctx.startService([tools.nfcapd, '-w', dir, '-p', String(port), '-b', '127.0.0.1', '-t', '3600'], {
    readyPort: { proto: 'udp', port },
  });
  let exportError: unknown;
  try {
    await exportTo({ host: '127.0.0.1', port });
  } catch (error) {
    exportError = error;
  }
  const drained = exportError !== undefined || (await waitUntilUdpDrained(port, COLLECTOR_DRAIN_MS, undefined, ctx.netOfPid));
  const ended = await collector.stop();
  // The exporter's own failure is the more useful message; the collector's comes second.
  if (exportError !== undefined) throw exportError;
  if (ended.exitCode !== 0 && ended.signal !== 'SIGTERM') {
    throw await withStaleBookkeeperHint(new MonitorFailure(`nfcapd failed: ${endedHow(ended.exitCode, ended.signal)}`, ended.exitCode, ended.signal, tail(ended.stderr), false), 'nfcapd', dir);
  }
  const records = await dumpFlowDirectory(ctx, dir, tools.nfdump);
  const notes = [`collector: nfcapd on udp 127.0.0.1:${port}, files in nfcapd/`];
  if (!drained) notes.push(`nfcapd had not read every datagram ${COLLECTOR_DRAIN_MS / 1000} s after the exporter ended: flows may be missing`);
  const summary = nfcapdSummary(ended.stderr);
  const lost = summary?.collectorSequenceErrors ?? 0;
  if (lost > 0) notes.push(`nfcapd counted ${lost} sequence errors: export datagrams lost on the way, so flows may be missing`);
  return { records, rawFiles: [NFDUMP_JSON_FILE], notes, ...(summary ? { collector: summary } : {}) };
}

/** `TZ=UTC nfdump -R . -o json` in `dir` into nfdump.json, parsed; no record when the folder holds no nfcapd file. nfdump prints local time: TZ=UTC makes it UTC. */
export async function dumpFlowDirectory(ctx: CellContext, dir: string, nfdump?: string): Promise<FlowRecordTable> {
  const files = (await readdir(dir)).filter((f) => f.startsWith('nfcapd.'));
  // No file at all: nothing was stored (an empty capture for nfpcapd). Callers say so in their notes.
  if (files.length === 0) return new FlowRecordTable();
  const reader = nfdump ?? (await collectorTools()).nfdump;
  // Named from inside it: nfdump reads a ':' in -R as a range of files (`-R dir/a:b`), so a run folder such as
  // "runs:live" made it stat a path cut at the colon and fail.
  await ctx.exec([reader, '-R', '.', '-o', 'json'], { cwd: dir, env: { TZ: 'UTC' }, stdoutFile: NFDUMP_JSON_FILE, readsOutput: true });
  return readNfdumpJson(path.join(ctx.workDir, NFDUMP_JSON_FILE), NFDUMP_JSON_FILE);
}

