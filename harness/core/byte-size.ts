/**
 * Sizes as people write them on a command line: `500MB`, `4GB`, `2GiB`, `1.5TB`, or a bare number of bytes.
 * Decimal units are powers of 1000 and binary ones (KiB, MiB...) of 1024, as disks and ls -h --si count.
 */
const UNITS: Record<string, number> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, pb: 1e15,
  k: 1e3, m: 1e6, g: 1e9, t: 1e12,
  kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4, pib: 1024 ** 5,
};

/** Bytes, or undefined when `text` is not a size. */
export function parseByteSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = UNITS[(m[2] ?? '').toLowerCase() || 'b'];
  if (unit === undefined) return undefined;
  const bytes = Math.round(Number(m[1]) * unit);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** `1.2 GB`, `740 MB`, `12 kB`: three significant figures at most, decimal units. */
export function formatByteSize(bytes: number): string {
  const units: [number, string][] = [[1e15, 'PB'], [1e12, 'TB'], [1e9, 'GB'], [1e6, 'MB'], [1e3, 'kB']];
  for (const [size, name] of units) {
    if (bytes >= size) return `${Number((bytes / size).toPrecision(3))} ${name}`;
  }
  return `${Math.round(bytes)} bytes`;
}
