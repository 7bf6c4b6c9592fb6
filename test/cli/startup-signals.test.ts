import { expect } from 'chai';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, REPO } from '../support/cli.js';

const INTERRUPT_MODULE = fileURLToPath(new URL('../../harness/cli/interrupt.js', import.meta.url));

/**
 * Signals outside a command's working phase: while the CLI loads and the run is set up (monitor versions probed,
 * inputs read), SIGTERM and SIGHUP killed the harness silently with 143 and 129 where the README promises 130; after
 * the working phase (the reports written), a Ctrl-C took the default action: 130 beside complete reports marked
 * nowhere as interrupted. (Node's own start, some 50 ms before bin/harness runs a line, is the one window left.)
 */
describe('signals before and after the work', function () {
  this.timeout(120_000);

  it('exits 130 with one line, whichever signal, while the CLI loads or the run is set up, and leaves no run folder', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-signals-'));
    const scenario = path.join(REPO, 'test/check/fixtures/quiet-300s.yaml');
    for (const [signal, delayMs] of [['SIGTERM', 150], ['SIGHUP', 150], ['SIGINT', 150], ['SIGTERM', 500], ['SIGHUP', 900]] as const) {
      const out = path.join(dir, `${signal}-${delayMs}`);
      const child = execa(BIN, ['run', scenario, '--monitors', 'tshark', '--timeouts', 'default', '--out', out], { cwd: REPO, reject: false, stdin: 'ignore', env: { NO_COLOR: '1' } });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      child.kill(signal);
      const result = await child;
      expect(result.exitCode, `${signal} at ${delayMs} ms: ${String(result.stderr)}`).to.equal(130);
      expect(String(result.stderr), `${signal} at ${delayMs} ms`).to.match(new RegExp(`${signal}: (stopped before the work began; nothing of it was written|stopping the monitors)`));
      expect(String(result.stderr)).to.not.match(/\n\s+at /);
      if (delayMs < 200) expect(existsSync(out), 'nothing made while the CLI loads').to.equal(false);
    }
  });

  it('once the work is done, a signal changes nothing (the exit status stays the results\' own); a second leaves at once', async () => {
    const script = `
      const { installSignalHandlers, interruptSignal } = await import(process.argv[1]);
      installSignalHandlers();
      const work = interruptSignal();
      work.dispose();
      process.kill(process.pid, process.argv[2]);
      setTimeout(() => { if (process.argv[3] === 'twice') process.kill(process.pid, 'SIGINT'); }, 400);
      setTimeout(() => process.exit(0), 800);
    `;
    const once = await execa(process.execPath, ['--input-type=module', '-e', script, INTERRUPT_MODULE, 'SIGTERM'], { reject: false });
    expect(once.exitCode, String(once.stderr)).to.equal(0);
    expect(String(once.stderr)).to.contain('SIGTERM: the work is done');
    const twice = await execa(process.execPath, ['--input-type=module', '-e', script, INTERRUPT_MODULE, 'SIGINT', 'twice'], { reject: false });
    expect(twice.exitCode).to.equal(130);
    // Before the work: one line and 130.
    const early = await execa(process.execPath, ['--input-type=module', '-e', `
      const { installSignalHandlers } = await import(process.argv[1]);
      installSignalHandlers();
      process.kill(process.pid, 'SIGHUP');
      setTimeout(() => process.exit(0), 800);
    `, INTERRUPT_MODULE], { reject: false });
    expect(early.exitCode).to.equal(130);
    expect(String(early.stderr).trim()).to.equal('SIGHUP: stopped before the work began; nothing of it was written');
  });
});
