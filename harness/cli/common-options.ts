import { randomBytes } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_COMPARE_OPTIONS, type CompareOptions } from '../comparator/compare-cell.js';
import { durationRefusal, parseDuration } from '../core/duration.js';
import { formatByteSize, parseByteSize } from '../core/byte-size.js';
import { DEFAULT_MAX_OUTPUT_BYTES } from '../executor/cell-runner.js';
import { DEFAULT_MAX_PCAP_BYTES } from '../scenario/scenario-extent.js';
import { detectAdapter, loadAdapters } from '../monitors/registry.js';
import { which } from '../executor/which.js';
import { refuseBadBinaryVariables, refuseUnrunnableBinary } from '../monitors/named-binary.js';
import type { MonitorAdapter } from '../monitors/monitor-adapter.js';
import { flagError, stringFlag, type FlagSpec, type ParsedFlags } from './flags.js';
import { parseShard, type ShardSpec } from '../pipeline/shard-plan.js';

/** Flags shared by `run`, `score` and `check`: how records are judged. */
export const COMPARE_FLAGS: FlagSpec = {
  hunt: { type: 'string' },
  tolerance: { type: 'string' },
};

export function compareOptionsFrom(command: string, flags: ParsedFlags): CompareOptions {
  const options: CompareOptions = { ...DEFAULT_COMPARE_OPTIONS };
  const hunt = stringFlag(flags, 'hunt');
  if (hunt !== undefined) {
    const given = new Map<number, string>();
    options.huntThresholdsS = hunt.split(',').map((item) => {
      const seconds = parseDuration(item);
      if (seconds === undefined || seconds <= 0) {
        const refusal = durationRefusal(item, 'positive durations separated by commas, e.g. 1h,4h,8h');
        throw flagError(command, 'hunt', refusal.found, refusal.expected);
      }
      // 1h,1h (or 60m,1h) scored and reported every hunt twice, as two columns of one threshold.
      const earlier = given.get(seconds);
      if (earlier !== undefined) throw flagError(command, 'hunt', earlier === item ? `"${item}" twice` : `"${earlier}" and "${item}", one threshold`, 'each threshold once, e.g. 1h,4h,8h');
      given.set(seconds, item);
      return seconds;
    });
  }
  const tolerance = stringFlag(flags, 'tolerance');
  if (tolerance !== undefined) {
    const seconds = parseDuration(tolerance);
    if (seconds === undefined) {
      const refusal = durationRefusal(tolerance, 'a duration such as 2s or 500ms');
      throw flagError(command, 'tolerance', refusal.found, refusal.expected);
    }
    options.toleranceS = seconds;
  }
  return options;
}

/** `--max-pcap-size SIZE`: how large a generated pcap may be before the scenario is refused (default 4 GB). */
export const MAX_PCAP_FLAG: FlagSpec = { 'max-pcap-size': { type: 'string' } };
export const MAX_PCAP_HELP = `  --max-pcap-size SIZE a scenario whose pcap would be larger is refused before anything is written
                       (default ${formatByteSize(DEFAULT_MAX_PCAP_BYTES)}; e.g. 500MB, 20GB)`;

export function maxPcapBytesFrom(command: string, flags: ParsedFlags): number {
  const text = stringFlag(flags, 'max-pcap-size');
  if (text === undefined) return DEFAULT_MAX_PCAP_BYTES;
  const bytes = parseByteSize(text);
  if (bytes === undefined || bytes <= 0) throw flagError(command, 'max-pcap-size', `"${text}"`, 'a size such as 500MB, 4GB or 2GiB');
  return bytes;
}

/**
 * The longest a timer can wait: Node's timers hold 2^31 - 1 ms (24.8 days) and fire at once past it, so a
 * `--time-limit 25d` killed every monitor as hung after 1 ms.
 */
const MAX_TIMER_S = 24 * 86_400;
const MIN_TIMER_S = 1;

export function durationFlag(command: string, flags: ParsedFlags, name: string, fallbackS: number): number {
  const text = stringFlag(flags, name);
  if (text === undefined) return fallbackS;
  const seconds = parseDuration(text);
  // Under a second, every monitor was killed before it could start ("hung: still running after 0 s").
  if (seconds === undefined || seconds < MIN_TIMER_S || seconds > MAX_TIMER_S) {
    const refusal = durationRefusal(text, 'a duration from 1s up to 24d, such as 90s, 10m');
    throw flagError(command, name, refusal.found, refusal.expected);
  }
  return seconds;
}

export const MAX_OUTPUT_HELP = `--max-output SIZE    largest file one monitor may write in a cell (default ${formatByteSize(DEFAULT_MAX_OUTPUT_BYTES)}); a monitor
                       writing more fails its own cell, the run goes on`;

/** The smallest --max-output: one page. */
const MIN_MAX_OUTPUT_BYTES = 4096;

/** --max-output: bytes, with decimal (KB = 1000, MB, GB) or binary (KiB = 1024, MiB, GiB) units. */
export function maxOutputFlag(command: string, flags: ParsedFlags): number {
  const text = stringFlag(flags, 'max-output');
  if (text === undefined) return DEFAULT_MAX_OUTPUT_BYTES;
  const bytes = parseByteSize(text);
  // KB is 1000 bytes: "4KB" (4000) was refused as less than "a size of 4KB or more".
  if (bytes === undefined || bytes < MIN_MAX_OUTPUT_BYTES) throw flagError(command, 'max-output', `"${text}"`, `a size of 4KiB (${MIN_MAX_OUTPUT_BYTES} bytes) or more, such as 512MB or 2GB`);
  return bytes;
}

/** A `--monitors` entry: a monitor id, and the binary it names with `id@/path/to/binary`, if any. */
export interface MonitorChoice {
  adapter: MonitorAdapter;
  binary?: string;
}

