/**
 * A number as a flag gives it (`--speedup 2.5`, `--jobs 4`): decimal digits, an optional fraction and an optional
 * exponent (`2`, `2.5`, `2e0`, `1.5E3`), the JSON number grammar without a sign. Undefined for anything else, including
 * what Number() also takes (`0x10`, `0b11`, `Infinity`, `" 2"`, `""`) and a value too large for a double (`1e309`).
 * Every flag that takes a plain number reads it here, so that `2e0` is not a number to one flag and a typo to another;
 * each caller then checks its own range and whether it must be whole.
 */
export function flagNumber(text: string): number | undefined {
  if (!/^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** flagNumber when it is a whole number from `min` to `max` (`6e1` is 60; `2.5` is not whole). */
export function wholeFlagNumber(text: string, min: number, max: number): number | undefined {
  const n = flagNumber(text);
  return n !== undefined && Number.isInteger(n) && n >= min && n <= max ? n : undefined;
}
