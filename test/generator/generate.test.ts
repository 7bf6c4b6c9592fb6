import { expect } from 'chai';
import type { Scenario } from '../../harness/scenario/scenario.js';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generate, GenerationInterrupted, summarizeGeneration } from '../../generators/generate.js';
import type { TruthConnection } from '../../harness/core/ground-truth.js';
import { compareWithTruth, resetCount, tsharkProblems } from './pcap-inspect.js';
import { mixed } from './mixed-scenario.js';
import { scenario, tcp, udp } from './scenario-builders.js';

async function tmp(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'gen-test-'));
}

function conn(list: TruthConnection[], id: string): TruthConnection {
  const c = list.find((x) => x.id === id);
  if (!c) throw new Error(`no connection ${id}`);
  return c;
}

describe('generate: a mixed scenario checked by tshark and capinfos', function () {
  let dir: string;
  let result: Awaited<ReturnType<typeof generate>>;
  before(async () => {
    dir = await tmp();
    result = await generate(mixed, dir);
  });

  it('writes exactly the three files, atomically (no .tmp left)', async () => {
    expect((await readdir(dir)).sort()).to.deep.equal(['mixed.pcap', 'mixed.truth.conn.log', 'mixed.truth.json']);
  });

  it('has valid checksums and no tshark warnings, errors or malformed packets', async () => {
    expect(await tsharkProblems(result.pcapPath, resetCount(result.truth))).to.equal('');
  });

  it('agrees exactly with tshark per connection and with capinfos for the capture', async () => {
    expect(await compareWithTruth(result.pcapPath, result.truth)).to.deep.equal([]);
  });

  it('truth.json on disk is the returned truth, with the pcap sha256', async () => {
    const onDisk: unknown = JSON.parse(await readFile(result.truthPath, 'utf8'));
    // The returned truth reads its connections from columns: compared as the JSON it is written as.
    expect(onDisk).to.deep.equal(JSON.parse(JSON.stringify(result.truth)));
    const sha = createHash('sha256').update(await readFile(result.pcapPath)).digest('hex');
    expect(result.truth.pcap.sha256).to.equal(sha);
    expect(result.truth.schemaVersion).to.equal(1);
  });

  it('expands copies with their own endpoints and ids', () => {
    const ids = result.truth.connections.filter((c) => c.id.startsWith('copies')).map((c) => `${c.id} ${c.client.addr}:${c.client.port}`);
    expect(ids).to.deep.equal(['copies#0 192.0.2.16:42000', 'copies#1 192.0.2.16:42001', 'copies#2 192.0.2.17:42000']);
  });

  it('models the handshake, the exchanges and the FIN close on the documented timeline', () => {
    const c = conn(result.truth.connections, 'v4-fin');
    // 3 handshake + 3 bursts x 3 + 3 close; bursts 60 s apart starting at rtt + 2 ms; close 1 ms after the last ACK.
    expect(c.clientPkts + c.serverPkts).to.equal(15);
    expect(c.firstUs).to.equal(mixed.startUs);
    expect(c.durationUs).to.equal(22_000 + 120_000_000 + 21_000 + 1_000 + 21_000);
    expect(c.quietPeriods.map((q) => q.lengthUs)).to.deep.equal([60_000_000 - 21_000, 60_000_000 - 21_000]);
    expect(c.longestGapUs).to.equal(60_000_000 - 21_000);
    expect(c.open).to.equal('handshake');
    expect(c.close).to.equal('fin');
  });

  it('sends keepalives while held open and stops at the hold', () => {
    const zero = conn(result.truth.connections, 'ka-zero');
    // Last exchange ACK at 43 ms; keepalive every 120 s of idle plus one RTT for the ACK, until the close at 600 s.
    const kaPairs = Math.floor((600_000_000 - 43_000) / (120_000_000 + 20_000));
    expect(zero.clientPkts + zero.serverPkts).to.equal(3 + 3 + 2 * kaPairs + 3);
    expect(zero.lastUs - zero.firstUs).to.equal(600_000_000 + 21_000);
    const held = conn(result.truth.connections, 'ka-one-held');
    expect(held.close).to.equal('none');
    expect(held.lastUs - held.firstUs).to.be.at.most(500_000_000);
    // One garbage byte per keepalive counts as payload.
    expect(held.clientPayloadBytes).to.equal(10 + Math.floor((500_000_000 - 43_000) / 100_020_000));
  });

  it('puts the sentinel its delay after the last scenario packet and runs the clock up to it', () => {
    const all = result.truth.connections;
    const lastScenario = Math.max(...all.filter((c) => !c.background).map((c) => c.lastUs));
    const sentinel = conn(all, 'sentinel');
    const clock = conn(all, 'clock');
    expect(sentinel.firstUs).to.equal(lastScenario + 120_000_000);
    expect(sentinel.role).to.equal('sentinel');
    expect(sentinel.background).to.equal(true);
    expect(clock.role).to.equal('clock');
    expect(clock.firstUs).to.equal(mixed.startUs);
    expect(clock.clientPkts).to.equal(Math.floor((sentinel.firstUs - mixed.startUs) / 10_000_000) + 1);
    expect(result.truth.pcap.lastUs).to.equal(sentinel.firstUs);
  });

  it('records the midstream connection with the server speaking first after a silence', () => {
    const m = conn(result.truth.connections, 'midstream');
    expect(m.open).to.equal('midstream');
    expect(m.firstSender).to.equal('client');
    expect(m.quietPeriods).to.have.length(3);
  });

  it('writes a Zeek-format truth conn.log with the expected states', async () => {
    const text = await readFile(result.truthConnLogPath, 'utf8');
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).to.equal('#separator \\x09');
    expect(lines[4]).to.equal('#path\tconn');
    expect(lines[6]).to.equal('#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\tconn_state\thistory');
    expect(lines.at(-1)).to.match(/^#close\t\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d$/);
    const rows = lines.filter((l) => !l.startsWith('#')).map((l) => l.split('\t'));
    expect(rows).to.have.length(result.truth.connections.length);
    const state = (addr: string, port: string): string | undefined => rows.find((r) => r[2] === addr && r[3] === port)?.[12];
    expect(state('192.0.2.10', '40000')).to.equal('SF');
    expect(state('2001:db8::10', '40001')).to.equal('RSTO');
    expect(state('192.0.2.13', '40005')).to.equal('OTH');
    expect(state('2001:db8::12', '40004')).to.equal('S1');
    expect(state('192.0.2.14', '41000')).to.equal('SF');
    expect(state('2001:db8::14', '41001')).to.equal('S0');
    expect(state('192.0.2.15', '8')).to.equal('OTH');
    const fin = rows.find((r) => r[2] === '192.0.2.10') as string[];
    expect(fin[7]).to.equal((conn(result.truth.connections, 'v4-fin').durationUs / 1e6).toFixed(6));
    expect(fin[13]).to.equal('ShADdFf');
  });

  it('summarizes on one screen', () => {
    const text = summarizeGeneration(result);
    expect(text).to.contain(`packets    ${result.truth.pcap.packets}`);
    expect(text).to.contain(result.pcapPath);
    expect(text.split('\n').length).to.be.below(25);
  });

  it('the tshark check fails on a corrupted checksum (so it can fail)', async () => {
    const bad = path.join(dir, 'corrupt.pcap');
    const bytes = await readFile(result.pcapPath);
    // First record's frame: 24-byte file header + 16-byte record header; flip a byte in the TCP window field.
    bytes[24 + 16 + 14 + 20 + 14] = (bytes[24 + 16 + 14 + 20 + 14] as number) ^ 0xff;
    await writeFile(bad, bytes);
    expect(await tsharkProblems(bad)).to.match(/checksum/i);
  });
});

