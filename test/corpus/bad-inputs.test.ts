import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { BIN, REAL_FIXTURES, REPO } from '../support/cli.js';

/**
 * The corpus of bad inputs (issue #10): one folder per case under test/corpus/cases/<class>/<case>/ with its input
 * files and a case.json giving the command, the exit status and a pattern its message must match. Every case runs
 * the real CLI. Whatever the case, no stack trace; an input error (exit 2) is one line on stderr and never a score.
 * Add a case by adding a folder: this file need not change.
 */
interface CorpusCase {
  why: string;
  args: string[];
  exit: number;
  /** Other exit statuses that are as right (a --help that finishes before the reader leaves exits 0). */
  exitAny?: number[];
  stderr?: string;
  stdout?: string;
  stdoutNot?: string;
  /** `/dev/full`, or `closed-pipe` for a reader that has already gone. */
  stdoutTo?: string;
  stderrEmpty?: boolean;
  oneLine?: boolean;
  noEscapes?: boolean;
  env?: Record<string, string>;
  unsetEnv?: string[];
  /**
   * Things to make in {tmp} first: a FIFO, a listening Unix socket, or a symlink to a device. Devices are only ever
   * named through such a link: a harness that renamed a file over its output would replace the link, not /dev/null.
   */
  make?: ({ fifo: string } | { socket: string } | { symlink: string; to: string })[];
  /** Paths that must not exist afterwards (nothing written for a refused input). */
  absent?: string[];
}

const CASES = path.join(REPO, 'test/corpus/cases');
const LONG_NAME = 'a'.repeat(300);

function listCases(): { id: string; dir: string; spec: CorpusCase }[] {
  const found: { id: string; dir: string; spec: CorpusCase }[] = [];
  for (const cls of readdirSync(CASES).sort()) {
    for (const name of readdirSync(path.join(CASES, cls)).sort()) {
      const dir = path.join(CASES, cls, name);
      found.push({ id: `${cls}/${name}`, dir, spec: JSON.parse(readFileSync(path.join(dir, 'case.json'), 'utf8')) as CorpusCase });
    }
  }
  return found;
}

function expand(text: string, dir: string, tmp: string): string {
  return text.replaceAll('{repo}', REPO).replaceAll('{real}', REAL_FIXTURES).replaceAll('{tmp}', tmp).replaceAll('{case}', dir).replaceAll('{long}', LONG_NAME);
}

