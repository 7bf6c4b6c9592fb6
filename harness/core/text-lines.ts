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

/** A value quoted in an error message, cut to stay on one line: at most 60 characters, else the first `keep` and `...`. */
export function preview(text: string, keep = 60): string {
  return text.length > 60 ? `${text.slice(0, keep)}...` : text;
}
