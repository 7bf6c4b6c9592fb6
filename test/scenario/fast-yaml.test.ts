import { expect } from 'chai';
import fc from 'fast-check';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type ParsedNode } from 'yaml';
import { readFastYaml } from '../../harness/scenario/fast-yaml.js';
import { parseScenario } from '../../harness/scenario/parse-scenario.js';
import { InputError } from '../../harness/core/input-error.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** YAML files under `dir`; links are not followed (a corpus run folder may hold one to a pcap elsewhere). */
function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (lstatSync(full).isDirectory()) return yamlFiles(full);
    return /\.ya?ml$/.test(name) ? [full] : [];
  });
}

function kind(n: unknown): string {
  return isScalar(n) ? 'scalar' : isMap(n) ? 'map' : isSeq(n) ? 'list' : String(n);
}

/** Every node of both trees: the same kind, the same range[0], and for scalars the same value and range[1]. */
function expectSameTree(fast: ParsedNode | null, slow: ParsedNode | null, where: string): void {
  expect(kind(fast), `${where}: kind`).to.equal(kind(slow));
  if (fast === null || slow === null) return;
  expect(fast.range[0], `${where}: range[0]`).to.equal(slow.range[0]);
  if (isScalar(fast) && isScalar(slow)) {
    expect(fast.range[1], `${where}: range[1]`).to.equal(slow.range[1]);
    expect(Object.is(fast.value, slow.value), `${where}: ${String(fast.value)} vs ${String(slow.value)}`).to.equal(true);
    return;
  }
  if ((isMap(fast) && isMap(slow)) || (isSeq(fast) && isSeq(slow))) {
    const a = fast.items as unknown[];
    const b = slow.items as unknown[];
    expect(a.length, `${where}: items`).to.equal(b.length);
    for (let i = 0; i < a.length; i += 1) {
      const x = a[i];
      const y = b[i];
      if (isPair(x) && isPair(y)) {
        expectSameTree(x.key as ParsedNode, y.key as ParsedNode, `${where}/${i} key`);
        expectSameTree(x.value as ParsedNode | null, y.value as ParsedNode | null, `${where}/${String((x.key as { value?: unknown }).value)}`);
      } else {
        expectSameTree(x as ParsedNode, y as ParsedNode, `${where}/${i}`);
      }
    }
  }
}

/** 'declined', or 'read' after checking that the fast tree is the `yaml` package's tree. */
function compare(text: string): 'declined' | 'read' {
  const fastLines = new LineCounter();
  const fast = readFastYaml(text, fastLines);
  if (fast === undefined) return 'declined';
  const slowLines = new LineCounter();
  const slow = parseDocument(text, { lineCounter: slowLines, prettyErrors: false, uniqueKeys: true });
  expect(slow.errors.map((e) => e.message), `read by the fast reader but an error for the yaml package:\n${text}`).to.deep.equal([]);
  expectSameTree(fast.contents, slow.contents as ParsedNode | null, '');
  expect(fast.toJS()).to.deep.equal(slow.toJS());
  expect(fastLines.lineStarts).to.deep.equal(slowLines.lineStarts);
  return 'read';
}

/** The same text through the `yaml` package: a document-end marker, which the fast reader declines. */
function slowScenario(text: string, file: string): unknown {
  return outcome(() => parseScenario(`${text}${text.endsWith('\n') ? '' : '\n'}...\n`, file));
}

function outcome(parse: () => unknown): unknown {
  try {
    return parse();
  } catch (error) {
    if (error instanceof InputError) return { error: error.message };
    throw error;
  }
}

