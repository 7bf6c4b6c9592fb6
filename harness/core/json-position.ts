import { InputError } from './input-error.js';

/**
 * Where JSON text first goes wrong, as line, column and what was found there, for an InputError. V8's messages
 * name no position for some errors (`Unexpected token '}'`, a byte-order mark) and the YAML parser accepts much that
 * JSON does not, so both sent users to the end of the file; this scanner follows the JSON grammar (RFC 8259) and
 * stops at the first character that breaks it. It runs only after JSON.parse failed (or
 * duplicateKeyProblem counted a key twice), so it need not be fast.
 */
export interface JsonProblem {
  line: number;
  col: number;
  found: string;
}

export function jsonErrorPosition(text: string, _error?: unknown): JsonProblem {
  const problem = firstJsonProblem(text) ?? { offset: text.length, found: 'text that is not JSON' };
  return { ...lineAndColumn(text, problem.offset), found: problem.found };
}

/** 1-based line and column of a character offset in `text`. */
export function lineAndColumn(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let at = text.indexOf('\n'); at >= 0 && at < offset; at = text.indexOf('\n', at + 1)) {
    line += 1;
    lineStart = at + 1;
  }
  return { line, col: offset - lineStart + 1 };
}

/**
 * Where `text`, already parsed by JSON.parse into `value`, gives a key twice in one object (JSON.parse kept the last
 * silently); undefined when every object's keys are distinct. A truth.json of 60 MB is checked on every read, and
 * firstJsonProblem's character-by-character walk with a set of keys per object took three times as long as the
 * parse itself; so the keys are counted first, in the text (every occurrence) and in the parsed value (each distinct
 * key once). JSON.parse makes one object per object of the text, so equal counts mean no object repeats a key;
 * only a file that does is walked again to say where.
 */
export function duplicateKeyProblem(text: string, value: unknown): { offset: number; found: string } | undefined {
  if (keysInText(text) === keysInValue(value)) return undefined;
  // The walk decides: the counting only spares it to a file that repeats no key.
  return firstJsonProblem(text, true);
}

/**
 * Refuses one line of a monitor's JSON log (Zeek's conn.log, Suricata's eve.json) that gives a key twice in one
 * object: JSON.parse kept the last silently, so `"duration": 5.0, ..., "duration": 3600.0` was scored as an hour
 * at exit 0. `line` is the whole line as read (leading spaces count for the column), `value` what it parsed to.
 */
export function refuseRepeatedKey(line: string, value: unknown, file: string, lineNo: number, expected: string): void {
  const duplicate = duplicateKeyProblem(line, value);
  if (duplicate !== undefined) throw new InputError({ file, line: lineNo, col: duplicate.offset + 1 }, duplicate.found, expected);
}

/**
 * How many keys valid JSON text gives, counting each occurrence: strings followed by ":". Strings are skipped with
 * indexOf (native), not character by character; outside them a '"' can only open the next string.
 */
export function keysInText(text: string): number {
  let keys = 0;
  let at = text.indexOf('"');
  while (at >= 0) {
    let end = text.indexOf('"', at + 1);
    // A quote after an odd number of backslashes is part of the string.
    while (end > 0 && text.charCodeAt(end - 1) === BACKSLASH) {
      let first = end - 1;
      while (text.charCodeAt(first - 1) === BACKSLASH) first -= 1;
      if ((end - first) % 2 === 0) break;
      end = text.indexOf('"', end + 1);
    }
    if (end < 0) return keys;
    let next = end + 1;
    let ch = text.charCodeAt(next);
    while (ch === 0x20 || ch === 0x0a || ch === 0x0d || ch === 0x09) ch = text.charCodeAt((next += 1));
    if (ch === 0x3a) keys += 1;
    at = text.indexOf('"', next);
  }
  return keys;
}

/** How many keys the objects of a parsed JSON value hold (a key given twice in the text is held once). */
export function keysInValue(value: unknown): number {
  let keys = 0;
  // A stack, not recursion: JSON.parse accepts nesting deeper than the call stack.
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item !== 'object' || item === null) continue;
    if (Array.isArray(item)) {
      for (const element of item) if (typeof element === 'object' && element !== null) stack.push(element);
      continue;
    }
    // JSON.parse makes plain objects: for-in sees their own keys ("__proto__" included) and nothing inherited.
    for (const key in item) {
      keys += 1;
      const child = (item as Record<string, unknown>)[key];
      if (typeof child === 'object' && child !== null) stack.push(child);
    }
  }
  return keys;
}

const BACKSLASH = 0x5c;

