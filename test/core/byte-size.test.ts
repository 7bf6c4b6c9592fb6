import { expect } from 'chai';
import { formatBytes, parseByteSize } from '../../harness/core/byte-size.js';

describe('byte sizes (--max-output)', () => {
  it('reads bytes and binary units, case-insensitively', () => {
    expect(parseByteSize('4096')).to.equal(4096);
    expect(parseByteSize('64KB')).to.equal(65536);
    expect(parseByteSize('1mb')).to.equal(1024 * 1024);
    expect(parseByteSize('1.5G')).to.equal(1.5 * 1024 ** 3);
    expect(parseByteSize(' 2 GB ')).to.equal(2 * 1024 ** 3);
  });

  it('refuses what is not a positive size', () => {
    for (const bad of ['', 'lots', '0', '-1MB', '1XB', '1e9', 'MB', '0.0001KB']) expect(parseByteSize(bad), bad).to.equal(undefined);
  });

  it('prints sizes as written', () => {
    expect(formatBytes(1024 ** 3)).to.equal('1 GB');
    expect(formatBytes(1024 * 1024)).to.equal('1 MB');
    expect(formatBytes(1536)).to.equal('1.5 KB');
    expect(formatBytes(1000)).to.equal('1000 bytes');
  });
});
