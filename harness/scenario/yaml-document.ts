import { parseDocument, type Document, type LineCounter, type YAMLError } from 'yaml';
import { InputError } from '../core/input-error.js';

/**
 * A user's YAML file (a scenario, a suite) read by the `yaml` package, refused at the first thing it could not read
 * as plain YAML 1.2: a syntax error, a key twice in one map, nesting too deep, and also what the package only warns
 * of and then reads anyway: a tag it does not know (`!foo 42`, `!!int x` read as the string "42" or "x", named in
 * the message as a string where a number belongs) and a `%YAML` version it does not support. Harness files use no
 * tags: one there is a file written for another tool, or a typo, and is named at its own line and column.
 */
export interface YamlFileKind {
  /** What is expected instead of too deep a nesting, e.g. `a suite nested a few levels deep, e.g. ...`. */
  nested: string;
  /**
   * What is expected instead of a syntax error: `well-formed YAML`, and a hint at this kind's usual mistake when the
   * failing line (its text as written) shows it. A hint that names a mistake the line does not hold (an IPv6 endpoint
   * on a line indented with a tab) sends the reader looking for the wrong thing.
   */
  wellFormed: string | ((failingLine: string) => string);
}

export function readYamlDocument(text: string, file: string, lines: LineCounter, kind: YamlFileKind): Document.Parsed {
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem === undefined) return doc;
  const pos = problem.linePos?.[0] ?? lines.linePos(problem.pos[0]);
  const where = { file, line: pos.line, col: pos.col };
  switch (problem.code) {
    case 'DUPLICATE_KEY': {
      const key = /^[^:\n]*/.exec(text.slice(problem.pos[0]))?.[0].trim() ?? '';
      throw new InputError(where, `key "${key}" twice in one map`, 'each key once per map');
    }
    case 'RESOURCE_EXHAUSTION':
      throw new InputError(where, 'lists or maps nested too deeply to read', kind.nested);
    case 'TAG_RESOLVE_FAILED':
      throw new InputError(where, `the YAML tag ${tagAt(text, problem)}, which harness does not read`, 'a plain value without a tag');
    case 'BAD_DIRECTIVE':
      throw new InputError(where, `the directive ${directiveAt(text, problem)}`, 'YAML 1.2 (no %YAML line, or %YAML 1.2)');
    // The package's own words name its JavaScript API ("please use YAML.parseAllDocuments()").
    case 'MULTIPLE_DOCS':
      throw new InputError(where, 'a second YAML document (a --- after the first)', 'one YAML document (no second ---)');
    default: {
      const expected = typeof kind.wellFormed === 'string' ? kind.wellFormed : kind.wellFormed(lineAt(text, problem.pos[0]));
      throw new InputError(where, `invalid YAML (${firstLine(problem.message)})`, expected);
    }
  }
}

/** The tag as written (`!foo`, `!!int`), not as resolved (`tag:yaml.org,2002:int`). */
function tagAt(text: string, problem: YAMLError): string {
  const written = /^!\S*/.exec(text.slice(problem.pos[0]))?.[0];
  return written ?? (/Unresolved tag: (\S+)/.exec(problem.message)?.[1] ?? 'of this value');
}

function directiveAt(text: string, problem: YAMLError): string {
  const line = lineAt(text, problem.pos[0]).trim();
  return JSON.stringify(line.length > 40 ? `${line.slice(0, 37)}...` : line);
}

/** The whole line that holds offset `pos`, without its line break. */
function lineAt(text: string, pos: number): string {
  const lineStart = text.lastIndexOf('\n', pos - 1) + 1;
  const lineEnd = text.indexOf('\n', lineStart);
  return text.slice(lineStart, lineEnd < 0 ? undefined : lineEnd).replace(/\r$/, '');
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}
