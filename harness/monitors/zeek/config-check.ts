import { InputError } from '../../core/input-error.js';
import { preview } from '../../core/text-lines.js';

/**
 * The check of a team's Zeek script (a suite's `config:`, `harness score --config`) before anything runs. Without
 * it `--config /etc/passwd` (or a suricata.yaml given to the zeek sensor) was read as a script with no redef in it
 * and modelled as Zeek's defaults, at exit 0: a wrong answer about a sensor that cannot exist.
 *
 * The rule, meant to refuse only what Zeek itself would refuse, never a script it runs:
 *
 * - The file is cut into Zeek's tokens (comments from `#`, strings, /patterns/, numbers, names with `::`) and into
 *   top-level statements: each ends at a `;` outside brackets, or at the `}` closing the body of `event`,
 *   `function`, `hook`, `export`, `if`/`else`, `for`, `while`, `when` or `switch`. Brackets must pair up and
 *   strings close on their line.
 * - A line starting with `@` is a directive and must be one Zeek knows (@load, @load-sigs, @load-plugin, @unload,
 *   @prefixes, @if, @ifdef, @ifndef, @else, @endif, @deprecated, @pragma, @DEBUG); the rest of its line is
 *   Zeek's business (a path, a condition).
 * - Every statement starts with a Zeek keyword (module, export, global, const, option, redef, type, event,
 *   function, hook, print, if, else, for, while, when, switch, local, return, break, next, delete, add, schedule,
 *   assert) or is an expression statement: a name followed by `(`, `=`, `+=`, `-=`, `$`, `?$`, `[`, `++`, `--` or
 *   `;`. So `root:x:0:0:...`, `flow-timeouts:` (YAML), `ARGUS_TCP_TIMEOUT=60` (no `;`), `-t tcp=1h` or a JSON
 *   object are refused at the line and column where they stop being Zeek. What is inside a statement is not
 *   checked further: Zeek checks it when it runs.
 * - A redef of a timeout the model reads (tcp_/udp_/icmp_inactivity_timeout, dns_session_timeout, and each value
 *   in Conn::port_inactivity_timeouts / Conn::analyzer_inactivity_timeouts), at the top of the script or in an
 *   `export { }` block, whose value is a literal that is not an
 *   interval is refused: a bare number (`3600`, Zeek wants a unit), a unit Zeek has not got (`1 hour`, `5m`), a
 *   string. Zeek refuses those too. A value that is an expression (`2 * 1 hr`, `my_timeout`) is good Zeek the
 *   model cannot evaluate: it is kept, and the model makes no prediction for that script (timer-rule.ts says so in
 *   the report), rather than refusing a script Zeek runs.
 */
export function checkZeekScript(file: string, text: string): void {
  const tokens = tokenize(file, text);
  let start = 0;
  let stack: Token[] = [];
  // Open @if blocks: the brackets and statement as they were at the @if, restored at its @else, since only one
  // branch is Zeek's (`@if (...) function f() @else function g() @endif { ... }`).
  // After the @endif, the state the @if branch left, unless the statement it leaves open does not begin like one
  // (`@if ( F ) lalala @else event zeek_init() @endif { ... }`), then the @else branch's.
  const conditionals: { stack: Token[]; start: number; at: number; ifEnd?: { stack: Token[]; start: number; at: number } }[] = [];
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i] as Token;
    if (token.kind === 'directive') {
      if (token.text === 'if') conditionals.push({ stack: [...stack], start, at: i });
      const open = conditionals[conditionals.length - 1];
      if (token.text === 'else' && open !== undefined) {
        open.ifEnd = { stack, start, at: i };
        stack = [...open.stack];
        // A statement begun before the @if goes on in this branch too; otherwise the next one begins here.
        start = open.start === open.at ? i + 1 : open.start;
        continue;
      }
      if (token.text === 'endif' && open !== undefined) {
        conditionals.pop();
        const ifEnd = open.ifEnd;
        if (ifEnd !== undefined && ifEnd.start >= ifEnd.at) {
          stack = ifEnd.stack;
          start = i + 1;
        } else if (ifEnd !== undefined && beginsStatement(tokens, ifEnd.start)) {
          ({ stack, start } = ifEnd);
        }
      }
      if (start === i) start = i + 1;
      continue;
    }
    // A branch Zeek may skip is not read by Zeek: its statements are left to Zeek, only its brackets are followed.
    const checking = conditionals.length === 0;
    if (i === start) {
      if (checking) checkStatementStart(file, tokens, i);
      if (token.text === ';') {
        start = i + 1;
        continue;
      }
    }
    if (token.kind === 'punct' && OPENERS.has(token.text)) {
      stack.push(token);
      continue;
    }
    if (token.kind === 'punct' && CLOSERS.has(token.text)) {
      const open = stack.pop();
      if (open === undefined) throw at(file, token, `"${token.text}" with nothing open to close`, 'brackets that pair up');
      if (PAIRS[open.text] !== token.text) {
        throw at(file, token, `"${token.text}" closing the "${open.text}" opened at line ${open.line}, column ${open.col}`, `"${PAIRS[open.text] ?? ''}"`);
      }
      if (stack.length === 0 && token.text === '}' && BODY_STATEMENTS.has(tokens[start]?.text ?? '')) {
        if (checking) checkRedef(file, text, tokens.slice(start, i + 1));
        start = i + 1;
      }
      continue;
    }
    if (stack.length === 0 && token.text === ';' && token.kind === 'punct') {
      if (checking) checkRedef(file, text, tokens.slice(start, i + 1));
      start = i + 1;
    }
  }
  const open = stack[stack.length - 1];
  if (open !== undefined) throw at(file, open, `"${open.text}" never closed`, `its "${PAIRS[open.text] ?? ''}" before the end of the file`);
  const first = tokens[start];
  if (first !== undefined) throw at(file, first, `a statement ("${preview(lineText(text, first))}") that runs to the end of the file without its ";"`, 'every Zeek statement to end with ";"');
}

