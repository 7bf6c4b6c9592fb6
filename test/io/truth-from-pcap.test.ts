import { expect } from 'chai';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { deriveTruth, outerLayers, vlanStack } from '../../harness/io/truth-from-pcap.js';
import { zeroTail } from '../../harness/io/capture-file.js';
import { readGroundTruth } from '../../harness/io/read-truth.js';
import type { TruthConnection } from '../../harness/core/ground-truth.js';
import { classicPcap, ethernetIpv6 } from '../support/classic-pcap.js';
import { harness, REAL_FIXTURES, REPO } from '../support/cli.js';

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
    expect(outerLayers('eth:ethertype:ip:icmp:ip:tcp')).to.deep.equal({ v6: false, next: 'icmp', v6Fragment: false, tags: [] });
    expect(outerLayers('eth:ethertype:ip:gre:ip:tcp')?.next).to.equal('gre');
    expect(outerLayers('eth:ethertype:ip:ipv6:tcp')).to.deep.include({ v6: false, next: 'ipv6' });
    expect(outerLayers('eth:ethertype:ipv6:ipv6.hopopts:ipv6.fraghdr:udp:data')).to.deep.equal({ v6: true, next: 'udp', v6Fragment: true, tags: [] });
    expect(outerLayers('eth:ethertype:ip:udp:vxlan:eth:ethertype:vlan:ethertype:ip:tcp')).to.deep.equal({ v6: false, next: 'udp', v6Fragment: false, tunnelInTransport: 'vxlan', tags: [] });
    expect(outerLayers('eth:ethertype:ieee8021ad:ethertype:vlan:ethertype:ip:tcp')?.tags).to.deep.equal(['ieee8021ad', 'vlan']);
    expect(vlanStack(['ieee8021ad', 'vlan'], '100', '200')).to.deep.equal([200, 100]);
    expect(vlanStack(['vlan', 'vlan'], '200,100', '')).to.deep.equal([200, 100]);
    // A VLAN tag inside a tunnel (after the outer IP header) is no tag of the packet's.
    expect(vlanStack([], '300', '')).to.deep.equal([]);
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

  it('refuses a capture whose time goes back, in one line naming the packet and both times (exit 2)', async () => {
    // Two halves joined in the wrong order gave a TCP connection of -150 s; one packet stamped 100 s early (left in
    // place) made the connection's last packet one 100 s before it. The monitors' records are refused for as much.
    const work = await mkdtemp(path.join(os.tmpdir(), 'truth-order-'));
    const result = await harness(['run', capture('concat-wrong-order.pcap'), '--monitors', 'tshark', '--timeouts', 'default', '--out', path.join(work, 'out')]);
    expect(result.exitCode, result.stderr).to.equal(2);
    const lines = result.stderr.trim().split('\n').filter((l) => l.startsWith('harness:'));
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include('concat-wrong-order.pcap: found a capture out of time order: packet 10 at 2023-11-14 22:13:21.000000 UTC is 499 s before packet 9 at 2023-11-14 22:21:40.000000 UTC; expected packets in time order');
    expect(lines[0]).to.include('reordercap');
    const refusal = (file: string): Promise<string | undefined> => deriveTruth(file).then(() => undefined, (error: Error) => error.message);
    expect(await refusal(capture('back-last.pcap'))).to.include('packet 23 at 2023-11-14 22:18:20.000000 UTC is 100.005 s before packet 22 at 2023-11-14 22:20:00.005000 UTC');

    // A step back of one microsecond (queues or interfaces merged) is refused too; the same capture in order is read.
    const base = await readFile(capture('base.pcap'));
    const stepped = Buffer.from(base);
    // Records 2 and 3 (1-based) of base.pcap: the third stamped 1 us before the second.
    const second = 24 + 16 + base.readUInt32LE(24 + 8);
    const third = second + 16 + base.readUInt32LE(second + 8);
    const secondUs = base.readUInt32LE(second) * 1e6 + base.readUInt32LE(second + 4);
    stepped.writeUInt32LE(Math.floor((secondUs - 1) / 1e6), third);
    stepped.writeUInt32LE((secondUs - 1) % 1e6, third + 4);
    await writeFile(path.join(work, 'stepped.pcap'), stepped);
    expect(await refusal(path.join(work, 'stepped.pcap'))).to.match(/stepped\.pcap: found a capture out of time order: packet 3 at .* is 0\.000001 s before packet 2 at /);
    expect((await deriveTruth(capture('base.pcap'))).truth.pcap.packets).to.equal(24);
  });

  it('names zeros after the last record (padding, a cut copy) with their offset; they were "out of time order ... 1970"', async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'truth-zeros-'));
    const base = await readFile(capture('base.pcap'));
    const refusal = (file: string): Promise<string | undefined> => deriveTruth(file).then(() => undefined, (error: Error) => error.message);
    // 100 zeros: six empty records at time 0 and 4 bytes; 10: less than a record header (tshark: "cut short").
    for (const n of [100, 16, 10]) {
      const file = path.join(work, `zeros-${n}.pcap`);
      await writeFile(file, Buffer.concat([base, Buffer.alloc(n)]));
      expect(await refusal(file), `${n}`).to.equal(`${file}: found ${n} bytes of zeros after the last packet record at offset ${base.length} (padding? a cut copy?); expected a capture that ends with its last record (truncate -s ${base.length} keeps what is before them; or copy the capture again)`);
    }
    // Not all zeros after the record: the reader's own refusal stands.
    const mixed = path.join(work, 'zeros-then-x.pcap');
    await writeFile(mixed, Buffer.concat([base, Buffer.alloc(100), Buffer.from('x')]));
    expect(await refusal(mixed)).to.match(/found a capture out of time order: packet 25 at 1970-01-01/);
    // A last packet whose own bytes end in zeros is no zero tail.
    expect(await zeroTail(capture('base.pcap'))).to.equal(undefined);
    const zeroPayload = path.join(work, 'zero-payload.pcap');
    await writeFile(zeroPayload, Buffer.concat([base, classicPcap([{ us: 1_800_000_000_000_000, frame: Buffer.alloc(60) }]).subarray(24)]));
    expect(await zeroTail(zeroPayload)).to.equal(undefined);
    expect(await zeroTail(path.join(work, 'zeros-100.pcap'))).to.deep.equal({ offset: base.length, bytes: 100 });
  });

  it('a TCP 5-tuple used again (a new SYN, a new sequence number) is a second connection, as tshark\'s streams see it; a retransmitted SYN is not', async () => {
    // FIN, then 389 s later a new SYN: the truth held one 409 s connection with a 389 s "quiet period", tshark
    // itself (two streams) was scored "fragmented", and argus, which joins them, "accurate".
    const reuse = (await deriveTruth(capture('tcp-reuse.pcap'))).truth.connections.filter((c) => c.protocol === 'tcp');
    expect(reuse.map((c) => [c.id, c.clientPkts, c.serverPkts, c.durationUs, c.open, c.close, c.quietPeriods.length])).to.deep.equal([
      ['tcp-10.0.0.1:40000-10.0.0.2:80', 6, 3, 10_010_000, 'handshake', 'fin', 0],
      ['tcp-10.0.0.1:40000-10.0.0.2:80-2', 6, 3, 10_010_000, 'handshake', 'fin', 0],
    ]);
    // The first left open (no FIN or RST): tshark starts a new stream at the new SYN all the same.
    const open = (await deriveTruth(capture('tcp-reuse-open.pcap'))).truth.connections.filter((c) => c.protocol === 'tcp');
    expect(open.map((c) => [c.id, c.clientPkts + c.serverPkts, c.close])).to.deep.equal([['tcp-10.0.0.1:40000-10.0.0.2:80', 6, 'none'], ['tcp-10.0.0.1:40000-10.0.0.2:80-2', 9, 'fin']]);
    // The same SYN sent three times before its SYN-ACK: one connection.
    const again = (await deriveTruth(capture('tcp-syn-retransmit.pcap'))).truth.connections.filter((c) => c.protocol === 'tcp');
    expect(again.map((c) => [c.id, c.clientPkts, c.serverPkts, c.open, c.close])).to.deep.equal([['tcp-10.0.0.1:40000-10.0.0.2:80', 8, 3, 'handshake', 'fin']]);
  });

  it('derives from a capture harness generated the very connections its synthesized truth holds', async () => {
    const key = (c: TruthConnection): string => JSON.stringify([c.protocol, c.vlan, c.client, c.server, c.firstUs, c.lastUs, c.clientPkts, c.serverPkts, c.clientIpBytes, c.serverIpBytes, c.clientPayloadBytes, c.serverPayloadBytes]);
    for (const name of ['burst-20min', 'burst-20min-v6-vlan', 'gap-boundary', 'icmp-beacon', 'keepalive-idle', 'midstream-flip', 'udp-beacon']) {
      const dir = path.join(REAL_FIXTURES, 'scenarios', name);
      const synthesized = await readGroundTruth(path.join(dir, 'truth.json'));
      const { truth, notes } = await deriveTruth(path.join(dir, 'capture.pcap'), synthesized.quietThresholdUs / 1e6);
      expect(truth.connections.map(key).sort(), name).to.deep.equal(synthesized.connections.map(key).sort());
      expect(notes, name).to.deep.equal([]);
    }
  });

  it('names the truth as the run names the capture (its folder): extension .yaml dropped, spaces made _', async () => {
    // The truth kept "scen.yaml" and "team capture" while the run's folder and rows said "scen" and "team_capture".
    const dir = await mkdtemp(path.join(os.tmpdir(), 'truth-name-'));
    const bytes = await readFile(capture('base.pcap'));
    for (const [file, name] of [['scen.yaml', 'scen'], ['team capture.pcap', 'team_capture']] as const) {
      await writeFile(path.join(dir, file), bytes);
      expect((await deriveTruth(path.join(dir, file))).truth.scenario.name, file).to.equal(name);
    }
  });

  it('QinQ is keyed on both tags whatever their TPID (0x88a8 or 0x8100), its vlan the outer one, as Zeek and Suricata report it', async () => {
    // The first vlan.id was the outer tag under 0x8100/0x8100 (each connection two customers' flows merged) and the
    // inner one under 0x88a8/0x8100: one traffic, two truths.
    const summary = (c: TruthConnection): unknown[] => [c.id, c.vlan, c.clientPkts, c.serverPkts, c.firstUs, c.lastUs];
    const ad = (await deriveTruth(capture('qinq-two-inner.pcap'))).truth.connections;
    const q = (await deriveTruth(capture('dbl8100-two-inner.pcap'))).truth.connections;
    expect(ad.map(summary)).to.deep.equal(q.map(summary));
    expect(ad.map((c) => c.id).filter((id) => id.startsWith('tcp-'))).to.deep.equal(['tcp-10.0.0.1:40000-10.0.0.2:80-vlan200.100', 'tcp-10.0.0.1:40000-10.0.0.2:80-vlan200.101']);
    expect(ad.every((c) => c.vlan === 200)).to.equal(true);
    expect(ad.map((c) => c.innerVlan).sort()).to.deep.equal([100, 100, 100, 100, 101, 101, 101, 101]);
    expect(ad).to.have.length(8);
  });

  it('counts IPv4 fragments that come before their first fragment, and says how many have no first fragment at all', async () => {
    // One datagram sent last fragment first: its two fragments before fragment 0 were dropped (7 packets, not 9).
    const { truth, notes } = await deriveTruth(capture('frag4.pcap'));
    const udp = truth.connections.find((c) => c.id === 'udp-10.0.0.1:7000-10.0.0.5:8000');
    // Three datagrams of 8 + 3000 bytes, each in fragments of 1480, 1480 and 48 bytes behind a 20-byte IP header.
    expect(udp).to.deep.include({ clientPkts: 9, serverPkts: 0, clientIpBytes: 3 * (3008 + 3 * 20), clientPayloadBytes: 3 * 3000, durationUs: 200_000_200 });
    expect(notes).to.deep.equal(['1 packet is an IP fragment whose first fragment the capture does not hold (no ports to name a connection by): not in the truth']);
  });

  it('a pcapng of several link types: its frame bytes are not judged by the first packet\'s link header, and the run is told', async () => {
    // Ethernet, Linux cooked and raw IP interfaces: linkType "ethernet" judged every frame as 14 bytes of header.
    const { truth, notes } = await deriveTruth(capture('ng-multi.pcapng'));
    expect(truth.pcap.linkType).to.equal('other');
    expect(notes).to.deep.equal(['a capture of several link types (tshark encapsulations 1: 8 packets, 25: 8 packets, 7: 8 packets): the frame bytes a monitor counts (link header included) are not judged, only IP bytes']);
    expect((await deriveTruth(capture('base.pcap'))).truth.pcap.linkType).to.equal('ethernet');
  });

  it('refuses an IPv6 capture whose snaplen cut a packet within its hop-by-hop header (it was dropped without a word)', async () => {
    const ip6 = Buffer.alloc(40);
    ip6.writeUInt32BE(0x60000000, 0);
    ip6.writeUInt16BE(8 + 8 + 10, 4);
    ip6[6] = 0; // hop-by-hop
    ip6[7] = 64;
    Buffer.from('20010db8000000000000000000000001', 'hex').copy(ip6, 8);
    Buffer.from('20010db8000000000000000000000002', 'hex').copy(ip6, 24);
    const udp = Buffer.from('1388270f001200000000000000000000000000', 'hex').subarray(0, 18);
    const frame = ethernetIpv6(Buffer.concat([ip6, Buffer.from('1100010400000000', 'hex'), udp]));
    const work = await mkdtemp(path.join(os.tmpdir(), 'truth-hop-'));
    const cut = path.join(work, 'hop-cut.pcap');
    await writeFile(cut, classicPcap([0, 1].map((i) => ({ us: (1_700_000_000 + i) * 1e6, frame })), 58));
    const message = await deriveTruth(cut).then(() => undefined, (error: Error) => error.message);
    expect(message).to.include('hop-cut.pcap: found a capture cut short by its snaplen: packet 1 holds 58 bytes, not its whole IP header chain (its transport header is not in it)');
  });

  it('a capture run says it read the capture (nothing was generated), and a capture named .yaml is named without it', async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'truth-read-'));
    const named = path.join(work, 'scen.yaml');
    await writeFile(named, await readFile(capture('base.pcap')));
    const result = await harness(['run', named, '--monitors', 'tshark', '--timeouts', 'default', '--out', path.join(work, 'out')]);
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(result.stderr).to.include('read scen: 24 packets, its truth derived with tshark');
    expect(result.stderr).not.to.include('generated');
  });
});
