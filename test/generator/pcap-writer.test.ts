import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PcapWriter, RECORD_HEADER } from '../../generators/pcap-writer.js';

/** Records of `n` bytes of a counter pattern, enough of them to span several chunks (hashed and written by the sink worker). */
async function writeRecords(w: PcapWriter, records: number, n: number): Promise<void> {
  for (let i = 0; i < records; i++) {
    if (w.room() < RECORD_HEADER + n) await w.flush();
    for (let k = 0; k < n; k++) w.buf[w.pos + RECORD_HEADER + k] = (i + k) & 0xff;
    w.endRecord(1_700_000_000_000_000 + i, n);
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
});
