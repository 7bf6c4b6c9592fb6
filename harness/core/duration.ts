/**
 * Human durations (`1500s`, `20m`, `19h`, `1h30m`, `250ms`, `2d`) to and from seconds.
 * A bare number means seconds. Parsing returns undefined on anything else so that each caller can raise an
 * InputError that names its own file and position.
 */
const UNIT_SECONDS: Record<string, number> = {
  us: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  min: 60,
  h: 3600,
  d: 86400,
};

const PART = /(\d+(?:\.\d+)?)(us|ms|min|s|m|h|d)/y;

/**
 * The longest duration kept to the microsecond: 2^53 µs, about 285 years. A longer one (`99999999999999999999d`,
 * 8.6e24 s) was taken and computed with in floating point, whole seconds lost, while `1e400s` was refused.
 */
export const MAX_DURATION_S = Math.floor(Number.MAX_SAFE_INTEGER / 1e6);

export function parseDuration(text: string | number): number | undefined {
  const seconds = parseDurationUnbounded(text);
  return seconds === undefined || seconds > MAX_DURATION_S ? undefined : seconds;
}

/** parseDuration without its upper bound: for a message that says the value is too long rather than unreadable. */
export function parseDurationUnbounded(text: string | number): number | undefined {
  const seconds = parseDurationExact(text);
  return seconds === undefined ? undefined : roundMicros(seconds);
}

/**
 * Whether a duration as written holds a fraction of a microsecond (`0.1000005`, `1.5us`), which every time of a
 * scenario rounds away: refused by the scenario reader rather than silently moved (with `timestamp_resolution: ns`
 * too: times are whole microseconds).
 */
export function finerThanMicrosecond(text: string | number): boolean {
  const seconds = parseDurationExact(text);
  if (seconds === undefined) return false;
  const us = seconds * 1e6;
  return Math.abs(us - Math.round(us)) > 1e-3 * Math.max(1, Math.abs(us) * 1e-9);
}

/** The seconds a duration says, not rounded to the microsecond. */
function parseDurationExact(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined;
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return Number(trimmed);
  let total = 0;
  PART.lastIndex = 0;
  let matched = 0;
  while (PART.lastIndex < trimmed.length) {
    const start = PART.lastIndex;
    const m = PART.exec(trimmed);
    if (!m || m.index !== start) return undefined;
    total += Number(m[1]) * (UNIT_SECONDS[m[2] as string] as number);
    matched += 1;
  }
  return matched > 0 ? total : undefined;
}

/** Durations live in seconds with microsecond resolution; this removes float noise from `0.1 + 0.2`. */
export function roundMicros(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e6;
}

/**
 * `68236.5` -> `18h57m16.5s`; `300` -> `5m`; `0.02` -> `0.02s`; `0.00002` -> `0.00002s`. Exact to the microsecond,
 * so that parseDuration(formatDuration(x)) === roundMicros(x).
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  if (seconds < 0) return `-${formatDuration(-seconds)}`;
  // Round first so that 59.9999999 becomes 1m, not 60s.
  let rest = roundMicros(seconds);
  if (rest < 60) return `${trimNumber(rest)}s`;
  const parts: string[] = [];
  const days = Math.floor(rest / 86400);
  if (days > 0) { parts.push(`${days}d`); rest -= days * 86400; }
  const hours = Math.floor(rest / 3600);
  if (hours > 0) { parts.push(`${hours}h`); rest -= hours * 3600; }
  const minutes = Math.floor(rest / 60);
  if (minutes > 0) { parts.push(`${minutes}m`); rest -= minutes * 60; }
  if (rest > 0) parts.push(`${trimNumber(rest)}s`);
  return parts.join('');
}

function trimNumber(n: number): string {
  // toFixed avoids exponent notation (1e-6) that parseDuration would refuse.
  return roundMicros(n).toFixed(6).replace(/\.?0+$/, '');
}

/**
 * Seconds as whole microseconds, the unit of every time the harness compares: `1049.046524 * 1e6` is
 * 1049046524.0000001 in floating point, and a record exactly that long failed a hunt at that threshold.
 */
export function secondsToUs(seconds: number): number {
  return Math.round(seconds * 1e6);
}
