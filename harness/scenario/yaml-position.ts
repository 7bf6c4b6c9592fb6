import { LineCounter, parseDocument, isNode, type Node } from 'yaml';
import type { SourcePosition } from '../core/input-error.js';
import { readInputText } from '../io/read-input.js';

/**
 * Where a key of a scenario file is written, for a refusal made after parsing (the pcap-size guard, the live
 * structure limit): the parsed Scenario keeps no positions, so the file is read again on that rare path only.
 */

/**
 * The line:col of `path` in the scenario file: its deepest node the document has, or the file's first line when the
 * file no longer reads (it was read once to run, so that is only a file changed since).
 */
export async function positionInFile(file: string, path: (string | number)[]): Promise<SourcePosition> {
  const text = await readInputText(file, 'a readable scenario YAML file').catch(() => undefined);
  if (text === undefined) return { file, line: 1, col: 1 };
  return positionIn(text, file, path);
}

/** The line:col of the deepest node of `path` the document has (an alias or a shorthand stops the walk early). */
export function positionIn(text: string, file: string, path: (string | number)[]): SourcePosition {
  const lines = new LineCounter();
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { lineCounter: lines, keepSourceTokens: false, uniqueKeys: false });
  } catch {
    return { file, line: 1, col: 1 };
  }
  for (let depth = path.length; depth > 0; depth -= 1) {
    const node = doc.getIn(path.slice(0, depth), true) as unknown;
    if (isNode(node) && (node as Node).range) {
      const { line, col } = lines.linePos((node as Node).range?.[0] ?? 0);
      return { file, line, col };
    }
  }
  return { file, line: 1, col: 1 };
}
