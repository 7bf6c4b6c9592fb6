import { expect } from 'chai';
import path from 'node:path';
import { defaultRunDir } from '../../harness/cli/common-options.js';

describe('defaultRunDir', () => {
  it('names a folder under runs/ by time, label and a random part', () => {
    const dir = defaultRunDir('burst-20min');
    expect(path.dirname(dir)).to.equal(path.resolve('runs'));
    expect(path.basename(dir)).to.match(/^\d{8}T\d{6}-burst-20min-[0-9a-f]{6}$/);
  });

  it('keeps the name within what a file system takes for the longest valid suite file name', () => {
    // 246 characters + ".suite.yaml" is a valid file name (255 bytes): the run folder named after it was not.
    const label = 's'.repeat(246);
    const name = path.basename(defaultRunDir(label));
    expect(name.length).to.be.at.most(255);
    expect(name).to.match(/^\d{8}T\d{6}-s{100}-[0-9a-f]{6}$/);
  });

  it('turns characters a folder name should not hold into _', () => {
    expect(path.basename(defaultRunDir('a b/c'))).to.match(/-a_b_c-[0-9a-f]{6}$/);
  });
});
