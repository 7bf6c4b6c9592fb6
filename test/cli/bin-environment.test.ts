import { expect } from 'chai';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { harness } from '../support/cli.js';

/**
 * bin/harness starts node with glibc's allocator told to give freed blocks back and to back large ones with huge
 * pages (its #! line), for the harness's own memory; the monitors it runs inherit its environment, and must start
 * as they would on a sensor, with the user's own settings. Observed from inside the real bin/harness: a module
 * preloaded by NODE_OPTIONS records what the process started with (before bin/harness's first line) and, as the
 * process exits, what a child would inherit (null: unset).
 */
type Seen = Record<'GLIBC_TUNABLES' | 'MALLOC_MMAP_THRESHOLD_', string | null>;

async function environmentsOfBin(env: Record<string, string>): Promise<{ started: Seen; inherited: Seen }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-bin-env-'));
  const out = path.join(dir, 'seen.json');
  const hook = path.join(dir, 'hook.mjs');
  await writeFile(hook, `
    import { writeFileSync } from 'node:fs';
    const names = ['GLIBC_TUNABLES', 'MALLOC_MMAP_THRESHOLD_'];
    const now = () => Object.fromEntries(names.map((name) => [name, process.env[name] ?? null]));
    const started = now();
    process.on('exit', () => writeFileSync(${JSON.stringify(out)}, JSON.stringify({ started, inherited: now() })));
  `);
  const result = await harness(['--help'], { env: { ...env, NODE_OPTIONS: `--import ${hook}` } });
  expect(result.exitCode, result.stderr).to.equal(0);
  return JSON.parse(await readFile(out, 'utf8')) as { started: Seen; inherited: Seen };
}

describe('bin/harness environment', function () {
  this.timeout(60_000);

  it('starts the harness with its allocator settings and gives what it runs none of them', async () => {
    const seen = await environmentsOfBin({});
    expect(seen.started.MALLOC_MMAP_THRESHOLD_).to.equal('131072');
    expect(seen.started.GLIBC_TUNABLES).to.match(/^glibc\.malloc\.hugetlb=1:?$/);
    expect(seen.inherited).to.deep.equal({ GLIBC_TUNABLES: null, MALLOC_MMAP_THRESHOLD_: null });
  });

  it('keeps the user\'s own glibc tunables, for the harness after its own and for what it runs as they were', async () => {
    const seen = await environmentsOfBin({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2:glibc.malloc.tcache_count=0' });
    expect(seen.started.GLIBC_TUNABLES).to.equal('glibc.malloc.hugetlb=1:glibc.malloc.arena_max=2:glibc.malloc.tcache_count=0');
    expect(seen.inherited.GLIBC_TUNABLES).to.equal('glibc.malloc.arena_max=2:glibc.malloc.tcache_count=0');
    expect(seen.inherited.MALLOC_MMAP_THRESHOLD_).to.equal(null);
  });
});
