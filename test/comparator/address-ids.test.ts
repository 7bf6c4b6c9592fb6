import { expect } from 'chai';
import fc from 'fast-check';
import { isIP } from 'node:net';
import { AddressIds, dottedQuad } from '../../harness/comparator/address-ids.js';
import { ipToBigInt } from '../../harness/core/ip-address.js';

describe('dottedQuad', () => {
  it('reads exactly the text node calls IPv4, to the same value as ipToBigInt', () => {
    const part = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom('', '00', '01', '007', '1a', ' 1', '-1', '2555'));
    const text = fc.oneof(
      fc.array(part, { minLength: 1, maxLength: 5 }).map((parts) => parts.join('.')),
      fc.string({ unit: fc.constantFrom('0', '1', '2', '5', '9', '.', ':', 'a'), maxLength: 16 }),
    );
    fc.assert(
      fc.property(text, (t) => {
        const v = dottedQuad(t);
        if (isIP(t) === 4) expect(v).to.equal(Number(ipToBigInt(t)));
        else expect(v).to.equal(-1);
      }),
      { numRuns: 5000 },
    );
  });

  it('takes the ends of the range and refuses leading zeros', () => {
    expect(dottedQuad('0.0.0.0')).to.equal(0);
    expect(dottedQuad('255.255.255.255')).to.equal(2 ** 32 - 1);
    expect(dottedQuad('10.0.0.01')).to.equal(-1);
    expect(dottedQuad('10.0.0.256')).to.equal(-1);
    expect(dottedQuad('10.0.0.0.')).to.equal(-1);
  });
});

describe('AddressIds', () => {
  it('gives every spelling of one address the same id and an unknown address none', () => {
    const ids = new AddressIds();
    const v6 = ids.intern('2001:db8::10');
    const v4 = ids.intern('192.0.2.1');
    const text = ids.intern('not-an-address');
    expect(new Set([v6, v4, text]).size).to.equal(3);
    expect(ids.size).to.equal(3);
    expect(ids.intern('2001:0DB8:0:0::0010')).to.equal(v6);
    expect(ids.find('2001:DB8::10')).to.equal(v6);
    expect(ids.find('2001:db8::10%eth0')).to.equal(v6);
    expect(ids.find('192.0.2.1')).to.equal(v4);
    expect(ids.find('192.0.2.1%0')).to.equal(v4);
    expect(ids.find('NOT-AN-ADDRESS')).to.equal(text);
    expect(ids.find('192.0.2.2')).to.equal(-1);
    expect(ids.find('2001:db8::11')).to.equal(-1);
    // Asked twice: the second answer comes from the remembered alias and must agree.
    expect(ids.find('2001:DB8::10')).to.equal(v6);
    expect(ids.find('2001:db8::12')).to.equal(-1);
    expect(ids.find('2001:db8::12')).to.equal(-1);
  });

  it('keeps every id as its IPv4 table grows, including 0.0.0.0 and 255.255.255.255', () => {
    const ids = new AddressIds();
    const texts = ['0.0.0.0', '255.255.255.255'];
    for (let i = 0; i < 5000; i += 1) texts.push(`10.${(i >>> 8) & 255}.${i & 255}.${(i * 7) & 255}`);
    const unique = [...new Set(texts)];
    const given = unique.map((t) => ids.intern(t));
    expect(given).to.deep.equal(unique.map((_, i) => i));
    expect(unique.map((t) => ids.find(t))).to.deep.equal(given);
    expect(ids.find('11.0.0.0')).to.equal(-1);
  });
});
