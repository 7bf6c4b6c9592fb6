/**
 * An InputError is the one kind of failure a user can fix by editing what they gave us: a scenario, a suite,
 * a flag, a monitor config, a log to score. The CLI prints its message alone (no stack) and exits 2.
 */
export interface SourcePosition {
  /** Path as the user named it, or a label such as `--timeouts` for a flag. */
  file: string;
  /** 1-based; 0 when the input has no lines (a flag). */
  line: number;
  /** 1-based; 0 when unknown. */
  col: number;
}

export class InputError extends Error {
  readonly exitCode = 2;
  constructor(
    readonly where: SourcePosition,
    readonly found: string,
    readonly expected: string,
  ) {
    super(formatInputError(where, found, expected));
    this.name = 'InputError';
  }
}

export function formatInputError(where: SourcePosition, found: string, expected: string): string {
  const place = where.line > 0 ? `${where.file}:${where.line}:${where.col > 0 ? where.col : 1}` : where.file;
  return `${place}: found ${found}; expected ${expected}`;
}

export function isInputError(value: unknown): value is InputError {
  return value instanceof InputError;
}
