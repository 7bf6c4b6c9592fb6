import { parseDocument } from 'yaml';

/**
 * Where JSON.parse failed, as line and column for an InputError. V8 says `... at position 123` (newer versions
 * `(line 4 column 5)`); Node 20 names no position for some errors (`Unexpected token ','`): JSON is YAML, and the
 * YAML parser says where.
 */
export function jsonErrorPosition(text: string, error: unknown): { line: number; col: number } {
  const message = error instanceof Error ? error.message : String(error);
  const lineCol = /line (\d+) column (\d+)/.exec(message);
  if (lineCol) return { line: Number(lineCol[1]), col: Number(lineCol[2]) };
  const position = /position (\d+)/.exec(message);
  const offset = position ? Number(position[1]) : (parseDocument(text).errors[0]?.pos[0] ?? text.length);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: (before.at(-1)?.length ?? 0) + 1 };
}
