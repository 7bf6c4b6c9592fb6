import { expect } from 'chai';
import { checkedCaptureName } from '../../harness/io/capture-file.js';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunResults } from '../../harness/core/results.js';
import type { TruthConnection } from '../../harness/core/ground-truth.js';
import { cutAtEdges, truthFromPcap } from '../../harness/io/truth-from-pcap.js';
import { runProcessLines } from '../../harness/executor/process-runner.js';
import { classicPcap, ethernetIpv6 } from '../support/classic-pcap.js';
import { harness, REAL_FIXTURES } from '../support/cli.js';

/**
 * `harness run capture.pcap`: a team's own capture (here the capture the real Zeek fixtures were made from: one TCP
 * and one UDP flow over 19 hours) runs the same sweep with its truth derived by tshark; the pcapng of it and a copy
 * that begins mid-connection (its first two packets dropped with editcap) must say so.
 */
const CAPTURE = path.join(REAL_FIXTURES, 'zeek/longconn-42/capture.pcap');

async function run(capture: string, out: string): Promise<{ results: RunResults; stdout: string; md: string }> {
  const result = await harness(['run', capture, '--monitors', 'tshark,argus', '--timeouts', 'default,1h', '--out', out]);
  expect(result.exitCode, result.stderr).to.equal(0);
  const results = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as RunResults;
  return { results, stdout: result.stdout, md: await readFile(path.join(out, 'report.md'), 'utf8') };
}