describe('fast-yaml: the subset reader gives the yaml package\'s tree or declines', () => {
  const files = [...yamlFiles(path.join(repo, 'scenarios')), ...yamlFiles(path.join(repo, 'test'))];

  it('reads every bundled scenario, with the same tree, ranges and line starts', () => {
    const bundled = yamlFiles(path.join(repo, 'scenarios'));
    expect(bundled.length).to.be.greaterThan(5);
    for (const file of bundled) expect(compare(readFileSync(file, 'utf8')), file).to.equal('read');
  });

  it('reads or declines every YAML file under test/ (fixtures, corpus cases), never differing', () => {
    const results = files.map((file) => compare(readFileSync(file, 'utf8')));
    expect(results.filter((r) => r === 'read').length).to.be.greaterThan(files.length / 2);
  });

  it('gives the same Scenario, or the same message, as the yaml package for every scenario file', () => {
    const scenarios = files.filter((f) => !f.includes('suite') && !f.includes('suricata'));
    let compared = 0;
    for (const file of scenarios) {
      const text = readFileSync(file, 'utf8');
      // What the fast reader declines goes to the yaml package either way.
      if (readFastYaml(text, new LineCounter()) === undefined) continue;
      compared += 1;
      expect(outcome(() => parseScenario(text, file)), file).to.deep.equal(slowScenario(text, file));
    }
    expect(compared).to.be.greaterThan(scenarios.length / 2);
  });

  it('declines what is outside its subset, and parseScenario still reads it through the yaml package', () => {
    const base = 'name: x\nconnections:\n  - id: c1\n    protocol: tcp\n    client: 192.0.2.10:40000\n    server: 198.51.100.20:443\n    activity:\n      pattern: { bursts: 1, request: 100, response: 200 }\n';
    const outside: [string, string][] = [
      ['an anchor and an alias', base.replace('protocol: tcp', 'protocol: &p tcp').replace('  - id: c1', '  - id: c1\n    open: *p').replace('open: *p', 'close: none')],
      ['an alias', `${base}  - id: c2\n    protocol: udp\n    client: 192.0.2.10:40001\n    server: 198.51.100.20:53\n    activity: *a\n`],
      ['a block scalar', base.replace('name: x', 'name: x\ndescription: |\n  two\n  lines')],
      ['a folded block scalar', base.replace('name: x', 'description: >\n  folded')],
      ['a tag', base.replace('name: x', 'name: !!str x')],
      ['a multi-line plain scalar', base.replace('name: x', 'description: one\n  two')],
      ['a multi-line flow map', base.replace('{ bursts: 1, request: 100, response: 200 }', '{ bursts: 1,\n        request: 100, response: 200 }')],
      ['a document start', `---\n${base}`],
      ['a directive', `%YAML 1.2\n---\n${base}`],
      ['an explicit key', base.replace('name: x', '? name\n: x')],
      ['a tab', base.replace('    protocol', '\tprotocol')],
      ['CRLF line ends', base.replace(/\n/g, '\r\n')],
      ['a duplicate key', base.replace('protocol: tcp', 'protocol: tcp\n    protocol: udp')],
      ['an unquoted IPv6 endpoint', base.replace('192.0.2.10:40000', '[2001:db8::10]:40000')],
      ['an empty document', '# nothing\n'],
      ['a root list', '- a\n'],
      ['an unknown escape', base.replace('name: x', 'description: "a\\qb"')],
    ];
    for (const [what, text] of outside) {
      expect(readFastYaml(text, new LineCounter()), what).to.equal(undefined);
    }
    const anchored = outside[0]?.[1] as string;
    expect(parseScenario(anchored, 'a.yaml').connections[0]?.protocol).to.equal('tcp');
  });

  it('builds the items of a block list when they are read, not once for all (a 295,000-entry list would not fit)', () => {
    const doc = readFastYaml('list:\n  - a: 1\n  - b: 2\n', new LineCounter());
    const list = (doc?.contents as { items: { value: { items: unknown[] } }[] }).items[0]?.value.items as unknown[];
    expect(list.length).to.equal(2);
    expect(list[0]).to.not.equal(list[0]);
    expect(JSON.stringify(list[0])).to.equal(JSON.stringify(list[0]));
    expect(() => list.push('c')).to.throw(TypeError);
  });

  it('reads block and flow collections, quotes, comments and odd spacing like the yaml package', () => {
    const text = [
      '# leading comment',
      '',
      'a : 1   # one',
      'b:',
      'c:   # empty with a comment',
      "d: { x: 1 , y: [1, 2] , z: \"q\" , w: {} , 'v': [] }",
      'e: [ a , "b" ,c, [d]]',
      'f: x{y}[z],w',
      'g: a#b # c',
      'h:',
      '- one',
      '-   two: 2',
      '    three: 3',
      '-',
      '  # between',
      '- - nested',
      '-    ',
      '    k: v',
      'i: "\\u0041\\x42\\t\\"\\\\ \\/"',
      "j: 'it''s'",
      'k: [0x1F, 0o17, 017, +5, -0, .inf, -.Inf, .NaN, 1e3, 1.50, 2., ~, Null, TRUE, yes, 2023-11-14T22:13:20Z]',
    ].join('\n');
    // `- - nested` is a compact nested list, which the reader declines; without it the rest is read.
    expect(compare(text)).to.equal('declined');
    expect(compare(text.replace('- - nested', '- nested'))).to.equal('read');
  });

  it('reads generated scenario-like documents exactly as the yaml package does, or declines them (fast-check)', function () {
    this.timeout(120_000);
    const counts = { read: 0, declined: 0 };
    fc.assert(
      fc.property(documentArbitrary(), ({ text }) => {
        counts[compare(text)] += 1;
      }),
      { numRuns: 600 },
    );
    // Not vacuous: most well-formed documents are read, not declined.
    expect(counts.read, JSON.stringify(counts)).to.be.greaterThan(counts.declined);
  });

  it('reads or declines documents with a damaged character, never differing from the yaml package (fast-check)', function () {
    this.timeout(120_000);
    const damage = fc.constantFrom('\t', '&a ', '*a', '!!str ', '|', '>', '---\n', '? ', '[', ']', '{', '}', ':', ': ', '#', ' #', '"', "'", '-', '- ', ',', '\n', '  ', '@', '%', '\\', '\r\n');
    fc.assert(
      fc.property(documentArbitrary(), damage, fc.nat(), ({ text }, insert, at) => {
        const i = at % (text.length + 1);
        compare(text.slice(0, i) + insert + text.slice(i));
      }),
      { numRuns: 1500 },
    );
  });

  it('gives the same Scenario or the same message as the yaml package for generated scenarios (fast-check)', function () {
    this.timeout(120_000);
    fc.assert(
      fc.property(scenarioArbitrary(), (text) => {
        expect(outcome(() => parseScenario(text, 'g.yaml'))).to.deep.equal(slowScenario(text, 'g.yaml'));
      }),
      { numRuns: 200 },
    );
  });
});

