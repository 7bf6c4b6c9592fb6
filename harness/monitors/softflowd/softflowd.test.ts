import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAdapterForTest } from '../../../test/support/run-adapter.js';
import { InputError } from '../../core/input-error.js';
import { parseTimeoutSetting } from '../../core/timeout-setting.js';
import type { GenerateResult } from '../../../generators/generate.js';
import { GAPS_600S_YAML, fromEndpoint, generateScenario } from '../../netflow/netflow-test-support.js';
import softflowd from './index.js';
import { parseSoftflowdOptions, softflowdArgv } from './adapter.js';
import { readFileSync } from 'node:fs';
import { REPO, REAL_FIXTURES } from '../../../test/support/cli.js';

const CLIENT = '192.0.2.10';
const SERVER = '198.51.100.20';

/** Processes whose command line mentions `text` (the cell's unique folder), other than pgrep itself. */
function processesMentioning(text: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', text], { encoding: 'utf8' }).split('\n').filter((l) => l.trim() !== '');
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

describe('softflowd adapter', function () {
  this.timeout(300_000);

  it('translates to named -t timeouts, active to maxlife, and refuses fractions', () => {
    const t = softflowd.translate(parseTimeoutSetting('tcp=1h,active=2h'));
    expect(t.supported && t.values).to.deep.equal({ tcp: 3600, udp: 300, icmp: 300, maxlife: 7200 });
    const d = softflowd.translate(parseTimeoutSetting('default'));
    expect(d.supported && d.values).to.deep.equal({ tcp: 3600, udp: 300, icmp: 300, maxlife: 604800 });
    expect(softflowd.translate(parseTimeoutSetting('1.5s')).supported).to.equal(false);
    const argv = softflowdArgv('/usr/sbin/softflowd', '/x.pcap', '127.0.0.1:9', parseTimeoutSetting('1h'), { tcp: 3600, udp: 3600, icmp: 3600, maxlife: 604800 }, []);
    expect(argv.join(' ')).to.equal('/usr/sbin/softflowd -d -c none -r /x.pcap -n 127.0.0.1:9 -v 10 -A milli -t tcp=3600 -t udp=3600 -t icmp=3600 -t maxlife=604800');
  });

  it('reads extra options from a user file and refuses the ones the harness sets, naming line and column', () => {
    expect(parseSoftflowdOptions('# comment\n-m 65536  -T full\n', 'opts')).to.deep.equal(['-m', '65536', '-T', 'full']);
    expect(() => parseSoftflowdOptions('-m 10\n  -t tcp=5', 'opts')).to.throw(InputError, /^opts:2:3: found option -t/);
  });

  describe('on real softflowd and nfcapd', () => {
    let gaps: GenerateResult;
    before(async () => {
      gaps = await generateScenario(GAPS_600S_YAML, 'gaps-600s');
    });

    for (const setting of ['default', '60s', 'idle=60s,active=60s']) {
      it(`reports one record per direction whatever the setting: ${setting} (gaps of 600 s)`, async function () {
        const result = await runAdapterForTest(softflowd, gaps.pcapPath, setting);
        if ('missing' in result) this.skip();
        if (!('outcome' in result)) return;
        if (!result.outcome.ok) throw new Error(result.outcome.reason);
        const records = result.outcome.views.default ?? [];
        const conn = gaps.truth.connections.find((c) => c.id === 't');
        const up = fromEndpoint(records, CLIENT, 40000);
        const down = fromEndpoint(records, SERVER, 9000);
        expect(up).to.have.length(1);
        expect(down).to.have.length(1);
        expect(fromEndpoint(records, CLIENT, 40001)).to.have.length(1);
        expect(fromEndpoint(records, SERVER, 9001)).to.have.length(1);
        expect(up[0]?.origPkts).to.equal(conn?.clientPkts);
        expect(up[0]?.origBytes).to.equal(conn?.clientIpBytes);
        expect(down[0]?.origPkts).to.equal(conn?.serverPkts);
        // Both directions carry the bidirectional flow's times: the server's record starts at the client's SYN.
        expect(down[0]?.firstUs).to.equal(up[0]?.firstUs);
        expect(up[0]?.durationUs).to.be.greaterThan(1200 * 1e6);
        // No collector outlives the cell.
        expect(processesMentioning(result.workDir)).to.deep.equal([]);
      });
    }
  });

  describe('faults', () => {
    let fakeDir: string;
    const saved = process.env.HARNESS_SOFTFLOWD;
    before(async () => {
      fakeDir = await mkdtemp(path.join(os.tmpdir(), 'harness-fake-softflowd-'));
    });
    afterEach(() => {
      if (saved === undefined) delete process.env.HARNESS_SOFTFLOWD;
      else process.env.HARNESS_SOFTFLOWD = saved;
    });

    async function fake(name: string, body: string): Promise<string> {
      const file = path.join(fakeDir, name);
      await writeFile(file, `#!/bin/sh\nif [ "$1" = "-h" ]; then echo "This is softflowd version 0.0.1 (fake)"; exit 0; fi\n${body}\n`);
      await chmod(file, 0o755);
      return file;
    }

    it('a crashing softflowd gives a failed cell with its exit status and stderr, and no collector left', async function () {
      process.env.HARNESS_SOFTFLOWD = await fake('fake-softflowd', 'echo "fake-softflowd: simulated crash reading $4" >&2\nexit 3');
      const result = await runAdapterForTest(softflowd, path.join(REAL_FIXTURES, 'zeek/quiet-fin-6x1500/capture.pcap'), 'default');
      if ('missing' in result) this.skip();
      if (!('outcome' in result)) return;
      expect(result.outcome.ok).to.equal(false);
      if (result.outcome.ok) return;
      expect(result.outcome.reason).to.match(/fake-softflowd failed: exit status 3/);
      expect(result.outcome.reason).to.match(/simulated crash reading/);
      const service = result.outcome.provenance.commands.find((c) => c.service);
      expect(service?.argv.some((a) => a.startsWith(result.workDir))).to.equal(true);
      expect(processesMentioning(result.workDir)).to.deep.equal([]);
    });

    it('a hanging softflowd is killed at the time limit, and the collector with it', async function () {
      process.env.HARNESS_SOFTFLOWD = await fake('fake-softflowd-hang', 'exec sleep 600');
      const result = await runAdapterForTest(softflowd, path.join(REAL_FIXTURES, 'zeek/quiet-fin-6x1500/capture.pcap'), 'default', { timeLimitMs: 2000 });
      if ('missing' in result) this.skip();
      if (!('outcome' in result)) return;
      expect(result.outcome.ok).to.equal(false);
      if (result.outcome.ok) return;
      expect(result.outcome.reason).to.match(/hung: still running after 2 s, killed/);
      expect(processesMentioning(result.workDir)).to.deep.equal([]);
    });
  });
});

describe('softflowd: a team options file is checked before anything runs', () => {
  const check = softflowd.checkConfig as NonNullable<typeof softflowd.checkConfig>;
  it('passes the sample, refuses an option the harness sets itself at its line and column', async () => {
    const sample = path.join(REPO, 'harness/monitors/softflowd/sample.conf');
    expect(() => check(sample, readFileSync(sample, 'utf8'))).to.not.throw();
    expect(() => check('o.conf', '-m 10\n  -r x.pcap\n')).to.throw(InputError, /^o\.conf:2:3: found option -r/);
  });
});
