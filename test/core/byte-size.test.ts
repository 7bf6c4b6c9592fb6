import { expect } from 'chai';
import { formatByteSize, parseByteSize } from '../../harness/core/byte-size.js';
import { durationFlag, maxOutputFlag } from '../../harness/cli/common-options.js';

describe('byte sizes', () => {
  it('reads decimal and binary units and bare bytes, and refuses anything else', () => {
    expect(parseByteSize('4GB')).to.equal(4e9);
    expect(parseByteSize('500 MB')).to.equal(5e8);
    expect(parseByteSize('2GiB')).to.equal(2 * 1024 ** 3);
    expect(parseByteSize('1.5tb')).to.equal(1.5e12);
    expect(parseByteSize('1024')).to.equal(1024);
    for (const bad of ['', 'lots', '-1GB', '5 parsecs', '1e9', 'GB']) expect(parseByteSize(bad), bad).to.equal(undefined);
  });

  it('writes three significant figures', () => {
    expect(formatByteSize(6.05e12)).to.equal('6.05 TB');
    expect(formatByteSize(4e9)).to.equal('4 GB');
    expect(formatByteSize(18_416_380)).to.equal('18.4 MB');
    expect(formatByteSize(12)).to.equal('12 bytes');
  });

  it('--max-output names its floor in the unit it counts: 4KB (4000 bytes) is refused as less than 4KiB (4096 bytes)', () => {
    const flag = (text: string): number => maxOutputFlag('run', { values: { 'max-output': text }, positionals: [] });
    expect(() => flag('4KB')).to.throw('harness run --max-output: found "4KB"; expected a size of 4KiB (4096 bytes) or more, such as 512MB or 2GB');
    expect(flag('4KiB')).to.equal(4096);
    expect(flag('4.1KB')).to.equal(4100);
  });

  it('--time-limit is at least a second: 1us and 1ms killed every monitor as "hung after 0 s"', () => {
    const flag = (text: string): number => durationFlag('run', { values: { 'time-limit': text }, positionals: [] }, 'time-limit', 600);
    for (const bad of ['1us', '1ms', '999ms', '0.5s']) expect(() => flag(bad), bad).to.throw(`harness run --time-limit: found "${bad}"; expected a duration from 1s up to 24d, such as 90s, 10m`);
    expect(flag('1s')).to.equal(1);
    expect(flag('24d')).to.equal(24 * 86_400);
  });
});
