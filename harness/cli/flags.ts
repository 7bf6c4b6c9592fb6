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

/** `takesPositionals: false` for a command that reads only flags: a stray word (a forgotten `--log`) is refused, not ignored. */
export function parseFlags(command: string, argv: string[], options: FlagSpec, takesPositionals = true): ParsedFlags {
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true, tokens: true });
    refuseRepeats(command, parsed.tokens, options);
    if (!takesPositionals && parsed.positionals.length > 0) {
      throw new InputError({ file: `harness ${command}`, line: 0, col: 0 }, `"${parsed.positionals[0]}", a word that is no flag's value`, `only flags (see harness ${command} --help)`);
    }
    // --out= (or --out "") gives an empty string, which no flag can use: a path "" is the current folder.
    for (const [name, value] of Object.entries(parsed.values)) {
      if (value === '' || (Array.isArray(value) && value.includes(''))) throw missingValue(command, `--${name}`);
    }
    return { values: parsed.values as ParsedFlags['values'], positionals: parsed.positionals };
  } catch (error) {
    if (error instanceof InputError) throw error;
    const message = (error as Error).message;
    const flag = /'(-[^']+)'/.exec(message)?.[1];
    const known = Object.keys(options).map((o) => `--${o}`).join(', ');
    if (/Unknown option/.test(message)) {
      throw new InputError({ file: `harness ${command}`, line: 0, col: 0 }, `unknown flag ${flag ?? message}`, `one of ${known} (see harness ${command} --help)`);
    }
    if (/argument missing/.test(message)) {
      const name = (flag ?? '').replace(/ <value>$/, '') || 'the flag';
      throw missingValue(command, name);
    }
    if (/is ambiguous/.test(message) && flag !== undefined) {
      const next = argv[argv.indexOf(flag) + 1];
      // --out --json: the next word is one of our flags, so the value was forgotten, not a value starting with "-".
      if (next !== undefined && /^--?[A-Za-z]/.test(next) && Object.keys(options).some((o) => next === `--${o}` || next.startsWith(`--${o}=`) || next === `-${options[o]?.short ?? '\0'}`)) {
        throw missingValue(command, flag);
      }
      // A value that starts with a dash (--time-limit -1s) looks like another flag to parseArgs.
      throw new InputError({ file: `harness ${command} ${flag}`, line: 0, col: 0 }, 'a value starting with "-"', `${flag}=<value> to pass it, or a value that does not start with "-" (see harness ${command} --help)`);
    }
    throw new InputError({ file: `harness ${command}`, line: 0, col: 0 }, message.replace(/\s*\n\s*/g, ' '), `valid flags (see harness ${command} --help)`);
  }
}

/**
 * A flag that takes one value, given twice (`--timeouts 5m --timeouts 1h`, a CI script that appends its own
 * `--out`): parseArgs keeps the last and drops the other silently, so the run swept or wrote something other than
 * what one of the two asked, at exit 0. A flag that may repeat says `multiple`; a repeated switch (--json) is harmless.
 */
function refuseRepeats(command: string, tokens: ReturnType<typeof parseArgs>['tokens'], options: FlagSpec): void {
  const seen = new Map<string, string>();
  for (const token of tokens ?? []) {
    if (token.kind !== 'option' || token.value === undefined) continue;
    const spec = options[token.name];
    if (spec === undefined || spec.type !== 'string' || spec.multiple) continue;
    const before = seen.get(token.name);
    if (before !== undefined) {
      throw new InputError(
        { file: `harness ${command} --${token.name}`, line: 0, col: 0 },
        `the flag twice ("${before}", then "${token.value}")`,
        `it once (see harness ${command} --help)`,
      );
    }
    seen.set(token.name, token.value);
  }
}

function missingValue(command: string, flag: string): InputError {
  return new InputError({ file: `harness ${command} ${flag}`, line: 0, col: 0 }, 'no value', `a value after ${flag} (see harness ${command} --help)`);
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
