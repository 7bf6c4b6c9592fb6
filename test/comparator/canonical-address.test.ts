import { expect } from 'chai';
import { canonicalAddress } from '../../harness/comparator/canonical-address.js';
import { classifyClose } from '../../harness/comparator/close-state.js';

describe('canonicalAddress', () => {
  it('rewrites IPv6 per RFC 5952 and leaves IPv4 alone', () => {
    const cases: [string, string][] = [
      ['192.0.2.1', '192.0.2.1'],
      ['2001:0DB8:0000:0000:0000:0000:0000:0010', '2001:db8::10'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:db8::0:1', '2001:db8::1'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['0:0:0:0:0:0:0:0', '::'],
      ['::1', '::1'],
      ['::ffff:192.0.2.1', '::ffff:c000:201'],
      ['fe80::1%eth0', 'fe80::1'],
    ];
    for (const [input, want] of cases) expect(canonicalAddress(input), input).to.equal(want);
  });

  it('returns text that is not an address lower-cased, so it simply matches nothing', () => {
    expect(canonicalAddress('1:2:3')).to.equal('1:2:3');
    expect(canonicalAddress('XYZ::Q')).to.equal('xyz::q');
  });
});

describe('classifyClose', () => {
  it('maps Zeek, argus, Suricata and flag texts', () => {
    expect(classifyClose('SF', 'ShADdFf')).to.equal('fin');
    expect(classifyClose('RSTR', undefined)).to.equal('rst');
    expect(classifyClose('S1', 'ShADd')).to.equal('open');
    expect(classifyClose('OTH', 'DdAFf')).to.equal('fin');
    expect(classifyClose('OTH', 'DdA')).to.equal('open');
    expect(classifyClose('CON', undefined)).to.equal('open');
    expect(classifyClose('closed', undefined)).to.equal('closed');
    expect(classifyClose(undefined, '.AP.SF|.A..R.')).to.equal('rst');
    expect(classifyClose('weird words', undefined)).to.equal(undefined);
    expect(classifyClose(undefined, undefined)).to.equal(undefined);
  });
});
