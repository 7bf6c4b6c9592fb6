import { execa } from 'execa';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from dist/test/support/. */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** Real Zeek 7.0.11 and Suricata 7.0.17 outputs, copied into the repository (test/fixtures/real/README.md). */
export const REAL_FIXTURES = path.join(REPO, 'test/fixtures/real');
export const BIN = path.join(REPO, 'bin/harness');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI as a user would, with colour off. */
export async function harness(args: string[], options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const result = await execa(BIN, args, {
    cwd: options.cwd ?? REPO,
    env: { NO_COLOR: '1', ...options.env },
    reject: false,
    timeout: options.timeoutMs ?? 600_000,
    stdin: 'ignore',
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/**
 * Waits until a process started by `rootPid` (at any depth) has `pattern` in its command line: a signal sent after a
 * fixed delay lands before the handler is installed or the stage is reached when the machine is loaded.
 */
export async function waitForDescendant(rootPid: number, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ps = await execa('ps', ['-e', '-o', 'pid=,ppid=,args='], { reject: false });
    const parent = new Map<number, number>();
    const args = new Map<number, string>();
    for (const line of String(ps.stdout).split('\n')) {
      const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
      if (m === null) continue;
      parent.set(Number(m[1]), Number(m[2]));
      args.set(Number(m[1]), m[3] ?? '');
    }
    for (const [pid, cmd] of args) {
      if (!pattern.test(cmd)) continue;
      for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === rootPid) return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no process matching ${String(pattern)} under pid ${rootPid} within ${timeoutMs} ms`);
}

/** Polls `test` every 100 ms, `tries` times (a minute by default), and throws naming `what` if it never holds. */
export async function waitFor(what: string, test: () => Promise<boolean>, tries = 600): Promise<void> {
  for (let i = 0; i < tries; i += 1) {
    if (await test()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** Waits (up to a minute) for `file` to exist. */
export async function waitForFile(file: string): Promise<void> {
  await waitFor(file, () => access(file).then(() => true, () => false));
}
