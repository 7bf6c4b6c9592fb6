import { Document, Pair, Scalar, YAMLMap, YAMLSeq, type LineCounter, type ParsedNode, type Schema } from 'yaml';

/**
 * A fast reader for the plain subset of YAML that scenario files are written in, building the `yaml` package's own
 * node classes so that YamlReader and the scenario parser read its tree exactly as they read parseDocument's.
 *
 * Why it exists: the `yaml` package spends about 200 µs and several kilobytes of nodes per connection entry, so a
 * generated scenario of 295,000 entries (50 MB) takes minutes and gigabytes. This reads the same text in one pass.
 *
 * What it reads: block maps and lists, flow maps and lists on one line, plain and quoted scalars on one line,
 * comments and blank lines. Anything else (anchors, aliases, tags, block scalars, multi-line scalars or flow
 * collections, directives, document markers, explicit or complex keys, tabs, CR, control characters, duplicate
 * keys, any syntax problem) makes it decline, and the caller uses parseDocument, whose messages are the ones users
 * see. So a document it reads is one the `yaml` package reads without error.
 *
 * What it promises (test/scenario/fast-yaml.test.ts): the same toJS() value as parseDocument, the same range[0] for
 * every node and the same range[1] for every scalar (what messages and YamlReader.describe use), and the same
 * LineCounter. It does not attribute comments, so range[2] (and a collection's range[1]) may differ after a
 * comment line.
 *
 * Memory: the items of a block list are not kept. Each is built from the text when read and dropped after, so the
 * 295,000 entries of `connections` never exist as nodes at once (they would take over a gigabyte).
 */
export function readFastYaml(text: string, lines: LineCounter): Document.Parsed | undefined {
  if (UNSUPPORTED.test(text)) return undefined;
  const doc = new Document(undefined, { uniqueKeys: true }) as unknown as Document.Parsed;
  const reader = new SubsetReader(text, doc.schema);
  let root: ParsedNode;
  try {
    root = reader.document();
  } catch (error) {
    if (error === DECLINE) return undefined;
    throw error;
  }
  for (let k = 0; k < reader.lineCount; k += 1) lines.addNewLine(reader.lineStart[k] as number);
  doc.contents = root;
  doc.range = [0, root.range[2], text.length];
  return doc;
}

/** Characters and lines outside the subset, found by one native scan before any work. */
const UNSUPPORTED = /[\t\r\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]|^(?:---|\.\.\.|%)/m;

/** Deeper than any scenario nests (about 5 levels), far below what overflows the stack. */
const MAX_DEPTH = 64;

/** Thrown (never with a stack) to give up; the caller falls back to parseDocument. */
const DECLINE = { declined: true };
function decline(): never {
  throw DECLINE;
}

const SPACE = 0x20;
const HASH = 0x23;
const COLON = 0x3a;
const DASH = 0x2d;
const COMMA = 0x2c;
const SQUOTE = 0x27;
const DQUOTE = 0x22;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const NEWLINE = 0x0a;

/** Characters that cannot start a plain scalar here, or that start what this reader declines. */
const NOT_PLAIN_START = new Set([...'?:,[]{}#&*!|>\'"%@`'].map((c) => c.charCodeAt(0)));
const isFlowIndicator = (c: number): boolean => c === COMMA || c === LBRACKET || c === RBRACKET || c === LBRACE || c === RBRACE;

/** The longest implicit key the `yaml` package accepts is 1024 characters; stay well inside it. */
const MAX_KEY_LENGTH = 1000;

interface Parsed<N> {
  node: N;
  /** The next line holding content (not blank, not only a comment), or lineCount. */
  next: number;
}

class SubsetReader {
  /** Offset of each line's first character; lineStart[lineCount] is one past the end, as if a newline followed. */
  readonly lineStart: Int32Array;
  readonly lineCount: number;
  /** False while the first pass checks the whole document; then list items are found by indentation alone. */
  private checked = false;
  /** False while the first pass checks the items of a block list, which are dropped: no `yaml` nodes for them. */
  private building = true;

  constructor(
    private readonly text: string,
    private readonly schema: Schema,
  ) {
    let count = 1;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count += 1;
    const starts = new Int32Array(count + 1);
    let k = 1;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts[k++] = i + 1;
    starts[count] = text.length + 1;
    this.lineStart = starts;
    this.lineCount = count;
  }

