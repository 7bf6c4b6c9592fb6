import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type ParsedNode, type YAMLMap } from 'yaml';
import { DURATION_UNITS_EXPECTED, formatDuration, MAX_DURATION_S, readDurationValue, WHOLE_MICROS_EXPECTED } from '../core/duration.js';
import { InputError, type SourcePosition } from '../core/input-error.js';
import { nearMiss } from '../core/near-miss.js';

/**
 * Typed reads out of a parsed YAML document, where every failure is an InputError at the file:line:col of the
 * node that is wrong. The scenario parser is written in terms of these so that no value escapes unchecked.
 */
export class YamlReader {
  constructor(
    readonly file: string,
    private readonly text: string,
    private readonly lines: LineCounter,
    private readonly doc: Document.Parsed,
  ) {}

  where(node: ParsedNode | null | undefined): SourcePosition {
    if (!node) return { file: this.file, line: 1, col: 1 };
    const { line, col } = this.lines.linePos(node.range[0]);
    return { file: this.file, line, col };
  }

  fail(node: ParsedNode | null | undefined, found: string, expected: string): never {
    throw new InputError(this.where(node), found, expected);
  }

  resolve(node: ParsedNode | null | undefined): ParsedNode | null | undefined {
    if (node && isAlias(node)) {
      const target = node.resolve(this.doc);
      // An alias no anchor defines resolved to nothing, and was refused as an empty value ("found nothing").
      if (target === undefined) this.fail(node, `the alias *${node.source}, which no anchor defines before it`, `an anchor &${node.source} earlier in the file, or the value written out`);
      return target as ParsedNode | undefined;
    }
    return node;
  }

  /** How a node reads in a message: its own source text for a scalar, else its kind. */
  describe(node: ParsedNode | null | undefined): string {
    const n = this.resolve(node);
    if (!n) return 'nothing';
    if (isMap(n)) return 'a map';
    if (isSeq(n)) return 'a list';
    if (isScalar(n)) {
      if (n.value === null) return 'nothing (null)';
      const source = this.text.slice(n.range[0], n.range[1]).trim();
      const shown = source.length > 60 ? `${source.slice(0, 57)}...` : source;
      return typeof n.value === 'string' && !/^["']/.test(shown) ? `"${shown}"` : shown;
    }
    return 'a value';
  }

  /** `port 70000` for a scalar, `a list as port` for anything else. */
  named(what: string, node: ParsedNode | null | undefined): string {
    const n = this.resolve(node);
    return n && isScalar(n) && n.value !== null ? `${what} ${this.describe(n)}` : `${this.describe(node)} as ${what}`;
  }

  map(node: ParsedNode | null | undefined, what: string, example: string): Fields {
    const n = this.resolve(node);
    if (!n || !isMap(n)) this.fail(node, `${this.describe(node)} as ${what}`, `a map, e.g. ${example}`);
    return new Fields(this, n as YAMLMap.Parsed, what);
  }

  list(node: ParsedNode | null | undefined, what: string, example: string): ParsedNode[] {
    const n = this.resolve(node);
    if (!n || !isSeq(n)) this.fail(node, `${this.describe(node)} as ${what}`, `a list, e.g. ${example}`);
    return n.items as ParsedNode[];
  }

  scalarValue(node: ParsedNode | null | undefined): unknown {
    const n = this.resolve(node);
    return n && isScalar(n) ? n.value : undefined;
  }

  string(node: ParsedNode | null | undefined, what: string, expected: string): string {
    const value = this.scalarValue(node);
    if (typeof value !== 'string' || value.trim() === '') this.fail(node, `${this.describe(node)} as ${what}`, expected);
    return value;
  }

  oneOf<T extends string>(node: ParsedNode | null | undefined, what: string, values: readonly T[], hint?: string): T {
    const value = this.scalarValue(node);
    if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
      this.fail(node, `${this.named(what, node)}${typeof value === 'string' ? didYouMean(value, values) : ''}`, hint ?? `one of ${values.join(', ')}`);
    }
    return value as T;
  }

