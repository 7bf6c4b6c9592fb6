/**
 * Where JSON text first goes wrong, as line, column and what was found there, for an InputError. V8's messages
 * name no position for some errors (`Unexpected token '}'`, a byte-order mark) and the YAML parser accepts much that
 * JSON does not, so both sent users to the end of the file; this scanner follows the JSON grammar (RFC 8259) and
 * stops at the first character that breaks it. It runs only after JSON.parse failed, so it need not be fast.
 */
export interface JsonProblem {
  line: number;
  col: number;
  found: string;
}

export function jsonErrorPosition(text: string, _error?: unknown): JsonProblem {
  const problem = firstJsonProblem(text) ?? { offset: text.length, found: 'text that is not JSON' };
  const before = text.slice(0, problem.offset).split('\n');
  return { line: before.length, col: (before.at(-1)?.length ?? 0) + 1, found: problem.found };
}

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
