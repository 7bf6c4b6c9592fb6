import { expect } from 'chai';
import { canonicalAddress } from '../../harness/core/ip-address.js';

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

