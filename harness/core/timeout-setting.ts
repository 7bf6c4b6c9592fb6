import { durationRefusal, formatDuration, parseDuration } from './duration.js';
import { InputError } from './input-error.js';

/**
 * A generic timeout setting that each adapter translates into its own knobs. Seconds throughout.
 * Protocols left out keep the tool's own default.
 */
export type TimeoutProtocol = 'tcp' | 'udp' | 'icmp';

export interface TimeoutSetting {
  /** As the user wrote it, also the column name in reports: `default`, `5m`, `tcp=1h,udp=10m`. */
  label: string;
  /** True for `default`: the tool's own defaults, recorded by the adapter. */
  isDefault: boolean;
  idle: Partial<Record<TimeoutProtocol, number>>;
  active?: number;
  /** Flow-table limits (`maxflows=8192`, `memcap=64mb`, ...): what a sensor does when its table fills. */
  limits?: TableLimits;
  /**
   * A tool's own knobs, named `<monitor>.<knob>` (`zeek.port_inactivity_timeouts=4h`, `suricata.midstream=on`):
   * seconds, or a switch. Only that monitor reads them; its adapter lists the names it takes (settingKnobs).
   */
  tool?: Record<string, number | boolean>;
}

/**
 * The table limits a setting may set. Each adapter maps the ones its tool has (softflowd `-m`, pmacct
 * `nfprobe_maxflows`, Suricata `flow.memcap` / `flow.hash-size` / emergency timeouts) and refuses the rest, so a
 * limit is never silently dropped.
 */
export interface TableLimits {
  /** Most flows held at once (`maxflows=`). */
  maxFlows?: number;
  /** Bytes of memory for the flow table (`memcap=`, with k/m/g suffixes of 1024). */
  memcapBytes?: number;
  /** Buckets of the flow hash (`hashsize=`). */
  hashSize?: number;
  /** Idle timeout in emergency mode, when the memory limit is reached (`emergency=`), seconds. */
  emergencyIdleS?: number;
}

export const TABLE_LIMIT_KEYS = ['maxflows', 'memcap', 'hashsize', 'emergency'] as const;
export type TableLimitKey = (typeof TABLE_LIMIT_KEYS)[number];
const LIMIT_FIELD: Record<TableLimitKey, keyof TableLimits> = {
  maxflows: 'maxFlows',
  memcap: 'memcapBytes',
  hashsize: 'hashSize',
  emergency: 'emergencyIdleS',
};

export const DEFAULT_SWEEP = 'default,5m,1h,4h';
const KEYS = new Set<string>(['tcp', 'udp', 'icmp', 'all', 'idle', 'active', ...TABLE_LIMIT_KEYS]);
const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

/**
 * Parses a sweep: comma-separated settings, where a run of consecutive `key=value` items forms one setting
 * (`default,5m,tcp=1h,udp=10m,1h` is three... four settings: default | 5m | tcp=1h,udp=10m | 1h) and `;` splits
 * two keyed settings that would otherwise join.
 */
export function parseTimeoutSweep(text: string, origin = '--timeouts'): TimeoutSetting[] {
  const settings: TimeoutSetting[] = [];
  for (const group of text.split(';')) {
    let keyed: string[] = [];
    const flush = (): void => {
      if (keyed.length > 0) settings.push(parseTimeoutSetting(keyed.join(','), origin));
      keyed = [];
    };
    for (const raw of group.split(',')) {
      const item = raw.trim();
      if (item === '') {
        throw new InputError({ file: origin, line: 0, col: 0 }, `an empty item in "${text}"`, 'settings separated by single commas, e.g. default,5m,1h,4h');
      }
      if (item.includes('=')) keyed.push(item);
      else {
        flush();
        settings.push(parseTimeoutSetting(item, origin));
      }
    }
    flush();
  }
  // The same setting written two ways (5m and 300s, tcp=1h,udp=1h and udp=1h,tcp=1h) is run twice and counted twice.
  const seen = new Map<string, string>();
  for (const s of settings) {
    const key = settingKey(s);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      const found = earlier === s.label ? `"${s.label}" twice` : `"${s.label}", the same setting as "${earlier}"`;
      throw new InputError({ file: origin, line: 0, col: 0 }, found, 'each setting once in a sweep');
    }
    seen.set(key, s.label);
  }
  if (settings.length === 0) {
    throw new InputError({ file: origin, line: 0, col: 0 }, 'no setting', `a sweep such as ${DEFAULT_SWEEP}`);
  }
  return settings;
}

