import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { DEFAULT_COMPARE_OPTIONS, type CompareOptions } from '../comparator/compare-cell.js';
import { parseDuration } from '../core/duration.js';
import { formatByteSize, parseByteSize } from '../core/byte-size.js';
import { DEFAULT_MAX_PCAP_BYTES } from '../scenario/scenario-extent.js';
import { loadAdapters } from '../monitors/registry.js';
import type { MonitorAdapter } from '../monitors/monitor-adapter.js';
import { flagError, stringFlag, type FlagSpec, type ParsedFlags } from './flags.js';

/** Flags shared by `run`, `score` and `check`: how records are judged. */
export const COMPARE_FLAGS: FlagSpec = {
  hunt: { type: 'string' },
  tolerance: { type: 'string' },
};

export function compareOptionsFrom(command: string, flags: ParsedFlags): CompareOptions {
  const options: CompareOptions = { ...DEFAULT_COMPARE_OPTIONS };
  const hunt = stringFlag(flags, 'hunt');
  if (hunt !== undefined) {
    options.huntThresholdsS = hunt.split(',').map((item) => {
      const seconds = parseDuration(item);
      if (seconds === undefined || seconds <= 0) throw flagError(command, 'hunt', `"${item}"`, 'positive durations separated by commas, e.g. 1h,4h,8h');
      return seconds;
    });
  }
  const tolerance = stringFlag(flags, 'tolerance');
  if (tolerance !== undefined) {
    const seconds = parseDuration(tolerance);
    if (seconds === undefined) throw flagError(command, 'tolerance', `"${tolerance}"`, 'a duration such as 2s or 500ms');
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

export function durationFlag(command: string, flags: ParsedFlags, name: string, fallbackS: number): number {
  const text = stringFlag(flags, name);
  if (text === undefined) return fallbackS;
  const seconds = parseDuration(text);
  if (seconds === undefined || seconds <= 0) throw flagError(command, name, `"${text}"`, 'a positive duration such as 90s, 10m');
  return seconds;
}

export async function resolveMonitors(command: string, text: string | undefined): Promise<MonitorAdapter[]> {
  const adapters = await loadAdapters();
  if (text === undefined) return adapters;
  const ids = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (ids.length === 0) throw flagError(command, 'monitors', `"${text}"`, `monitor ids separated by commas: ${adapters.map((a) => a.id).join(', ')}`);
  return ids.map((id) => {
    const adapter = adapters.find((a) => a.id === id);
    if (!adapter) throw flagError(command, 'monitors', `unknown monitor "${id}"`, `one of ${adapters.map((a) => a.id).join(', ')}`);
    return adapter;
  });
}

/**
 * A new folder under runs/ named for the time and what ran, so runs never overwrite each other. Only named here:
 * the pipeline creates it, so a run refused for bad input leaves nothing behind.
 */
export function defaultRunDir(label: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  return path.resolve('runs', `${stamp}-${label.replace(/[^A-Za-z0-9_.-]+/g, '_')}-${randomBytes(3).toString('hex')}`);
}

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
