import { InputError } from '../core/input-error.js';
import { notExecutable, which } from '../executor/which.js';
import type { MonitorAdapter } from './monitor-adapter.js';

/**
 * A binary the user names for a monitor, on the command line (`--monitors argus@/opt/argus/sbin/argus`) or in the
 * monitor's HARNESS_<ID> variable, is that exact binary: one that is not there (no file, a folder, no execute
 * permission, no such command on PATH) is bad input (exit 2), naming what was given. Skipping it at exit 0 as "not
 * installed" ran the sweep without the monitor the user asked for, and the run said OK. Only a monitor the user
 * named nowhere and PATH lacks is skipped, with its install command; and a suite's `binary:` that is not on this
 * machine skips its sensor (run-check.ts), since a suite travels between machines.
 */
export async function refuseUnrunnableBinary(binary: string, where: string, given: string, expected: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if ((await which(binary, env)) !== undefined) return;
  throw new InputError({ file: where, line: 0, col: 0 }, `"${given}": ${await notExecutable(binary)}`, expected);
}

/**
 * Refuses a HARNESS_<ID> variable of `adapters` (the monitors a command is about to detect) that names no executable
 * file. An empty variable counts as unset, as detection reads it.
 */
export async function refuseBadBinaryVariables(adapters: readonly MonitorAdapter[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  for (const adapter of adapters) {
    const named = env[adapter.envVar];
    if (named === undefined || named === '') continue;
    await refuseUnrunnableBinary(
      named,
      `environment variable ${adapter.envVar}`,
      named,
      `the path of an installed ${adapter.id} binary (${adapter.envVar}=/path/to/${adapter.id}), or ${adapter.envVar} unset for the ${adapter.id} on PATH`,
      env,
    );
  }
}
