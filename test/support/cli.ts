import { execa } from 'execa';
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
