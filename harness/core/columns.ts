/**
 * Helpers of the column stores (TruthTable, FlowRecordTable): a typed array grown by copying, and a text field kept
 * as its index in the list of values it may take.
 */
export function grown<A extends Uint8Array | Int32Array | Float64Array>(array: A, length: number): A {
  const bigger = new (array.constructor as new (n: number) => A)(length);
  bigger.set(array);
  return bigger;
}

/** The index of `value` among `values`; a value the store has no code for is refused, never stored as another. */
export function codeOf<T>(store: string, field: string, values: readonly T[], value: T): number {
  const at = values.indexOf(value);
  if (at < 0) throw new Error(`${store}: ${field} ${String(value)} is not one of ${values.map(String).join(', ')}`);
  return at;
}

/** Texts kept once each, as dense ids (0, 1, 2, ... in order of first sight): a column holds the id. */
export class TextIds {
  private readonly texts: string[] = [];
  private readonly ids = new Map<string, number>();

  id(text: string): number {
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.texts.length;
      this.texts.push(text);
      this.ids.set(text, id);
    }
    return id;
  }

  text(id: number): string {
    return this.texts[id] as string;
  }
}
