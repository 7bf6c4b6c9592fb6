/**
 * Sizes as a user writes them on the command line (`--max-output 1GB`, `512MB`, `64KB`, `4096`): binary units,
 * since they bound files and memory.
 */
const UNITS: Record<string, number> = { '': 1, B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** Bytes, or undefined when the text is not a positive size. */
export function parseByteSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?B?)$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = UNITS[(m[2] as string).toUpperCase().replace(/^([KMGT])$/, '$1B')];
  if (unit === undefined) return undefined;
  const bytes = Math.floor(Number(m[1]) * unit);
  return bytes > 0 && Number.isSafeInteger(bytes) ? bytes : undefined;
}

export function formatBytes(bytes: number): string {
  for (const unit of ['TB', 'GB', 'MB', 'KB'] as const) {
    const size = UNITS[unit] as number;
    if (bytes >= size && bytes % (size / 1024) === 0) return `${Number((bytes / size).toFixed(2))} ${unit}`;
  }
  return `${bytes} bytes`;
}
