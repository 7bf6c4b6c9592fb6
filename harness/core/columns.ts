/**
 * Helpers of the column stores (TruthTable, FlowRecordTable): a typed array grown by copying, and a text field kept
 * as its index in the list of values it may take.
 */
export function grown<A extends Uint8Array | Int32Array | Float64Array>(array: A, length: number, fill = 0): A {
  // In shared memory if it was (see `shared`): a column another thread is to read stays readable without a copy.
  const bigger = isShared(array) ? shared(array.constructor as TypedArrayKind<A>, length) : new (array.constructor as new (n: number) => A)(length);
  bigger.set(array);
  if (fill !== 0) bigger.fill(fill, array.length);
  return bigger;
}

/**
 * One field of a chunk of rows, kept as a single value while every row has it and as an array from the first row
 * that differs: most records of a table share their source file, direction, bytes kind and end reason, and have no
 * VLAN, state or answer counters, so a million-record table need not hold those per row.
 */
export class SpillColumn<A extends Uint8Array | Int32Array | Float64Array> {
  private values: A | undefined;
  private constant = NaN;

  constructor(private readonly make: (length: number) => A, private readonly capacity: number) {}

  get(row: number): number {
    const values = this.values;
    return values === undefined ? this.constant : (values[row] as number);
  }

  /** Sets `row`'s value, where `rows` rows (0 .. rows - 1) hold values already: `row` is one of them or the next. */
  set(row: number, value: number, rows: number): void {
    const values = this.values;
    if (values !== undefined) {
      values[row] = value;
    } else if (rows === 0) {
      this.constant = value;
    } else if (!Object.is(value, this.constant)) {
      const spilled = this.make(this.capacity);
      spilled.fill(this.constant, 0, rows);
      spilled[row] = value;
      this.values = spilled;
    }
  }
}

/** The index of `value` among `values`; a value the store has no code for is refused, never stored as another. */
export function codeOf<T>(store: string, field: string, values: readonly T[], value: T): number {
  const at = values.indexOf(value);
  if (at < 0) throw new Error(`${store}: ${field} ${String(value)} is not one of ${values.map(String).join(', ')}`);
  return at;
}

/** Texts kept once each, as dense ids (0, 1, 2, ... in order of first sight): a column holds the id. */
export class TextIds {
  private texts: string[] = [];
  /** Made on the first `id` call of a store built by `from`, which another thread may only read through `text`. */
  private ids: Map<string, number> | undefined = new Map<string, number>();

  id(text: string): number {
    const ids = (this.ids ??= new Map(this.texts.map((t, i) => [t, i])));
    let id = ids.get(text);
    if (id === undefined) {
      id = this.texts.length;
      this.texts.push(text);
      ids.set(text, id);
    }
    return id;
  }

  text(id: number): string {
    return this.texts[id] as string;
  }

  /** Every text, by id: what another thread needs to rebuild the same ids (`from`). */
  all(): readonly string[] {
    return this.texts;
  }

  /**
   * Ids for `texts` in their order: text i gets id i, as in the store `all()` came from. Its lookup by text is made
   * only if asked for: a score worker reads a million-connection truth's addresses by id alone.
   */
  static from(texts: readonly string[]): TextIds {
    const ids = new TextIds();
    ids.texts = Array.from(texts);
    ids.ids = undefined;
    return ids;
  }
}

type TypedArrayKind<A> = { new (buffer: SharedArrayBuffer, offset?: number, length?: number): A; BYTES_PER_ELEMENT: number };

/**
 * `length` zeros in memory another thread can read without a copy of its own (structured clone shares a
 * SharedArrayBuffer): a score worker reads a million-row truth and record table so.
 */
export function shared<A extends Uint8Array | Int32Array | Float64Array>(Kind: TypedArrayKind<A>, length: number): A {
  return new Kind(new SharedArrayBuffer(Math.max(1, length) * Kind.BYTES_PER_ELEMENT), 0, length);
}

/** Whether another thread given `array` reads the same memory (not a copy). */
export function isShared(array: Uint8Array | Int32Array | Float64Array): boolean {
  return array.buffer instanceof SharedArrayBuffer;
}

/**
 * Identifiers such as a scenario's `beacon#41237` (a spec id and a copy number), kept as the id of their text
 * before the last `#` and the number after it: a million distinct id strings took ~32 MB of heap, their two ints
 * take 8 MB. Any other text (no `#`, or a suffix that is not a plain decimal such as `#007`) is kept whole, so
 * `text(i)` always gives back exactly what was pushed.
 */
export interface SharedNumberedTexts {
  prefixes: readonly string[];
  prefix: Int32Array;
  number: Int32Array;
  count: number;
}

export class NumberedTexts {
  constructor(private readonly prefixes = new TextIds()) {}

  // In shared memory from the start: a score worker reads them (share) without a copy.
  private prefix: Int32Array = shared(Int32Array, 1024);
  /** The copy number, or -1 when the whole text is the prefix. */
  private number: Int32Array = shared(Int32Array, 1024);
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(text: string): void {
    if (this.count === this.prefix.length) {
      this.prefix = grown(this.prefix, this.count * 2);
      this.number = grown(this.number, this.count * 2);
    }
    const hash = text.lastIndexOf('#');
    const suffix = hash < 0 ? '' : text.slice(hash + 1);
    const plain = /^(0|[1-9][0-9]{0,8})$/.test(suffix);
    this.prefix[this.count] = this.prefixes.id(plain ? text.slice(0, hash) : text);
    this.number[this.count] = plain ? Number(suffix) : -1;
    this.count += 1;
  }

  /** What another thread needs to give back the same texts (`fromShared`); the numbers' memory is shared. */
  share(): SharedNumberedTexts {
    return { prefixes: this.prefixes.all(), prefix: this.prefix, number: this.number, count: this.count };
  }

  static fromShared(shared: SharedNumberedTexts): NumberedTexts {
    const texts = new NumberedTexts(TextIds.from(shared.prefixes));
    texts.prefix = shared.prefix;
    texts.number = shared.number;
    texts.count = shared.count;
    return texts;
  }

  /** Each prefix with its `#`, by prefix id, made on first use: one string joined per text read, not two. */
  private readonly hashed: string[] = [];

  text(index: number): string {
    const id = this.prefix[index] as number;
    const number = this.number[index] as number;
    if (number < 0) return this.prefixes.text(id);
    return (this.hashed[id] ??= `${this.prefixes.text(id)}#`) + decimal(number);
  }
}

/**
 * A copy number as text, from tables built once. `String(n)` stores every new string in V8's number-to-string cache,
 * an old-generation table: a million ids read while scoring left it full of pointers to young strings, and each
 * young-generation collection then took ~1.4 ms instead of ~0.13 ms (~100 of them a million connections scored).
 */
const DECIMALS = Array.from({ length: 10000 }, (_, n) => String(n));
const PADDED_DECIMALS = DECIMALS.map((text) => text.padStart(4, '0'));

function decimal(n: number): string {
  if (n < 10000) return DECIMALS[n] as string;
  const low = PADDED_DECIMALS[n % 10000] as string;
  if (n < 100000000) return (DECIMALS[Math.floor(n / 10000)] as string) + low;
  return (DECIMALS[Math.floor(n / 100000000)] as string) + (PADDED_DECIMALS[Math.floor(n / 10000) % 10000] as string) + low;
}
