/**
 * Times as monitors print them, to integer microseconds since the epoch, exactly: 16-digit microsecond epochs are
 * below 2^53, but `Number('1700000000.02') * 1e6` is not exact, so the fraction never goes through a float.
 * Every parser uses these two.
 */

/** No time or duration a monitor prints is longer than this; longer text is not one. */
const SCRATCH = Buffer.alloc(1024);

/**
 * Decimal seconds text to integer microseconds without float drift: `1700000001.500000` -> 1700000001500000.
 * A seventh fraction digit rounds (JSON durations such as 0.009999990463256836 are doubles); exponent forms
 * (`5e-7`, which JSON.stringify-style writers produce for tiny values) go through Number, exact at that size.
 */
export function decimalSecondsToMicros(text: string): number | undefined {
  // UTF-8 keeps every non-ASCII character outside the digit range, so the byte form judges the same text.
  if (text.length > SCRATCH.length / 4) return undefined;
  const length = SCRATCH.write(text, 0, 'utf8');
  return decimalSecondsBytesToMicros(SCRATCH, 0, length);
}

/** `2023-11-14T22:13:20.000001Z` (or with a +hh:mm / +hhmm offset) -> microseconds since the epoch. */
export function isoToMicros(text: string): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/.exec(text);
  if (!m) return undefined;
  let zone = m[3] ?? 'Z';
  if (zone !== 'Z' && !zone.includes(':')) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  if (!isCalendarTime(m[1] as string) || (zone !== 'Z' && (Number(zone.slice(1, 3)) > 23 || Number(zone.slice(4, 6)) > 59))) return undefined;
  const ms = Date.parse(`${m[1]}${zone}`);
  if (!Number.isFinite(ms)) return undefined;
  const fraction = decimalSecondsToMicros(`0.${m[2] ?? '0'}`) ?? 0;
  return ms * 1000 + fraction;
}

/**
 * `YYYY-MM-DDTHH:MM:SS` names a real moment: Date.parse moves 2023-02-30 to March 2 and 24:00:00 to the next day
 * without a word, so the fields are checked against the calendar first (no leap second: no clock we read has one).
 */
export function isCalendarTime(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const daysInMonth = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] as number;
  return day <= daysInMonth;
}

/**
 * decimalSecondsToMicros on the bytes `bytes[start..end)` of ASCII/UTF-8 text, so that a parser scanning a file
 * buffer need not make a string per value. Same result as the string form for the same text.
 */
export function decimalSecondsBytesToMicros(bytes: Uint8Array, start: number, end: number): number | undefined {
  let i = start;
  let whole = 0;
  let wholeDigits = 0;
  for (; i < end; i += 1) {
    const c = (bytes[i] as number) - 48;
    if (c < 0 || c > 9) break;
    whole = whole * 10 + c;
    wholeDigits += 1;
  }
  let frac = 0;
  let fracDigits = 0;
  let roundUp = false;
  if (i < end && bytes[i] === 46 /* . */) {
    i += 1;
    for (; i < end; i += 1) {
      const c = (bytes[i] as number) - 48;
      if (c < 0 || c > 9) break;
      if (fracDigits < 6) frac = frac * 10 + c;
      else if (fracDigits === 6) roundUp = c >= 5;
      fracDigits += 1;
    }
  }
  if (i !== end) {
    const e = bytes[i];
    // Rare (`5e-7`, as JSON writers print tiny doubles): Number is exact enough at that size.
    if ((e === 101 || e === 69) && wholeDigits + fracDigits > 0) {
      const v = Number(new TextDecoder().decode(bytes.subarray(start, end)));
      return Number.isFinite(v) && v >= 0 && v * 1e6 <= Number.MAX_SAFE_INTEGER ? Math.round(v * 1e6) : undefined;
    }
    return undefined;
  }
  if (wholeDigits + fracDigits === 0) return undefined;
  for (let d = Math.min(fracDigits, 6); d < 6; d += 1) frac *= 10;
  const us = whole * 1e6 + frac + (roundUp ? 1 : 0);
  // Past 2^53 µs (about 285 years) microseconds are no longer exact: a ts or duration of 1e30 s in a log was read,
  // rounded, and scored at exit 0. No time a monitor writes comes near it.
  return us <= Number.MAX_SAFE_INTEGER ? us : undefined;
}
