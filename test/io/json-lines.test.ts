import { expect } from 'chai';
import fc from 'fast-check';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../../harness/io/atomic-write.js';
import { jsonLines } from '../../harness/io/json-lines.js';

const decoder = new TextDecoder('utf-8', { fatal: true });
/** A chunk is valid until the next is asked for: kept ones are copied as they come. */
const copy = (chunk: Uint8Array): Buffer => Buffer.from(chunk);
const expectedText = (values: readonly unknown[]): string => values.map((v) => `${JSON.stringify(v)}\n`).join('');

describe('jsonLines', () => {
  it('writes each value as JSON.stringify would, one per line, in chunks of whole lines no larger than asked', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue({ stringUnit: fc.constantFrom('a', 'é', '€', '😀', '"', '\\') }), { maxLength: 60 }), fc.integer({ min: 16, max: 400 }), (values, chunkBytes) => {
        const chunks = Array.from(jsonLines(values, chunkBytes), copy);
        const text = chunks.map((c) => decoder.decode(c)).join('');
        expect(text).to.equal(expectedText(values));
        for (const c of chunks) {
          expect(c.length).to.be.greaterThan(0);
          expect(c[c.length - 1]).to.equal(0x0a);
          // Only a chunk of one line may pass the size: a line is never split between chunks.
          const lines = decoder.decode(c).split('\n').length - 1;
          if (lines > 1) expect(c.length).to.be.at.most(chunkBytes);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('encodes characters outside ASCII (two, three and four UTF-8 bytes) and a line longer than a chunk', () => {
    const values = [{ id: 'é€😀' }, 'x'.repeat(100), { s: '\u2028 "quoted" \\ \n' }, 1.5, null];
    const chunks = Array.from(jsonLines(values, 64), copy);
    expect(chunks.map((c) => decoder.decode(c)).join('')).to.equal(expectedText(values));
    expect(chunks.some((c) => c.length > 64), 'the 100-character line gets a chunk of its own').to.equal(true);
  });

  it('writes nothing for no values, and undefined as null (a line is always JSON)', () => {
    expect(Array.from(jsonLines([]), copy)).to.deep.equal([]);
    expect(decoder.decode(Array.from(jsonLines([undefined]), copy)[0])).to.equal('null\n');
  });

  it('is what writeFileAtomic writes from it, byte for byte', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'json-lines-'));
    try {
      const values = Array.from({ length: 5000 }, (_, i) => ({ i, id: `c#${i}`, note: i % 7 === 0 ? 'ü' : 'a' }));
      const file = path.join(dir, 'lines.jsonl');
      await writeFileAtomic(file, jsonLines(values, 4096));
      expect(await readFile(file, 'utf8')).to.equal(expectedText(values));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
