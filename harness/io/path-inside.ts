import path from 'node:path';

/**
 * Where `file` lies under `folder`, as a relative path ('' for the folder itself), or undefined when it lies
 * elsewhere. Both are resolved first (a trailing separator, `.` and `..` say nothing); a sibling that only shares a
 * prefix (/a/bc beside /a/b) is elsewhere, and so is nothing inside named `..something` wrongly. The paths are
 * compared as written: a caller that must see through links gives their realpaths.
 */
export function pathInside(folder: string, file: string): string | undefined {
  const relative = path.relative(path.resolve(folder), path.resolve(file));
  if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) return undefined;
  return relative;
}

/** `file` is `folder` itself or lies anywhere beneath it (see pathInside). */
export function isInside(folder: string, file: string): boolean {
  return pathInside(folder, file) !== undefined;
}