class Stop {
  constructor(readonly offset: number, readonly found: string) {}
}

/**
 * The offset of the first character that is not JSON, and what it is; undefined for valid JSON. With
 * `duplicateKeys`, a key given twice in one object is a problem too: JSON.parse keeps the last silently, so a
 * hand-merged baseline with `"fragments": 1, ..., "fragments": 9` was read as 9 without a word.
 */
export function firstJsonProblem(text: string, duplicateKeys = false): { offset: number; found: string } | undefined {
  let at = 0;
  const describe = (offset: number): string => {
    if (offset >= text.length) return 'the end of the file';
    const ch = text[offset] as string;
    if (ch === '\uFEFF') return 'a byte-order mark (U+FEFF), which JSON does not allow';
    const code = ch.charCodeAt(0);
    return code < 0x20 ? `control character U+${code.toString(16).padStart(4, '0').toUpperCase()}` : `"${ch}"`;
  };
  const fail = (offset: number, what?: string): never => {
    throw new Stop(offset, what ?? describe(offset));
  };
  const space = (): void => {
    while (at < text.length && ' \t\n\r'.includes(text[at] as string)) at += 1;
  };
  const string = (): void => {
    at += 1;
    for (;;) {
      if (at >= text.length) fail(at, 'the end of the file inside a string');
      const ch = text[at] as string;
      if (ch === '"') { at += 1; return; }
      if (ch.charCodeAt(0) < 0x20) fail(at, `${describe(at)} inside a string (write it as an escape such as \\n)`);
      if (ch === '\\') {
        const next = text[at + 1];
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) fail(at, 'a \\u escape without four hex digits');
          at += 6;
        } else if (next !== undefined && '"\\/bfnrt'.includes(next)) at += 2;
        else fail(at, `an unknown escape "\\${next ?? ''}"`);
      } else at += 1;
    }
  };
  const number = (): void => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(at, at + 400));
    if (!match || match[0] === '' || match[0] === '-') fail(at);
    at += (match as RegExpExecArray)[0].length;
  };
  const value = (depth: number): void => {
    if (depth > 5000) fail(at, 'nesting deeper than 5000 levels');
    space();
    const ch = text[at];
    if (ch === '{') {
      at += 1;
      space();
      if (text[at] === '}') { at += 1; return; }
      const keys = duplicateKeys ? new Set<string>() : undefined;
      for (;;) {
        space();
        if (text[at] !== '"') fail(at, `${describe(at)} where a property name in double quotes belongs`);
        const keyAt = at;
        string();
        if (keys !== undefined) {
          const key = JSON.parse(text.slice(keyAt, at)) as string;
          if (keys.has(key)) fail(keyAt, `the key ${JSON.stringify(key)} a second time in one object (JSON.parse would keep the last silently)`);
          keys.add(key);
        }
        space();
        if (text[at] !== ':') fail(at, `${describe(at)} where ":" belongs`);
        at += 1;
        value(depth + 1);
        space();
        if (text[at] === ',') { at += 1; continue; }
        if (text[at] === '}') { at += 1; return; }
        fail(at, `${describe(at)} where "," or "}" belongs`);
      }
    }
    if (ch === '[') {
      at += 1;
      space();
      if (text[at] === ']') { at += 1; return; }
      for (;;) {
        value(depth + 1);
        space();
        if (text[at] === ',') { at += 1; continue; }
        if (text[at] === ']') { at += 1; return; }
        fail(at, `${describe(at)} where "," or "]" belongs`);
      }
    }
    if (ch === '"') return string();
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return number();
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, at)) { at += literal.length; return; }
    }
    fail(at, ch === undefined ? 'the end of the file where a value belongs' : `${describe(at)} where a value belongs`);
  };
  try {
    if (text.startsWith('\uFEFF')) fail(0);
    value(0);
    space();
    if (at < text.length) fail(at, `${describe(at)} after the end of the JSON value`);
    return undefined;
  } catch (error) {
    if (error instanceof Stop) return { offset: error.offset, found: error.found };
    throw error;
  }
}

/**
 * A JSON number past a double's range as a message names it, or undefined for any other value: JSON.parse reads
 * 1e309 and up as Infinity, which JSON.stringify writes as null, a value the file does not hold. `example` is such a
 * number as the reader's file would show it. The one wording for every JSON reader (eve.json, Zeek JSON, schemas).
 */
export function beyondDoubleText(value: unknown, example = '1e309'): string | undefined {
  return typeof value === 'number' && !Number.isFinite(value) ? `a number beyond what a double holds (such as ${example})` : undefined;
}
