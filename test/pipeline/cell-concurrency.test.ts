import { expect } from 'chai';
import { defaultCellConcurrency, ONE_CELL_AT_A_TIME_FROM } from '../../harness/pipeline/run-pipeline.js';

describe('cells in parallel by default', () => {
  it('runs as many cells as there are cores while every scenario is small', () => {
    expect(defaultCellConcurrency(4, [10, ONE_CELL_AT_A_TIME_FROM - 1])).to.equal(4);
    expect(defaultCellConcurrency(0, [10])).to.equal(1);
  });

  it('runs one cell at a time once any scenario is large, so that two cells never hold a million records each', () => {
    expect(defaultCellConcurrency(8, [10, ONE_CELL_AT_A_TIME_FROM])).to.equal(1);
  });
});