/** `directive`: an @if, @ifdef or @ifndef (text `if`), @else or @endif, which the statements are read across. */
type TokenKind = 'name' | 'number' | 'string' | 'pattern' | 'punct' | 'directive';

interface Token {
  kind: TokenKind;
  text: string;
  line: number;
  col: number;
  /** Offset in the text, for the line a message quotes. */
  index: number;
}

const KEYWORDS = new Set([
  'module', 'export', 'global', 'const', 'option', 'redef', 'type', 'event', 'function', 'hook', 'print', 'if', 'else',
  'for', 'while', 'when', 'switch', 'local', 'return', 'break', 'next', 'delete', 'add', 'schedule', 'assert', 'fallthrough',
]);
/** Statements that may end at the `}` of their body, without a `;`. */
const BODY_STATEMENTS = new Set(['{', 'event', 'function', 'hook', 'export', 'if', 'else', 'for', 'while', 'when', 'switch']);
/** What may follow the name an expression statement starts with. */
const AFTER_NAME = new Set(['(', '=', '+=', '-=', '$', '?$', '[', '++', '--', ';']);
const DIRECTIVES = new Set(['load', 'load-sigs', 'load-plugin', 'unload', 'prefixes', 'if', 'ifdef', 'ifndef', 'else', 'endif', 'deprecated', 'pragma', 'DEBUG']);
const OPENERS = new Set(['(', '[', '{']);
const CLOSERS = new Set([')', ']', '}']);
const PAIRS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
/** Tokens after which a `/` opens a pattern literal rather than dividing. */
const BEFORE_PATTERN = new Set(['=', '(', ',', '+=', '-=', '{', '[', 'in', '|', '&', '&&', '||', '==', '!=', '!', '?', ':', 'return']);
const TWO_CHAR = new Set(['+=', '-=', '?$', '++', '--', '==', '!=', '<=', '>=', '&&', '||', '->']);

const TIMER_KNOBS = new Set(['tcp_inactivity_timeout', 'udp_inactivity_timeout', 'icmp_inactivity_timeout', 'dns_session_timeout']);
const TABLE_KNOBS = new Set(['Conn::port_inactivity_timeouts', 'Conn::analyzer_inactivity_timeouts']);
/** Zeek's interval units (scan.l), each also with a plural s. */
const UNITS = ['usec', 'msec', 'sec', 'min', 'hr', 'day'];
const INTERVAL = `an interval: a number and one of Zeek's units ${UNITS.join(', ')} (or their plurals), e.g. 1 hr or 3600 sec`;

function at(file: string, token: Pick<Token, 'line' | 'col'>, found: string, expected: string): InputError {
  return new InputError({ file, line: token.line, col: token.col }, found, expected);
}