  /**
   * Collections open at this point of the text: this reader recurses once per level, so a document of a few thousand
   * nested `[` overflowed the stack (exit 1, a stack trace). A scenario nests a handful of levels; past MAX_DEPTH the
   * reader declines, and parseDocument, which turns its own overflow into an error, gives the message.
   */
  private depth = 0;

  private deeper(): void {
    this.depth += 1;
    if (this.depth > MAX_DEPTH) decline();
  }

  document(): ParsedNode {
    const first = this.nextContent(0);
    if (first === this.lineCount || this.indent(first) !== 0) decline();
    const start = this.lineStart[first] as number;
    if (this.isSeqItem(start) || !this.isMapEntry(first, start)) decline();
    const { node, next } = this.blockMap(first, start);
    if (next !== this.lineCount) decline();
    this.checked = true;
    return node;
  }

  // ---- nodes: the `yaml` package's classes, or plain objects of the same shape when only checking ----

  private scalar(value: unknown, source: string, type: Scalar.Type, from: number, to: number): Scalar.Parsed {
    const node = (this.building ? new Scalar(value) : { value }) as Scalar.Parsed;
    node.range = [from, to, to];
    node.source = source;
    node.type = type;
    return node;
  }

  private map(flow: boolean): YAMLMap.Parsed {
    const node = (this.building ? new YAMLMap(this.schema) : { items: [] }) as YAMLMap.Parsed;
    if (flow) node.flow = true;
    return node;
  }

  private seq(flow: boolean): YAMLSeq.Parsed {
    const node = (this.building ? new YAMLSeq(this.schema) : { items: [] }) as unknown as YAMLSeq.Parsed;
    if (flow) node.flow = true;
    return node;
  }

  private pair(key: Scalar.Parsed, value: ParsedNode): Pair<Scalar.Parsed, ParsedNode> {
    return this.building ? new Pair(key, value) : ({ key, value } as Pair<Scalar.Parsed, ParsedNode>);
  }

  // ---- lines ----

  private lineEnd(k: number): number {
    return (this.lineStart[k + 1] as number) - 1;
  }

  /** Where a node that ends its line ends: past the newline, or the end of the text. */
  private lineEndAfter(k: number): number {
    return Math.min(this.lineStart[k + 1] as number, this.text.length);
  }

  private indent(k: number): number {
    const start = this.lineStart[k] as number;
    let i = start;
    while (this.text.charCodeAt(i) === SPACE) i += 1;
    return i - start;
  }

  private nextContent(k: number): number {
    for (; k < this.lineCount; k += 1) {
      let i = this.lineStart[k] as number;
      const end = this.lineEnd(k);
      while (i < end && this.text.charCodeAt(i) === SPACE) i += 1;
      if (i < end && this.text.charCodeAt(i) !== HASH) return k;
    }
    return this.lineCount;
  }

  private skipSpaces(i: number, end: number): number {
    while (i < end && this.text.charCodeAt(i) === SPACE) i += 1;
    return i;
  }

  /** After a value that ends its line: only spaces, then a comment or the line's end. */
  private expectLineEnd(i: number, end: number): void {
    const j = this.skipSpaces(i, end);
    if (j < end && (this.text.charCodeAt(j) !== HASH || j === i)) decline();
  }

  private isSeqItem(i: number): boolean {
    if (this.text.charCodeAt(i) !== DASH) return false;
    const c = this.text.charCodeAt(i + 1);
    return c === SPACE || c === NEWLINE || i + 1 >= this.text.length;
  }

  /** Whether the text at `i` on line k is `key:` followed by a space or the line's end. */
  private isMapEntry(k: number, i: number): boolean {
    const end = this.lineEnd(k);
    const c = this.text.charCodeAt(i);
    let j: number;
    if (c === SQUOTE || c === DQUOTE) {
      j = this.quotedEnd(i, end);
      if (j < 0) return false;
      j = this.skipSpaces(j, end);
      return this.text.charCodeAt(j) === COLON && (j + 1 === end || this.text.charCodeAt(j + 1) === SPACE);
    }
    if (c === LBRACE || c === LBRACKET) return false;
    for (j = i; j < end; j += 1) {
      const d = this.text.charCodeAt(j);
      if (d === COLON && (j + 1 === end || this.text.charCodeAt(j + 1) === SPACE)) return true;
      if (d === HASH && j > i && this.text.charCodeAt(j - 1) === SPACE) return false;
    }
    return false;
  }

