import { runProcess } from '../executor/process-runner.js';
import { which } from '../executor/which.js';
import { preview } from '../core/text-lines.js';
import { oneLine } from '../core/input-error.js';

const VERSION_PROBE_MS = 15_000;
import type { Detection } from './monitor-adapter.js';

/**
 * Shared by every adapter's detect(): the binary named by the adapter's environment variable wins, else the first
 * of `commands` on PATH (and the sbin folders); the version is read from what `versionArgs` prints.
 */
export interface BinarySpec {
  envVar: string;
  commands: string[];
  versionArgs: string[];
  /** First capture group is the version. Tried on stdout, then stderr (argus prints usage on stderr). */
  versionPattern: RegExp;
  install: string;
  /** Some tools exit non-zero for their help/version text. */
  anyExitCode?: boolean;
}

export async function detectBinary(spec: BinarySpec, env: NodeJS.ProcessEnv): Promise<Detection> {
  const named = env[spec.envVar];
  let path: string | undefined;
  if (named) {
    path = await which(named, env);
    if (!path) {
      return { found: false, reason: `${spec.envVar}=${named} is not an executable file`, install: spec.install };
    }
  } else {
    for (const command of spec.commands) {
      path = await which(command, env);
      if (path) break;
    }
    if (!path) {
      return { found: false, reason: `${spec.commands.join(' / ')} not found on PATH (or set ${spec.envVar})`, install: spec.install };
    }
  }
  const probe = await runProcess([path, ...spec.versionArgs], { cwd: '/', timeoutMs: VERSION_PROBE_MS });
  const asked = `${path} ${spec.versionArgs.join(' ')}`;
  // A probe that hangs says nothing about whether the tool runs: it is found, its version unreadable.
  if (probe.timedOut) {
    return { found: true, path, version: 'unreadable (timed out)', versionWarning: `version unreadable (timed out): \`${asked}\` gave no answer in ${VERSION_PROBE_MS / 1000} s` };
  }
  const text = `${probe.stdout}\n${probe.stderr}`;
  const match = spec.versionPattern.exec(text);
  if (!match && !spec.anyExitCode && probe.exitCode !== 0) {
    // What a binary prints is quoted as escapes: a terminal escape in it reached the user's terminal (and the CI
    // log) through every line that names the monitor.
    return { found: false, reason: oneLine(`${asked} failed (exit ${String(probe.exitCode)}): ${probe.record.stderrTail}`), install: spec.install };
  }
  if (!match) {
    const said = text.trim().split('\n')[0] ?? '';
    return { found: true, path, version: 'unreadable', versionWarning: `version unreadable: \`${asked}\` printed ${said === '' ? 'nothing' : `"${preview(oneLine(said))}"`}, not ${String(spec.versionPattern)}` };
  }
  return { found: true, path, version: match[1] as string };
}
