import { expect } from 'chai';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
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
const SIGNAL_NUMBER = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;

/** Waits until process `pid` has a handler for `signal` (SigCgt in /proc/<pid>/status). */
async function caught(pid: number, signal: keyof typeof SIGNAL_NUMBER): Promise<void> {
  const bit = 1n << BigInt(SIGNAL_NUMBER[signal] - 1);
  for (let waited = 0; waited < 20_000; waited += 5) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const mask = /^SigCgt:\s*([0-9a-f]+)$/m.exec(status)?.[1];
    if (mask !== undefined && (BigInt(`0x${mask}`) & bit) !== 0n) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`process ${pid} never caught ${signal}`);
}

describe('signals before and after the work', function () {
  this.timeout(120_000);

  it('exits 130 with one line, whichever signal, while the CLI loads or the run is set up, and leaves no run folder', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-signals-'));
    // Seconds of work (10,000 connections), so that a signal 900 ms in still comes before the run is done.
    const scenario = path.join(REPO, 'scenarios/many-idle.yaml');
    // Each delay counts from when the process catches the signal (bin/harness's first lines), not from the spawn:
    // Node's own start took more than 150 ms on a loaded machine, and a signal then is Node's, not the harness's.
    for (const [signal, delayMs] of [['SIGTERM', 0], ['SIGHUP', 0], ['SIGINT', 0], ['SIGTERM', 500], ['SIGHUP', 900]] as const) {
      const out = path.join(dir, `${signal}-${delayMs}`);
      const child = execa(BIN, ['run', scenario, '--monitors', 'tshark', '--timeouts', 'default', '--out', out], { cwd: REPO, reject: false, stdin: 'ignore', env: { NO_COLOR: '1' } });
      // SIGHUP: Node itself catches SIGINT and SIGTERM from its start (to reset the terminal), so only SIGHUP's
      // handler tells that bin/harness has installed its own for all three.
      await caught(child.pid as number, 'SIGHUP');
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      child.kill(signal);
      const result = await child;
      expect(result.exitCode, `${signal} at ${delayMs} ms: ${String(result.stderr)}`).to.equal(130);
      expect(String(result.stderr), `${signal} at ${delayMs} ms`).to.match(new RegExp(`${signal}: (stopped before the work began; nothing of it was written|stopping the monitors)`));
      expect(String(result.stderr)).to.not.match(/\n\s+at /);
      if (delayMs === 0) expect(existsSync(out), 'nothing made while the CLI loads').to.equal(false);
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