  // ---- block collections ----

  /** A block map whose first key starts at `i` on line k; its column is the map's indentation. */
  private blockMap(k: number, i: number): Parsed<YAMLMap.Parsed> {
    this.deeper();
    const read = this.blockMapAt(k, i);
    this.depth -= 1;
    return read;
  }

  private blockMapAt(k: number, i: number): Parsed<YAMLMap.Parsed> {
    const indent = i - (this.lineStart[k] as number);
    const map = this.map(false);
    const items = map.items as Pair<Scalar.Parsed, ParsedNode>[];
    const keys = new UniqueKeys();
    for (;;) {
      const end = this.lineEnd(k);
      const { node: key, colon } = this.key(k, i);
      keys.add(key);
      const entry = this.mapValue(k, this.skipSpaces(colon + 1, end), end, indent);
      items.push(this.pair(key, entry.node));
      const next = entry.next;
      const m = next === this.lineCount ? -1 : this.indent(next);
      if (m < indent) return this.done(map, (items[0] as Pair<Scalar.Parsed>).key.range[0], entry.node.range[2], next);
      if (m > indent) decline();
      k = next;
      i = (this.lineStart[k] as number) + m;
    }
  }

  private done<N extends YAMLMap.Parsed | YAMLSeq.Parsed>(node: N, start: number, end: number, next: number): Parsed<N> {
    node.range = [start, end, end];
    return { node, next };
  }

  /** The value after `key:` at `i` (spaces skipped): on this line, a block node on the next lines, or empty. */
  private mapValue(k: number, i: number, end: number, indent: number): Parsed<ParsedNode> {
    if (i < end && this.text.charCodeAt(i) !== HASH) {
      return { node: this.inlineValue(i, end, k), next: this.nextContent(k + 1) };
    }
    const next = this.nextContent(k + 1);
    if (next < this.lineCount) {
      const m = this.indent(next);
      const at = (this.lineStart[next] as number) + m;
      if (m === indent && this.isSeqItem(at)) return this.blockSeq(next, m);
      if (m > indent) return this.nestedBlock(next, at);
    }
    return { node: this.emptyScalar(i, end, k), next };
  }

  /** A block collection that starts its own line. */
  private nestedBlock(k: number, i: number): Parsed<ParsedNode> {
    if (this.isSeqItem(i)) return this.blockSeq(k, i - (this.lineStart[k] as number));
    if (!this.isMapEntry(k, i)) decline();
    return this.blockMap(k, i);
  }

  private blockSeq(k: number, indent: number): Parsed<YAMLSeq.Parsed> {
    this.deeper();
    const read = this.blockSeqAt(k, indent);
    this.depth -= 1;
    return read;
  }

  private blockSeqAt(k: number, indent: number): Parsed<YAMLSeq.Parsed> {
    const seq = this.seq(false);
    const starts: number[] = [];
    let end = 0;
    let next = k;
    if (this.checked) {
      // The document was checked whole: an item runs to the next line at or left of the dash.
      for (; next < this.lineCount; ) {
        const m = this.indent(next);
        if (m < indent) break;
        if (m === indent) {
          if (!this.isSeqItem((this.lineStart[next] as number) + m)) break;
          starts.push(next);
        }
        next = this.nextContent(next + 1);
      }
      const last = this.seqItem(starts[starts.length - 1] as number, indent);
      end = last.node.range[2];
    } else {
      // First pass: each item is checked and dropped, as plain objects (a `yaml` node costs ~120 ns to make).
      const building = this.building;
      this.building = false;
      for (;;) {
        starts.push(next);
        const item = this.seqItem(next, indent);
        end = item.node.range[2];
        next = item.next;
        if (next === this.lineCount) break;
        const m = this.indent(next);
        if (m > indent) decline();
        if (m < indent || !this.isSeqItem((this.lineStart[next] as number) + m)) break;
      }
      this.building = building;
    }
    if (this.building) seq.items = builtOnRead(starts.length, (n) => this.again(() => this.seqItem(starts[n] as number, indent).node));
    return this.done(seq, (this.lineStart[k] as number) + indent, end, next);
  }

