import { expect } from 'chai';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { consumeFile, consumeText, MAX_LINE_CHARS, namingTwice, repeatedName, type LineConsumer } from '../../harness/core/text-lines.js';
import { InputError } from '../../harness/core/input-error.js';

/** Collects every line it is fed, with its number. */
function* collect(): LineConsumer<string[]> {
  const seen: string[] = [];
  for (let item = yield; item !== undefined; item = yield) seen.push(`${item[1]}:${item[0]}`);
  return seen;
}

describe('line consumers: one parser for a string and a streamed file', () => {
  it('a file gives the lines a string gives, \\r\\n included', async () => {
    const text = 'a\r\nbb\n\nccc\n';
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'lines-')), 'x.txt');
    await writeFile(file, text);
    expect(await consumeFile(collect(), file)).to.deep.equal(consumeText(collect(), text));
    expect(consumeText(collect(), text)).to.deep.equal(['1:a', '2:bb', '3:', '4:ccc']);
    expect(consumeText(collect(), 'a\nccc')).to.deep.equal(['1:a', '2:ccc']);
  });

  it('a file whose last line has no line end is cut short: refused at that line, never read as a record', async () => {
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'lines-')), 'cut.txt');
    await writeFile(file, 'a\nbb\nccc');
    const error = await consumeFile(collect(), file, 'cut.txt').then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(InputError);
    expect((error as Error).message).to.equal('cut.txt:3:4: found a last line with no line end ("ccc"); expected every line ending in a newline, as the monitor writes them: a file cut short (copied while still being written?) is not scored');
    await writeFile(file, 'a\nbb\n \r\n');
    expect(await consumeFile(collect(), file)).to.deep.equal(['1:a', '2:bb', '3: ']);
  });

  it('a line longer than the limit (a flood without newlines) is refused with its place, never held whole', async () => {
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'lines-')), 'flood.txt');
    await writeFile(file, `ok\n${'x'.repeat(MAX_LINE_CHARS + 2 * (1 << 20))}`);
    let error: unknown;
    try { await consumeFile(collect(), file, 'flood.txt'); } catch (e) { error = e; }
    expect(error).to.be.instanceOf(InputError);
    expect((error as Error).message).to.match(/^flood\.txt:2:1: found a line longer than \d+ characters/);
  });
});

describe('repeatedName / namingTwice: one check of a header naming a column twice (tcptrace, nDPI, Zeek)', () => {
  it('finds the name whose second place comes first, or the first of `only` given twice', () => {
    expect(repeatedName(['a', 'b', 'c'])).to.equal(undefined);
    expect(repeatedName(['a', 'b', 'b', 'a'])).to.deep.equal({ name: 'b', first: 1, again: 2 });
    expect(repeatedName(['constructor', 'toString', 'x'])).to.equal(undefined);
    expect(repeatedName(['a', '', 'b', ''])).to.deep.equal({ name: '', first: 1, again: 3 });
    expect(repeatedName(['a', '', 'b', ''], { skipEmpty: true })).to.equal(undefined);
    expect(repeatedName(['a', 'b', 'b', 'a'], { only: ['a', 'b'] })).to.deep.equal({ name: 'a', first: 0, again: 3 });
    expect(repeatedName(['a', 'b', 'b'], { only: ['a'] })).to.equal(undefined);
    const repeated = repeatedName(['x', 'pkts', 'pkts']);
    expect(repeated && namingTwice('a header', repeated)).to.equal('a header naming pkts twice (columns 2 and 3)');
    expect(repeated && namingTwice('#fields', repeated, '"pkts"')).to.equal('#fields naming "pkts" twice (columns 2 and 3)');
  });
});
