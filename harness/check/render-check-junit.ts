import type { CheckReport, CheckResult } from './check-report.js';

/**
 * JUnit XML for CI test tabs: one testsuite per scenario, one testcase per result, `<failure>` carrying expected
 * and seen, `<skipped>` carrying the reason.
 */
export function renderCheckJunit(report: CheckReport): string {
  const byScenario = new Map<string, CheckResult[]>();
  for (const result of report.results) byScenario.set(result.scenario, [...(byScenario.get(result.scenario) ?? []), result]);
  const { pass, fail, skip } = report.counts;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(`harness check ${report.suite}`)}" tests="${pass + fail + skip}" failures="${fail}" skipped="${skip}">`,
  ];
  for (const [scenario, results] of byScenario) {
    const failures = results.filter((r) => r.status === 'fail').length;
    const skipped = results.filter((r) => r.status === 'skip').length;
    lines.push(`  <testsuite name="${attr(scenario)}" tests="${results.length}" failures="${failures}" skipped="${skipped}">`);
    for (const r of results) {
      const name = `${r.connection === 'all' ? '' : `${r.connection}: `}${r.kind === 'baseline' ? 'baseline: ' : ''}${r.expected}`;
      const open = `    <testcase classname="${attr(`${scenario}.${r.sensor}`)}" name="${attr(name)}"`;
      if (r.status === 'pass') {
        lines.push(`${open}/>`);
      } else if (r.status === 'skip') {
        lines.push(`${open}>`, `      <skipped message="${attr(r.reason ?? '')}"/>`, '    </testcase>');
      } else {
        const message = `expected ${r.expected}; ${r.seen !== undefined ? `saw ${r.seen}` : r.reason ?? ''}`;
        const where = r.where ? `${r.where.file}:${r.where.line}:${r.where.col}` : '';
        lines.push(`${open}>`, `      <failure message="${attr(message)}" type="${r.kind}">${text(where)}</failure>`, '    </testcase>');
      }
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

/** XML 1.0 forbids most control characters even escaped: drop them. */
function clean(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');
}

function text(value: string): string {
  return clean(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(value: string): string {
  return text(value).replace(/"/g, '&quot;').replace(/\n/g, '&#10;');
}
