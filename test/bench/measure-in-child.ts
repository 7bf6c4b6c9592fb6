import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

/**
 * Runs a bench module again as its own child process (`node [nodeArgs] <module> --child ...args`), so that what
 * the child measures (its peak RSS above all) is its own, and reads the JSON the child prints as its last stdout
 * line. A child that fails or prints no JSON gives its last stderr (or stdout) lines as the error.
 */
export async function measureInChild<T>(moduleUrl: string, args: string[], options: { nodeArgs?: string[]; cwd?: string; env?: Record<string, string> } = {}): Promise<{ value: T } | { error: string }> {
  const child = await execa(process.execPath, [...(options.nodeArgs ?? []), fileURLToPath(moduleUrl), '--child', ...args], {
    reject: false,
    maxBuffer: 64 * 1024 * 1024,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  try {
    return { value: JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '') as T };
  } catch {
    return { error: (child.stderr || child.stdout).trim().split('\n').slice(-3).join(' / ') };
  }
}
