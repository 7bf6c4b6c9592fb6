import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtemp, open, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openSinkJob } from '../../generators/pcap-sink.js';
import { PcapWriter, RECORD_HEADER } from '../../generators/pcap-writer.js';

/** Records of `n` bytes of a counter pattern, enough of them to span several chunks (hashed and written by the sink worker). */
async function writeRecords(w: PcapWriter, records: number, n: number, seed = 0): Promise<void> {
  for (let i = 0; i < records; i++) {
    if (w.room() < RECORD_HEADER + n) await w.flush();
    for (let k = 0; k < n; k++) w.buf[w.pos + RECORD_HEADER + k] = (i + k + seed) & 0xff;
    w.endRecord(1_700_000_000_000_000 + i, n);
  }
}

/** Every record of `writeRecords(w, records, n, seed)` is in `bytes`, in order, with its own bytes. */
function expectRecords(bytes: Buffer, records: number, n: number, seed: number): void {
  expect(bytes.length).to.equal(24 + records * (RECORD_HEADER + n));
  for (let i = 0; i < records; i++) {
    const at = 24 + i * (RECORD_HEADER + n);
    expect(bytes.readUInt32LE(at + 8)).to.equal(n);
    for (let k = 0; k < n; k += 97) {
      if (bytes[at + RECORD_HEADER + k] !== ((i + k + seed) & 0xff)) expect.fail(`record ${i} byte ${k} of seed ${seed}: ${bytes[at + RECORD_HEADER + k]}`);
    }
  }
}

describe('pcap writer: chunks through the sink worker', () => {
  it('writes every chunk in order and reports the sha256 of the file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gen-writer-'));
    const file = path.join(dir, 'multi.pcap');
    // The smallest chunk the writer accepts is 2 x (snaplen + record header), ~128 KB: 2 MB is 15 or more chunks.
    const w = await PcapWriter.create(file, 'us', { chunkBytes: 1 });
    await writeRecords(w, 2000, 1000);
    const summary = await w.close();
    const bytes = await readFile(file);
    expect(bytes.length).to.equal(24 + 2000 * (RECORD_HEADER + 1000));
    expect(summary.bytes).to.equal(bytes.length);
    expect(summary.sha256).to.equal(createHash('sha256').update(bytes).digest('hex'));
    // Record 1234 is where it belongs, with its own bytes: no chunk was reordered or reused too early.
    const at = 24 + 1234 * (RECORD_HEADER + 1000);
    expect(bytes.readUInt32LE(at + 8)).to.equal(1000);
    expect(bytes[at + RECORD_HEADER + 10]).to.equal((1234 + 10) & 0xff);
    expect(await readdir(dir)).to.deep.equal(['multi.pcap']);
  });

  it('abort after chunks went to the worker leaves neither the pcap nor its temporary file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gen-writer-'));
    const w = await PcapWriter.create(path.join(dir, 'aborted.pcap'), 'us', { chunkBytes: 1 });
    await writeRecords(w, 1000, 1000);
    await w.abort();
    expect(await readdir(dir)).to.deep.equal([]);
  });

  it('writes pcaps side by side and one after another (reusing chunks) without mixing their bytes', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gen-writer-'));
    const run = async (seed: number): Promise<void> => {
      const file = path.join(dir, `w${seed}.pcap`);
      const w = await PcapWriter.create(file, 'us', { chunkBytes: 1 });
      await writeRecords(w, 700, 1000, seed);
      const summary = await w.close();
      const bytes = await readFile(file);
      expectRecords(bytes, 700, 1000, seed);
      expect(summary.sha256).to.equal(createHash('sha256').update(bytes).digest('hex'));
    };
    await Promise.all([run(1), run(2), run(3)]);
    await run(4);
    const aborted = await PcapWriter.create(path.join(dir, 'aborted.pcap'), 'us', { chunkBytes: 1 });
    await writeRecords(aborted, 700, 1000, 9);
    await aborted.abort();
    await run(5);
    expect((await readdir(dir)).sort()).to.deep.equal(['w1.pcap', 'w2.pcap', 'w3.pcap', 'w4.pcap', 'w5.pcap']);
  });

  it('a failed write reaches the writer: every chunk still comes back, and end rejects with the error', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gen-writer-'));
    const file = path.join(dir, 'read-only');
    await writeFile(file, '');
    const fh = await open(file, 'r');
    try {
      const back: number[] = [];
      const errors: Error[] = [];
      const job = openSinkJob(fh.fd, (chunk) => back.push(chunk), (e) => errors.push(e));
      for (let chunk = 0; chunk < 3; chunk++) job.send(chunk, new SharedArrayBuffer(4096), 4096);
      let ended: unknown;
      await job.end().catch((e: unknown) => (ended = e));
      expect(back.sort()).to.deep.equal([0, 1, 2]);
      expect(errors).to.have.length.greaterThan(0);
      expect(String(errors[0])).to.match(/writing the pcap: .*EBADF/);
      expect(ended).to.equal(errors[0]);
    } finally {
      await fh.close();
    }
  });
});
