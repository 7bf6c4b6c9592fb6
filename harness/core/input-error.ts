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

/**
 * Input that reads well as far as it goes but says itself that it is cut short (a count in its header it does not
 * hold): a monitor that exited 0 when the disk filled. A run's cell fails as "output incomplete", not "unreadable".
 */
export class IncompleteInputError extends InputError {
  constructor(where: SourcePosition, found: string, expected: string) {
    super(where, found, expected);
    this.name = 'IncompleteInputError';
  }
}

export function formatInputError(where: SourcePosition, found: string, expected: string): string {
  const file = oneLine(where.file);
  const place = where.line > 0 ? `${file}:${where.line}:${where.col > 0 ? where.col : 1}` : file;
  return `${place}: found ${oneLine(found)}; expected ${oneLine(expected)}`;
}

/**
 * Control characters a user's input carried into a message (a scenario in UTF-16, a block scalar's newline, binary
 * bytes in a log, a path with a newline), written as escapes: the message stays one line, and no escape sequence
 * from a file reaches the user's terminal. A tab is kept: it breaks no line and the tshark header names use it.
 */
export function oneLine(text: string): string {
  return text.replace(CONTROL, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** C0 and C1 controls, line and paragraph separators, and bidirectional overrides (U+202A-202E, U+2066-2069) that reorder what follows. */
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\0': '\\0' };

export function isInputError(value: unknown): value is InputError {
  return value instanceof InputError;
}