  /** Reads again what the first pass read: declining now would be a bug in this reader, so it fails loudly. */
  private again<T>(read: () => T): T {
    try {
      return read();
    } catch (error) {
      if (error === DECLINE) throw new Error('fast-yaml: a list item that the first pass read cannot be read again (a bug in harness/scenario/fast-yaml.ts)');
      throw error;
    }
  }

  private seqItem(k: number, indent: number): Parsed<ParsedNode> {
    const end = this.lineEnd(k);
    const i = this.skipSpaces((this.lineStart[k] as number) + indent + 1, end);
    if (i >= end || this.text.charCodeAt(i) === HASH) {
      const next = this.nextContent(k + 1);
      if (next < this.lineCount) {
        const m = this.indent(next);
        if (m > indent) return this.nestedBlock(next, (this.lineStart[next] as number) + m);
      }
      return { node: this.emptyScalar(i, end, k), next };
    }
    if (this.isSeqItem(i)) decline();
    if (this.isMapEntry(k, i)) return this.blockMap(k, i);
    return { node: this.inlineValue(i, end, k), next: this.nextContent(k + 1) };
  }

  /** A value with nothing after its indicator: null, placed after the indicator's spaces. */
  private emptyScalar(i: number, end: number, k: number): Scalar.Parsed {
    const node = this.scalar(null, '', 'PLAIN', i, i);
    if (i < end) node.range[2] = this.lineEndAfter(k);
    return node;
  }

  // ---- scalars and flow collections ----

  /** A key in block context and the offset of its `:`. */
  private key(k: number, i: number): { node: Scalar.Parsed; colon: number } {
    if (!this.isMapEntry(k, i)) decline();
    const end = this.lineEnd(k);
    const c = this.text.charCodeAt(i);
    let node: Scalar.Parsed;
    if (c === SQUOTE || c === DQUOTE) node = this.quoted(i, end);
    else {
      if (!this.canStartPlain(i, end, false)) decline();
      let j = i;
      while (!(this.text.charCodeAt(j) === COLON && (j + 1 === end || this.text.charCodeAt(j + 1) === SPACE))) j += 1;
      node = this.plain(i, this.trimEnd(i, j));
    }
    return { node, colon: this.skipSpaces(node.range[1], end) };
  }

  /** A value that ends its line (block context): a scalar or a one-line flow collection. */
  private inlineValue(i: number, end: number, k: number): ParsedNode {
    const c = this.text.charCodeAt(i);
    let node: ParsedNode;
    let after: number;
    if (c === LBRACE || c === LBRACKET) {
      node = this.flow(i, end);
      after = node.range[1];
    } else if (c === SQUOTE || c === DQUOTE) {
      node = this.quoted(i, end);
      after = node.range[1];
    } else {
      if (!this.canStartPlain(i, end, false)) decline();
      let j = i;
      while (j < end) {
        const d = this.text.charCodeAt(j);
        if (d === COLON && (j + 1 === end || this.text.charCodeAt(j + 1) === SPACE)) decline();
        if (d === HASH && this.text.charCodeAt(j - 1) === SPACE) break;
        j += 1;
      }
      node = this.plain(i, this.trimEnd(i, j));
      after = node.range[1];
    }
    this.expectLineEnd(after, end);
    node.range[2] = this.lineEndAfter(k);
    return node;
  }

  private trimEnd(from: number, to: number): number {
    while (to > from && this.text.charCodeAt(to - 1) === SPACE) to -= 1;
    return to;
  }

  private canStartPlain(i: number, end: number, flow: boolean): boolean {
    const c = this.text.charCodeAt(i);
    if (i >= end || NOT_PLAIN_START.has(c)) return false;
    if (c === DASH) {
      const d = this.text.charCodeAt(i + 1);
      return i + 1 < end && d !== SPACE && !(flow && isFlowIndicator(d));
    }
    return true;
  }

  /** A flow map or list that closes on the same line; its range[2] takes the spaces after it. */
  private flow(i: number, end: number): YAMLMap.Parsed | YAMLSeq.Parsed {
    this.deeper();
    const read = this.flowAt(i, end);
    this.depth -= 1;
    return read;
  }

