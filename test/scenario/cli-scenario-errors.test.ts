import { expect } from 'chai';
import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'harness');

describe('harness generate on a bad scenario (the real CLI)', function () {
  let out: string;
  before(function () {
    if (!existsSync(join(ROOT, 'dist', 'harness', 'cli.js'))) this.skip();
    out = mkdtempSync(join(tmpdir(), 'harness-scenario-cli-'));
  });
  after(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('prints the one-line message with file:line:col, no stack, exits 2 and writes nothing', async () => {
    const file = 'test/fixtures/bad-scenarios/bad-port.yaml';
    const r = await execa('node', [BIN, 'generate', file, '--out', out], { cwd: ROOT, reject: false });
    expect(r.exitCode).to.equal(2);
    expect(r.stderr).to.include(`${file}:11:13: found port 70000; expected a port in 0..65535`);
    expect(r.stderr).to.not.match(/^\s+at /m);
    expect(readdirSync(out)).to.deep.equal([]);
  });

  it('a good scenario before a bad one: nothing is written either', async () => {
    const r = await execa('node', [BIN, 'generate', 'scenarios/gap-boundary.yaml', 'test/fixtures/bad-scenarios/bad-vlan.yaml', '--out', out], { cwd: ROOT, reject: false });
    expect(r.exitCode).to.equal(2);
    expect(r.stderr).to.include('test/fixtures/bad-scenarios/bad-vlan.yaml:7:11: found VLAN id 4095; expected a whole number in 1..4094');
    expect(readdirSync(out)).to.deep.equal([]);
  });
});
