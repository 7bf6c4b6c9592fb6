import { expect } from 'chai';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generate } from '../../generators/generate.js';
import { predictRecords } from '../../harness/comparator/ideal-model.js';
import { recommend } from '../../harness/comparator/recommend.js';
import type { GroundTruth } from '../../harness/core/ground-truth.js';
import { parseTimeoutSetting } from '../../harness/core/timeout-setting.js';
import type { MonitorAdapter } from '../../harness/monitors/monitor-adapter.js';
import suricata from '../../harness/monitors/suricata/index.js';
import zeek from '../../harness/monitors/zeek/index.js';
import { loadScenario } from '../../harness/scenario/load-scenario.js';
import { idleKnobNames, monitorModel } from '../../harness/pipeline/monitor-model.js';
import { REPO } from '../support/cli.js';

/**
 * The three bundled pitfall scenarios, generated for real, against each tool's stated timer rule: each shows the
 * naive "silence > global timeout" model wrong in the way the real tools were measured to be (test/fixtures/real),
 * and the recommendation naming the knobs that really keep the connection whole.
 */
async function truthOf(name: string): Promise<GroundTruth> {
  const scenario = await loadScenario(path.join(REPO, 'scenarios', `${name}.yaml`));
  return (await generate(scenario, await mkdtemp(path.join(os.tmpdir(), 'pitfall-')))).truth;
}

function predictions(truth: GroundTruth, adapter: MonitorAdapter, label: string): Record<string, [number, number, number]> {
  const model = monitorModel(adapter, parseTimeoutSetting(label), true);
  const out: Record<string, [number, number, number]> = {};
  for (const c of truth.connections) {
    if (c.background) continue;
    const p = predictRecords(c, model, truth.quietThresholdUs);
    if (p) out[c.id] = [p.min, p.max, p.naive];
  }
  return out;
}

function recommendationFor(truth: GroundTruth, adapter: MonitorAdapter, protocol: 'tcp' | 'udp') {
  const recs = recommend({
    truth, monitor: adapter.id, view: 'default', granularityS: adapter.granularityS, knobNames: idleKnobNames(adapter), sweep: [],
    rule: adapter.timerRule?.(parseTimeoutSetting('default')),
  });
  return recs.find((r) => r.protocol === protocol);
}

describe('pitfall scenarios against the tools\' own timer rules', () => {
  it('ssh-service-port: Zeek at 4h splits the 22/tcp session once (1 hr service default), keeps 2222/tcp whole; the advice redefines the tables', async () => {
    const truth = await truthOf('ssh-service-port');
    // [min, max, naive]
    expect(predictions(truth, zeek, '4h')).to.deep.equal({ 'ssh-22': [2, 2, 1], 'ssh-2222': [1, 1, 1] });
    expect(predictions(truth, zeek, 'tcp=4h,zeek.services=4h')).to.deep.equal({ 'ssh-22': [1, 1, 1], 'ssh-2222': [1, 1, 1] });
    // Suricata has no service override: the handshake makes both established.
    expect(predictions(truth, suricata, '4h')).to.deep.equal({ 'ssh-22': [1, 1, 1], 'ssh-2222': [1, 1, 1] });
    const rec = recommendationFor(truth, zeek, 'tcp');
    expect(rec?.minimumIdleS).to.equal(5400);
    expect(rec?.adviceLines).to.deep.equal([
      'redef tcp_inactivity_timeout = 5400.0 sec;',
      'redef Conn::port_inactivity_timeouts = { [21/tcp] = 5400.0 sec, [22/tcp] = 5400.0 sec, [23/tcp] = 5400.0 sec, [513/tcp] = 5400.0 sec };',
      'redef Conn::analyzer_inactivity_timeouts = { [Analyzer::ANALYZER_SSH] = 5400.0 sec, [Analyzer::ANALYZER_FTP] = 5400.0 sec };',
    ]);
    expect(rec?.caps?.[0]).to.include('raising tcp_inactivity_timeout alone cannot keep these connections whole');
  });

  it('midstream-c2: Suricata cuts the joined session at every silence even at 4h (tcp.new), the control stays whole; the advice turns on stream.midstream', async () => {
    const truth = await truthOf('midstream-c2');
    expect(predictions(truth, suricata, '4h')).to.deep.equal({ 'c2-joined': [19, 19, 1], 'c2-handshake': [1, 1, 1] });
    expect(predictions(truth, suricata, 'tcp=4h,suricata.midstream=on')).to.deep.equal({ 'c2-joined': [1, 1, 1], 'c2-handshake': [1, 1, 1] });
    expect(predictions(truth, zeek, '4h')).to.deep.equal({ 'c2-joined': [1, 1, 1], 'c2-handshake': [1, 1, 1] });
    const rec = recommendationFor(truth, suricata, 'tcp');
    expect(rec?.adviceLines).to.deep.equal(['flow-timeouts:', '  tcp:', `    established: ${rec?.minimumIdleS}`, 'stream:', '  midstream: true']);
    expect(rec?.caps?.[0]).to.include('stays in state new');
  });

  it('beacon-second-straddle: at 5m Zeek 4 records (>= to the microsecond), Suricata 2 (whole seconds), the naive model 3', async () => {
    const truth = await truthOf('beacon-second-straddle');
    expect(predictions(truth, zeek, '5m')).to.deep.equal({ straddle: [4, 4, 3] });
    expect(predictions(truth, suricata, '5m')).to.deep.equal({ straddle: [2, 2, 3] });
    // Suricata's advice is the whole-second ceiling: 300.58 s needs 301 s, not 302.
    expect(recommendationFor(truth, suricata, 'udp')?.minimumIdleS).to.equal(301);
    expect(recommendationFor(truth, zeek, 'udp')?.minimumIdleS).to.equal(301);
  });
});
