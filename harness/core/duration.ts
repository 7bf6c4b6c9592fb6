/**
 * Human durations (`1500s`, `20m`, `19h`, `1h30m`, `250ms`, `2d`) to and from seconds.
 * A bare number means seconds. Parsing returns undefined on anything else so that each caller can raise an
 * InputError that names its own file and position (readDurationValue and durationRefusal say why, for the forms that
 * read but mean nothing sure: a unit twice or out of order, a fraction of a microsecond).
 */
const UNIT_US: Record<string, bigint> = {
  us: 1n,
  ms: 1000n,
  s: 1_000_000n,
  m: 60_000_000n,
  min: 60_000_000n,
  h: 3_600_000_000n,
  d: 86_400_000_000n,
};

/** The units of a compound, largest first: `m` and `min` are one unit. */
const UNIT_RANK: Record<string, number> = { d: 5, h: 4, m: 3, min: 3, s: 2, ms: 1, us: 0 };

/** What a duration with a unit twice or out of order should be instead, for every caller's `expected`. */
export const DURATION_UNITS_EXPECTED = 'each unit once, largest first (d, h, m, s, ms, us), such as 1h30m';

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

/**
 * parseDuration without its upper bound: for a message that says the value is too long rather than unreadable.
 * A text is read exactly (decimal, not floating point) and refused when it says a unit twice or out of order
 * (`1h1h` was 2 h, `30m1h` 1 h 30 min: a typo taken for a time) or a fraction of a microsecond (`1.0000005ms` was
 * rounded to 1 ms: no time of the harness can hold it). A number (a YAML float) is rounded to the microsecond.
 */
export function parseDurationUnbounded(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? roundMicros(text) : undefined;
  return readDurationValue(text).seconds;
}

/**
 * A duration's seconds (parseDurationUnbounded), or why a duration that reads part by part is refused: `h twice`,
 * `h after m`, `m and min, one unit`, `finer than a microsecond` (the number a YAML float says included). Neither for
 * a text that is no duration at all (the caller's own "unparsable").
 */
export function readDurationValue(text: string | number): { seconds?: number; problem?: string } {
  if (typeof text === 'number') {
    if (!(Number.isFinite(text) && text >= 0)) return {};
    return finerThanMicrosecond(text) ? { problem: 'finer than a microsecond' } : { seconds: roundMicros(text) };
  }
  // The common form (`20m`, `1500`): a whole number of one unit is whole microseconds, without the exact reading.
  const simple = SIMPLE.exec(text);
  if (simple) {
    const us = Number(simple[1]) * Number(UNIT_US[simple[2] ?? 's']);
    if (us <= Number.MAX_SAFE_INTEGER) return { seconds: us / 1e6 };
  }
  const read = readDuration(text);
  if (read === undefined) return {};
  return read.problem !== undefined ? { problem: read.problem } : { seconds: Number(read.us) / 1e6 };
}

/** What a duration finer than a microsecond should be instead. */
export const WHOLE_MICROS_EXPECTED = 'a duration in whole microseconds (every time the harness keeps is one), such as 0.000002 or 2us';

/**
 * A flag's or setting's refusal of a duration text: `"1h1h" (h twice)` found, and what was expected (the caller's
 * own, or what a unit twice or a fraction of a microsecond should be instead).
 */
export function durationRefusal(text: string, expected: string): { found: string; expected: string } {
  const problem = readDurationValue(text).problem;
  if (problem === undefined) return { found: `"${text}"`, expected };
  return { found: `"${text}" (${problem})`, expected: problem === 'finer than a microsecond' ? WHOLE_MICROS_EXPECTED : DURATION_UNITS_EXPECTED };
}

/** A whole number of one unit (or none: seconds), up to 15 digits; the product is exact while it is a safe integer. */
const SIMPLE = /^\s*(\d{1,15})(us|ms|min|s|m|h|d)?\s*$/;

/**
 * Whether a number (a YAML float) holds a fraction of a microsecond (`0.1000005`), which every time of a scenario
 * would round away: refused by the scenario reader rather than silently moved (with `timestamp_resolution: ns` too:
 * times are whole microseconds). Decided on its shortest decimal digits, exactly, as a text's are (readDuration).
 */
