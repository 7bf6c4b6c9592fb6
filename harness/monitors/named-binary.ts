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
 * Refuses a HARNESS_<ID> variable of `adapters` (the monitors a command is about to detect), or of a helper binary
 * they run (HARNESS_NFCAPD), that names no executable file. An empty variable counts as unset, as detection reads it.
 * `helpersOnly`: for monitors whose own binary is named otherwise (id@binary, a suite's binary:).
 */
export async function refuseBadBinaryVariables(adapters: readonly MonitorAdapter[], env: NodeJS.ProcessEnv = process.env, helpersOnly = false): Promise<void> {
  for (const adapter of adapters) {
    const own = helpersOnly ? [] : [{ envVar: adapter.envVar, command: adapter.id }];
    for (const { envVar, command } of [...own, ...(adapter.helperBinaries ?? [])]) {
      const named = env[envVar];
      if (named === undefined || named === '') continue;
      await refuseUnrunnableBinary(
        named,
        `environment variable ${envVar}`,
        named,
        `the path of an installed ${command} binary (${envVar}=/path/to/${command}), or ${envVar} unset for the ${command} on PATH`,
        env,
      );
    }
  }
}