  private flowAt(i: number, end: number): YAMLMap.Parsed | YAMLSeq.Parsed {
    const isMap = this.text.charCodeAt(i) === LBRACE;
    const close = isMap ? RBRACE : RBRACKET;
    const coll = isMap ? this.map(true) : this.seq(true);
    const items: unknown[] = coll.items;
    const keys = new UniqueKeys();
    let j = this.skipSpaces(i + 1, end);
    if (this.text.charCodeAt(j) !== close) {
      for (;;) {
        if (isMap) {
          const key = this.flowScalar(j, end);
          keys.add(key);
          const colon = this.skipSpaces(key.range[1], end);
          if (this.text.charCodeAt(colon) !== COLON || this.text.charCodeAt(colon + 1) !== SPACE) decline();
          const v = this.skipSpaces(colon + 1, end);
          const value = this.flowValue(v, end);
          items.push(this.pair(key, value));
          j = value.range[2];
        } else {
          const value = this.flowValue(j, end);
          if (this.text.charCodeAt(value.range[2]) === COLON) decline();
          items.push(value);
          j = value.range[2];
        }
        const c = this.text.charCodeAt(j);
        if (c === close) break;
        if (c !== COMMA) decline();
        j = this.skipSpaces(j + 1, end);
        if (this.text.charCodeAt(j) === close || j >= end) decline();
      }
    }
    if (j >= end) decline();
    const after = j + 1;
    coll.range = [i, after, this.skipSpaces(after, end)];
    return coll;
  }

  /** A value inside a flow collection; its range[2] takes the spaces after it. */
  private flowValue(i: number, end: number): ParsedNode {
    const c = this.text.charCodeAt(i);
    if (c === LBRACE || c === LBRACKET) return this.flow(i, end);
    const node = this.flowScalar(i, end);
    node.range[2] = this.skipSpaces(node.range[1], end);
    return node;
  }

  private flowScalar(i: number, end: number): Scalar.Parsed {
    const c = this.text.charCodeAt(i);
    if (c === SQUOTE || c === DQUOTE) return this.quoted(i, end);
    if (!this.canStartPlain(i, end, true)) decline();
    let j = i;
    while (j < end) {
      const d = this.text.charCodeAt(j);
      if (isFlowIndicator(d)) break;
      if (d === COLON) {
        const e = this.text.charCodeAt(j + 1);
        if (j + 1 === end || e === SPACE || isFlowIndicator(e)) break;
      }
      if (d === HASH && this.text.charCodeAt(j - 1) === SPACE) decline();
      j += 1;
    }
    if (j >= end) decline();
    return this.plain(i, this.trimEnd(i, j));
  }

  private plain(from: number, to: number): Scalar.Parsed {
    const source = this.text.slice(from, to);
    const { value, format, minFractionDigits } = resolvePlain(source);
    const node = this.scalar(value, source, 'PLAIN', from, to);
    if (format !== undefined) node.format = format;
    if (minFractionDigits !== undefined) node.minFractionDigits = minFractionDigits;
    return node;
  }

  /** Offset just past the closing quote of the quoted scalar at `i`, or -1 when it does not close on this line. */
  private quotedEnd(i: number, end: number): number {
    const q = this.text.charCodeAt(i);
    for (let j = i + 1; j < end; j += 1) {
      const c = this.text.charCodeAt(j);
      if (q === DQUOTE && c === 0x5c) j += 1;
      else if (c === q) {
        if (q === SQUOTE && this.text.charCodeAt(j + 1) === SQUOTE) j += 1;
        else return j + 1;
      }
    }
    return -1;
  }

  private quoted(i: number, end: number): Scalar.Parsed {
    const close = this.quotedEnd(i, end);
    if (close < 0) decline();
    const inner = this.text.slice(i + 1, close - 1);
    const double = this.text.charCodeAt(i) === DQUOTE;
    const value = double ? unescapeDouble(inner) : inner.replace(/''/g, "'");
    return this.scalar(value, value, double ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE', i, close);
  }
}

/**
 * Refuses a key seen before in one map, by the `yaml` package's test (the same scalar value), so that a duplicate
 * declines and parseDocument reports it. `<<` declines too: whether it merges depends on options.
 */
class UniqueKeys {
  private readonly seen: unknown[] = [];
  private set: Set<unknown> | undefined;

