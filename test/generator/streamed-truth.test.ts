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
});
