import { expect } from 'chai';
import { loadAdapters } from '../../harness/monitors/registry.js';
import { recommendationsFor } from '../../harness/pipeline/recommendations.js';
import { buildResults } from '../check/build-results.js';

/**
 * A monitor that reported nothing of a protocol gets no timeout advice: the recommendation was computed from the
 * truth alone ("tcp_inactivity_timeout = ..."), and no timeout makes a monitor report what it never reported.
 */
describe('recommendations: a protocol the monitor reported nothing of', () => {
  const conns = [{ id: 'c2', durationS: 7200 }, { id: 'clock', durationS: 60, background: true }];
  const advise = async (fragments: number) => {
    const results = buildResults('s', conns, [{ sensor: 'zeek', monitor: 'zeek', fragments: { c2: fragments, clock: 1 } }]);
    const scenario = results.scenarios[0];
    if (scenario === undefined) throw new Error('no scenario');
    const adapters = new Map((await loadAdapters()).map((a) => [a.id, a]));
    return recommendationsFor(scenario.truth, scenario.cells, adapters);
  };

  it('says what to check instead of a timeout when only background flows were reported', async () => {
    const [rec] = await advise(0);
    expect(rec?.noRecords).to.equal(true);
    expect(rec?.limitation).to.equal(
      "Zeek reported no record of this scenario's TCP connections: check its capture filter and interface, and that the log is its output for this capture (no timeout makes a monitor report a connection it never reported, so none is advised)",
    );
    expect(rec?.adviceLines).to.equal(undefined);
  });

  it('keeps the timeout advice once the connection was reported at all, even cut', async () => {
    const [rec] = await advise(3);
    expect(rec?.noRecords).to.equal(undefined);
    expect(rec?.advice).to.match(/^tcp_inactivity_timeout = /);
  });

  it('says a tool that reports no record of a protocol at all (tcptrace, ICMP) has no timeout of it', async () => {
    const results = buildResults('s', [{ id: 'ping', durationS: 7200 }], [{ sensor: 'tcptrace', monitor: 'tcptrace', fragments: { ping: 0 } }]);
    const scenario = results.scenarios[0];
    if (scenario === undefined) throw new Error('no scenario');
    for (const c of scenario.truth.connections) c.protocol = 'icmp';
    const adapters = new Map((await loadAdapters()).map((a) => [a.id, a]));
    const recs = recommendationsFor(scenario.truth, scenario.cells, adapters);
    expect(recs.map((r) => `${r.protocol}: ${r.limitation ?? r.advice}`)).to.deep.equal(['icmp: tcptrace reports TCP connections only: no setting makes it report these ICMP connections; watch ICMP with another monitor']);
    expect(recs[0]?.noRecords).to.equal(true);
  });
});
