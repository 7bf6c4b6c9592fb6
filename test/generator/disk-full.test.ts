import { expect } from 'chai';
import { execa } from 'execa';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { harness } from '../support/cli.js';

/** A UDP beacon of `bursts` request/response pairs 30 ms apart: ~160 bytes a packet in the pcap. */
function beacon(bursts: number): string {
  return [
    '# Fills a small disk: the pcap is written until the file system has no room left.',
    'name: fills-disk',
    'connections:',
    '  - id: beacon',
    '    protocol: udp',
    '    client: 192.0.2.10:40000',
    '    server: 198.51.100.20:53',
    '    activity:',
    `      pattern: { bursts: ${bursts}, gap: 30ms, request: 100, response: 100 }`,
    '',
  ].join('\n');
}

/**
 * A disk that fills while the pcap is written: one line naming the errno and the pcap, exit 1 (the machine failed,
 * not the input), no stack, nothing left in the folder. A pcap of several 4 MB chunks is written by the sink worker,
 * whose error lost its code on the way back and reached the user as a stack trace; one of a single chunk is written
 * on the main thread, whose error named no file. Needs root to mount a small tmpfs (CI runs as root).
 */
describe('generate on a full disk (tmpfs, root)', function () {
  let tmp: string;
  let small: string;
  let mounted = false;

  before(async function () {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'disk-full-'));
    small = path.join(tmp, 'small');
    await mkdir(small);
    const mount = await execa('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', small], { reject: false });
    if (mount.exitCode !== 0) this.skip();
    mounted = true;
  });

  after(async () => {
    if (mounted) await execa('umount', [small], { reject: false });
    await rm(tmp, { recursive: true, force: true });
  });

  for (const [what, bursts] of [['several chunks (the sink worker writes)', 40_000], ['one chunk (written on the main thread)', 5_000]] as const) {
    it(`a pcap of ${what}: one line with the errno and the file, exit 1, nothing left`, async () => {
      const scenario = path.join(tmp, `fills-disk-${bursts}.yaml`);
      await writeFile(scenario, beacon(bursts));
      const out = path.join(small, `out-${bursts}`);
      const result = await harness(['generate', scenario, '--out', out]);
      expect(result.exitCode, result.stderr).to.equal(1);
      expect(result.stderr).to.not.match(/\n\s+at |node:internal|Error:/);
      expect(result.stderr.trim().split('\n'), result.stderr).to.have.length(1);
      expect(result.stderr).to.match(/^harness: .*ENOSPC: no space left on device, write/);
      expect(result.stderr).to.include('fills-disk.pcap');
      expect(await readdir(out).catch(() => [])).to.deep.equal([]);
    });
  }
});
