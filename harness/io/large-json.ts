import { createReadStream } from 'node:fs';
import { InputError } from '../core/input-error.js';

/**
 * Reads a JSON object one of whose keys holds a very long array (a truth of a million connections is about 700 MB
 * of text: more than V8's longest string, and JSON.parse of it would need gigabytes). The file is read in chunks;
 * each element of that array is parsed on its own, the rest of the object as one small text, so only the parsed
 * values are ever held. `expected` says in an error message what the file should have been.
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

class ArrayScan {
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Bytes of the object outside the array, with the array itself written as []. */
  private readonly outer: Buffer[] = [];
  /** Bytes of the array element being read, and where it began. */
  private element: Buffer[] = [];
  private elementLine = 0;
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
      if (b === NEWLINE) this.line += 1;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) {
          this.inString = false;
          if (this.depth === 1 && !this.inArray) this.lastKey = Buffer.from(this.keyBytes).toString('utf8');
        } else if (this.depth === 1 && !this.inArray && this.keyBytes.length < 256) this.keyBytes.push(b);
        continue;
      }
      if (b === QUOTE) {
        this.inString = true;
        this.keyBytes = [];
      } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
        if (b === OPEN_BRACKET && this.depth === 1 && this.lastKey === this.arrayKey && !this.arrayDone) {
          // The array begins: the outer text takes `[]`, its elements go one by one.
          this.outer.push(chunk.subarray(from, i), Buffer.from('[]'));
          this.inArray = true;
          this.startElement();
          from = i + 1;
        }
        this.depth += 1;
      } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
        this.depth -= 1;
        if (this.inArray && this.depth === 1) {
          this.element.push(chunk.subarray(from, i));
          this.finishElement(true);
          this.inArray = false;
          this.arrayDone = true;
          from = i + 1;
        }
      } else if (b === COMMA && this.inArray && this.depth === 2) {
        this.element.push(chunk.subarray(from, i));
        this.finishElement(false);
        this.startElement();
        from = i + 1;
      }
    }
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
    const object = value as Record<string, unknown>;
    if (this.arrayDone) object[this.arrayKey] = this.elements;
    return object;
  }

  private startElement(): void {
    this.element = [];
    this.elementLine = this.line;
  }

  private finishElement(last: boolean): void {
    const raw = Buffer.concat(this.element).toString('utf8');
    const text = raw.trim();
    this.element = [];
    if (text === '' && last && this.elements.length === 0) return;
    try {
      this.elements.push(JSON.parse(text));
    } catch {
      const leadingLines = raw.slice(0, raw.length - raw.trimStart().length).split('\n').length - 1;
      this.fail(this.elementLine + leadingLines, `text that is not JSON in ${this.arrayKey}[${this.elements.length}]`);
    }
  }

  private fail(line: number, found: string): never {
    throw new InputError({ file: this.file, line, col: 1 }, found, this.expected);
  }
}
