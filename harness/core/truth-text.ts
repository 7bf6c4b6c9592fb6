import type { GroundTruth, TruthConnection } from './ground-truth.js';

/**
 * The text of a `<name>.truth.json`, in pieces: exactly `JSON.stringify(truth, null, 2)` and a newline, but one
 * connection at a time, so that a million connections (about 700 MB of text, beyond V8's longest string) are
 * written as they come and never joined. `connections` is the last key of a GroundTruth, so the header is the
 * whole truth stringified without them.
 */
export function* truthTextPieces(header: Omit<GroundTruth, 'connections'>, connections: Iterable<TruthConnection>): Generator<string> {
  const empty = `${JSON.stringify({ ...header, connections: [] }, null, 2)}\n`;
  const tail = '[]\n}\n';
  if (!empty.endsWith(tail)) throw new Error('truthTextPieces: connections must be the last key of the truth');
  let first = true;
  for (const c of connections) {
    const element = `    ${JSON.stringify(c, null, 2).replaceAll('\n', '\n    ')}`;
    if (first) {
      yield `${empty.slice(0, -tail.length)}[\n${element}`;
      first = false;
    } else {
      yield `,\n${element}`;
    }
  }
  yield first ? empty : '\n  ]\n}\n';
}
