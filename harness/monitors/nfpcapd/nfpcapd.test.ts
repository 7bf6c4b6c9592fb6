import { expect } from 'chai';
import { runAdapterForTest } from '../../../test/support/run-adapter.js';
import { parseTimeoutSetting } from '../../core/timeout-setting.js';
import type { GenerateResult } from '../../../generators/generate.js';
import { GAPS_600S_YAML, LONG_19H_YAML, fromEndpoint, generateScenario } from '../../netflow/netflow-test-support.js';
import nfpcapd from './index.js';
import { ACTIVE_KNOB, INACTIVE_KNOB } from './adapter.js';
import { InputError } from '../../core/input-error.js';
import path from 'node:path';
import { REAL_FIXTURES, REPO } from '../../../test/support/cli.js';
import { readFileSync } from 'node:fs';
import { compareCell, DEFAULT_COMPARE_OPTIONS } from '../../comparator/compare-cell.js';
import type { MonitorModel } from '../../comparator/monitor-model.js';
import { monitorModel } from '../../pipeline/monitor-model.js';

const CLIENT = '192.0.2.10';
const SERVER = '198.51.100.20';

async function run(pcap: string, setting: string, ctx: Mocha.Context) {
  const result = await runAdapterForTest(nfpcapd, pcap, setting);
  if ('missing' in result) ctx.skip();
  if (!('outcome' in result)) throw new Error('unreachable');
  if (!result.outcome.ok) throw new Error(`nfpcapd cell failed: ${result.outcome.reason}`);
  return Array.from(result.outcome.views.default ?? []);
}

