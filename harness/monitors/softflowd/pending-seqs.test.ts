import { expect } from 'chai';
import { PendingSeqs } from './pending-seqs.js';

describe('softflowd PendingSeqs', () => {
  it('answers as a Set does over batches that fill and empty, out of order, past its first size and 2^32', () => {
    const seqs = new PendingSeqs();
    const model = new Set<number>();
    let seed = 7;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    let next = 2 ** 32 - 5000;
    for (let batch = 0; batch < 200; batch += 1) {
      const size = 1 + random(batch % 10 === 9 ? 5000 : 600);
      const queued: number[] = [];
      for (let k = 0; k < size; k += 1) {
        const seq = next++;
        queued.push(seq);
        seqs.add(seq);
        model.add(seq);
      }
      // Most leave in order, some out of order, some never; a few that were never queued are asked for.
      for (const seq of queued) {
        const picked = random(10) === 0 ? (queued[random(queued.length)] as number) : random(50) === 0 ? next + 100 : seq;
        expect(seqs.delete(picked), `delete ${picked}`).to.equal(model.delete(picked));
      }
      expect(seqs.size).to.equal(model.size);
    }
    for (const seq of model) expect(seqs.has(seq)).to.equal(true);
  });

  it('refuses what is no sequence number rather than keeping a wrong key', () => {
    const seqs = new PendingSeqs();
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) expect(() => seqs.add(bad), String(bad)).to.throw(RangeError);
  });
});