export async function resolveMonitors(command: string, text: string | undefined): Promise<MonitorChoice[]> {
  const adapters = await loadAdapters();
  if (text === undefined) {
    // Every monitor, each found through its HARNESS_<ID> or PATH.
    await refuseBadBinaryVariables(adapters);
    return adapters.map((adapter) => ({ adapter }));
  }
  const entries = text.split(',').map((s) => s.trim());
  const expected = `monitor ids separated by commas, each optionally with its binary (zeek@/opt/zeek-6/bin/zeek): ${adapters.map((a) => a.id).join(', ')}`;
  // An empty item (`tshark,`, `a,,b`) is a slip: what was meant is not known, so it is not guessed.
  if (entries.some((entry) => entry === '')) throw flagError(command, 'monitors', `an empty item in "${text}"`, expected);
  const seen = new Set<string>();
  const choices = entries.map((entry) => {
    const at = entry.indexOf('@');
    const id = at < 0 ? entry : entry.slice(0, at);
    const binary = at < 0 ? undefined : entry.slice(at + 1);
    const adapter = adapters.find((a) => a.id === id);
    if (!adapter) throw flagError(command, 'monitors', `unknown monitor "${id}"`, `one of ${adapters.map((a) => a.id).join(', ')}`);
    if (binary !== undefined && binary === '') throw flagError(command, 'monitors', `"${entry}" with no binary after @`, `${id}@/path/to/${id}`);
    const resolved = binary === undefined ? undefined : binary.includes('/') ? path.resolve(binary) : binary;
    const key = `${id}@${resolved ?? ''}`;
    if (seen.has(key)) throw flagError(command, 'monitors', `"${entry}" twice`, 'each monitor (or monitor@binary) once');
    seen.add(key);
    return resolved === undefined ? { adapter } : { adapter, binary: resolved };
  });
  // A binary the user names for this run is that exact binary (named-binary.ts): one that is not there is a wrong
  // flag. A monitor merely not installed (named without @) is still skipped with its install command, unless its
  // HARNESS_<ID> names a binary that is not there.
  for (const [index, choice] of choices.entries()) {
    if (choice.binary === undefined) continue;
    const { id } = choice.adapter;
    await refuseUnrunnableBinary(choice.binary, `harness ${command} --monitors`, entries[index] ?? '', `the path of an installed ${id} binary (${id}@/path/to/${id}), or ${id} alone for the installed one`);
  }
  await refuseBadBinaryVariables(choices.filter((c) => c.binary === undefined).map((c) => c.adapter));
  await refuseBadBinaryVariables(choices.filter((c) => c.binary !== undefined).map((c) => c.adapter), process.env, true);
  await refuseSameBinaryTwice(command, choices, entries);
  return choices;
}

/**
 * `tcptrace,tcptrace@/usr/bin/tcptrace` (or a link to the same file) ran one binary twice, as two rows a version
 * comparison would set side by side: only when one monitor is named more than once are the binaries resolved.
 */
async function refuseSameBinaryTwice(command: string, choices: readonly MonitorChoice[], entries: readonly string[]): Promise<void> {
  const byId = new Map<string, number[]>();
  choices.forEach((c, i) => byId.set(c.adapter.id, [...(byId.get(c.adapter.id) ?? []), i]));
  for (const indices of byId.values()) {
    if (indices.length < 2) continue;
    const seen = new Map<string, number>();
    for (const i of indices) {
      const choice = choices[i] as MonitorChoice;
      const detected = choice.binary === undefined ? await detectAdapter(choice.adapter) : undefined;
      const found = detected !== undefined
        ? (detected.found ? detected.path : undefined)
        : (choice.binary as string).includes('/') ? choice.binary : await which(choice.binary as string);
      if (found === undefined) continue;
      const real = await realpath(found).catch(() => found);
      const first = seen.get(real);
      if (first !== undefined) {
        throw flagError(command, 'monitors', `"${entries[i] ?? ''}", which runs ${real}, the binary "${entries[first] ?? ''}" runs`, 'each binary once (monitor@binary runs another version beside the installed one)');
      }
      seen.set(real, i);
    }
  }
}

/** `--shard i/n`: this machine's share of the cells; undefined when not given. */
export function shardFlag(command: string, flags: ParsedFlags): ShardSpec | undefined {
  const text = stringFlag(flags, 'shard');
  if (text === undefined) return undefined;
  const shard = parseShard(text);
  if ('error' in shard) throw flagError(command, 'shard', shard.error, 'i/n with 1 <= i <= n <= 999999, e.g. 2/4 (shard 2 of 4)');
  return shard;
}

/**
 * A new folder under runs/ named for the time and what ran, so runs never overwrite each other. Only named here:
 * the pipeline creates it, so a run refused for bad input leaves nothing behind.
 */
export function defaultRunDir(label: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  // Cut to a length any file system takes: a 246-character suite file name (valid itself) made the folder's name
  // too long, refused about a path the user never gave. The time and the random part keep it unique.
  const shown = label.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, MAX_LABEL_CHARS);
  return path.resolve('runs', `${stamp}-${shown}-${randomBytes(3).toString('hex')}`);
}

const MAX_LABEL_CHARS = 100;

/** A terminal that understands cursor control (redrawing a line): not a pipe or file, and not TERM=dumb. */
export function canRedraw(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && process.env.TERM !== 'dumb';
}

export function useColor(stream: NodeJS.WriteStream): boolean {
  return canRedraw(stream) && process.env.NO_COLOR === undefined;
}

/** A terminal's width; on a pipe or in a CI log nothing wraps, so lines may be long. */
export function outputWidth(stream: NodeJS.WriteStream): number {
  return stream.isTTY ? stream.columns : 160;
}
