import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResults } from '../harness/core/results.js';
import { renderHtml } from './html-report.js';
import { renderJson } from './json-report.js';
import { renderJunit } from './junit-report.js';
import { renderMarkdown } from './markdown-report.js';

export type ReportFormat = 'json' | 'md' | 'html' | 'junit';

export const REPORT_FILES: Record<ReportFormat, { file: string; render: (r: RunResults) => string }> = {
  json: { file: 'results.json', render: renderJson },
  md: { file: 'report.md', render: renderMarkdown },
  html: { file: 'report.html', render: renderHtml },
  junit: { file: 'junit.xml', render: renderJunit },
};

const ALL_FORMATS: ReportFormat[] = ['json', 'md', 'html', 'junit'];

/**
 * Writes the reports into `dir`. Each file is written beside its final name and renamed over it, so a reader
 * (a CI step, a browser) never sees half a report, and a crash leaves the previous one intact.
 */
export async function writeReports(results: RunResults, dir: string, formats: ReportFormat[] = ALL_FORMATS): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const format of [...new Set(formats)]) {
    const { file, render } = REPORT_FILES[format];
    const target = join(dir, file);
    const tmp = join(dir, `.${file}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`);
    try {
      await writeFile(tmp, render(results), { encoding: 'utf8', flag: 'wx' });
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    written.push(target);
  }
  return written;
}
