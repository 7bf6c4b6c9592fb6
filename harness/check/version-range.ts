/**
 * Monitor versions compared as numbers, part by part (7.0.11 is above 7.0.9), the way suricata-verify gates its
 * checks with `min-version` / `lt-version`. Suites use `requires: { min: "7.0", below: "8" }`: min inclusive,
 * below exclusive; parts a version leaves out count as 0 (so `8` equals `8.0.0`).
 */
export interface VersionRange {
  min?: string;
  below?: string;
}

/** The leading dotted number of a version text (`3.0.8.2`, `7.0.11-debug` -> 7.0.11), or undefined. */
export function numericVersion(text: string): number[] | undefined {
  const match = /\d+(?:\.\d+)*/.exec(text);
  if (!match) return undefined;
  return match[0].split('.').map(Number);
}

export function isVersionText(text: string): boolean {
  return /^\d+(?:\.\d+)*$/.test(text.trim());
}

export function compareVersions(a: readonly number[], b: readonly number[]): number {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference < 0 ? -1 : 1;
  }
  return 0;
}

/** Undefined when the version satisfies the range; otherwise why not, in words. */
export function versionMismatch(version: string | undefined, range: VersionRange): string | undefined {
  if (range.min === undefined && range.below === undefined) return undefined;
  const wanted = describeVersionRange(range);
  const parsed = version === undefined ? undefined : numericVersion(version);
  if (!parsed) return `its version ${version === undefined ? 'is unknown' : `"${version}" has no number`}; required ${wanted}`;
  if (range.min !== undefined && compareVersions(parsed, numericVersion(range.min) ?? []) < 0) {
    return `version ${version} is below the required minimum ${range.min}`;
  }
  if (range.below !== undefined && compareVersions(parsed, numericVersion(range.below) ?? []) >= 0) {
    return `version ${version} is not below ${range.below}`;
  }
  return undefined;
}

/**
 * Whether a version gate's skip is the suite's choice: only when the version was read and is out of its range. A
 * version the runner could not read (a custom build, a `--version` that timed out on a loaded box) is the machine's
 * fault, which --fail-on-skip must fail: a runner that cannot tell its version checked nothing.
 */
export function gatedBySuite(version: string | undefined): boolean {
  return version !== undefined && numericVersion(version) !== undefined;
}

/** `>= 7.0 and < 8`. */
export function describeVersionRange(range: VersionRange): string {
  const parts: string[] = [];
  if (range.min !== undefined) parts.push(`>= ${range.min}`);
  if (range.below !== undefined) parts.push(`< ${range.below}`);
  return parts.join(' and ');
}
