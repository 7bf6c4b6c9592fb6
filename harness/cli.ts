import { isInputError, oneLine } from './core/input-error.js';
import { RunFolderGone } from './io/run-folder.js';
import { GENERATE_HELP, generateCommand } from './cli/generate-command.js';
import { RUN_HELP, runCommand } from './cli/run-command.js';
import { REPORT_HELP, reportCommand } from './cli/report-command.js';
import { SCORE_HELP, scoreCommand } from './cli/score-command.js';
import { MONITORS_HELP, monitorsCommand } from './cli/monitors-command.js';
import { CHECK_HELP, checkCommand } from './cli/check-command.js';
import { MERGE_HELP, mergeCommand } from './cli/merge-command.js';
import { harnessVersion } from './pipeline/version.js';
import { handleOutputStreamErrors } from './cli/output-stream-errors.js';
import { installSignalHandlers } from './cli/interrupt.js';
import { displayPath, pathProblem } from './io/read-input.js';
export { giveBackAllocatorEnvironment } from './cli/allocator-environment.js';

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; help: string }> = {
  run: { run: runCommand, help: RUN_HELP },
  generate: { run: generateCommand, help: GENERATE_HELP },
  check: { run: checkCommand, help: CHECK_HELP },
  merge: { run: mergeCommand, help: MERGE_HELP },
  score: { run: scoreCommand, help: SCORE_HELP },
  report: { run: reportCommand, help: REPORT_HELP },
  monitors: { run: monitorsCommand, help: MONITORS_HELP },
};

export const MAIN_HELP = `harness ${harnessVersion()} — do your network monitors report long, quiet connections truthfully?

Monitors expire a connection after an inactivity timeout, so a connection silent for longer is cut into fragments
and a long-connection hunt never sees it. harness generates pcaps with controlled quiet periods and exact ground
truth, runs real monitors on them under a sweep of timeout settings, and scores what they report.

Usage:
  harness run <scenario.yaml | capture.pcap>... [--monitors ...] [--timeouts default,5m,1h,4h] [--out DIR] [--shard i/n]
  harness generate <scenario.yaml>... [--out DIR]
  harness check <suite.yaml> [--junit FILE] [--md FILE] [--update-baseline] [--shard i/n]
  harness merge <partial>... [--out DIR]
  harness score --truth <x.truth.json> --monitor <id> --log <file>
  harness report <results.json> [--format md|html|junit|json|text]
  harness monitors [--calibrate]

harness <command> --help explains every flag. Exit status: 0 ok, 1 a check failed (or the machine failed: disk full), 2 bad input, 130 interrupted.`;

export async function main(argv: string[]): Promise<number> {
  // First, before any await: a signal while the monitors' versions were probed or the inputs read killed the harness
  // silently with 143 (SIGTERM) or 129 (SIGHUP); bin/harness covers the loading of this module before it.
  installSignalHandlers();
  const [name, ...rest] = argv;
  handleOutputStreamErrors();
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      const topic = name === 'help' ? rest[0] : undefined;
      process.stdout.write(`${topic && COMMANDS[topic] ? COMMANDS[topic].help : MAIN_HELP}\n`);
      return name === undefined ? 2 : 0;
    }
    if (name === '--version' || name === '-V') {
      process.stdout.write(`${harnessVersion()}\n`);
      return 0;
    }
    const command = COMMANDS[name];
    if (!command) {
      process.stderr.write(`harness: found command "${oneLine(name)}"; expected one of ${Object.keys(COMMANDS).join(', ')} (harness --help)\n`);
      return 2;
    }
    return await command.run(rest);
  } catch (error) {
    if (isInputError(error)) {
      process.stderr.write(`harness: ${error.message}\n`);
      return 2;
    }
    // The run folder went during the run: the machine failed the run, not the user's input.
    if (error instanceof RunFolderGone) {
      process.stderr.write(`harness: ${oneLine(error.message)}\n`);
      return 1;
    }
    // A path the user gave that is missing, a folder, too long...: theirs to fix, in one line (exit 2).
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    const problem = pathProblem(code);
    const file = (error as NodeJS.ErrnoException | undefined)?.path;
    if (error instanceof Error && problem !== undefined && typeof file === 'string') {
      process.stderr.write(`harness: ${oneLine(displayPath(file))}: found ${problem} (${(error as NodeJS.ErrnoException).syscall ?? 'open'} failed); expected a path that can be ${(error as NodeJS.ErrnoException).syscall === 'open' || (error as NodeJS.ErrnoException).syscall === 'read' ? 'read' : 'used'}\n`);
      return 2;
    }
    // The machine failed us (disk full, I/O error, descriptor limit): its message says it all; a stack would not.
    if (error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && (error as NodeJS.ErrnoException).syscall !== undefined) {
      process.stderr.write(`${machineFailureText(error)}\n`);
      return 1;
    }
    throw error;
  }
}

/** The machine failed us (disk full, I/O error): its own words, and the file when the error knows it but not its message. */
export function machineFailureText(error: NodeJS.ErrnoException): string {
  const file = error.path;
  const where = typeof file === 'string' && !error.message.includes(file) ? ` (${displayPath(file)})` : '';
  return `harness: ${oneLine(`${error.message}${where}`)}`;
}