function lineText(text: string, token: Token): string {
  const begin = text.lastIndexOf('\n', token.index - 1) + 1;
  const end = text.indexOf('\n', token.index);
  return text.slice(begin, end < 0 ? text.length : end).trim();
}

function tokenize(file: string, text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  let atLineStart = true;
  const endOfLine = (from: number): number => {
    const end = text.indexOf('\n', from);
    return end < 0 ? text.length : end;
  };
  let lineEnd = endOfLine(0);
  const push = (kind: TokenKind, value: string, index: number): void => {
    tokens.push({ kind, text: value, line, col: index - lineStart + 1, index });
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '\n') {
      line += 1;
      lineStart = i + 1;
      lineEnd = endOfLine(lineStart);
      atLineStart = true;
      i += 1;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i += 1;
      continue;
    }
    if (c === '#') {
      i = lineEnd;
      continue;
    }
    if (c === '@') {
      const word = /^@([A-Za-z][\w-]*)/.exec(text.slice(i, lineEnd))?.[1] ?? '';
      if (atLineStart) {
        if (!DIRECTIVES.has(word)) {
          throw at(file, { line, col: i - lineStart + 1 }, `"${preview(text.slice(i, lineEnd).trim())}"`, 'a Zeek directive (@load, @load-sigs, @load-plugin, @unload, @prefixes, @if, @ifdef, @ifndef, @else, @endif, @deprecated, @pragma) or a Zeek statement');
        }
        if (word === 'if' || word === 'ifdef' || word === 'ifndef') push('directive', 'if', i);
        if (word === 'else' || word === 'endif') push('directive', word, i);
        const paren = text.indexOf('(', i);
        if ((word === 'if' || word === 'ifdef' || word === 'ifndef') && paren >= 0 && paren < lineEnd) {
          // `@if ( a ||\n b )`: the condition runs on until its parentheses close.
          let depth = 0;
          let j = paren;
          for (; j < text.length; j += 1) {
            const d = text[j];
            if (d === '(') depth += 1;
            else if (d === ')') depth -= 1;
            else if (d === '\n') {
              line += 1;
              lineStart = j + 1;
              lineEnd = endOfLine(lineStart);
            }
            if (depth === 0) break;
          }
          i = j + 1;
        } else {
          i = lineEnd;
        }
        continue;
      }
      // @DIR, @FILENAME inside an expression.
      push('name', `@${word}`, i);
      i += word.length + 1;
      continue;
    }
    atLineStart = false;
    if (c === '"') {
      let j = i + 1;
      while (j < lineEnd && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= lineEnd) throw at(file, { line, col: i - lineStart + 1 }, `a string without its closing quote: ${preview(text.slice(i, lineEnd).trim())}`, 'a Zeek string closed on its line');
      push('string', text.slice(i, j + 1), i);
      i = j + 1;
      continue;
    }
    const previous = tokens[tokens.length - 1];
    if (c === '/' && (previous === undefined || BEFORE_PATTERN.has(previous.text))) {
      let j = i + 1;
      while (j < lineEnd && text[j] !== '/') j += text[j] === '\\' ? 2 : 1;
      if (j < lineEnd) {
        push('pattern', text.slice(i, j + 1), i);
        i = j + 1;
        continue;
      }
    }
    const name = /^[A-Za-z_][A-Za-z_0-9]*(?:::[A-Za-z_][A-Za-z_0-9]*)*/.exec(text.slice(i, Math.min(lineEnd, i + 512)))?.[0];
    if (name !== undefined) {
      push('name', name, i);
      i += name.length;
      continue;
    }
    // A number, address, port (22/tcp) or subnet (10.0.0.0/8); its unit, if any, is the next token.
    const number = /^(?:\d+(?:\.\d+)*(?:[eE][+-]?\d+)?|\.\d+)(?:\/(?:tcp|udp|icmp|unknown|\d+)\b)?/.exec(text.slice(i, Math.min(lineEnd, i + 512)))?.[0];
    if (number !== undefined) {
      push('number', number, i);
      i += number.length;
      continue;
    }
    const two = text.slice(i, i + 2);
    const op = TWO_CHAR.has(two) ? two : c;
    push('punct', op, i);
    i += op.length;
  }
  return tokens;
}

function beginsStatement(tokens: Token[], i: number): boolean {
  try {
    checkStatementStart('', tokens, i);
    return true;
  } catch {
    return false;
  }
}

