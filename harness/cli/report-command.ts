import path from 'node:path';
import { InputError, isInputError } from '../core/input-error.js';
import { readInputText } from '../io/read-input.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { parseResultsJson, renderJson } from '../../reports/json-report.js';
import { renderMarkdown } from '../../reports/markdown-report.js';
import { renderHtml } from '../../reports/html-report.js';
import { renderJunit } from '../../reports/junit-report.js';
import { renderTerminal } from '../../reports/terminal-report.js';
import { writeReports } from '../../reports/write-reports.js';
import { boolFlag, parseFlags, stringFlag } from './flags.js';
import { outputWidth, useColor } from './common-options.js';
import { checkOutputFile } from '../io/output-paths.js';

export const REPORT_HELP = `harness report <results.json> [--format md|html|junit|json|text] [--out FILE]

Renders a finished run again without rerunning anything. With --format, prints that report to stdout (or writes
it to --out FILE); without it, rewrites report.md, report.html and junit.xml beside results.json.`;

const RENDERERS = {
  md: renderMarkdown,
  html: renderHtml,
  junit: renderJunit,
  json: renderJson,
} as const;

export async function reportCommand(argv: string[]): Promise<number> {
  const flags = parseFlags('report', argv, { format: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (boolFlag(flags, 'help')) {
    process.stdout.write(`${REPORT_HELP}\n`);
    return 0;
  }
  const file = flags.positionals[0];
  if (file === undefined || flags.positionals.length > 1) {
    throw new InputError({ file: 'harness report', line: 0, col: 0 }, flags.positionals.length > 1 ? 'several files' : 'no results file', 'exactly one results.json');
  }
  const text = await readInputText(file, 'a results.json written by harness run').catch((error: unknown) => {
    // Above ~512 MB (many scenarios of 10,000 connections) Node cannot hold the text; the run wrote its reports then.
    if (isInputError(error) && /too large for Node/.test(error.found)) {
      throw new InputError(error.where, error.found, 'one under 512 MB: run fewer scenarios per harness run; the reports of this run were written beside it when it ran');
    }
    throw error;
  });
  const results = parseResultsJson(text, file);
  const format = stringFlag(flags, 'format');
  if (format === undefined) {
    const written = await writeReports(results, path.dirname(path.resolve(file)), ['md', 'html', 'junit']);
    process.stdout.write(`wrote:\n${written.map((p) => `  ${p}`).join('\n')}\n`);
    return 0;
  }
  let rendered: string;
  if (format === 'text') rendered = renderTerminal(results, { color: useColor(process.stdout) && !stringFlag(flags, 'out'), width: outputWidth(process.stdout) });
  else if (format in RENDERERS) rendered = RENDERERS[format as keyof typeof RENDERERS](results);
  else throw new InputError({ file: 'harness report --format', line: 0, col: 0 }, `"${format}"`, 'one of md, html, junit, json, text');
  const out = stringFlag(flags, 'out');
  if (out) await writeFileAtomic(await checkOutputFile('harness report --out', out), rendered);
  else process.stdout.write(rendered);
  return 0;
}
