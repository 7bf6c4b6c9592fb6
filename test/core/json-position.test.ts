import { expect } from 'chai';
import fc from 'fast-check';
import { beyondDoubleText, duplicateKeyProblem, firstJsonProblem, jsonErrorPosition, keysInText, keysInValue, lineAndColumn } from '../../harness/core/json-position.js';

describe('JSON error positions', () => {
  it('point at the character that breaks the grammar, not at the end of the file', () => {
    expect(jsonErrorPosition('\uFEFF{}')).to.deep.equal({ line: 1, col: 1, found: 'a byte-order mark (U+FEFF), which JSON does not allow' });
    expect(jsonErrorPosition('{\n "a": tru}\n')).to.include({ line: 2, col: 7 });
    expect(jsonErrorPosition('{"a": 1,}')).to.deep.equal({ line: 1, col: 9, found: '"}" where a property name in double quotes belongs' });
    expect(jsonErrorPosition('[1 2]')).to.deep.equal({ line: 1, col: 4, found: '"2" where "," or "]" belongs' });
    expect(jsonErrorPosition('{"a": 01}')).to.include({ line: 1, col: 8 });
    expect(jsonErrorPosition('"\\x"')).to.include({ line: 1, col: 2, found: 'an unknown escape "\\x"' });
    expect(jsonErrorPosition('')).to.deep.equal({ line: 1, col: 1, found: 'the end of the file where a value belongs' });
    expect(jsonErrorPosition('{"a"\n:\n')).to.deep.equal({ line: 3, col: 1, found: 'the end of the file where a value belongs' });
  });

  it('agrees with JSON.parse on what is JSON, for any value and any one-character damage', () => {
    fc.assert(fc.property(fc.jsonValue(), fc.nat(), fc.constantFrom('', ',', '}', ']', '"', 'x', '\t', '\uFEFF'), (value, at, insert) => {
      const text = JSON.stringify(value, null, 1);
      const damaged = text.slice(0, at % (text.length + 1)) + insert + text.slice(at % (text.length + 1));
      let parses = true;
      try {
        JSON.parse(damaged);
      } catch {
        parses = false;
      }
      // A leading BOM: JSON.parse refuses it and so do we.
      expect(firstJsonProblem(damaged) === undefined, damaged).to.equal(parses);
    }), { numRuns: 500 });
  });

  it('with duplicateKeys, finds a key given twice in one object (escaped alike), and only then', () => {
    expect(firstJsonProblem('{"a": 1, "b": {"a": 2}, "c": [{"a": 3}, {"a": 4}]}', true)).to.equal(undefined);
    expect(firstJsonProblem('{"a": 1, "b": 2, "a": 3}')).to.equal(undefined);
    expect(firstJsonProblem('{"a": 1, "b": 2, "a": 3}', true)).to.deep.equal({ offset: 17, found: 'the key "a" a second time in one object (JSON.parse would keep the last silently)' });
    expect(firstJsonProblem('[{"x": {"k": 1, "\\u006b": 2}}]', true)?.offset).to.equal(16);
  });

  it('duplicateKeyProblem finds a key said twice among any values, at the second, and finds none in any value as written', () => {
    fc.assert(fc.property(fc.jsonValue(), fc.jsonValue(), fc.string(), fc.boolean(), (a, b, key, pretty) => {
      const write = (value: unknown): string => JSON.stringify(value, null, pretty ? 2 : undefined);
      expect(duplicateKeyProblem(write(a), a), write(a)).to.equal(undefined);
      const head = `[${write(a)},\n{${JSON.stringify(key)}: ${write(b)}, ${JSON.stringify(`${key}\u0000`)}: ${write(a)}, `;
      const text = `${head}${JSON.stringify(key)}: 0}, ${write(b)}]`;
      expect(duplicateKeyProblem(text, JSON.parse(text)), text).to.deep.equal({ offset: head.length, found: `the key ${JSON.stringify(key)} a second time in one object (JSON.parse would keep the last silently)` });
    }), { numRuns: 500 });
  });

  it('counts keys in the text (each occurrence, escaped quotes and colons in strings aside) and in the parsed value', () => {
    const text = '{"a\\"": "x\\\\", "b": {"c:": [{"d" : "\\":"}]}, "e"\n:\n{}, "b": 1}';
    expect(keysInText(text)).to.equal(6);
    // The second "b" replaced the object that held "c:" and "d".
    expect(keysInValue(JSON.parse(text))).to.equal(3);
    expect(keysInValue(JSON.parse('{"__proto__": {"a": 1}, "b": [[{"c": null}]]}'))).to.equal(4);
    expect(duplicateKeyProblem(text, JSON.parse(text))?.offset).to.equal(text.lastIndexOf('"b"'));
  });

  it('lineAndColumn counts lines and columns from 1', () => {
    expect(lineAndColumn('ab\ncd\n', 0)).to.deep.equal({ line: 1, col: 1 });
    expect(lineAndColumn('ab\ncd\n', 4)).to.deep.equal({ line: 2, col: 2 });
    expect(lineAndColumn('ab\ncd\n', 6)).to.deep.equal({ line: 3, col: 1 });
  });
});

describe('beyondDoubleText: one wording for a JSON number past a double (eve.json, Zeek JSON, schemas)', () => {
  it('names Infinity (what JSON.parse made of 1e309) and nothing else', () => {
    expect(beyondDoubleText(JSON.parse('1e309'))).to.equal('a number beyond what a double holds (such as 1e309)');
    expect(beyondDoubleText(-Infinity, '1e400')).to.equal('a number beyond what a double holds (such as 1e400)');
    for (const value of [1e308, 0, null, '1e309', undefined]) expect(beyondDoubleText(value), String(value)).to.equal(undefined);
  });
});
