import { readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * Expands a path pattern relative to `baseDir`: `*` and `?` within one path segment, `**` for any number of
 * folders. Node 20 has no fs.glob, and a suite needs no more than this. Results are absolute and sorted, so runs
 * (and baselines) do not depend on directory order.
 */
export async function expandGlob(pattern: string, baseDir: string): Promise<string[]> {
  const absolute = path.resolve(baseDir, pattern);
  if (!/[*?]/.test(absolute)) return [absolute];
  const { root } = path.parse(absolute);
  const segments = absolute.slice(root.length).split(path.sep).filter((s) => s !== '');
  const found = new Set<string>();
  await walk(root, segments, found);
  return [...found].sort();
}

async function walk(dir: string, segments: string[], found: Set<string>): Promise<void> {
  const [head, ...rest] = segments;
  if (head === undefined) {
    found.add(dir);
    return;
  }
  if (!/[*?]/.test(head)) {
    if (rest.length === 0) {
      if (await exists(dir, head)) found.add(path.join(dir, head));
      return;
    }
    await walk(path.join(dir, head), rest, found);
    return;
  }
  const entries = await list(dir);
  if (head === '**') {
    await walk(dir, rest, found);
    for (const entry of entries) if (entry.isDirectory() && !entry.name.startsWith('.')) await walk(path.join(dir, entry.name), segments, found);
    return;
  }
  const matcher = segmentMatcher(head);
  for (const entry of entries) {
    if (!matcher.test(entry.name) || (entry.name.startsWith('.') && !head.startsWith('.'))) continue;
    if (rest.length === 0) {
      if (entry.isFile() || entry.isSymbolicLink()) found.add(path.join(dir, entry.name));
    } else if (entry.isDirectory()) await walk(path.join(dir, entry.name), rest, found);
  }
}

function segmentMatcher(segment: string): RegExp {
  const body = segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

async function list(dir: string): Promise<import('node:fs').Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

async function exists(dir: string, name: string): Promise<boolean> {
  return (await list(dir)).some((e) => e.name === name);
}