function checkStatementStart(file: string, tokens: Token[], i: number): void {
  const token = tokens[i] as Token;
  if (token.text === ';' || token.text === '++' || token.text === '--') return;
  // A block `{ ... }` at the top (Zeek takes it): what it holds must begin a statement too, so a JSON object does not pass.
  if (token.text === '{') {
    if (tokens[i + 1]?.text !== '}') checkStatementStart(file, tokens, i + 1);
    return;
  }
  if (token.kind === 'name' && KEYWORDS.has(token.text)) return;
  const next = tokens[i + 1];
  if (token.kind === 'name' && !token.text.startsWith('@') && next !== undefined && AFTER_NAME.has(next.text)) return;
  const found = token.kind === 'name' && next !== undefined ? `"${token.text}" followed by "${shown(next.text)}"` : shown(token.text, true);
  throw at(file, token, `${found}, which does not begin a Zeek statement`, 'a Zeek script: statements such as @load ..., redef tcp_inactivity_timeout = 1 hr;, event zeek_init() { ... }, each ending with ";" or a "}" body');
}

/** A token as a message shows it: a character that prints as nothing (a byte-order mark, a control) by its code. */
function shown(text: string, quoted = false): string {
  const code = text.codePointAt(0) ?? 0;
  if (text.length <= 2 && (code < 0x21 || (code > 0x7e && code < 0xa1) || code === 0xfeff || code === 0xfffd)) {
    const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
    return code === 0xfeff ? `the character ${hex} (a byte-order mark, which Zeek does not read)` : `the character ${hex}`;
  }
  return quoted ? `"${text}"` : text;
}

/** A redef of a timeout the model reads: its literal value must be an interval (see the rule above). */
function checkRedef(file: string, text: string, statement: Token[]): void {
  if (statement[0]?.text === 'export') {
    // `export { redef ...; }`: each redef at the block's own level.
    let depth = 0;
    let begin = -1;
    for (let i = 0; i < statement.length; i += 1) {
      const t = statement[i] as Token;
      if (t.kind === 'punct' && OPENERS.has(t.text)) depth += 1;
      else if (t.kind === 'punct' && CLOSERS.has(t.text)) depth -= 1;
      else if (depth === 1 && begin < 0 && t.text === 'redef') begin = i;
      else if (depth === 1 && begin >= 0 && t.text === ';') {
        checkRedef(file, text, statement.slice(begin, i + 1));
        begin = -1;
      }
    }
    return;
  }
  if (statement[0]?.text !== 'redef') return;
  const name = statement[1]?.text ?? '';
  const value = statement.slice(3, statement[statement.length - 1]?.text === ';' ? -1 : undefined);
  if (TIMER_KNOBS.has(name)) checkInterval(file, text, name, value);
  else if (TABLE_KNOBS.has(name) && value[0]?.text === '{') {
    // Each `= value` at the table's own level, up to the next `,` or the closing `}`.
    let depth = 0;
    for (let i = 0; i < value.length; i += 1) {
      const t = value[i] as Token;
      if (OPENERS.has(t.text)) depth += 1;
      else if (CLOSERS.has(t.text)) depth -= 1;
      else if (depth === 1 && t.text === '=') {
        let j = i + 1;
        while (j < value.length && !(value[j]?.text === ',' || value[j]?.text === '}')) j += 1;
        checkInterval(file, text, `${name} entry`, value.slice(i + 1, j));
        i = j - 1;
      }
    }
  }
}

function checkInterval(file: string, text: string, what: string, value: Token[]): void {
  const [first, second] = value;
  const last = value[value.length - 1];
  if (first === undefined || last === undefined) return;
  const said = text.slice(first.index, last.index + last.text.length);
  const isUnit = (t: Token | undefined): boolean => t?.kind === 'name' && UNITS.some((u) => t.text === u || t.text === `${u}s`);
  if (first.kind === 'string') throw at(file, first, `${what} = ${preview(said)}, a string`, INTERVAL);
  if (first.kind !== 'number') return; // An expression: good Zeek the model does not evaluate (no prediction).
  if (value.length === 1) throw at(file, first, `${what} = ${preview(said)}, a number without a unit`, INTERVAL);
  if (value.length === 2 && second?.kind === 'name' && !isUnit(second)) throw at(file, second, `${what} = ${preview(said)}, with the unit "${second.text}"`, INTERVAL);
}