  integer(node: ParsedNode | null | undefined, what: string, min: number, max: number): number {
    const value = this.scalarValue(node);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `of ${min} or more` : `in ${min}..${max}`;
      this.fail(node, this.named(what, node), `a whole number ${range}`);
    }
    return value;
  }

  /**
   * Seconds. `positive` refuses 0. `bounded` refuses more than MAX_DURATION_S here, for a duration no pcap-time check
   * bounds later (quiet_threshold, the clock's interval): 1e29 s was written into a truth `harness score` refused.
   */
  duration(node: ParsedNode | null | undefined, what: string, positive: boolean, bounded = false): number {
    const value = this.scalarValue(node);
    // Unbounded: a scenario's time past what a pcap can hold gets the pcap-time message at the key that reaches it.
    const { seconds, problem } = typeof value === 'string' || typeof value === 'number' ? readDurationValue(value) : {};
    const expected = `${positive ? 'a positive duration' : 'a duration of 0 or more'} such as 20ms, 90s, 20m, 1h30m (units us, ms, s, m, h, d; a bare number is seconds)`;
    if (problem === 'finer than a microsecond') {
      this.fail(node, `${what} ${this.describe(node)}, finer than a microsecond`, WHOLE_MICROS_EXPECTED);
    }
    if (problem !== undefined) this.fail(node, `${what} ${this.describe(node)}, with ${problem}`, DURATION_UNITS_EXPECTED);
    if (seconds === undefined) {
      const negative = (typeof value === 'number' && value < 0) || (typeof value === 'string' && value.trim().startsWith('-'));
      const found = negative
        ? `a negative ${what} ${this.describe(node)}`
        : typeof value === 'string' ? `an unparsable ${what} ${this.describe(node)}` : this.named(what, node);
      this.fail(node, found, expected);
    }
    if (positive && seconds === 0) this.fail(node, `${what} ${this.describe(node)}`, expected);
    if (bounded && seconds > MAX_DURATION_S) {
      this.fail(node, `${what} ${this.describe(node)}`, `a duration of at most 285 years (${formatDuration(MAX_DURATION_S)}), kept to the microsecond`);
    }
    return seconds;
  }
}

/** The entries of one YAML map, looked up by key, with the key's own node kept for positions. */
export class Fields {
  private readonly entries = new Map<string, { key: ParsedNode; value: ParsedNode | null }>();

  constructor(
    private readonly reader: YamlReader,
    readonly node: YAMLMap.Parsed,
    readonly what: string,
  ) {
    for (const pair of node.items) {
      const key = pair.key as ParsedNode | null;
      const name = reader.scalarValue(key);
      if (typeof name !== 'string') reader.fail(key ?? node, `key ${reader.describe(key)} in ${what}`, 'a key of text (quote one that reads as a number)');
      // YAML 1.1's merge key: not merged here (YAML 1.2), it was read as a key named "<<" and its keys went missing.
      if (name === '<<') reader.fail(key, `a merge key (<<) in ${what}`, 'the keys written out (merge keys are not read)');
      this.entries.set(name, { key: key as ParsedNode, value: pair.value as ParsedNode | null });
    }
  }

  /** Refuses any key not listed; `why` explains a key that is known but not allowed here. */
  allowOnly(allowed: readonly string[], why?: (key: string) => string | undefined): void {
    for (const [name, { key }] of this.entries) {
      if (!allowed.includes(name)) {
        const reason = why?.(name);
        // A key known elsewhere (mss on udp) has its reason; any other one or two edits from an allowed key is a typo.
        const note = reason ? ` (${reason})` : didYouMean(name, allowed);
        this.reader.fail(key, `key "${name}" in ${this.what}${note}`, `one of ${allowed.join(', ')}`);
      }
    }
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** The value node, or undefined when the key is absent. A present key with no value gives null. */
  get(key: string): ParsedNode | null | undefined {
    const entry = this.entries.get(key);
    return entry === undefined ? undefined : entry.value;
  }

  keyNode(key: string): ParsedNode | undefined {
    return this.entries.get(key)?.key;
  }

  /** The node of `key`'s value, or of the key itself when the value is empty: where a message should point. */
  at(key: string): ParsedNode {
    const entry = this.entries.get(key);
    return (entry?.value ?? entry?.key ?? this.node) as ParsedNode;
  }

  required(key: string, expected: string): ParsedNode {
    const value = this.get(key);
    if (value === undefined) this.reader.fail(this.node, `${this.what} without "${key}"`, `${key}: ${expected}`);
    if (value === null) this.reader.fail(this.keyNode(key), `"${key}" with no value`, `${key}: ${expected}`);
    return value;
  }

  /** Like get, but an empty value (`key:`) is an error rather than absent. */
  optional(key: string, expected: string): ParsedNode | undefined {
    return this.has(key) ? this.required(key, expected) : undefined;
  }
}

/**
 * ` (did you mean rtt?)` for a word one or two edits (or only case) from one of `known`, else nothing. The full list
 * stays in the message's expected part either way: a short word may be near one it was not meant for.
 */
function didYouMean(word: string, known: readonly string[]): string {
  const near = nearMiss(word, known);
  return near === undefined ? '' : ` (did you mean ${near}?)`;
}
