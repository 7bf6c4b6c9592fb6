import { access, constants, stat } from 'node:fs/promises';
import path from 'node:path';

/** Resolves a command the way a shell would, also looking in the sbin folders where Debian puts daemons. */
export async function which(command: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (command.includes('/')) return (await isExecutable(command)) ? path.resolve(command) : undefined;
  const dirs = (env.PATH ?? '').split(':').filter(Boolean);
  for (const extra of ['/usr/local/sbin', '/usr/sbin', '/sbin']) if (!dirs.includes(extra)) dirs.push(extra);
  for (const dir of dirs) {
    const candidate = path.join(dir, command);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * A regular file (through links) the user may execute. access(X_OK) alone also passes a folder (its x bit is
 * "search"): `argus@/opt/argus/` was taken as the binary and every cell failed with "Permission denied" from exec.
 */
async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Why a named binary cannot be run, in words: what is there instead. */
export async function notExecutable(binary: string): Promise<string> {
  if (!binary.includes('/')) return `${binary} is not a command on PATH`;
  const kind = await stat(binary).then((s) => (s.isDirectory() ? 'is a folder, not an executable file' : s.isFile() ? 'is a file without execute permission' : 'is not a regular file'), () => 'does not exist');
  return `${binary} ${kind}`;
}
