import { createReadStream } from 'node:fs';
import { InputError } from './input-error.js';
/**
 * The lines of a monitor's text output with their 1-based numbers (for file:line in errors and record sources), a
 * trailing `\r` removed. Parsers that are not on a benchmark's hot path read through this rather than each keeping
 * its own index arithmetic.
 */
export function* textLines(text: string): Generator<[line: string, lineNo: number]> {
  let pos = 0;
  let lineNo = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    let line = text.slice(pos, end);
    pos = end + 1;
    lineNo += 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    yield [line, lineNo];
  }
}

/** The 1-based column where field `index` starts, in a line split into `fields` on a separator that long. */
export function fieldColumn(fields: readonly string[], index: number, separatorLength = 1): number {
  let col = 1;
  for (let i = 0; i < index; i += 1) col += (fields[i] as string).length + separatorLength;
  return col;
}

/** A name a header gives twice, its first place and its second (0-based). */
export interface RepeatedName {
  name: string;
  first: number;
  again: number;
}

/**
 * A header naming a column twice, whose values were read from one of its places without a word (which one the tool
 * meant is not known). The name whose second place comes first, or with `only` the first of those names (in that
 * order) that is given twice; `skipEmpty` for a header whose empty names are no columns (a trailing comma).
 */
export function repeatedName(names: readonly string[], options: { only?: readonly string[]; skipEmpty?: boolean } = {}): RepeatedName | undefined {
  if (options.only !== undefined) {
    for (const name of options.only) {
      const first = names.indexOf(name);
      const again = first < 0 ? -1 : names.indexOf(name, first + 1);
      if (again >= 0) return { name, first, again };
    }
    return undefined;
  }
  // A Map, not an object: a column named constructor is no column seen before.
  const seen = new Map<string, number>();
  for (const [i, name] of names.entries()) {
    if (options.skipEmpty && name === '') continue;
    const first = seen.get(name);
    if (first !== undefined) return { name, first, again: i };
    seen.set(name, i);
  }
  return undefined;
}

/** What a refusal found: `a header naming X twice (columns 2 and 5)`, columns counted from 1; `shownName` as written. */
export function namingTwice(subject: string, repeated: RepeatedName, shownName = repeated.name): string {
  return `${subject} naming ${shownName} twice (columns ${repeated.first + 1} and ${repeated.again + 1})`;
}

/** A value quoted in an error message, cut to stay on one line: at most 60 characters, else the first `keep` and `...`. */
export function preview(text: string, keep = 60): string {
  return text.length > 60 ? `${text.slice(0, keep)}...` : text;
}

export type Line = [line: string, lineNo: number];

/**
 * A parser written once, as a generator that takes each line at a `yield` and returns its result when it receives
 * undefined (the end of the input): the same code then reads a string (tests, small inputs) or streams a file of any
 * size with bounded memory (a monitor's output).
 */
export type LineConsumer<T> = Generator<void, T, Line | undefined>;

export function consumeText<T>(consumer: LineConsumer<T>, text: string): T {
  consumer.next();
  for (const line of textLines(text)) {
    const step = consumer.next(line);
    if (step.done) return step.value;
  }
  return finish(consumer);
}

/** The longest line a monitor's output may hold: a flood without newlines is refused, never held whole. */
export const MAX_LINE_CHARS = 1 << 20;

/**
 * Feeds the lines of a file, read in 64 KB chunks, to `consumer`; `label` names the file in errors. Chunks of 1 MB
 * were strings too large for the young generation: each went straight to the old one and stayed until a full
 * collection, hundreds of MB of them for a monitor's million-record output.
 */
export async function consumeFile<T>(consumer: LineConsumer<T>, file: string, label = file): Promise<T> {
  consumer.next();
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 16 });
  let rest = '';
  let lineNo = 0;
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      let text = rest + chunk;
      let pos = 0;
      for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', pos)) {
        let line = text.slice(pos, end);
        pos = end + 1;
        lineNo += 1;
        if (line.endsWith('\r')) line = line.slice(0, -1);
        const step = consumer.next([line, lineNo]);
        if (step.done) return step.value;
      }
      text = text.slice(pos);
      if (text.length > MAX_LINE_CHARS) {
        throw new InputError({ file: label, line: lineNo + 1, col: 1 }, `a line longer than ${MAX_LINE_CHARS} characters`, 'one record per line');
      }
      rest = text;
    }
  } finally {
    stream.destroy();
  }
  if (rest.trim() !== '') throw cutShort(label, lineNo + 1, rest);
  return finish(consumer);
}

/**
 * A file whose last line has no line end (a string handed to consumeText may stop without one: tests, small texts). Every monitor ends each record with a newline, so text after the last one
 * is a record cut short (a log copied while the sensor was still writing it, a transfer cut off): read as a record it
 * gave, with the field it stopped in, a wrong value (a history "ShA" for "ShADd", a byte count of 42 for 426) and
 * exit 0; and a header cut off meant "no records".
 */
export function cutShort(file: string, lineNo: number, last: string): InputError {
  const shown = preview(last.replace(/\r$/, ''));
  return new InputError(
    { file, line: lineNo, col: last.length + 1 },
    `a last line with no line end ("${shown}")`,
    'every line ending in a newline, as the monitor writes them: a file cut short (copied while still being written?) is not scored',
  );
}

function finish<T>(consumer: LineConsumer<T>): T {
  const step = consumer.next(undefined);
  if (!step.done) throw new Error('a line parser went on after the end of its input');
  return step.value;
}
