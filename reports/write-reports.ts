import { join } from 'node:path';
import type { RunResults } from '../harness/core/results.js';
import { writeFileAtomic } from '../harness/io/atomic-write.js';
import { renderHtml } from './html-report.js';
import { jsonChunks } from './json-report.js';
import { renderJunit } from './junit-report.js';
import { renderMarkdown } from './markdown-report.js';
import { summarizeResults } from '../harness/core/summarize-results.js';

export type ReportFormat = 'json' | 'md' | 'html' | 'junit';

/** Each report as pieces of text: results.json streams (it reaches hundreds of MB), the others are one piece. */
export const REPORT_FILES: Record<ReportFormat, { file: string; render: (r: RunResults) => Iterable<string> }> = {
  json: { file: 'results.json', render: jsonChunks },
  md: { file: 'report.md', render: (r) => [renderMarkdown(r)] },
  html: { file: 'report.html', render: (r) => [renderHtml(r)] },
  junit: { file: 'junit.xml', render: (r) => [renderJunit(r)] },
};

const ALL_FORMATS: ReportFormat[] = ['json', 'md', 'html', 'junit'];

/**
 * Writes the reports into `dir`. Each file is written beside its final name and renamed over it, so a reader
 * (a CI step, a browser) never sees half a report, and a crash leaves the previous one intact.
 */
export async function writeReports(all: RunResults, dir: string, formats: ReportFormat[] = ALL_FORMATS): Promise<string[]> {
  // Every report is rendered from what results.json keeps, so `harness report` renders the same reports again.
  const results = summarizeResults(all);
  const written: string[] = [];
  for (const format of [...new Set(formats)]) {
    const { file, render } = REPORT_FILES[format];
    const target = join(dir, file);
    await writeFileAtomic(target, render(results));
    written.push(target);
  }
  return written;
}
