import { expect } from 'chai';
import fc from 'fast-check';
import { NumberedTexts } from '../../harness/core/columns.js';

/** The truth keeps its connection ids as NumberedTexts: every id must come back exactly as it was pushed. */
describe('NumberedTexts: ids kept as a prefix and a copy number', () => {
  it('gives back the ids a scenario writes and the ones it does not', () => {
    const ids = ['beacon#0', 'beacon#41237', 'c2', 'a#b#7', '#5', 'x#', 'x#007', 'x#-1', 'x#1e3', 'x#4294967296', 'x#999999999', 'x#1000000000', 'é#12', ''];
    const kept = new NumberedTexts();
    for (const id of ids) kept.push(id);
    expect(kept.length).to.equal(ids.length);
    expect(ids.map((_, i) => kept.text(i))).to.deep.equal(ids);
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