describe('generate: background flows list no quiet periods', () => {
  it('a clock every 30 s against a 30 s threshold keeps its longest gap but lists no quiet period', async () => {
    const s = scenario(
      'quiet-clock',
      [udp('day', '192.0.2.40:41000', '203.0.113.7:53', { activity: { kind: 'pattern', bursts: 2, gapS: 86_400, jitterS: 0, requestBytes: 40, responseBytes: 40, exchangesPerBurst: 1 } })],
      {
        clock: { intervalS: 30, client: { addr: '192.0.2.250', port: 50000 }, server: { addr: '198.51.100.250', port: 50000 }, payloadBytes: 16 },
        sentinel: { afterS: 120, client: { addr: '192.0.2.251', port: 50001 }, server: { addr: '198.51.100.251', port: 50001 } },
      },
    );
    const r = await generate(s, await tmp());
    const clock = conn(r.truth.connections, 'clock');
    expect(clock.clientPkts).to.be.greaterThan(2000);
    expect(clock.longestGapUs).to.equal(30_000_000);
    expect(clock.quietPeriods).to.deep.equal([]);
    expect(conn(r.truth.connections, 'sentinel').quietPeriods).to.deep.equal([]);
    // The scenario's own connection still lists its day-long silence.
    expect(conn(r.truth.connections, 'day').quietPeriods.map((q) => q.lengthUs)).to.deep.equal([86_400_000_000 - 20_000]);
  });
});

