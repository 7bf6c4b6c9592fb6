import { expect } from 'chai';
import { execa } from 'execa';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunResults } from '../../harness/core/results.js';
import type { TruthConnection } from '../../harness/core/ground-truth.js';
import { cutAtEdges } from '../../harness/io/truth-from-pcap.js';
import { runProcessLines } from '../../harness/executor/process-runner.js';
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
