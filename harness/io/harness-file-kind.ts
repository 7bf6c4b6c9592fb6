/**
 * Which of harness's own JSON files a parsed value looks like, by the top-level keys only that kind has. A reader
 * handed another kind (a truth.json to harness report, a results.json as --truth) says so, instead of taking the
 * other file's schemaVersion for an old or new version of its own and asking the user to regenerate it.
 */
export type HarnessFileKind = 'truth' | 'results' | 'baseline';

const DESCRIPTION: Record<HarnessFileKind, string> = {
  truth: 'a ground truth (<name>.truth.json, written by harness generate)',
  results: 'a results.json (written by harness run)',
  baseline: 'a suite baseline (<suite>.baseline.json, written by harness check --update-baseline)',
};

export function harnessFileKind(value: unknown): HarnessFileKind | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const has = (key: string): boolean => Object.hasOwn(value, key);
  if (has('generator') && has('connections') && has('pcap')) return 'truth';
  if (has('tool') && has('scenarios')) return 'results';
  if (has('entries') && !has('scenarios') && !has('connections')) return 'baseline';
  return undefined;
}

/** `found` text for an InputError when `value` is another kind of harness file than `wanted`; else undefined. */
export function otherHarnessFile(value: unknown, wanted: HarnessFileKind): string | undefined {
  const kind = harnessFileKind(value);
  return kind === undefined || kind === wanted ? undefined : `${DESCRIPTION[kind]}, not ${DESCRIPTION[wanted].replace(/ \(.*\)$/, '')}`;
}
