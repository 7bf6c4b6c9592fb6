import { expect } from 'chai';
import { RELEASE_HEAP_FROM, releaseHeap } from '../../harness/pipeline/heap-release.js';

/** A large run collects its garbage between phases; without --expose-gc on the command line, as the harness runs. */
describe('releaseHeap: a full collection between the phases of a large run', () => {
  it('frees what a phase dropped, at a large scenario\'s size', () => {
    let garbage: { i: number; text: string }[] | undefined = [];
    for (let i = 0; i < 1_500_000; i += 1) garbage.push({ i, text: `connection-${i}` });
    const held = process.memoryUsage().heapUsed;
    expect(garbage.length).to.equal(1_500_000);
    garbage = undefined;
    releaseHeap(RELEASE_HEAP_FROM);
    const after = process.memoryUsage().heapUsed;
    // 1.5 M objects with their strings are > 100 MB; all of it must be gone, not merely some young garbage.
    expect(held - after).to.be.greaterThan(80_000_000);
  });
});
