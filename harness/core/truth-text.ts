import type { GroundTruth, TruthConnection } from './ground-truth.js';
import { plainConnection } from './truth-table.js';

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
  for (const row of connections) {
    // A TruthTable row reads its fields (quietPeriods rebuilt on each read) and spreads as its storage: the plain
    // object, once.
    const c = plainConnection(row);
    const lead = first ? `${empty.slice(0, -tail.length)}[\n` : ',\n';
    first = false;
    if (c.quietPeriods.length <= MANY_QUIET_PERIODS) {
      yield `${lead}    ${JSON.stringify(c, null, 2).replaceAll('\n', '\n    ')}`;
      continue;
    }
    // A connection with a million quiet periods (a burst every few ms under a 1 µs threshold) was one 100 MB string
    // and its copy with the indent, over a gigabyte at its peak: its periods go out a thousand at a time.
    const [before, after] = connectionAroundQuietPeriods(c);
    yield `${lead}${before}`;
    for (let i = 0; i < c.quietPeriods.length; i += MANY_QUIET_PERIODS) {
      const pieces = c.quietPeriods.slice(i, i + MANY_QUIET_PERIODS).map((q) => `\n        ${JSON.stringify(q, null, 2).replaceAll('\n', '\n        ')}`);
      yield `${i === 0 ? '' : ','}${pieces.join(',')}`;
    }
    yield after;
  }
  yield first ? empty : '\n  ]\n}\n';
}

/** Above this many quiet periods a connection's text is written in pieces. */
const MANY_QUIET_PERIODS = 1000;

/**
 * The connection's text, indented as an element of `connections`, before and after the elements of its quietPeriods
 * (`[` + newline... + newline + `]`): JSON.stringify of it with one placeholder period, cut around the placeholder.
 */
function connectionAroundQuietPeriods(c: TruthConnection): [string, string] {
  const marker = 'harness-quiet-periods-placeholder';
  const text = `    ${JSON.stringify({ ...c, quietPeriods: [marker] }, null, 2).replaceAll('\n', '\n    ')}`;
  const at = text.indexOf(`"${marker}"`);
  if (at < 0 || text.indexOf(`"${marker}"`, at + 1) >= 0) throw new Error('truthTextPieces: quiet periods placeholder not found once');
  // `"quietPeriods": [` newline + indent + marker + newline + indent + `]`: keep the `[`, cut the marker's line.
  const open = text.lastIndexOf('[', at);
  const close = text.indexOf(']', at);
  return [text.slice(0, open + 1), `\n${text.slice(text.lastIndexOf('\n', close) + 1)}`];
}