// ---- generated documents ----

type Value = { scalar: string } | { map: [string, Value][]; flow: boolean } | { list: Value[]; flow: boolean };

/** Plain and quoted scalars that look like numbers, bools, nulls, times, endpoints and text. */
const SCALARS = [
  '1', '0', '-0', '+5', '017', '0x1F', '0x1g', '0o17', '0o18', '1.50', '2.', '.5', '1e3', '-1.5E-3', '.inf', '-.Inf', '+.INF', '.nan', '.NaN',
  'null', 'Null', 'NULL', '~', 'nULL', 'true', 'True', 'FALSE', 'yes', 'no', 'on', 'tcp', 'udp', 'fin', '20ms', '1h30m', '-5s', '2023-11-14T22:13:20Z',
  '2023-11-14 22:13:20', '192.0.2.10:40000', '192.0.2.1-192.0.2.200:20000-20049', 'a b', 'a#b', 'x{y}', 'a:b', 'a,b', '-x', 'c1', 'it\'s',
  '"quoted"', '"[2001:db8::10]:40000"', "'single'", "'it''s'", '"esc \\" \\\\ \\n \\t \\u00e9 \\x41"', '""', "''", '"# not a comment"', "'a: b'",
];
const KEYS = ['id', 'protocol', 'client', 'server', 'start', 'activity', 'pattern', 'bursts', 'gap', 'a', 'b', 'x y', '1', 'true', 'null', '"q"', "'s'", 'k-1'];

function valueArbitrary(): fc.Arbitrary<Value> {
  const { value } = fc.letrec<{ value: Value }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom(...SCALARS).map((scalar): Value => ({ scalar })),
      fc.record({ map: fc.array(fc.tuple(fc.constantFrom(...KEYS), tie('value')), { minLength: 0, maxLength: 4 }), flow: fc.boolean() }),
      fc.record({ list: fc.array(tie('value'), { minLength: 0, maxLength: 4 }), flow: fc.boolean() }),
    ),
  }));
  return value;
}

interface Style {
  spaces: number[];
  comments: boolean[];
}

function documentArbitrary(): fc.Arbitrary<{ text: string }> {
  return fc
    .record({
      entries: fc.array(fc.tuple(fc.constantFrom(...KEYS), valueArbitrary()), { minLength: 1, maxLength: 5 }),
      spaces: fc.array(fc.nat(3), { minLength: 16, maxLength: 16 }),
      comments: fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
      step: fc.integer({ min: 1, max: 4 }),
    })
    .map(({ entries, spaces, comments, step }) => ({ text: renderMap(entries, 0, '', { spaces, comments }, step, { n: 0 }) }));
}

/** A style choice that varies along the document: extra spaces, trailing comments, comment and blank lines. */
function pick(style: Style, counter: { n: number }): { space: string; comment: boolean; n: number } {
  const n = (counter.n += 1);
  return { space: ' '.repeat(style.spaces[n % 16] ?? 0), comment: style.comments[n % 16] ?? false, n };
}

function flowText(v: Value, style: Style, counter: { n: number }): string {
  const { space } = pick(style, counter);
  if ('scalar' in v) return v.scalar;
  if ('map' in v) return `{${space}${v.map.map(([k, x]) => `${k}${pick(style, counter).space}: ${flowText(x, style, counter)}`).join(`${space}, `)}${space}}`;
  return `[${space}${v.list.map((x) => flowText(x, style, counter)).join(`,${space} `)}${space}]`;
}

