import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { highWaterKbOf } from '../../harness/executor/process-runner.js';
import { giveBackAllocatorEnvironment } from '../../harness/cli/allocator-environment.js';

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

/**
 * The calling process's own peak RSS in kB: VmHWM from /proc/self/status, else ru_maxrss. Not ru_maxrss first: Linux
 * carries it across fork and exec (exec keeps the old memory's high-water mark in the process's signal struct), so a
 * child spawned by a bench process that had already grown to 742 MB reported 742 MB for a 10,000-connection run.
 * VmHWM belongs to the memory the child's exec made, so it is the child's alone.
 */
export function ownPeakRssKb(): number {
  let status = '';
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    // no /proc: ru_maxrss, which overstates only when the parent was larger.
  }
  return highWaterKbOf(status) ?? process.resourceUsage().maxRSS;
}

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The environment bin/harness gives the harness: the assignments on its `#!/usr/bin/env -S` line (glibc's malloc
 * settings), with `${NAME}` expanded as env -S does from the user's environment (userEnvironment: this process's
 * without them, so that a bench already running with them gets the same), so that what a bench measures is the
 * harness as a user runs it.
 */
export function binEnvironment(): Promise<Record<string, string>> {
  binEnvironmentRead ??= readBinEnvironment();
  return binEnvironmentRead;
}

let binEnvironmentRead: Promise<Record<string, string>> | undefined;

async function readBinEnvironment(): Promise<Record<string, string>> {
  const shebang = (await readFile(path.join(repo, 'bin/harness'), 'utf8')).split('\n')[0] ?? '';
  const words = shebang.replace(/^#!\S+\s+-S\s+/, '').split(/\s+/);
  const users = userEnvironment();
  const expanded = (value: string): string => value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => users[name] ?? '');
  return Object.fromEntries(words.filter((w) => /^[A-Z_]+=/.test(w)).map((w) => [w.slice(0, w.indexOf('=')), expanded(w.slice(w.indexOf('=') + 1))]));
}

/** This process's environment without bin/harness's own settings: what the tools a user runs by hand start with. */
export function userEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  giveBackAllocatorEnvironment(env);
  return env;
}
