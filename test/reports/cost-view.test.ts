import { expect } from 'chai';
import { memoryCost } from '../../reports/cost-view.js';

describe('cost view: memory cost sentence', () => {
  it('reports a difference inside run-to-run noise as none, in either direction', () => {
    // burst-20min's argus cells: 10.9 MB at 1h against 11.4 MB at default was printed as "-4% memory".
    expect(memoryCost(11_162, 11_674)).to.equal('costs no measurable memory');
    expect(memoryCost(4_000, 3_700)).to.equal('costs no measurable memory');
    expect(memoryCost(160_000, 155_000)).to.equal('costs no measurable memory');
  });

  it('names a real increase as a cost and a real decrease as a saving', () => {
    expect(memoryCost(188 * 1024, 151 * 1024)).to.equal('costs +25% memory');
    expect(memoryCost(70 * 1024, 100 * 1024)).to.equal('uses 30% less memory');
  });

  it('never divides by a missing default', () => {
    expect(memoryCost(2048, 0)).to.match(/^costs 2 MB of memory/);
  });
});
