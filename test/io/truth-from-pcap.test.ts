import { expect } from 'chai';
import path from 'node:path';
import { deriveTruth, outerLayers } from '../../harness/io/truth-from-pcap.js';
import { REPO } from '../support/cli.js';

/**
 * The truth derived from a team's own capture (real tshark), on small hand-made captures (test/fixtures/captures):
 * each packet is keyed on its outermost IP header and the header right after it.
 */
const CAPTURES = path.join(REPO, 'test/fixtures/captures');
const capture = (name: string): string => path.join(CAPTURES, name);
const BASE_IDS = ['tcp-10.0.0.1:40000-10.0.0.2:80', 'udp-10.0.0.1:5353-10.0.0.3:53', 'icmp-10.0.0.1:7-10.0.0.2:7', 'udp-10.0.0.1:6000-10.0.0.3:7000'];

describe('truth derived from a capture (real tshark)', function () {
  this.timeout(120_000);

  it('reads the protocol stack from its outermost IP header', () => {
    expect(outerLayers('eth:ethertype:ip:icmp:ip:tcp')).to.deep.equal({ v6: false, next: 'icmp', v6Fragment: false });
    expect(outerLayers('eth:ethertype:ip:gre:ip:tcp')?.next).to.equal('gre');
    expect(outerLayers('eth:ethertype:ip:ipv6:tcp')).to.deep.include({ v6: false, next: 'ipv6' });
    expect(outerLayers('eth:ethertype:ipv6:ipv6.hopopts:ipv6.fraghdr:udp:data')).to.deep.equal({ v6: true, next: 'udp', v6Fragment: true });
    expect(outerLayers('eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:tcp')).to.deep.equal({ v6: false, next: 'udp', v6Fragment: false, tunnelInTransport: 'vxlan' });
    expect(outerLayers('eth:ethertype:ip:data')?.next).to.equal('data');
    expect(outerLayers('eth:ethertype:arp')).to.equal(undefined);
  });

  it('an ICMP error is an ICMP packet of its sender, keyed by type, never a connection of the TCP or UDP header it quotes', async () => {
    // Reading the stack from its end, each unreachable became tcp-10.9.9.9:41000-10.0.0.1:443 or
    // udp-10.0.0.3:5353-10.0.0.1:53 (outer addresses, quoted ports), which no monitor could report.
    const { truth, notes } = await deriveTruth(capture('icmp-err.pcap'));
    expect(truth.connections.map((c) => c.id).sort()).to.deep.equal([...BASE_IDS, 'icmp-10.9.9.9-10.0.0.1-type3', 'icmp-10.0.0.3-10.0.0.1-type3'].sort());
    const router = truth.connections.find((c) => c.id === 'icmp-10.9.9.9-10.0.0.1-type3');
    expect(router).to.deep.include({ protocol: 'icmp', clientPkts: 2, serverPkts: 0 });
    expect(router?.client).to.deep.equal({ addr: '10.9.9.9', port: 3 });
    // The base connections are unchanged by the quotations.
    const base = await deriveTruth(capture('base.pcap'));
    for (const id of BASE_IDS) expect(truth.connections.find((c) => c.id === id), id).to.deep.equal(base.truth.connections.find((c) => c.id === id));
    expect(notes).to.deep.equal([]);
  });

  for (const [name, tunnel] of [['gre', '15 GRE'], ['ipip', '15 IPv4 in IP'], ['6in4', '15 IPv6 in IP (6in4, 6to4)']] as const) {
    it(`a ${name} tunnel's packets are not in the truth (outer addresses with inner ports were), and the run is told`, async () => {
      const { truth, notes } = await deriveTruth(capture(`tun-${name}.pcap`));
      expect(truth.connections.map((c) => c.id)).to.deep.equal(['udp-10.0.0.1:6000-10.0.0.3:7000']);
      expect(truth.pcap.packets).to.equal(16);
      expect(notes).to.have.length(1);
      expect(notes[0]).to.include(`15 packets of IP protocols other than TCP, UDP and ICMP (${tunnel}) are not in the truth`);
    });
  }

  it('a VXLAN tunnel is its outer UDP flow (no inner TCP flags on it), and the run is told the inner connections are not scored', async () => {
    const { truth, notes } = await deriveTruth(capture('tun-vxlan.pcap'));
    expect(truth.connections.map((c) => c.id)).to.deep.equal(['udp-192.0.2.1:49152-192.0.2.2:4789', 'udp-10.0.0.1:6000-10.0.0.3:7000']);
    expect(truth.connections[0]).to.deep.include({ clientPkts: 15, serverPkts: 0, open: 'none', close: 'none', durationUs: 399_010_000 });
    expect(notes).to.deep.equal(['15 packets carry a tunnelled IP packet inside UDP or TCP (15 vxlan): each is in the truth as a packet of its outer flow; the inner connections are not scored']);
  });
});
