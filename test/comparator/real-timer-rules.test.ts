import { expect } from 'chai';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { harness, REAL_FIXTURES } from '../support/cli.js';
import { realFixtureCases, scoreRealCase, type RealConnectionCase, type RealFixtureCase } from '../support/real-fixture-cases.js';

/**
 * The ideal model against every real Zeek 7.0.11 and Suricata 7.0.17 output under test/fixtures/real/: for every
 * (fixture, monitor, setting, connection) the tool's record count is the model's, or inside its stated range, and
 * wherever the tool differs from the naive "a silence longer than the global timeout" model, the score names the
 * tool's own rule that explains it. A case the model cannot explain fails the test.
 */
describe('the ideal model against every real Zeek and Suricata output (test/fixtures/real)', () => {
  const cases: RealConnectionCase[] = [];
  const runOf = new Map<RealConnectionCase, RealFixtureCase>();

  before(async function () {
    // The three hand-made captures' truth is read with tshark, which every test machine has (setup.sh).
    this.timeout(300_000);
    for (const c of await realFixtureCases()) {
      for (const scored of await scoreRealCase(c)) {
        cases.push(scored);
        runOf.set(scored, c);
      }
    }
  });

  it('covers every fixture: 7 scenarios x 2 tools x 5 settings, and the 3 hand-made captures', () => {
    const fixtures = new Set(cases.map((c) => c.key.split(' ')[0]));
    expect([...fixtures].sort()).to.deep.equal([
      'burst-20min', 'burst-20min-v6-vlan', 'gap-boundary', 'icmp-beacon', 'icmp-ipv6-vlan', 'keepalive-idle', 'longconn-42', 'midstream-flip', 'quiet-fin-6x1500', 'udp-beacon',
    ]);
    // 35 connections (background included) x 10 runs, and 26 on the hand-made captures.
    expect(cases.length).to.equal(376);
  });

  it('predicts every real record count, or holds it within its stated range: none unexplained', () => {
    const off = cases.filter((c) => c.score.modelAgreement !== 'as-predicted' && c.score.modelAgreement !== 'within-range');
    expect(off.map((c) => `${c.key}: ${c.score.fragments} records, model ${c.score.modelAgreement ?? 'none'} ${c.score.likelyReason ?? ''}`)).to.deep.equal([]);
    expect(cases.filter((c) => c.score.likelyReason === 'unexplained')).to.have.length(0);
  });

  it('names the tool\'s rule behind every difference from the naive "silence > global timeout" model', () => {
    const differing = cases.filter((c) => c.score.naivePredictedFragments !== c.score.fragments);
    expect(differing.length).to.equal(6);
    for (const c of differing) expect(c.score.timerRules, c.key).to.be.an('array').that.is.not.empty;
  });

  it('the report of `harness score` on each such fixture names that rule beside the connection', async () => {
    const differing = cases.filter((c) => c.score.naivePredictedFragments !== c.score.fragments);
    const runs = new Map<RealFixtureCase, RealConnectionCase[]>();
    for (const c of differing) {
      const run = runOf.get(c) as RealFixtureCase;
      runs.set(run, [...(runs.get(run) ?? []), c]);
    }
    expect(runs.size).to.equal(5);
    for (const [run, scored] of runs) {
      const out = await mkdtemp(path.join(os.tmpdir(), 'timer-rules-report-'));
      const truth = path.join(path.dirname(path.dirname(run.log)), 'truth.json');
      const result = await harness(['score', '--truth', truth, '--monitor', run.adapter.id, '--log', run.log, '--setting', run.setting.label, '--out', out]);
      expect(result.exitCode, result.stderr).to.equal(0);
      const md = await readFile(path.join(out, 'report.md'), 'utf8');
      for (const c of scored) {
        const id = c.score.connectionId;
        const line = md.split('\n').findIndex((l) => l.includes(`\`${id}\`: ${c.score.fragments} records, as the model predicts`));
        expect(line, `${c.key} in report.md`).to.be.greaterThan(-1);
        expect(md.split('\n')[line + 1], c.key).to.match(/^ {2}- rule: /);
      }
    }
  });

  it('`harness score --setting` that does not match the log is named on the terminal either way; the right one never is', async function () {
    this.timeout(300_000);
    const fixture = path.join(REAL_FIXTURES, 'scenarios/gap-boundary');
    const truth = path.join(fixture, 'truth.json');
    const score = async (monitor: string, log: string, setting: string): Promise<string> => {
      const result = await harness(['score', '--truth', truth, '--monitor', monitor, '--log', path.join(fixture, log), '--setting', setting]);
      expect(result.exitCode, result.stderr).to.equal(0);
      return result.stdout;
    };
    // A 1 h log claimed as 1m keeps 65 s to 3500 s silences whole; a 5 min log claimed as 1h cuts them for no reason.
    expect(await score('zeek', 'zeek/conn.1h.log', '1m')).to.match(/→ zeek tcp: 4 TCP connection\(s\) under 1m were reported in fewer records than its rule allows \(tcp-gap-65s: 1, the rule at least 2\)/);
    expect(await score('zeek', 'zeek/conn.default.log', '1h')).to.match(/→ zeek tcp: 2 TCP connection\(s\) under 1h were reported in more records than its rule allows \(tcp-gap-310s: 2, the rule at most 1\), for no reason/);
    expect(await score('suricata', 'suricata/eve.1m.json', 'default')).to.match(/→ suricata udp: 2 UDP connection\(s\) under default were reported in more records/);
    for (const setting of ['default', '1m', '5m', '1h', '4h']) {
      expect(await score('zeek', `zeek/conn.${setting}.log`, setting), setting).not.to.include('than its rule allows');
      expect(await score('suricata', `suricata/eve.${setting}.json`, setting), setting).not.to.include('than its rule allows');
    }
  });

  it('Zeek: the 1 hr default for 22/tcp (Conn::port_inactivity_timeouts) splits an SSH session that tcp_inactivity_timeout = 4 hrs would keep', () => {
    const ka = cases.filter((c) => c.key.startsWith('keepalive-idle zeek 4h') && !c.score.background);
    expect(ka.map((c) => [c.score.fragments, c.score.predictedFragments, c.score.naivePredictedFragments])).to.deep.equal([[2, 2, 1], [2, 2, 1]]);
    expect(ka[0]?.score.timerRules?.[0]).to.match(/^Conn::port_inactivity_timeouts\[22\/tcp\] = 1h/);
  });

  it('Suricata: a flow picked up mid-stream expires on flow-timeouts.tcp.new whatever tcp.established says', () => {
    for (const setting of ['1h', '4h']) {
      const flip = cases.find((c) => c.key.startsWith(`midstream-flip suricata ${setting} `) && c.key.endsWith(' flip'));
      expect(flip?.score).to.include({ fragments: 4, predictedFragments: 4, modelAgreement: 'as-predicted' });
      expect(flip?.score.timerRules?.[0]).to.match(/^flow-timeouts\.tcp\.new = 30s/);
    }
  });

  it('Suricata: whole seconds decide a silence just over the timeout (udp-beacon poll-5m at 300 s: 38 records, not 39)', () => {
    for (const setting of ['default', '5m']) {
      const poll = cases.find((c) => c.key.startsWith(`udp-beacon suricata ${setting} `) && c.key.endsWith(' poll-5m'));
      expect(poll?.score).to.include({ fragments: 38, predictedFragments: 38, naivePredictedFragments: 39 });
      expect(poll?.score.timerRules?.[0]).to.match(/^whole seconds/);
    }
  });
});
