/**
 * One flat copy of each distinct short text a parser keeps (addresses, states, flags). A parser that slices a field
 * out of a line keeps, in V8, a view into that line (any slice of 13 characters or more, "198.51.100.80" included),
 * and the line is a view into the read chunk: a million records that each keep one address would keep the whole
 * log in memory. A copy made here refers to nothing else, and every record with that text shares it.
 */
export class TextIntern {
  private readonly known = new Map<string, string>();

  /** Past `limit` distinct texts, new ones are still copied but no longer remembered. */
  constructor(private readonly limit = 1 << 20) {}

  of(text: string): string {
    const known = this.known.get(text);
    if (known !== undefined) return known;
    const own = ownCopy(text);
    if (this.known.size < this.limit) this.known.set(own, own);
    return own;
  }
}

/**
 * A copy of `text` that shares no memory with the string it was sliced from: the concatenation is flattened into a
 * new string one character longer, and the slice refers only to that.
 */
export function ownCopy(text: string): string {
  return ` ${text}`.slice(1);
}