  add(key: Scalar.Parsed): void {
    const { value } = key;
    if (key.range[1] - key.range[0] > MAX_KEY_LENGTH || value === '<<') decline();
    if (this.set) {
      if (this.set.has(value)) decline();
      this.set.add(value);
      return;
    }
    // includes() also counts NaN as equal to NaN, which only declines more.
    if (this.seen.includes(value)) decline();
    this.seen.push(value);
    // A Set keeps a map of thousands of keys linear.
    if (this.seen.length > 32) this.set = new Set(this.seen);
  }
}

const ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', e: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
  N: '\u0085', _: '\u00a0', L: '\u2028', P: '\u2029', ' ': ' ', '"': '"', '/': '/', '\\': '\\',
};
const HEX_LENGTH: Record<string, number> = { x: 2, u: 4, U: 8 };

/** A double-quoted scalar's escapes, as the `yaml` package reads them; an escape it would refuse declines. */
function unescapeDouble(inner: string): string {
  if (!inner.includes('\\')) return inner;
  let out = '';
  for (let i = 0; i < inner.length; i += 1) {
    const c = inner[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = inner[i + 1] ?? '';
    i += 1;
    const simple = ESCAPES[e];
    if (simple !== undefined) out += simple;
    else if (HEX_LENGTH[e] !== undefined) {
      const digits = inner.substr(i + 1, HEX_LENGTH[e]);
      if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== HEX_LENGTH[e]) decline();
      const code = parseInt(digits, 16);
      if (code > 0x10ffff) decline();
      out += String.fromCodePoint(code);
      i += digits.length;
    } else decline();
  }
  return out;
}

/** A plain scalar's value as the core schema reads it, with what the `yaml` package keeps for writing it back. */
interface PlainValue {
  value: unknown;
  format?: 'OCT' | 'HEX' | 'EXP';
  minFractionDigits?: number;
}

const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/**
 * A plain scalar resolved as the `yaml` package's YAML 1.2 core schema resolves it: the same tests in the same
 * order (null, bool, octal, decimal and hex ints, .inf/.nan, exponent and plain floats), else a string.
 */
function resolvePlain(source: string): PlainValue {
  const c = source.charCodeAt(0);
  // Only these first characters can begin a null, bool or number: most strings need no test.
  const maybeTyped = (c >= 0x30 && c <= 0x39) || c === 0x2b || c === DASH || c === 0x2e || c === 0x7e
    || c === 0x6e || c === 0x4e || c === 0x74 || c === 0x54 || c === 0x66 || c === 0x46;
  if (!maybeTyped) return { value: source };
  if (NULL.test(source)) return { value: null };
  if (BOOL.test(source)) return { value: c === 0x74 || c === 0x54 };
  if (INT_OCT.test(source)) return { value: parseInt(source.substring(2), 8), format: 'OCT' };
  if (INT.test(source)) return { value: parseInt(source, 10) };
  if (INT_HEX.test(source)) return { value: parseInt(source.substring(2), 16), format: 'HEX' };
  if (FLOAT_NAN.test(source)) {
    return { value: source.slice(-3).toLowerCase() === 'nan' ? NaN : source[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY };
  }
  if (FLOAT_EXP.test(source)) return { value: parseFloat(source), format: 'EXP' };
  if (FLOAT.test(source)) {
    const value = parseFloat(source);
    return source[source.length - 1] === '0' ? { value, minFractionDigits: source.length - source.indexOf('.') - 1 } : { value };
  }
  return { value: source };
}

/**
 * The items of a block list as an array whose elements are built from the text each time they are read, so that
 * a list of 295,000 connection entries never holds 295,000 node trees at once. Read-only.
 */
function builtOnRead(length: number, build: (index: number) => ParsedNode): ParsedNode[] {
  const indexOf = (key: string | symbol): number | undefined => {
    if (typeof key !== 'string' || !/^(?:0|[1-9][0-9]*)$/.test(key)) return undefined;
    const n = Number(key);
    return n < length ? n : undefined;
  };
  return new Proxy(new Array<ParsedNode>(length), {
    get(target, key, receiver) {
      const n = indexOf(key);
      return n === undefined ? Reflect.get(target, key, receiver) : build(n);
    },
    has(target, key) {
      return indexOf(key) !== undefined || Reflect.has(target, key);
    },
    set() {
      throw new TypeError('the items of a list read by fast-yaml are built from the text and cannot be changed');
    },
  });
}