describe('harness run on a team\'s own capture (real tshark, argus, editcap)', function () {
  this.timeout(600_000);
  let work: string;

  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'harness-capture-'));
  });

  it('derives the truth from the capture, says so, and scores the monitors against it', async () => {
    const { results, stdout, md } = await run(CAPTURE, path.join(work, 'pcap'));
    const scenario = results.scenarios[0] as RunResults['scenarios'][number];
    expect(scenario.truthSource).to.equal('derived');
    expect(scenario.truth.generator).to.match(/^tshark/);
    expect(scenario.truth.connections.map((c) => c.protocol).sort()).to.deep.equal(['tcp', 'udp']);
    // Never split: one connection per conversation, however long its silences (27 minutes here).
    const tcp = scenario.truth.connections.find((c) => c.protocol === 'tcp') as TruthConnection;
    expect(tcp.quietPeriods.length).to.be.greaterThan(30);
    expect(tcp.durationUs).to.be.greaterThan(18 * 3600e6);
    // The capture shows the TCP handshake but no FIN or RST: cut at its end only.
    expect(tcp.cut).to.deep.equal({ end: 'no FIN or RST: still open when the capture ended' });
    expect(path.resolve(path.join(work, 'pcap'), scenario.pcapFile)).to.equal(CAPTURE);
    expect(scenario.cells.find((c) => c.column === 'tshark' && c.setting.label === 'default')?.verdict).to.equal('accurate');
    expect(md).to.include('> Truth derived from the capture itself with tshark');
    expect(md).to.include('**cut at end (no FIN or RST: still open when the capture ended)**');
    expect(stdout).to.include('Truth derived from the capture itself');
    // The truth the run wrote is input to `harness score --truth` like a generated one: its "cut" was refused by the
    // truth schema ("found key \"cut\"; expected one of ..."), exit 2, for every capture with a connection cut.
    const truthFile = path.join(work, 'pcap', scenario.name, `${scenario.name}.truth.json`);
    const tsv = path.join(work, 'pcap', scenario.name, 'tshark', 'default', 'tshark-packets.tsv');
    const scored = await harness(['score', '--truth', truthFile, '--monitor', 'tshark', '--log', tsv, '--json']);
    expect(scored.exitCode, scored.stderr).to.equal(0);
    expect(scored.stdout).to.include('"accurate"');
  });

  it('reads a pcapng the same way, and marks TCP that begins without its SYN as cut at the start', async () => {
    const pcapng = path.join(work, 'longconn.pcapng');
    await execa('editcap', ['-F', 'pcapng', CAPTURE, pcapng]);
    const same = await run(pcapng, path.join(work, 'pcapng'));
    const original = JSON.parse(await readFile(path.join(work, 'pcap', 'results.json'), 'utf8')) as RunResults;
    expect(same.results.scenarios[0]?.name).to.equal('longconn');
    expect(same.results.scenarios[0]?.truth.connections).to.deep.equal(original.scenarios[0]?.truth.connections);

    // Packets 1-2 are the SYN and SYN-ACK: without them the capture starts mid-connection.
    const midstream = path.join(work, 'midstream.pcap');
    await execa('editcap', ['-r', CAPTURE, midstream, '3-100000']);
    const cut = await run(midstream, path.join(work, 'midstream'));
    const tcp = cut.results.scenarios[0]?.truth.connections.find((c) => c.protocol === 'tcp');
    expect(tcp?.open).to.equal('midstream');
    expect(tcp?.cut?.start).to.equal('no SYN: it began before the capture');
    expect(cut.md).to.include('cut at start (no SYN: it began before the capture)');
  });

  it('marks UDP and ICMP cut by how near their first and last packets are to the capture\'s edges', () => {
    const base = { protocol: 'udp', open: 'none', close: 'none', firstUs: 100e6, lastUs: 900e6 } as TruthConnection;
    expect(cutAtEdges(base, 0, 1000e6, 30e6)).to.equal(undefined);
    expect(cutAtEdges({ ...base, firstUs: 10e6 }, 0, 1000e6, 30e6)?.start).to.match(/first packet within 30 s of the capture's start/);
    expect(cutAtEdges({ ...base, lastUs: 990e6 }, 0, 1000e6, 30e6)?.end).to.match(/last packet within 30 s of the capture's end/);
    const tcp = { ...base, protocol: 'tcp', open: 'handshake', close: 'fin', firstUs: 0, lastUs: 1000e6 } as TruthConnection;
    expect(cutAtEdges(tcp, 0, 1000e6, 30e6)).to.equal(undefined);
  });

  it('refuses a capture tshark cannot read, in one line (exit 2)', async () => {
    const broken = path.join(work, 'broken.pcap');
    await writeFile(broken, Buffer.from([0xd4, 0xc3, 0xb2, 0xa1, 1, 2, 3]));
    const result = await harness(['run', broken, '--monitors', 'tshark', '--out', path.join(work, 'broken')]);
    expect(result.exitCode).to.equal(2);
    expect(result.stderr.trim().split('\n').filter((l) => l.startsWith('harness:'))).to.have.length(1);
    expect(result.stderr).to.match(/harness: .*broken\.pcap: found a file tshark cannot read/);
  });

  it('refuses a capture whose snaplen cut the TCP headers (its SYNs read as missing: a wrong truth, every monitor "missed")', async () => {
    const cut = path.join(work, 'snap40.pcap');
    await execa('editcap', ['-s', '40', CAPTURE, cut]);
    const result = await harness(['run', cut, '--monitors', 'tshark', '--out', path.join(work, 'snap40')]);
    expect(result.exitCode, result.stderr).to.equal(2);
    expect(result.stderr).to.match(/snap40\.pcap: found a capture cut short by its snaplen: packet \d+ holds 40 bytes, not its whole TCP header/);
    // A snaplen that keeps the headers (a header-only capture) is read as before.
    const headers = path.join(work, 'snap96.pcap');
    await execa('editcap', ['-s', '96', CAPTURE, headers]);
    expect((await harness(['run', headers, '--monitors', 'tshark', '--timeouts', 'default', '--out', path.join(work, 'snap96')])).exitCode).to.equal(0);
  });

  it('IPv6 behind a hop-by-hop header and in fragments counts under its transport; whole IPv4 fragments are not "cut by the snaplen"', async () => {
    // One UDP datagram every 100 s: plain, behind a hop-by-hop header, or as two fragments (3000 bytes). The
    // extension headers' packets were dropped (2 packets and a made-up 500 s silence), fragments refused as cut.
    const a = Buffer.from('20010db8000000000000000000000001', 'hex');
    const b = Buffer.from('20010db8000000000000000000000002', 'hex');
    const ip6 = (next: number, payload: Buffer): Buffer => {
      const h = Buffer.alloc(40);
      h.writeUInt32BE(0x60000000, 0);
      h.writeUInt16BE(payload.length, 4);
      h[6] = next;
      h[7] = 64;
      a.copy(h, 8);
      b.copy(h, 24);
      return Buffer.concat([h, payload]);
    };
    // Checksum 0: tshark reads the datagram whether or not it would pass.
    const udp = (data: Buffer): Buffer => {
      const h = Buffer.alloc(8);
      h.writeUInt16BE(5000, 0);
      h.writeUInt16BE(9999, 2);
      h.writeUInt16BE(8 + data.length, 4);
      return Buffer.concat([h, data]);
    };
    const frames: [number, Buffer][] = [];
    for (let i = 0; i < 6; i += 1) {
      const ts = 1_700_000_000 + i * 100;
      if (i === 0 || i === 5) frames.push([ts * 1e6, ip6(17, udp(Buffer.alloc(100, 0x78)))]);
      else {
        const datagram = udp(Buffer.alloc(3000, 0x79));
        const fragment = (offset: number, more: number): Buffer => {
          const h = Buffer.alloc(8);
          h[0] = 17;
          h.writeUInt16BE((offset << 3) | more, 2);
          h.writeUInt32BE(1000 + i, 4);
          return h;
        };
        frames.push([ts * 1e6, ip6(44, Buffer.concat([fragment(0, 1), datagram.subarray(0, 1448)]))]);
        frames.push([ts * 1e6 + 1, ip6(44, Buffer.concat([fragment(181, 0), datagram.subarray(1448)]))]);
      }
      frames.push([ts * 1e6 + 2, ip6(0, Buffer.concat([Buffer.from('1100010400000000', 'hex'), udp(Buffer.alloc(10, 0x68))]))]);
    }
    const capture = path.join(work, 'ipv6-extension-headers.pcap');
    await writeFile(capture, classicPcap(frames.map(([us, ip]) => ({ us, frame: ethernetIpv6(ip) }))));
    const truth = await truthFromPcap(capture);
    expect(truth.connections.map((c) => c.id)).to.deep.equal(['udp-2001:db8::1:5000-2001:db8::2:9999']);
    const conn = truth.connections[0] as TruthConnection;
    // Every frame on the wire, fragments each (as argus and nfpcapd count them), and each fragment's IP bytes.
    expect(conn.clientPkts).to.equal(16);
    expect(conn.clientIpBytes).to.equal(2 * (40 + 108) + 4 * (40 + 8 + 1448 + 40 + 8 + 1560) + 6 * (40 + 26));
    expect(conn.clientPayloadBytes).to.equal(2 * 100 + 4 * 3000 + 6 * 10);
    expect(conn.longestGapUs).to.be.below(100_000_000);
  });

  it('a raw-IP capture: its truth says so, and argus\'s frame bytes (IP bytes there) are judged against no Ethernet header', async () => {
    // gap-boundary's capture with each frame's 14-byte Ethernet header cut off, as LINKTYPE_RAW (101).
    const original = await readFile(path.join(REAL_FIXTURES, 'scenarios/gap-boundary/capture.pcap'));
    const header = Buffer.from(original.subarray(0, 24));
    header.writeUInt32LE(101, 20);
    const parts = [header];
    for (let off = 24; off < original.length;) {
      const length = original.readUInt32LE(off + 8);
      const record = Buffer.from(original.subarray(off, off + 16));
      record.writeUInt32LE(length - 14, 8);
      record.writeUInt32LE(original.readUInt32LE(off + 12) - 14, 12);
      parts.push(record, original.subarray(off + 16 + 14, off + 16 + length));
      off += 16 + length;
    }
    const raw = path.join(work, 'raw-ip.pcap');
    await writeFile(raw, Buffer.concat(parts));
    const { results } = await run(raw, path.join(work, 'raw-ip'));
    const scenario = results.scenarios[0];
    expect(scenario?.truth?.pcap.linkType).to.equal('raw-ip');
    const argus = scenario?.cells.find((c) => c.column === 'argus (raw)');
    const judged = argus?.scores.filter((x) => !x.background && x.bytes.bytesKind === 'ethernet' && x.bytes.seen !== undefined) ?? [];
    expect(judged.length).to.be.greaterThan(0);
    // Every connection argus reported whole conserves its bytes (they were all "wrong" by 14 bytes a packet).
    for (const score of judged.filter((x) => x.fragments === 1)) expect(score.bytes.ok, score.connectionId).to.equal(true);
  });

  it('one 5-tuple on two VLANs at once: ndpiReader keeps them apart without printing the VLAN, and its log is scored, not refused as two sensors\' logs', async () => {
    const captures: string[] = [];
    for (const vlan of [10, 20]) {
      const yaml = path.join(work, `vlan${vlan}.yaml`);
      await writeFile(yaml, [`name: vlan${vlan}`, 'seed: 5', 'start: 1700000000', 'connections:', `  - id: c${vlan}`, '    protocol: tcp', '    client: 192.0.2.40:40000',
        '    server: 198.51.100.40:443', `    vlan: ${vlan}`, '    close: fin', `    start: ${vlan}s`, '    activity:', '      pattern: { bursts: 5, span: 20m, request: 100, response: 200 }', ''].join('\n'));
      const generated = await harness(['generate', yaml, '--out', path.join(work, 'vlans')]);
      expect(generated.exitCode, generated.stderr).to.equal(0);
      captures.push(path.join(work, 'vlans', `vlan${vlan}.pcap`));
    }
    const mixed = path.join(work, 'vlan-mix.pcap');
    await execa('mergecap', ['-F', 'pcap', '-w', mixed, ...captures]);
    const out = path.join(work, 'vlan-mix');
    const result = await harness(['run', mixed, '--monitors', 'ndpi,tshark', '--timeouts', 'default', '--out', out]);
    expect(result.exitCode, result.stderr).to.equal(0);
    const results = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as RunResults;
    const cells = results.scenarios[0]?.cells ?? [];
    const ndpi = cells.find((c) => c.monitor === 'ndpi');
    // Refused before as "two sensors' logs concatenated"; each row holds one connection's 21 packets, merged with none.
    expect(ndpi?.status, ndpi?.reason).to.equal('ok');
    expect(ndpi?.scores.filter((x) => !x.background).map((x) => [x.fragments, x.packets.seen, x.mergedWith])).to.deep.equal([[1, 21, undefined], [1, 21, undefined]]);
    // tshark's stream index folds the two: its record names no VLAN and is scored as holding both.
    const tshark = cells.find((c) => c.monitor === 'tshark');
    expect(tshark?.scores.some((x) => x.mergedWith !== undefined)).to.equal(true);
    expect(tshark?.scores.some((x) => x.verdict === 'accurate' && (x.packets.seen ?? 0) > x.packets.expected)).to.equal(false);
  });

  it('refuses a file named as a capture that holds none by what it is, not as a bad scenario', async () => {
    const empty = path.join(work, 'empty.pcap');
    await writeFile(empty, '');
    const text = path.join(work, 'notes.pcap');
    await writeFile(text, 'hello world\n');
    for (const [file, found] of [[empty, 'found an empty file named as a capture'], [text, 'found a file named as a capture whose first bytes (68656c6c6f20776f)']] as const) {
      const result = await harness(['run', file, '--monitors', 'tshark', '--out', path.join(work, 'none')]);
      expect(result.exitCode, result.stderr).to.equal(2);
      expect(result.stderr).to.include(`${file}: ${found}`);
    }
  });

  it('refuses, before reading it, a capture whose name is no scenario name: the run folder\'s own names, or too long', async () => {
    const names = await mkdtemp(path.join(work, 'names-'));
    const cases = [
      ['.harness-run.pcap', 'gives the name ".harness-run"; expected a capture file name that starts with a letter, digit or "_"'],
      ['.harness-lock.x.pcap', 'gives the name ".harness-lock.x"; expected a capture file name that starts with a letter, digit or "_"'],
      [`${'y'.repeat(250)}.pcap`, 'gives a name of 250 characters; expected one that gives at most 200'],
    ] as const;
    for (const [name, found] of cases) {
      const file = path.join(names, name);
      await copyFile(CAPTURE, file);
      const out = path.join(work, 'refused-name');
      const result = await harness(['run', file, '--monitors', 'tshark', '--timeouts', 'default', '--out', out]);
      expect(result.exitCode, result.stderr).to.equal(2);
      expect(result.stderr.trim().split('\n')).to.have.length(1);
      expect(result.stderr).to.include(`harness: ${file}: found a capture file name that ${found}`);
      expect(existsSync(out), 'nothing written').to.equal(false);
    }
  });

  it('takes a capture whose name it made from other characters (über.pcap gives _ber), as it always did', () => {
    expect(checkedCaptureName('/x/über.pcap')).to.equal('_ber');
    expect(checkedCaptureName('/x/(copy) trace.pcapng')).to.equal('_copy_trace');
    expect(() => checkedCaptureName('/x/-rf.pcap')).to.throw('gives the name "-rf"');
  });

  it('streams a tool\'s output line by line, never holding it whole', async () => {
    let lines = 0;
    let last = '';
    const finished = await runProcessLines(['seq', '1', '2000000'], { cwd: work, timeoutMs: 120_000 }, (line) => {
      lines += 1;
      last = line;
    });
    expect(finished.exitCode).to.equal(0);
    expect(lines).to.equal(2_000_000);
    expect(last).to.equal('2000000');
    expect(finished.stdout).to.equal('');
  });
});