describe('generate: determinism and resolution', () => {
  it('the same scenario and seed give byte-identical pcaps; another seed does not', async () => {
    const [a, b, c] = [await tmp(), await tmp(), await tmp()];
    const ra = await generate(mixed, a);
    const rb = await generate(mixed, b);
    const rc = await generate({ ...mixed, seed: 8 }, c);
    expect(Buffer.compare(await readFile(ra.pcapPath), await readFile(rb.pcapPath))).to.equal(0);
    expect(await readFile(ra.truthPath, 'utf8')).to.equal(await readFile(rb.truthPath, 'utf8'));
    expect(rc.truth.pcap.sha256).to.not.equal(ra.truth.pcap.sha256);
  });

  it('writes nanosecond pcaps with the nanosecond magic that tshark reads to the same truth', async () => {
    const s = scenario('ns', [tcp('a', '192.0.2.10:40000', '198.51.100.20:9000', { close: 'fin' })], { timestampResolution: 'ns' });
    const r = await generate(s, await tmp());
    const head = await readFile(r.pcapPath);
    expect(head.readUInt32LE(0)).to.equal(0xa1b23c4d);
    expect(r.truth.pcap.timestampResolution).to.equal('ns');
    expect(await tsharkProblems(r.pcapPath)).to.equal('');
    expect(await compareWithTruth(r.pcapPath, r.truth)).to.deep.equal([]);
  });
});

/** `count` TCP connections from consecutive client addresses, each `bursts` request/response exchanges 10 s apart. */
function manyConnections(name: string, addrFrom: string, addrTo: string, count: number, bursts: number, staggerS: number): Scenario {
  return scenario(name, [
    tcp('bulk', `${addrFrom}:20000`, '198.51.100.80:443', {
      client: { addrFrom, addrTo, portFrom: 20000, portTo: 20000 },
      count,
      staggerS,
      activity: { kind: 'pattern', bursts, gapS: 10, jitterS: 0, requestBytes: 100, responseBytes: 200, exchangesPerBurst: 1 },
    }),
  ]);
}

describe('generate: interrupted', () => {
  // 100 connections x 1,503 packets: about 25 MB, some 6 chunks of 4 MB, so the signal is seen between chunks.
  const big = manyConnections('interrupted', '192.0.2.1', '192.0.2.100', 100, 500, 0.01);

  it('stops between chunks, removes its partial pcap and leaves the earlier output of the same name untouched', async () => {
    const dir = await tmp();
    const earlier = await generate({ ...big, connections: [tcp('small', '192.0.2.1:20000', '198.51.100.80:443')] }, dir);
    const before = await Promise.all([earlier.pcapPath, earlier.truthPath, earlier.truthConnLogPath].map((f) => readFile(f)));
    const controller = new AbortController();
    const pending = generate(big, dir, { signal: controller.signal });
    controller.abort();
    const error: unknown = await pending.then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(GenerationInterrupted);
    expect((error as GenerationInterrupted).scenarioName).to.equal('interrupted');
    expect((await readdir(dir)).sort()).to.deep.equal(['interrupted.pcap', 'interrupted.truth.conn.log', 'interrupted.truth.json']);
    const after = await Promise.all([earlier.pcapPath, earlier.truthPath, earlier.truthConnLogPath].map((f) => readFile(f)));
    after.forEach((content, i) => expect(Buffer.compare(content, before[i] as Buffer), `file ${i} unchanged`).to.equal(0));
  });

  it('an abort from a later turn of the event loop (as Ctrl-C\'s handler runs) is seen at the next chunk', async () => {
    // A flush that finds a free chunk settles by microtasks alone: without a turn of the loop per chunk, the SIGINT
    // handler ran only once the whole pcap was written.
    // 20,000 connections alive at once: the encoder is slower than the sink, so a flush never waits for a chunk back.
    const many = manyConnections('interrupted-many', '10.0.0.1', '10.0.255.255', 20_000, 5, 0.0005);
    const controller = new AbortController();
    let chunks = 0;
    let abortedAt = 0;
    // Asked for once the first chunk is written, from a later turn of the loop, as a signal handler runs.
    const onProgress = (): void => {
      chunks += 1;
      if (chunks === 1) setImmediate(() => { abortedAt = chunks; controller.abort(); });
    };
    const error: unknown = await generate(many, await tmp(), { signal: controller.signal, onProgress }).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(GenerationInterrupted);
    expect(chunks - abortedAt, 'chunks written after the abort').to.be.at.most(1);
  });

  it('an already aborted signal writes nothing at all', async () => {
    const dir = await tmp();
    const error: unknown = await generate(big, dir, { signal: AbortSignal.abort() }).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(GenerationInterrupted);
    expect(await readdir(dir)).to.deep.equal([]);
  });

  it('without an abort the same scenario completes (the interruption above was the signal, not the size)', async () => {
    const r = await generate(big, await tmp(), { signal: new AbortController().signal });
    expect(r.truth.pcap.packets).to.equal(100 * (3 + 3 * 500));
  });
});
