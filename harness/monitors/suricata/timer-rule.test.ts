import { expect } from 'chai';
import { parseTimeoutSetting } from '../../core/timeout-setting.js';
import type { RecordContext } from '../monitor-adapter.js';
import { suricataArgv, translateSuricata } from './adapter.js';
import { suricataTimerRule } from './timer-rule.js';

const withHandshake: RecordContext = { protocol: 'tcp', clientPort: 40000, serverPort: 443, handshake: true, bothDirections: true };
const midstream: RecordContext = { ...withHandshake, handshake: false };
const poll: RecordContext = { protocol: 'udp', clientPort: 40000, serverPort: 8125, handshake: false, bothDirections: true };
const oneWay: RecordContext = { ...poll, bothDirections: false };
const s = (seconds: number): number => Math.round(seconds * 1e6);

describe('suricata timer rule (flow.c timeout_at, flow-hash.c FlowIsTimedOut, flow-private.h)', () => {
  it('compares whole seconds: floor(next) - floor(last) > timeout', () => {
    const rule = suricataTimerRule(parseTimeoutSetting('default'));
    const t = rule.timeoutFor(poll) ?? { idleS: null };
    expect(t).to.deep.equal({ idleS: 300 });
    // 300.97 s from .50 to .47: floors 1000 -> 1301, difference 301: split. 300.07 s from .10 to .17: 300: kept.
    expect(rule.silence(s(1000.5), s(1301.47), t)).to.equal('split');
    expect(rule.silence(s(1000.1), s(1300.17), t)).to.equal('whole');
    expect(rule.silence(s(1000), s(1300.999), t)).to.equal('whole');
    expect(rule.shortestSplitUs(t)).to.equal(s(300) + 1);
    expect(rule.keepsWholeS?.(s(300.07))).to.equal(301);
  });

  it('a TCP flow without its handshake stays new (tcp.new 30 s) unless stream.midstream is on; a one-way UDP flow stays new', () => {
    const rule = suricataTimerRule(parseTimeoutSetting('4h'));
    expect(rule.timeoutFor(withHandshake)).to.deep.equal({ idleS: 14400 });
    expect(rule.timeoutFor(midstream)?.idleS).to.equal(30);
    expect(rule.timeoutFor(midstream)?.rule).to.match(/^flow-timeouts\.tcp\.new = 30s \(compiled-in, flow-private\.h\)/);
    expect(rule.timeoutFor(oneWay)?.idleS).to.equal(30);
    expect(suricataTimerRule(parseTimeoutSetting('tcp=4h,suricata.midstream=on')).timeoutFor(midstream)).to.deep.equal({ idleS: 14400 });
    expect(suricataTimerRule(parseTimeoutSetting('tcp=4h,suricata.tcp.new=2h')).timeoutFor(midstream)?.idleS).to.equal(7200);
  });

  it("reads the user's suricata.yaml flow-timeouts and stream.midstream; the swept setting wins", () => {
    const text = 'flow-timeouts:\n  tcp:\n    new: 60\n    established: 600\nstream:\n  midstream: true\n';
    const rule = suricataTimerRule(parseTimeoutSetting('default'), { file: 'suricata.yaml', text });
    expect(rule.globalIdleS.tcp).to.equal(600);
    expect(rule.timeoutFor(midstream)).to.deep.equal({ idleS: 600 });
    expect(suricataTimerRule(parseTimeoutSetting('1h'), { file: 'suricata.yaml', text }).globalIdleS.tcp).to.equal(3600);
  });

  it('passes tool knobs with --set, and refuses fractions of a second', () => {
    const setting = parseTimeoutSetting('tcp=4h,suricata.midstream=on,suricata.tcp.new=2h');
    const t = translateSuricata(setting);
    expect(t.supported).to.equal(true);
    const argv = suricataArgv({ binary: 'suricata', pcap: 'x.pcap', workDir: '/w', setting, knobValues: t.supported ? t.values : {} }, 'c.yaml');
    expect(argv.slice(-8)).to.deep.equal([
      '--set', 'flow-timeouts.udp.established=300', '--set', 'flow-timeouts.icmp.established=300', '--set', 'flow-timeouts.tcp.new=7200', '--set', 'stream.midstream=true',
    ]);
    expect(translateSuricata(parseTimeoutSetting('suricata.tcp.new=1.5s'))).to.deep.include({ supported: false });
  });

  it('advises stream.midstream for connections picked up mid-stream, and udp.new for one-way flows, as suricata.yaml', () => {
    const rule = suricataTimerRule(parseTimeoutSetting('default'));
    const tcp = rule.advice?.('tcp', 7201, [midstream]);
    expect(tcp?.lines).to.deep.equal(['flow-timeouts:', '  tcp:', '    established: 7201', 'stream:', '  midstream: true']);
    expect(tcp?.caps[0]).to.match(/stays in state new and expires on flow-timeouts\.tcp\.new \(30s\) whatever tcp\.established says/);
    expect(rule.advice?.('tcp', 7201, [withHandshake])).to.deep.equal({ lines: ['flow-timeouts:', '  tcp:', '    established: 7201'], caps: [] });
    expect(rule.advice?.('udp', 600, [oneWay])?.lines).to.deep.equal(['flow-timeouts:', '  udp:', '    established: 600', '    new: 600']);
  });
});
