import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createGenerator } from 'ts-json-schema-generator';
import { REPO } from '../support/cli.js';

/**
 * schemas/results.schema.json is what `harness report` and `merge` check a results.json against, and it is made from
 * the types of harness/core/results.ts (its `$comment` says how) plus ranges the types cannot say. A field renamed or
 * dropped in those types but still required by the schema would make report and merge refuse every new results.json;
 * a field added to the types and not to the schema would go unchecked, so a damaged value there would be rendered.
 * So the types are turned into a schema again here, and both must agree once the hand-added ranges are set aside.
 */

/** Keywords the committed schema may add to what the generator writes: the ranges, and its own comment. */
const ADDED = new Set(['description', '$comment', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf']);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * The schema without the added keywords, with `type: [a, b]` written as `anyOf` of single types (the committed
 * schema needs that form to give one branch a range), and every object's keys in order, as comparable text.
 */
function normalized(schema: Json): string {
  const walk = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(node).sort()) {
      if (ADDED.has(key)) continue;
      out[key] = walk(node[key] as Json);
    }
    const type = out.type;
    if (Array.isArray(type)) {
      delete out.type;
      out.anyOf = type.map((t) => ({ type: t }));
    }
    const anyOf = out.anyOf;
    // A single-type branch list read back as one type either way.
    if (Array.isArray(anyOf)) out.anyOf = anyOf.map((branch) => JSON.stringify(branch)).sort().map((text) => JSON.parse(text) as Json);
    return out;
  };
  return JSON.stringify(walk(schema), null, 1);
}

describe('results.json schema and the types of harness/core/results.ts', function () {
  this.timeout(120_000);

  it('the committed schema is the types\' schema, plus ranges: same definitions, fields, required fields and types', async () => {
    const committed = JSON.parse(await readFile(path.join(REPO, 'schemas/results.schema.json'), 'utf8')) as Json;
    const generated = createGenerator({
      path: path.join(REPO, 'harness/core/results.ts'),
      tsconfig: path.join(REPO, 'tsconfig.json'),
      type: 'RunResults',
      additionalProperties: true,
      skipTypeCheck: true,
    }).createSchema('RunResults') as unknown as Json;
    const lines = (text: string): string[] => text.split('\n');
    // Compared as lines, so that a failure shows the field that differs rather than two 40 KB strings.
    expect(lines(normalized(committed))).to.deep.equal(lines(normalized(generated)));
  });
});