function isBlock(v: Value): v is { map: [string, Value][]; flow: boolean } | { list: Value[]; flow: boolean } {
  return !('scalar' in v) && !v.flow && ('map' in v ? v.map.length > 0 : v.list.length > 0);
}

function endOfLine(style: Style, counter: { n: number }): string {
  const { space, comment, n } = pick(style, counter);
  const blank = n % 7 === 0 ? '\n' : '';
  const commentLine = n % 5 === 0 && comment ? `${' '.repeat(n % 9)}# note ${n}\n` : '';
  return `${comment ? `${space} # c${n}` : ''}\n${blank}${commentLine}`;
}

/** A block map at `indent`; its first line starts with `first` (a list's dash) instead of the indentation. */
function renderMap(entries: [string, Value][], indent: number, first: string, style: Style, step: number, counter: { n: number }): string {
  return entries
    .map(([key, value], i) => {
      const lead = i === 0 && first !== '' ? first : ' '.repeat(indent);
      const { space } = pick(style, counter);
      if (isBlock(value)) {
        const nested = 'map' in value
          ? renderMap(value.map, indent + step, '', style, step, counter)
          : renderList(value.list, counter.n % 2 === 0 ? indent : indent + step, style, step, counter);
        return `${lead}${key}${space}:${endOfLine(style, counter)}${nested}`;
      }
      return `${lead}${key}${space}: ${pick(style, counter).space}${flowText(value, style, counter)}${endOfLine(style, counter)}`;
    })
    .join('');
}

function renderList(items: Value[], indent: number, style: Style, step: number, counter: { n: number }): string {
  return items
    .map((value) => {
      const dash = `${' '.repeat(indent)}-${' '.repeat(1 + (pick(style, counter).space.length % 3))}`;
      if (isBlock(value)) {
        if ('map' in value) return renderMap(value.map, dash.length, dash, style, step, counter);
        return `${' '.repeat(indent)}-${endOfLine(style, counter)}${renderList(value.list, indent + step, style, step, counter)}`;
      }
      return `${dash}${flowText(value, style, counter)}${endOfLine(style, counter)}`;
    })
    .join('');
}

// ---- generated scenarios ----

function scenarioArbitrary(): fc.Arbitrary<string> {
  const connection = fc.record({
    id: fc.constantFrom('c1', 'c2', 'c3', '"c4"', "'c5'", 'clock', 'c 6'),
    protocol: fc.constantFrom('tcp', 'udp', 'icmp', '"tcp"', 'TCP'),
    client: fc.constantFrom('192.0.2.10:40000', '192.0.2.11:40001', '"192.0.2.12:40002"', '192.0.2.1-192.0.2.4:20000-20009', '192.0.2.13', '"[2001:db8::10]:40000"', '300.1.1.1:1'),
    server: fc.constantFrom('198.51.100.20:443', '198.51.100.21:53', '198.51.100.22', '"[2001:db8::20]:443"'),
    extra: fc.subarray(['count: 3', 'stagger: 2s', 'start: 10s', 'rtt: 20ms', 'close: fin', 'hold: 6h', 'vlan: 100', 'mss: 0x400', 'start: -1s', 'count: 1e3'], { maxLength: 3 }),
    activity: fc.constantFrom(
      'pattern: { bursts: 3, gap: 20m, request: 100, response: 200 }',
      "pattern: { bursts: 1, request: '100', response: 200 }",
      'pattern:\n        bursts: 2\n        span: 1h\n        request: 10\n        response: 0',
      'timeline: [{ at: 1s, from: client, bytes: 10 }, { at: 60s, from: server, bytes: 20, reply: 5 }]',
      'timeline:\n        - at: 1s\n          from: client\n          bytes: 10  # first\n        - { at: 2s, from: server, bytes: 0 }',
    ),
    comment: fc.boolean(),
  });
  return fc
    .record({
      header: fc.subarray(['seed: 7', 'start: 2023-11-14T22:13:20Z', 'quiet_threshold: 45s', 'clock: { every: 30s }', 'sentinel: { after: 30m }', 'timestamp_resolution: ns', 'name: gen-1'], { maxLength: 3 }),
      connections: fc.array(connection, { minLength: 1, maxLength: 4 }),
    })
    .map(({ header, connections }) => [
      '# generated: a scenario for the fast reader property test',
      ...header,
      'connections:',
      ...connections.map((c) => [
        `  - id: ${c.id}${c.comment ? '  # the id' : ''}`,
        `    protocol: ${c.protocol}`,
        `    client: ${c.client}`,
        `    server: ${c.server}`,
        ...c.extra.map((e) => `    ${e}`),
        '    activity:',
        `      ${c.activity}`,
        ...(c.comment ? ['    # after the entry', ''] : []),
      ].join('\n')),
      '',
    ].join('\n'));
}
