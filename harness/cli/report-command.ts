import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../core/input-error.js';
import type { RunResults } from '../core/results.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { renderJson } from '../../reports/json-report.js';
import { readResultsFile } from '../io/read-results.js';
import { renderMarkdown } from '../../reports/markdown-report.js';
import { renderHtml } from '../../reports/html-report.js';
import { renderJunit } from '../../reports/junit-report.js';
import { renderTerminal } from '../../reports/terminal-report.js';
import { writeReports } from '../../reports/write-reports.js';
import { boolFlag, parseFlags, stringFlag } from './flags.js';
import { outputWidth, useColor } from './common-options.js';
import { checkOutputFile, refuseOutputOverInput } from '../io/output-paths.js';
import { pathInside } from '../io/path-inside.js';

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
  const { file: resultsFile, results } = await readResultsFile(file);
  // A shard's partial holds only its share of the cells: rendered, it looked like a whole run (another shard's
  // monitors absent from every table, a JUnit of fewer tests, all passing). Partials are joined first.
  const shard = results.plan?.shard;
  if (shard !== undefined) {
    throw new InputError(
      { file: resultsFile, line: 1, col: 1 },
      `$.plan.shard: a partial result, shard ${shard.index}/${shard.count} holding ${shard.tasks} of the plan's ${results.plan?.tasks ?? '?'} cells`,
      'a whole run\'s results.json: join every shard with harness merge <partial>... --out DIR, then report DIR',
    );
  }
  // A whole run judges every monitor on every scenario it read: one with no scenario, or a scenario with no cell, is
  // an edited or damaged file, and was rendered as an empty report and a JUnit of 0 tests, 0 failures at exit 0. An
  // interrupted run keeps what finished, which may be nothing.
  const empty = results.interrupted === undefined ? emptyList(results) : undefined;
  if (empty !== undefined) {
    throw new InputError(
      { file: resultsFile, line: 1, col: 1 },
      empty,
      'a results.json as harness run wrote it: every scenario it read, each with a cell per monitor, view and setting (only an interrupted run may hold fewer)',
    );
  }
  const format = stringFlag(flags, 'format');
  const out = stringFlag(flags, 'out');
  // Without --format the reports are rewritten beside results.json: an --out given there went unheeded, exit 0.
  if (out !== undefined && format === undefined) {
    throw new InputError({ file: 'harness report --out', line: 0, col: 0 }, `--out ${out} without --format`, '--format md|html|junit|json|text with --out FILE (without --format, report rewrites report.md, report.html and junit.xml beside results.json)');
  }
  if (out !== undefined) await refuseOutputOverInput([{ flag: 'harness report --out', file: out }], [{ file: resultsFile, what: 'the results.json being reported' }]);
  if (out !== undefined) await refuseOverEvidence(out, resultsFile);
  if (format === undefined) {
    const written = await writeReports(results, path.dirname(path.resolve(resultsFile)), ['md', 'html', 'junit']);
    process.stdout.write(`wrote:\n${written.map((p) => `  ${p}`).join('\n')}\n`);
    return 0;
  }
  let rendered: string;
  if (format === 'text') rendered = renderTerminal(results, { color: useColor(process.stdout) && !stringFlag(flags, 'out'), width: outputWidth(process.stdout) });
  else if (format in RENDERERS) rendered = RENDERERS[format as keyof typeof RENDERERS](results);
  else throw new InputError({ file: 'harness report --format', line: 0, col: 0 }, `"${format}"`, 'one of md, html, junit, json, text');
  if (out) await writeFileAtomic(await checkOutputFile('harness report --out', out), rendered);
  else process.stdout.write(rendered);
  return 0;
}

/** The empty list of a results.json, as the place and what it is: no scenario, or a scenario with no cell. */
function emptyList(results: RunResults): string | undefined {
  if (results.scenarios.length === 0) return '$.scenarios: an empty list';
  for (const [index, scenario] of results.scenarios.entries()) {
    if (scenario.cells.length === 0) return `$.scenarios[${index}].cells: an empty list (scenario ${scenario.name})`;
  }
  return undefined;
}

/** The reports a run writes beside its results.json: the only files of a run folder that report may write over. */
const REPORT_FILES = new Set(['report.md', 'report.html', 'junit.xml']);

/**
 * Every other file of the run folder is its evidence (the truth, the pcap, each monitor's output and scores, which
 * results.json names and a later report or merge reads again): --out onto one replaced it with a report, exit 0.
 * A new name in the folder is fine.
 */
async function refuseOverEvidence(out: string, resultsFile: string): Promise<void> {
  const runDir = await realpath(path.dirname(path.resolve(resultsFile))).catch(() => path.dirname(path.resolve(resultsFile)));
  const target = await realpath(out).catch(() => undefined);
  if (target === undefined) return;
  const inside = pathInside(runDir, target);
  if (inside === undefined || REPORT_FILES.has(inside)) return;
  throw new InputError({ file: 'harness report --out', line: 0, col: 0 }, `${out}, a file of the run being reported (${inside})`, `a new file, or one of the run's own reports (${[...REPORT_FILES].join(', ')}): the run's evidence is never written over`);
}
