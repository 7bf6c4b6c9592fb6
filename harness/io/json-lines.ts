/**
 * One JSON value per line, a few hundred lines per piece: a million records are never one string, and each piece
 * stays small enough to die young. Pieces of 4,096 scores (about 2 MB) outlived the young generation while the
 * writer gathered them, and a 100,000-connection cell left ~280 MB of them for the next full collection.
 */
export function* jsonLines(values: Iterable<unknown>): Generator<string> {
  let piece: string[] = [];
  for (const value of values) {
    piece.push(`${JSON.stringify(value)}\n`);
    if (piece.length === 256) {
      yield piece.join('');
      piece = [];
    }
  }
  if (piece.length > 0) yield piece.join('');
}
