import { stat } from 'node:fs/promises';
import { readHead } from './read-input.js';
import { InputError } from '../core/input-error.js';

/**
 * Is this file a capture (a team's own pcap or pcapng) rather than a scenario? Told by its first four bytes, the
 * formats' magic numbers, not by its name: `harness run` takes both, and a capture named `.yaml` is still one.
 */
const PCAP_MAGICS = new Set([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1]);
const PCAPNG_SECTION_HEADER = 0x0a0d0d0a;

export async function captureFormat(file: string): Promise<'pcap' | 'pcapng' | undefined> {
  // A named pipe can be read once: this look at its first bytes took the writer's data, and the scenario loader's
  // open then waited for another writer forever (SIGTERM could not end it). A run reads its inputs more than once
  // (each monitor reads the capture; a live run reloads the scenario), so a pipe is refused here, before any read.
  const info = await stat(file).catch(() => undefined);
  if (info?.isFIFO()) {
    throw new InputError({ file, line: 0, col: 0 }, 'a named pipe (FIFO)', 'a regular file: harness run reads a scenario or capture more than once (save it to a file first; harness generate reads one from /dev/stdin)');
  }
  // Not readable here (or a folder): the scenario loader says why, in its own words.
  const head = await readHead(file, 4);
  if (head === undefined || head.length < 4) return undefined;
  const magic = head.readUInt32BE(0);
  if (PCAP_MAGICS.has(magic)) return 'pcap';
  if (magic === PCAPNG_SECTION_HEADER) return 'pcapng';
  return undefined;
}

/** A file named as a capture that holds none: refused by what it is, not read as a scenario. */
export async function refuseNonCapture(file: string): Promise<void> {
  let missing = false;
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => { missing = error.code === 'ENOENT'; return undefined; });
  // Missing: "expected a readable scenario YAML file" (the scenario loader's words) named what was not meant.
  if (missing) throw new InputError({ file, line: 0, col: 0 }, 'no such file', 'a pcap or pcapng capture (or a scenario .yaml)');
  if (info === undefined || !info.isFile()) return;
  const head = (await readHead(file, 8)) ?? Buffer.alloc(0);
  const found = info.size === 0 ? 'an empty file named as a capture' : `a file named as a capture whose first bytes (${head.toString('hex')}) are no pcap or pcapng magic number`;
  throw new InputError({ file, line: 0, col: 0 }, found, 'a pcap or pcapng capture (or a scenario .yaml)');
}

/** A capture's name in a run (its folder, its report heading): the file name without its extension, made path-safe. */
export function captureName(file: string): string {
  const base = file.split('/').pop() ?? file;
  // A capture named as a scenario (.yaml) is still one: its name is not "scen.yaml".
  return base.replace(/\.(pcapng|pcap|cap|yaml|yml)$/i, '').replace(/[^A-Za-z0-9_.-]+/g, '_') || 'capture';
}