/** What a setting asks of a tool, whatever its words: equal for equal settings (`5m` and `300s`). */
export function settingKey(s: TimeoutSetting): string {
  const sorted = (o: object | undefined): [string, unknown][] => Object.entries(o ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([s.isDefault, sorted(s.idle), s.active ?? null, sorted(s.limits), sorted(s.tool)]);
}

/** One setting: `default`, a duration for every protocol (`5m`), or `key=duration` items joined by commas. */
export function parseTimeoutSetting(text: string, origin = '--timeouts'): TimeoutSetting {
  const label = text.trim();
  const where = { file: origin, line: 0, col: 0 };
  if (label === 'default') return { label, isDefault: true, idle: {} };
  if (!label.includes('=')) {
    const seconds = positiveDuration(label, where, label);
    return { label, isDefault: false, idle: { tcp: seconds, udp: seconds, icmp: seconds } };
  }
  const setting: TimeoutSetting = { label, isDefault: false, idle: {} };
  const given = new Set<string>();
  for (const item of label.split(',')) {
    const eq = item.indexOf('=');
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    // tcp=1h,tcp=2h (or maxflows=1,maxflows=100000) would silently keep one of them: which one the user meant is
    // theirs to say.
    const canonicalKey = key === 'idle' ? 'all' : key;
    if (given.has(canonicalKey)) throw new InputError(where, `"${key}" twice in "${label}"`, 'each key once in a setting');
    given.add(canonicalKey);
    if (TOOL_KEY.test(key)) {
      setting.tool = { ...setting.tool, [key]: toolValue(value, where, label) };
      continue;
    }
    if (!KEYS.has(key)) {
      throw new InputError(where, `"${key}" in "${label}"`, `one of tcp, udp, icmp, all (or idle), active, ${TABLE_LIMIT_KEYS.join(', ')}, or a tool knob <monitor>.<knob> such as zeek.port_inactivity_timeouts`);
    }
    if (key === 'maxflows' || key === 'hashsize' || key === 'memcap') {
      setting.limits = { ...setting.limits, [LIMIT_FIELD[key]]: key === 'memcap' ? positiveBytes(value, where, label) : positiveCount(value, where, label) };
      continue;
    }
    const seconds = positiveDuration(value, where, label);
    if (key === 'emergency') {
      setting.limits = { ...setting.limits, emergencyIdleS: seconds };
      continue;
    }
    if (key === 'active') setting.active = seconds;
    else if (key === 'all' || key === 'idle') setting.idle = { tcp: seconds, udp: seconds, icmp: seconds, ...setting.idle };
    else setting.idle[key as TimeoutProtocol] = seconds;
  }
  return setting;
}

const TOOL_KEY = /^[a-z][a-z0-9-]*\.[A-Za-z0-9_.:-]+$/;
const SWITCHES: Record<string, boolean> = { on: true, true: true, yes: true, off: false, false: false, no: false };

/** A tool knob's value: a switch (on/off, true/false, yes/no) or a positive duration. */
function toolValue(value: string, where: { file: string; line: number; col: number }, label: string): number | boolean {
  const switched = SWITCHES[value.toLowerCase()];
  return switched ?? positiveDuration(value, where, label);
}

function positiveDuration(value: string, where: { file: string; line: number; col: number }, label: string): number {
  const seconds = parseDuration(value);
  if (seconds === undefined || seconds <= 0) {
    const refusal = durationRefusal(value, 'default, or a positive duration such as 300s, 5m, 1h, 4h');
    throw new InputError(where, `${refusal.found} in "${label}"`, refusal.expected);
  }
  return seconds;
}

/** The tools keep table sizes in a C int: a larger count wraps, or is refused by the tool after the run has begun. */
const MAX_TABLE_COUNT = 2 ** 31 - 1;

function positiveCount(value: string, where: { file: string; line: number; col: number }, label: string): number {
  if (!/^[1-9]\d*$/.test(value) || !(Number(value) <= MAX_TABLE_COUNT)) {
    throw new InputError(where, `"${value}" in "${label}"`, `a whole number from 1 to ${MAX_TABLE_COUNT}, e.g. maxflows=8192`);
  }
  return Number(value);
}

function positiveBytes(value: string, where: { file: string; line: number; col: number }, label: string): number {
  const m = /^(\d+)([a-z]*)$/i.exec(value);
  const unit = m ? BYTE_UNITS[(m[2] as string).toLowerCase()] : undefined;
  if (!m || unit === undefined || Number(m[1]) <= 0) {
    throw new InputError(where, `"${value}" in "${label}"`, 'a size in bytes such as 33554432, 32mb or 1g');
  }
  return Number(m[1]) * unit;
}

/** The limits a setting sets that a tool cannot take: the keys, as the user wrote them. */
export function tableLimitKeysSet(setting: TimeoutSetting): TableLimitKey[] {
  const limits = setting.limits;
  if (!limits) return [];
  return TABLE_LIMIT_KEYS.filter((k) => limits[LIMIT_FIELD[k]] !== undefined);
}

/** A short human description, e.g. for a tooltip: `idle tcp 1h, udp 10m; active 30m`. */
export function describeTimeoutSetting(setting: TimeoutSetting): string {
  if (setting.isDefault) return "the tool's own defaults";
  const idle = (['tcp', 'udp', 'icmp'] as const)
    .filter((p) => setting.idle[p] !== undefined)
    .map((p) => `${p} ${formatDuration(setting.idle[p] as number)}`);
  const parts: string[] = [];
  if (idle.length > 0) parts.push(`idle ${idle.join(', ')}`);
  if (setting.active !== undefined) parts.push(`active ${formatDuration(setting.active)}`);
  const limits = setting.limits;
  if (limits?.maxFlows !== undefined) parts.push(`at most ${limits.maxFlows} flows`);
  if (limits?.memcapBytes !== undefined) parts.push(`flow memory ${limits.memcapBytes} bytes`);
  if (limits?.hashSize !== undefined) parts.push(`hash size ${limits.hashSize}`);
  if (limits?.emergencyIdleS !== undefined) parts.push(`emergency idle ${formatDuration(limits.emergencyIdleS)}`);
  for (const [key, value] of Object.entries(setting.tool ?? {})) {
    parts.push(`${key} ${typeof value === 'boolean' ? (value ? 'on' : 'off') : formatDuration(value)}`);
  }
  return parts.join('; ');
}
