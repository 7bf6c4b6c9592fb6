import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError } from '../core/input-error.js';

/**
 * node:util parseArgs, but a wrong flag becomes an InputError naming the command and the flag, so the user sees
 * one line and exit code 2, never a stack.
 */
export type FlagSpec = NonNullable<ParseArgsConfig['options']>;

export interface ParsedFlags {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function parseFlags(command: string, argv: string[], options: FlagSpec): ParsedFlags {
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: parsed.values as ParsedFlags['values'], positionals: parsed.positionals };
  } catch (error) {
    const message = (error as Error).message;
    const flag = /'(-[^']+)'/.exec(message)?.[1];
    const known = Object.keys(options).map((o) => `--${o}`).join(', ');
    if (/Unknown option/.test(message)) {
      throw new InputError({ file: `harness ${command}`, line: 0, col: 0 }, `unknown flag ${flag ?? message}`, `one of ${known} (see harness ${command} --help)`);
    }
    if (/argument missing/.test(message)) {
      throw new InputError({ file: `harness ${command}`, line: 0, col: 0 }, `${flag ?? 'a flag'} without its value`, `${flag ?? 'the flag'} <value> (see harness ${command} --help)`);
    }
    if (/is ambiguous/.test(message) && flag !== undefined) {
      // A value that starts with a dash (--time-limit -1s) looks like another flag to parseArgs.
      throw new InputError({ file: `harness ${command} ${flag}`, line: 0, col: 0 }, 'a value starting with "-"', `${flag}=<value> to pass it, or a value that does not start with "-" (see harness ${command} --help)`);
    }
    throw new InputError({ file: `harness ${command}`, line: 0, col: 0 }, message.replace(/\s*\n\s*/g, ' '), `valid flags (see harness ${command} --help)`);
  }
}

export function stringFlag(flags: ParsedFlags, name: string): string | undefined {
  const value = flags.values[name];
  return typeof value === 'string' ? value : undefined;
}

export function boolFlag(flags: ParsedFlags, name: string): boolean {
  return flags.values[name] === true;
}

export function flagError(command: string, flag: string, found: string, expected: string): InputError {
  return new InputError({ file: `harness ${command} --${flag}`, line: 0, col: 0 }, found, expected);
}
