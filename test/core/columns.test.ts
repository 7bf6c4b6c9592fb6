import { expect } from 'chai';
import fc from 'fast-check';
import { grown, NumberedTexts, SpillColumn, TextIds } from '../../harness/core/columns.js';

/** The truth keeps its connection ids as NumberedTexts: every id must come back exactly as it was pushed. */
describe('NumberedTexts: ids kept as a prefix and a copy number', () => {
  it('gives back the ids a scenario writes and the ones it does not', () => {
    const ids = ['beacon#0', 'beacon#41237', 'c2', 'a#b#7', '#5', 'x#', 'x#007', 'x#-1', 'x#1e3', 'x#4294967296', 'x#999999999', 'x#1000000000', 'é#12', ''];
    const kept = new NumberedTexts();
    for (const id of ids) kept.push(id);
    expect(kept.length).to.equal(ids.length);
    expect(ids.map((_, i) => kept.text(i))).to.deep.equal(ids);
  });

  it('writes each copy number back in full across the places its digits are looked up in groups of four', () => {
    const numbers = [9, 10, 9999, 10000, 10001, 10100, 99999999, 100000000, 100000007, 100010001, 123004005, 999999999];
    const kept = new NumberedTexts();
    for (const n of numbers) kept.push(`beacon#${n}`);
    expect(numbers.map((_, i) => kept.text(i))).to.deep.equal(numbers.map((n) => `beacon#${n}`));
  });

  it('round-trips any text, past its growth', () => {
    const piece = fc.oneof(fc.string({ maxLength: 6 }), fc.nat().map(String), fc.constantFrom('#', '#0', '#00', '#12'));
    fc.assert(fc.property(fc.array(fc.array(piece, { maxLength: 4 }).map((p) => p.join('')), { minLength: 1, maxLength: 3000 }), (ids) => {
      const kept = new NumberedTexts();
      for (const id of ids) kept.push(id);
      return ids.every((id, i) => kept.text(i) === id);
    }), { numRuns: 60 });
  });
});

describe('TextIds.from: the ids another thread rebuilds', () => {
  it('gives each text its id as the store it came from did, and new texts the next ids once asked', () => {
    const first = new TextIds();
    for (const text of ['10.0.0.1', 'SF', '10.0.0.2', 'SF']) first.id(text);
    const again = TextIds.from(structuredClone(first.all()));
    expect([0, 1, 2].map((id) => again.text(id))).to.deep.equal(['10.0.0.1', 'SF', '10.0.0.2']);
    expect(again.id('10.0.0.2')).to.equal(2);
    expect(again.id('S0')).to.equal(3);
    expect(again.id('S0')).to.equal(3);
  });
});

describe('column helpers', () => {
  it('grown keeps every value and fills the new room with the value given (zero by default)', () => {
    const ids = Int32Array.of(4, -1, 7);
    expect(Array.from(grown(ids, 5))).to.deep.equal([4, -1, 7, 0, 0]);
    expect(Array.from(grown(ids, 6, -2))).to.deep.equal([4, -1, 7, -2, -2, -2]);
    expect(Array.from(grown(Float64Array.of(0.5), 3, NaN))).to.deep.equal([0.5, NaN, NaN]);
  });

  it('SpillColumn gives back every value set, in any order of appends and rewrites, against a plain array', () => {
    const value = fc.oneof({ arbitrary: fc.constant(3), weight: 6 }, { arbitrary: fc.constantFrom(NaN, -0, 0, 2 ** 40, -1), weight: 1 });
    const step = fc.record({ append: fc.boolean(), at: fc.nat(), value });
    fc.assert(fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
      const column = new SpillColumn((n) => new Float64Array(n), 256);
      const plain: number[] = [];
      for (const { append, at, value: v } of steps) {
        const row = append || plain.length === 0 ? plain.length : at % plain.length;
        column.set(row, v, plain.length);
        plain[row] = v;
      }
      plain.forEach((v, row) => expect(Object.is(column.get(row), v), `row ${row}: ${column.get(row)} for ${v}`).to.equal(true));
    }));
  });
});
