import { createReadStream } from 'node:fs';
import { InputError } from '../core/input-error.js';
import { duplicateKeyProblem, firstJsonProblem, keysInValue, lineAndColumn } from '../core/json-position.js';

/**
 * Reads a JSON object one of whose keys holds a very long array (a truth of a million connections is about 700 MB
 * of text: more than V8's longest string, and JSON.parse of it would need gigabytes). The file is read in chunks;
 * each element of that array is parsed on its own, the rest of the object as one small text, so only the parsed
 * values are ever held. `expected` says in an error message what the file should have been.
 *
 * A key given twice in one object is refused as it is in a file read whole (JSON.parse keeps the last silently):
 * the ':' outside strings of each element are counted as its bytes go by, against the keys of its parsed value, and
 * only an element whose counts differ is walked again to say where.
 */
export async function readLargeJsonObject(file: string, arrayKey: string, expected: string, chunkBytes = 1 << 20): Promise<Record<string, unknown>> {
  const scan = new ArrayScan(file, arrayKey, expected);
  for await (const chunk of createReadStream(file, { highWaterMark: chunkBytes })) scan.push(chunk as Buffer);
  return scan.end();
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const NEWLINE = 0x0a;
const COLON = 0x3a;
const SPACE = 0x20;

class ArrayScan {
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Bytes of the object outside the array, with the array itself written as []. */
  private readonly outer: Buffer[] = [];
  /** Bytes of the array element being read, and where it began. */
  private element: Buffer[] = [];
  private elementLine = 0;
  /** Byte column where the element began, and how many ':' outside strings (keys, in valid JSON) it holds. */
  private elementCol = 0;
  private elementKeys = 0;
  /** Byte offsets in the file: of the chunk being read, and of the first byte of the current line. */
  private chunkStart = 0;
  private lineStart = 0;
  /** Where in `outer` the array stands, and the line it opened on: its newlines are kept there, for positions. */
  private arrayIndex = -1;
  private arrayLine = 0;
  private inArray = false;
  private arrayDone = false;
  /** The last string closed at depth 1, kept to know which key an array belongs to. */
  private keyBytes: number[] = [];
  private lastKey = '';
  private line = 1;
  private readonly elements: unknown[] = [];

  constructor(
    private readonly file: string,
    private readonly arrayKey: string,
    private readonly expected: string,
  ) {}

  push(chunk: Buffer): void {
    let from = 0;
    for (let i = 0; i < chunk.length; i += 1) {
      const b = chunk[i] as number;
      if (b === NEWLINE) {
        this.line += 1;
        this.lineStart = this.chunkStart + i + 1;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) {
          this.inString = false;
          if (this.depth === 1 && !this.inArray) this.lastKey = Buffer.from(this.keyBytes).toString('utf8');
        } else if (this.depth === 1 && !this.inArray) {
          if (this.keyBytes.length < 256) this.keyBytes.push(b);
        } else {
          // Most of a truth is strings of its connections: jump to the next quote natively, unless a backslash just
          // before it may escape it (then byte by byte, as above). A string holds no raw newline in valid JSON.
          const quote = chunk.indexOf(QUOTE, i + 1);
          const end = quote < 0 ? chunk.length : quote;
          if (chunk[end - 1] !== BACKSLASH) i = end - 1;
        }
        continue;
      }
      if (b === SPACE) continue;
      if (b === QUOTE) {
        this.inString = true;
        this.keyBytes = [];
      } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
        if (b === OPEN_BRACKET && this.depth === 1 && this.lastKey === this.arrayKey && !this.arrayDone) {
          // The array begins: the outer text takes `[]`, its elements go one by one.
          this.outer.push(chunk.subarray(from, i), Buffer.from('[]'));
          this.arrayIndex = this.outer.length - 1;
          this.arrayLine = this.line;
          this.inArray = true;
          this.startElement(i);
          from = i + 1;
        }
        this.depth += 1;
      } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
        this.depth -= 1;
        if (this.inArray && this.depth === 1) {
          this.element.push(chunk.subarray(from, i));
          this.finishElement(true);
          this.outer[this.arrayIndex] = Buffer.from(`[${'\n'.repeat(this.line - this.arrayLine)}]`);
          this.inArray = false;
          this.arrayDone = true;
          from = i + 1;
        }
      } else if (b === COMMA && this.inArray && this.depth === 2) {
        this.element.push(chunk.subarray(from, i));
        this.finishElement(false);
        this.startElement(i);
        from = i + 1;
      } else if (b === COLON && this.inArray) this.elementKeys += 1;
    }
    this.chunkStart += chunk.length;
    // Buffers from a stream are not reused, so the slices stay valid.
    (this.inArray ? this.element : this.outer).push(chunk.subarray(from));
  }

  end(): Record<string, unknown> {
    const text = Buffer.concat(this.outer).toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.fail(1, 'text that is not JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(1, 'JSON that is not an object');
    // The array stands as [] with its newlines: a key after it is placed on its own line.
    const duplicate = duplicateKeyProblem(text, value);
    if (duplicate !== undefined) {
      const { line, col } = lineAndColumn(text, duplicate.offset);
      this.fail(line, duplicate.found, col, `each key once in an object: ${this.expected}`);
    }
    const object = value as Record<string, unknown>;
    if (this.arrayDone) object[this.arrayKey] = this.elements;
    return object;
  }

  /** The element begins after the byte at `i` of the chunk being read (a '[' or a ','). */
  private startElement(i: number): void {
    this.element = [];
    this.elementLine = this.line;
    this.elementCol = this.chunkStart + i + 1 - this.lineStart + 1;
    this.elementKeys = 0;
  }

  private finishElement(last: boolean): void {
    const raw = Buffer.concat(this.element).toString('utf8');
    const text = raw.trim();
    this.element = [];
    if (text === '' && last && this.elements.length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      const leadingLines = raw.slice(0, raw.length - raw.trimStart().length).split('\n').length - 1;
      this.fail(this.elementLine + leadingLines, `text that is not JSON in ${this.arrayKey}[${this.elements.length}]`);
    }
    if (this.elementKeys !== keysInValue(value)) {
      const duplicate = firstJsonProblem(raw, true);
      if (duplicate !== undefined) {
        const { line, col } = lineAndColumn(raw, duplicate.offset);
        this.fail(this.elementLine + line - 1, `${duplicate.found} in ${this.arrayKey}[${this.elements.length}]`, line === 1 ? this.elementCol + col - 1 : col, `each key once in an object: ${this.expected}`);
      }
    }
    this.elements.push(value);
  }

  private fail(line: number, found: string, col = 1, expected = this.expected): never {
    throw new InputError({ file: this.file, line, col }, found, expected);
  }
}