describe('nfpcapd adapter', function () {
  describe('translate', () => {
    it('records the tool defaults for `default`', () => {
      const t = nfpcapd.translate(parseTimeoutSetting('default'));
      expect(t).to.deep.include({ supported: true, values: { [ACTIVE_KNOB]: 300, [INACTIVE_KNOB]: 60 } });
    });
    it('raises the active timeout to the idle one, keeps 300 s below it', () => {
      const hour = nfpcapd.translate(parseTimeoutSetting('1h'));
      expect(hour.supported && hour.values).to.deep.equal({ [ACTIVE_KNOB]: 3600, [INACTIVE_KNOB]: 3600 });
      const minute = nfpcapd.translate(parseTimeoutSetting('60s'));
      expect(minute.supported && minute.values).to.deep.equal({ [ACTIVE_KNOB]: 300, [INACTIVE_KNOB]: 60 });
      const both = nfpcapd.translate(parseTimeoutSetting('idle=10m,active=20m'));
      expect(both.supported && both.values).to.deep.equal({ [ACTIVE_KNOB]: 1200, [INACTIVE_KNOB]: 600 });
    });
    it('refuses anything above the 3600 s cap, and per-protocol values that differ', () => {
      const fourHours = nfpcapd.translate(parseTimeoutSetting('4h'));
      expect(fourHours.supported).to.equal(false);
      expect(!fourHours.supported && fourHours.reason).to.match(/caps both timeouts at 3600 s/);
      const active = nfpcapd.translate(parseTimeoutSetting('idle=10m,active=2h'));
      expect(active.supported).to.equal(false);
      const mixed = nfpcapd.translate(parseTimeoutSetting('tcp=1h,udp=10m'));
      expect(!mixed.supported && mixed.reason).to.match(/one inactive timeout/);
      const same = nfpcapd.translate(parseTimeoutSetting('tcp=10m'));
      expect(same.supported && same.notes.join(' ')).to.match(/udp gets the same inactive timeout 600 s/);
    });
    it('takes an ICMP timeout as what it is: none of -e (nfpcapd caches no ICMP), said in a note', () => {
      const icmpOnly = nfpcapd.translate(parseTimeoutSetting('icmp=5m'));
      expect(icmpOnly.supported && icmpOnly.values).to.deep.equal({ [ACTIVE_KNOB]: 300, [INACTIVE_KNOB]: 60 });
      expect(icmpOnly.supported && icmpOnly.notes.join(' ')).to.match(/the ICMP timeout \(300 s\) does not apply: nfpcapd caches no ICMP/);
      const tcpAndIcmp = nfpcapd.translate(parseTimeoutSetting('tcp=1h,udp=1h,icmp=5m'));
      expect(tcpAndIcmp.supported && tcpAndIcmp.values).to.deep.equal({ [ACTIVE_KNOB]: 3600, [INACTIVE_KNOB]: 3600 });
    });
    it('states the one inactive timeout for TCP and UDP and none for ICMP', () => {
      const eff = nfpcapd.effectiveTimeouts?.(parseTimeoutSetting('1h'));
      expect(eff).to.deep.equal({ idleS: { tcp: 3600, udp: 3600, icmp: 0 }, activeS: 3600 });
    });
  });

  describe('on real nfpcapd', function () {
    this.timeout(300_000);
    let gaps: GenerateResult;
    let long: GenerateResult;
    before(async () => {
      gaps = await generateScenario(GAPS_600S_YAML, 'gaps-600s');
      long = await generateScenario(LONG_19H_YAML, 'long-19h');
    });

    it('splits a connection with 600 s gaps at every gap under the defaults (inactive 60 s, clock flow)', async function () {
      const records = await run(gaps.pcapPath, 'default', this);
      // 3 bursts, 2 gaps of 600 s > 60 s + 10 s granularity: 3 records per direction, for TCP and for UDP.
      expect(fromEndpoint(records, CLIENT, 40000)).to.have.length(3);
      expect(fromEndpoint(records, SERVER, 9000)).to.have.length(3);
      expect(fromEndpoint(records, CLIENT, 40001)).to.have.length(3);
      expect(fromEndpoint(records, SERVER, 9001)).to.have.length(3);
      for (const r of records) {
        expect(r.direction).to.equal('uni');
        expect(r.bytesKind).to.equal('ip');
        expect(r.firstUs % 1000).to.equal(0);
        expect(r.sourceFile).to.equal('nfdump.json');
      }
    });

    it('keeps the 600 s gaps whole at 1 h, with packet and byte counts of the truth', async function () {
      const records = await run(gaps.pcapPath, '1h', this);
      const conn = gaps.truth.connections.find((c) => c.id === 't');
      expect(conn).to.not.equal(undefined);
      const up = fromEndpoint(records, CLIENT, 40000);
      const down = fromEndpoint(records, SERVER, 9000);
      expect(up).to.have.length(1);
      expect(down).to.have.length(1);
      expect(up[0]?.origPkts).to.equal(conn?.clientPkts);
      expect(up[0]?.origBytes).to.equal(conn?.clientIpBytes);
      expect(down[0]?.origPkts).to.equal(conn?.serverPkts);
      // The client sends first: its record starts at the truth's first packet, to the millisecond.
      expect(up[0]?.firstUs).to.equal(Math.floor((conn?.firstUs ?? 0) / 1000) * 1000);
    });

    it('cannot keep a 19 h connection whole: the one-hour cap cuts it into records of at most an hour', async function () {
      const records = await run(long.pcapPath, '1h', this);
      const conn = long.truth.connections.find((c) => c.id === 'c2');
      if (!conn) throw new Error('no c2 in the truth');
      // Bursts start at the first packet and at the end of every quiet period. An active timeout of 3600 s closes a
      // record at the first burst that starts an hour or more after the record's own start; the next burst opens
      // the next record. Records are therefore fewer than the 19 hours the session spans (the ~20 min of silence
      // after each record is in no record at all), but none is longer than an hour.
      const burstStarts = [conn.firstUs, ...conn.quietPeriods.map((q) => q.endUs)];
      let predicted = 0;
      let recordStart = -Infinity;
      for (const t of burstStarts) {
        if (t - recordStart >= 3_600_000_000) { predicted += 1; recordStart = t; }
      }
      expect(burstStarts).to.have.length(58);
      expect(predicted).to.be.within(14, 16);
      const up = fromEndpoint(records, CLIENT, 40000);
      const down = fromEndpoint(records, SERVER, 443);
      expect(up).to.have.length(predicted);
      expect(down).to.have.length(predicted);
      for (const r of [...up, ...down]) expect(r.durationUs).to.be.at.most(3_600_000_000);
      const covered = up.reduce((sum, r) => sum + r.durationUs, 0);
      expect(covered).to.be.below(conn.durationUs - 10 * 1_000_000_000);
    });

    it('cuts at its active timeout on the flow-tree sweep, not at first packet + active: udp-beacon and active-stream within the model', async function () {
      // The bundled scenarios, generated: a 50 s beacon and a 15 s clock for 6 h; a TCP exchange every 5 s for 3 h.
      const beacon = await generateScenario(readFileSync(path.join(REPO, 'scenarios/udp-beacon.yaml'), 'utf8'), 'udp-beacon');
      const stream = await generateScenario(readFileSync(path.join(REPO, 'scenarios/active-stream.yaml'), 'utf8'), 'active-stream');
      const model = monitorModel(nfpcapd, parseTimeoutSetting('default'), true);
      // The model as it was: every record cut exactly at its first packet + 300 s.
      const { active: _sweep, ...exactCut } = model;
      const exact: MonitorModel = exactCut;
      const counts: string[] = [];
      for (const [generated, ids] of [[beacon, ['poll-50s', 'clock']], [stream, ['stream', 'clock']]] as const) {
        const records = await run(generated.pcapPath, 'default', this);
        const scores = compareCell(generated.truth, records, model, DEFAULT_COMPARE_OPTIONS).scores;
        const exactScores = compareCell(generated.truth, records, exact, DEFAULT_COMPARE_OPTIONS).scores;
        for (const id of ids) {
          const score = scores.find((s) => s.connectionId === id);
          const old = exactScores.find((s) => s.connectionId === id);
          const range = score?.predictedRange ?? { min: score?.predictedFragments, max: score?.predictedFragments };
          counts.push(`${generated.truth.scenario.name} ${id}: ${score?.fragments} records, model ${range.min}..${range.max} ${score?.modelAgreement}, exact cut ${old?.predictedFragments} ${old?.modelAgreement}`);
        }
      }
      // Measured on nfdump 1.7.1 (-e 300,60): the beacon's packet at 300 s stays, the sweep after 301 s cuts, so its
      // records are 350 s apart (62, not 73); the clock's and the stream's records last 300 s to 330 s. The fewest
      // (55) is a sweep that waits for the beacon's own next packet, which the model cannot rule out per connection.
      expect(counts).to.deep.equal([
        'udp-beacon poll-50s: 62 records, model 55..62 within-range, exact cut 73 differs',
        'udp-beacon clock: 68 records, model 65..74 within-range, exact cut 75 differs',
        'active-stream stream: 35 records, model 34..36 within-range, exact cut 37 differs',
        'active-stream clock: 34 records, model 30..37 within-range, exact cut 37 differs',
      ]);
    });

    it('writes every ICMP packet as a record of its own, even at 1 h (fixture icmp-ipv6-vlan)', async function () {
      const records = await run(path.join(REAL_FIXTURES, 'zeek/icmp-ipv6-vlan/capture.pcap'), '1h', this);
      const icmp = records.filter((r) => r.protocol === 'icmp');
      // 13 echo requests and 13 replies, 600 s apart: 26 records, each of one packet.
      expect(icmp).to.have.length(26);
      expect(icmp.every((r) => r.origPkts === 1)).to.equal(true);
      expect(icmp.filter((r) => r.origPort === 8)).to.have.length(13);
      const v6 = records.filter((r) => r.origAddr === '2001:db8::10');
      expect(v6.length).to.be.greaterThan(0);
    });
  });
});

describe('nfpcapd: takes no config file', () => {
  it('a suite that names one for it is refused at the file, not run as if it had been used', () => {
    expect(() => nfpcapd.checkConfig?.('x.conf', 'anything\n')).to.throw(InputError, /^x\.conf:1:1: found a config file for nfpcapd; expected no config: /);
  });
});