async function runCase(dir: string, spec: CorpusCase, tmp: string): Promise<{ exitCode: number | null; signal: string | null; stdout: string; stderr: string }> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...spec.env };
  for (const name of spec.unsetEnv ?? []) delete env[name];
  const stdoutFd = spec.stdoutTo === '/dev/full' ? openSync('/dev/full', 'w') : undefined;
  const child = spawn(BIN, spec.args.map((a) => expand(a, dir, tmp)), { cwd: dir, env, stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe'] });
  if (stdoutFd !== undefined) closeSync(stdoutFd);
  let stdout = '';
  let stderr = '';
  if (spec.stdoutTo === 'closed-pipe') child.stdout?.destroy();
  else child.stdout?.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
  // A case that hangs (an old harness reading /dev/zero) fails as killed instead of stalling the whole corpus.
  const limit = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const [exitCode, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('close', (code, sig) => resolve([code, sig])));
  clearTimeout(limit);
  return { exitCode, signal, stdout, stderr };
}

describe('bad-input corpus (test/corpus/cases)', function () {
  const cases = listCases();

  it('holds every class of issue #10, several cases each', () => {
    const classes = new Set(cases.map((c) => c.id.split('/')[0]));
    for (const cls of ['truth', 'pcap', 'dates', 'pcap-time', 'size', 'output', 'files', 'stdout', 'json', 'baseline', 'version-range', 'settings', 'flags', 'terminal']) {
      expect(classes, cls).to.include(cls);
      expect(cases.filter((c) => c.id.startsWith(`${cls}/`)).length, cls).to.be.at.least(3);
    }
  });

  // The cases are independent processes: run them a few at a time up front (each waits mostly on Node's start),
  // then judge each in its own test.
  const outcomes = new Map<string, Promise<{ tmp: string; result: Awaited<ReturnType<typeof runCase>> }>>();
  before(function () {
    let next = 0;
    const slots = Array.from({ length: 3 }, () => Promise.resolve());
    const runOne = async ({ dir, spec }: (typeof cases)[number]): Promise<{ tmp: string; result: Awaited<ReturnType<typeof runCase>> }> => {
      const tmp = await mkdtemp(path.join(os.tmpdir(), 'harness-corpus-'));
      const servers: net.Server[] = [];
      try {
        for (const item of spec.make ?? []) {
          if ('fifo' in item) execFileSync('mkfifo', [path.join(tmp, item.fifo)]);
          else if ('symlink' in item) await symlink(expand(item.to, dir, tmp), path.join(tmp, item.symlink));
          else {
            const server = net.createServer();
            await new Promise<void>((resolve) => server.listen(path.join(tmp, item.socket), resolve));
            servers.push(server);
          }
        }
        return { tmp, result: await runCase(dir, spec, tmp) };
      } finally {
        for (const server of servers) server.close();
      }
    };
    for (const [i, slot] of slots.entries()) {
      slots[i] = slot.then(async function take(): Promise<void> {
        const item = cases[next++];
        if (item === undefined) return;
        const outcome = runOne(item);
        outcomes.set(item.id, outcome);
        await outcome.catch(() => undefined);
        return take();
      });
    }
  });

  after(async function () {
    // The machine's own devices are untouched whatever the cases did.
    for (const device of ['/dev/null', '/dev/full', '/dev/zero']) expect(statSync(device).isCharacterDevice(), `${device} is still a device`).to.equal(true);
    // Every case ran (even those `-g` left unjudged): each folder is removed here, not left to the test run's
    // temporary root, so a run of this file alone leaves nothing in /tmp.
    for (const outcome of outcomes.values()) {
      const ran = await outcome.catch(() => undefined);
      if (ran !== undefined) await rm(ran.tmp, { recursive: true, force: true });
    }
  });

  for (const { id, dir, spec } of cases) {
    it(`${id}: ${spec.why}`, async () => {
      while (!outcomes.has(id)) await new Promise((resolve) => setTimeout(resolve, 50));
      const { tmp, result } = await (outcomes.get(id) as Promise<{ tmp: string; result: Awaited<ReturnType<typeof runCase>> }>);
      const what = `exit ${result.exitCode} (signal ${result.signal})\nstderr: ${result.stderr}\nstdout: ${result.stdout.slice(0, 2000)}`;
      expect(spec.exitAny ?? [spec.exit], what).to.include(result.exitCode);
      expect(result.stderr, 'no stack trace').to.not.match(/\n\s+at |node:internal|Unhandled|TypeError|RangeError/);
      if (spec.stderr !== undefined) expect(result.stderr, what).to.match(new RegExp(spec.stderr.replaceAll('{tmp}', tmp)));
      if (spec.stdout !== undefined) expect(result.stdout, what).to.match(new RegExp(spec.stdout));
      if (spec.stdoutNot !== undefined) expect(result.stdout, what).to.not.include(spec.stdoutNot);
      if (spec.stderrEmpty) expect(result.stderr, what).to.equal('');
      if (spec.exit === 2 && spec.oneLine !== false) {
        expect(result.stderr.trimEnd().split('\n'), `one line: ${what}`).to.have.length(1);
        expect(result.stderr, what).to.match(/^harness: /);
        expect(result.stdout, 'never a score beside an input error').to.not.match(/accurate|fragmented|missed/);
      }
      if (spec.noEscapes) expect(`${result.stdout}${result.stderr}`, 'no cursor or colour codes').to.not.include('\u001b');
      for (const p of spec.absent ?? []) expect(existsSync(expand(p, dir, tmp)), `${p} left behind`).to.equal(false);
    });
  }
});
