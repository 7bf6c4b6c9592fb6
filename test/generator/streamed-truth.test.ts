import { expect } from 'chai';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generate } from '../../generators/generate.js';
import { truthTextPieces } from '../../harness/core/truth-text.js';
import { InputError } from '../../harness/core/input-error.js';
import { readLargeJsonObject } from '../../harness/io/large-json.js';
import { mixed } from './mixed-scenario.js';

/**
 * A million connections' truth is written and read one connection at a time (its text is longer than V8's longest
 * string). At small size both paths must give exactly what the whole-text ones did.
 */
describe('truth written and read as a stream', function () {
  let dir: string;
  let result: Awaited<ReturnType<typeof generate>>;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'streamed-truth-'));
    result = await generate(mixed, dir);
  });

  it('writes exactly JSON.stringify(truth, null, 2), for many connections and for none', async () => {
    const { connections, ...header } = result.truth;
    expect(await readFile(result.truthPath, 'utf8')).to.equal(`${JSON.stringify(result.truth, null, 2)}\n`);
    expect([...truthTextPieces(header, connections)].join('')).to.equal(`${JSON.stringify(result.truth, null, 2)}\n`);
    expect([...truthTextPieces(header, [])].join('')).to.equal(`${JSON.stringify({ ...header, connections: [] }, null, 2)}\n`);
  });

  it('writes a connection of thousands of quiet periods in pieces, still exactly JSON.stringify, between connections of few', () => {
    const { connections, ...header } = result.truth;
    const base = connections.find((c) => !c.background) as (typeof connections)[number];
    const periods = (n: number): (typeof base)['quietPeriods'] => Array.from({ length: n }, (_, i) => ({ startUs: 10 * i, endUs: 10 * i + 7, lengthUs: 7 }));
    const many = [
      { ...base, id: 'few', quietPeriods: periods(3) },
      { ...base, id: 'at-the-limit', quietPeriods: periods(1000) },
      { ...base, id: 'one-above', quietPeriods: periods(1001) },
      { ...base, id: 'many', quietPeriods: periods(4321) },
      { ...base, id: 'none', quietPeriods: [] },
    ];
    const pieces = [...truthTextPieces(header, many)];
    expect(pieces.join('')).to.equal(`${JSON.stringify({ ...header, connections: many }, null, 2)}\n`);
    // No piece holds the long connection, nor half of it (the longest piece is the 1000-period one, written whole).
    expect(Math.max(...pieces.map((p) => p.length))).to.be.below(JSON.stringify(many[3], null, 2).length / 2);
  });

  it('reads back the same truth whatever the chunk size, splitting connections at every byte', async () => {
    for (const chunkBytes of [1, 7, 4096]) {
      const read = await readLargeJsonObject(result.truthPath, 'connections', 'a truth', chunkBytes);
      expect(read).to.deep.equal(JSON.parse(JSON.stringify(result.truth)));
    }
  });

  it('reads compact JSON, strings with brackets, quotes and commas, and an empty array', async () => {
    const file = path.join(dir, 'odd.json');
    const value = { a: 'x[{,"]}', connections: [{ id: 'a,b]"}', n: [1, [2]] }, 3, 'c'], z: { connections: [9] } };
    await writeFile(file, JSON.stringify(value));
    expect(await readLargeJsonObject(file, 'connections', 'x', 3)).to.deep.equal(value);
    // Escapes at every place a chunk can end: a backslash before a quote, two before one, one at a string's end.
    const escapes = { connections: [{ id: 'a\\"b\\\\', x: '\\', y: '"\\"', z: [' \\\\\\" '] }, 'q\\"', { w: '\\u0041' }] };
    await writeFile(file, JSON.stringify(escapes));
    for (let chunkBytes = 1; chunkBytes <= 13; chunkBytes += 1) {
      expect(await readLargeJsonObject(file, 'connections', 'x', chunkBytes), `chunks of ${chunkBytes}`).to.deep.equal(escapes);
    }
    await writeFile(file, '{"connections": [ ], "b": 1}');
    expect(await readLargeJsonObject(file, 'connections', 'x', 2)).to.deep.equal({ connections: [], b: 1 });
  });

  it('names the line and the element of a broken connection', async () => {
    const file = path.join(dir, 'broken.json');
    await writeFile(file, '{\n  "connections": [\n    {"id": 1},\n    {"id": }\n  ]\n}\n');
    const error = await readLargeJsonObject(file, 'connections', 'a truth').catch((e: unknown) => e);
    expect(error).to.be.instanceOf(InputError);
    expect((error as InputError).message).to.equal(`${file}:4:1: found text that is not JSON in connections[1]; expected a truth`);
  });

  it('refuses a key given twice in a connection or in the object around the array, at the second, whatever the chunk size', async () => {
    const file = path.join(dir, 'twice.json');
    await writeFile(file, '{\n  "a": 1,\n  "connections": [\n    {"id": 1},\n    {\n      "id": 2,\n      "d": 3,\n      "d": 4\n    }, {"x": 1, "x": 2}\n  ]\n}\n');
    for (const chunkBytes of [1, 7, 4096]) {
      const error = await readLargeJsonObject(file, 'connections', 'a truth', chunkBytes).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(InputError);
      expect((error as InputError).message).to.equal(`${file}:8:7: found the key "d" a second time in one object (JSON.parse would keep the last silently) in connections[1]; expected each key once in an object: a truth`);
    }
    // On the element's first line the column counts from the start of the line, not of the element.
    await writeFile(file, '{\n  "connections": [{"id": 1}, {"x": 1, "x": 2}]\n}\n');
    const first = await readLargeJsonObject(file, 'connections', 'a truth', 5).catch((e: unknown) => e);
    expect((first as InputError).message).to.match(new RegExp(`^${file}:2:39: found the key "x" a second time`));
    // After the array, lines are counted through it.
    await writeFile(file, '{\n  "a": 1,\n  "connections": [\n    {"id": 1},\n    {"id": 2}\n  ],\n  "a": 2\n}\n');
    const outer = await readLargeJsonObject(file, 'connections', 'a truth', 3).catch((e: unknown) => e);
    expect((outer as InputError).message).to.equal(`${file}:7:3: found the key "a" a second time in one object (JSON.parse would keep the last silently); expected each key once in an object: a truth`);
    // Keys alike in different connections, and ':' inside strings, are no repetition.
    await writeFile(file, '{"connections": [{"id": "a:b", "n": 1}, {"id": "\\":", "n": 2}], "z": ":"}');
    expect(await readLargeJsonObject(file, 'connections', 'a truth', 2)).to.deep.equal({ connections: [{ id: 'a:b', n: 1 }, { id: '":', n: 2 }], z: ':' });
  });
});
