import { expect } from 'chai';
import fc from 'fast-check';
import { expandConnections } from '../../harness/scenario/load-scenario.js';
import { bigIntToIp, canonicalIp, ipToBigInt } from '../../harness/core/ip-address.js';
import type { ConnectionSpec, EndpointRange } from '../../harness/scenario/scenario.js';

function spec(client: EndpointRange, count: number, extra: Partial<ConnectionSpec> = {}): ConnectionSpec {
  return {
    id: 'c',
    protocol: 'tcp',
    client,
    server: { addr: '198.51.100.20', port: 443 },
    startS: 10,
    rttS: 0.02,
    open: 'handshake',
    close: 'none',
    mss: 1460,
    icmpId: 0x1234,
    activity: { kind: 'pattern', bursts: 1, jitterS: 0, requestBytes: 1, responseBytes: 1, exchangesPerBurst: 1 },
    count,
    staggerS: 0.1,
    ...extra,
  };
}

describe('expandConnections', () => {
  it('one copy keeps the spec id and start', () => {
    const out = expandConnections(spec({ addrFrom: '192.0.2.10', addrTo: '192.0.2.10', portFrom: 40000, portTo: 40000 }, 1));
    expect(out).to.deep.equal([{ id: 'c', client: { addr: '192.0.2.10', port: 40000 }, server: { addr: '198.51.100.20', port: 443 }, startS: 10, index: 0 }]);
  });

  it('IPv4: walks ports first, then addresses, crossing an octet boundary; staggers starts', () => {
    const out = expandConnections(spec({ addrFrom: '192.0.2.255', addrTo: '192.0.3.1', portFrom: 20000, portTo: 20001 }, 5));
    expect(out.map((c) => `${c.id} ${c.client.addr}:${c.client.port} ${c.startS}`)).to.deep.equal([
      'c#0 192.0.2.255:20000 10',
      'c#1 192.0.2.255:20001 10.1',
      'c#2 192.0.3.0:20000 10.2',
      'c#3 192.0.3.0:20001 10.3',
      'c#4 192.0.3.1:20000 10.4',
    ]);
  });

  it('IPv6: walks ports first, then addresses, canonical text across a group boundary', () => {
    const out = expandConnections(
      spec({ addrFrom: '2001:db8::ffff', addrTo: '2001:db8::1:1', portFrom: 40000, portTo: 40002 }, 7, { server: { addr: '2001:db8::20', port: 443 } }),
    );
    expect(out.map((c) => `[${c.client.addr}]:${c.client.port}`)).to.deep.equal([
      '[2001:db8::ffff]:40000',
      '[2001:db8::ffff]:40001',
      '[2001:db8::ffff]:40002',
      '[2001:db8::1:0]:40000',
      '[2001:db8::1:0]:40001',
      '[2001:db8::1:0]:40002',
      '[2001:db8::1:1]:40000',
    ]);
  });

  it('ICMP copies have port 0 on both sides; their index gives the echo identifier', () => {
    const out = expandConnections(spec({ addrFrom: '192.0.2.1', addrTo: '192.0.2.3', portFrom: 0, portTo: 0 }, 3, { protocol: 'icmp', server: { addr: '198.51.100.1', port: 0 } }));
    expect(out.map((c) => [c.client.addr, c.client.port, c.server.port, c.index])).to.deep.equal([
      ['192.0.2.1', 0, 0, 0],
      ['192.0.2.2', 0, 0, 1],
      ['192.0.2.3', 0, 0, 2],
    ]);
  });

  it('property: copies are distinct, in range, and numbered in order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 300 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 200 }), (base, ports, count) => {
        const from = bigIntToIp(BigInt(base), 4);
        const addrs = Math.ceil(count / ports);
        const to = bigIntToIp(BigInt(base + addrs - 1), 4);
        const out = expandConnections(spec({ addrFrom: from, addrTo: to, portFrom: 1000, portTo: 1000 + ports - 1 }, count));
        expect(out).to.have.length(count);
        expect(new Set(out.map((c) => `${c.client.addr}:${c.client.port}`)).size).to.equal(count);
        out.forEach((c, i) => {
          expect(c.index).to.equal(i);
          expect(c.client.port).to.equal(1000 + (i % ports));
          expect(Number(ipToBigInt(c.client.addr)) - base).to.equal(Math.floor(i / ports));
        });
      }),
    );
  });
});

describe('ip-address', () => {
  it('canonicalises IPv6 per RFC 5952 and keeps IPv4 as is', () => {
    expect(canonicalIp('2001:0DB8:0000:0000:0000:0000:0000:0001')).to.equal('2001:db8::1');
    expect(canonicalIp('2001:db8:0:1:0:0:0:1')).to.equal('2001:db8:0:1::1');
    expect(canonicalIp('::')).to.equal('::');
    expect(canonicalIp('::ffff:192.0.2.1')).to.equal('::ffff:c000:201');
    expect(canonicalIp('192.0.2.10')).to.equal('192.0.2.10');
  });

  it('refuses what is not an address', () => {
    for (const bad of ['192.0.2.256', '192.0.2', '192.0.2.010', '2001:db8::1::2', 'fe80::1%eth0', 'example.org', '']) {
      expect(canonicalIp(bad), bad).to.equal(undefined);
    }
  });

  it('property: IPv6 integer round trip gives the canonical text', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }), (n) => {
        const text = bigIntToIp(n, 6);
        expect(canonicalIp(text)).to.equal(text);
        expect(ipToBigInt(text)).to.equal(n);
      }),
    );
  });

  it('property: IPv4 integer round trip', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n) => {
        const text = bigIntToIp(BigInt(n), 4);
        expect(canonicalIp(text)).to.equal(text);
        expect(ipToBigInt(text)).to.equal(BigInt(n));
      }),
    );
  });
});