function finerThanMicrosecond(n: number): boolean {
  return !wholeMicros([{ digits: plainDecimal(n), unit: 's' }]).whole;
}

interface DurationPart { digits: string; unit: string }

/** A text's parts and total, or undefined when it is no duration; `problem` when it reads but is refused. */
function readDuration(text: string): { us: bigint; problem?: string } | undefined {
  const parts = durationParts(text);
  if (parts === undefined) return undefined;
  for (let i = 1; i < parts.length; i += 1) {
    const unit = (parts[i] as DurationPart).unit;
    const earlier = parts.slice(0, i).find((p) => UNIT_RANK[p.unit] === UNIT_RANK[unit]);
    if (earlier !== undefined) return { us: 0n, problem: earlier.unit === unit ? `${unit} twice` : `${earlier.unit} and ${unit}, one unit` };
    const before = parts[i - 1] as DurationPart;
    if ((UNIT_RANK[unit] as number) > (UNIT_RANK[before.unit] as number)) return { us: 0n, problem: `${unit} after ${before.unit}` };
  }
  const total = wholeMicros(parts);
  return total.whole ? { us: total.us } : { us: total.us, problem: 'finer than a microsecond' };
}

function durationParts(text: string): DurationPart[] | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return [{ digits: trimmed, unit: 's' }];
  const parts: DurationPart[] = [];
  PART.lastIndex = 0;
  while (PART.lastIndex < trimmed.length) {
    const start = PART.lastIndex;
    const m = PART.exec(trimmed);
    if (!m || m.index !== start) return undefined;
    parts.push({ digits: m[1] as string, unit: m[2] as string });
  }
  return parts.length > 0 ? parts : undefined;
}

/** The parts' sum in whole microseconds (truncated), and whether it is whole: decimal digits times the unit, exactly. */
function wholeMicros(parts: DurationPart[]): { us: bigint; whole: boolean } {
  // Each part's digits as one integer, in units of 10^-scale: `1.5` and `0.25` are 150 and 025 at scale 2.
  const scale = Math.max(0, ...parts.map((p) => { const dot = p.digits.indexOf('.'); return dot < 0 ? 0 : p.digits.length - dot - 1; }));
  const scaled = parts.map((p) => {
    const dot = p.digits.indexOf('.');
    return dot < 0 ? p.digits + '0'.repeat(scale) : p.digits.slice(0, dot) + p.digits.slice(dot + 1).padEnd(scale, '0');
  });
  // In doubles while every step is a safe integer (`1m30s`, `1.5s`: all but the unusual), else in BigInt.
  if (scale <= 6) {
    const denominator = 10 ** scale;
    let numerator = 0;
    parts.forEach((p, i) => { numerator += Number(scaled[i]) * Number(UNIT_US[p.unit]); });
    if (numerator <= Number.MAX_SAFE_INTEGER) return { us: BigInt(Math.floor(numerator / denominator)), whole: numerator % denominator === 0 };
  }
  const denominator = 10n ** BigInt(scale);
  let numerator = 0n;
  parts.forEach((p, i) => { numerator += BigInt(scaled[i] as string) * (UNIT_US[p.unit] as bigint); });
  return { us: numerator / denominator, whole: numerator % denominator === 0n };
}

/** A non-negative finite number's shortest decimal digits without an exponent: 1e-7 -> `0.0000001`. */
function plainDecimal(n: number): string {
  const text = String(n);
  const m = /^(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!m) return text;
  const digits = `${m[1]}${m[2] ?? ''}`;
  const point = (m[1] as string).length + Number(m[3]);
  if (point <= 0) return `0.${'0'.repeat(-point)}${digits}`;
  return point >= digits.length ? digits + '0'.repeat(point - digits.length) : `${digits.slice(0, point)}.${digits.slice(point)}`;
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

/** Seconds to the microsecond, without trailing zeros or exponent: `100`, `0.000004`. */
export function trimNumber(n: number): string {
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
