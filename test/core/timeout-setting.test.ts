import { expect } from 'chai';
import { InputError } from '../../harness/core/input-error.js';
import { describeTimeoutSetting, parseTimeoutSetting, parseTimeoutSweep, tableLimitKeysSet } from '../../harness/core/timeout-setting.js';
import { loadAdapters } from '../../harness/monitors/registry.js';
import { translateSetting } from '../../harness/monitors/translate-setting.js';
import { checkToolKnobs } from '../../harness/pipeline/monitor-model.js';

describe('timeout settings: flow-table limits', () => {
  it('parses maxflows, memcap (with sizes), hashsize and emergency beside the timeouts', () => {
    const [a, b] = parseTimeoutSweep('idle=1h,maxflows=8192;memcap=64mb,hashsize=65536,emergency=30s');
    expect(a?.idle).to.deep.equal({ tcp: 3600, udp: 3600, icmp: 3600 });
    expect(a?.limits).to.deep.equal({ maxFlows: 8192 });
    expect(b?.limits).to.deep.equal({ memcapBytes: 64 * 1024 * 1024, hashSize: 65536, emergencyIdleS: 30 });
    expect(b?.idle).to.deep.equal({});
    expect(tableLimitKeysSet(b!)).to.deep.equal(['memcap', 'hashsize', 'emergency']);
    expect(describeTimeoutSetting(a!)).to.equal('idle tcp 1h, udp 1h, icmp 1h; at most 8192 flows');
  });

  it('refuses a count that is not a whole number, and a size without a known unit', () => {
    expect(() => parseTimeoutSweep('maxflows=1.5')).to.throw(InputError, /found "1.5" in "maxflows=1.5"; expected a whole number from 1 to 2147483647/);
    expect(() => parseTimeoutSweep('maxflows=0')).to.throw(InputError);
    // A table size the tools keep in a C int, and a limit or knob given twice (which one was meant is the user's to say).
    expect(() => parseTimeoutSweep('maxflows=4294967295')).to.throw(InputError, /expected a whole number from 1 to 2147483647/);
    expect(parseTimeoutSweep('maxflows=2147483647')[0]?.limits?.maxFlows).to.equal(2147483647);
    expect(() => parseTimeoutSweep('maxflows=1,maxflows=100000')).to.throw(InputError, /found "maxflows" twice in "maxflows=1,maxflows=100000"; expected each key once/);
    expect(() => parseTimeoutSweep('zeek.services=1h,zeek.services=2h')).to.throw(InputError, /"zeek.services" twice/);
    // One setting in other words is the same cell twice: refused as "twice" is.
    expect(() => parseTimeoutSweep('1h,60m')).to.throw(InputError, /found "60m", the same setting as "1h"/);
    expect(() => parseTimeoutSweep('tcp=1h,udp=10m;udp=600s,tcp=3600s')).to.throw(InputError, /the same setting as "tcp=1h,udp=10m"/);
    expect(() => parseTimeoutSweep('maxflows=8192,idle=1h;idle=1h,maxflows=8192')).to.throw(InputError, /the same setting/);
    expect(parseTimeoutSweep('default,5m,tcp=5m').map((s) => s.label)).to.deep.equal(['default', '5m', 'tcp=5m']);
    expect(() => parseTimeoutSweep('memcap=12parsecs')).to.throw(InputError, /expected a size in bytes/);
  });

  it('each adapter maps the limits its tool has and refuses the others with the reason', async () => {
    const adapters = new Map((await loadAdapters()).map((a) => [a.id, a]));
    const [maxflows, memcap] = parseTimeoutSweep('maxflows=100;memcap=1mb');
    const verdict = (id: string, setting = maxflows!): string => {
      const t = translateSetting(adapters.get(id)!, setting);
      return t.supported ? 'takes' : t.reason;
    };
    expect(verdict('softflowd')).to.equal('takes');
    expect(verdict('pmacct')).to.equal('takes');
    expect(verdict('suricata', memcap)).to.equal('takes');
    expect(verdict('suricata')).to.match(/^maxflows: Suricata limits its flow table by memory/);
    expect(verdict('zeek')).to.match(/^maxflows: Zeek has no flow-table limit: its memory grows/);
    for (const id of ['argus', 'nfpcapd', 'tcptrace', 'tshark', 'ndpi']) expect(verdict(id), id).to.match(/^maxflows: /);
  });
});

describe('timeout settings: a tool knob named <monitor>.<knob>', () => {
  it('reads durations and switches beside the generic keys, and describes them', () => {
    const setting = parseTimeoutSetting('tcp=4h,zeek.services=4h,suricata.midstream=on');
    expect(setting).to.deep.include({ isDefault: false, idle: { tcp: 14400 }, tool: { 'zeek.services': 14400, 'suricata.midstream': true } });
    expect(describeTimeoutSetting(setting)).to.equal('idle tcp 4h; zeek.services 4h; suricata.midstream on');
    // Consecutive keyed items are one setting in a sweep, as before.
    expect(parseTimeoutSweep('4h,tcp=4h,zeek.services=4h').map((s) => s.label)).to.deep.equal(['4h', 'tcp=4h,zeek.services=4h']);
  });

  it('refuses an unknown generic key and a bad value with the expected forms', () => {
    expect(() => parseTimeoutSetting('tpc=4h')).to.throw(InputError, /tool knob <monitor>\.<knob>/);
    expect(() => parseTimeoutSetting('zeek.services=soon')).to.throw(InputError, /positive duration/);
  });

  it('checks each tool knob against its monitor: unknown monitor, unknown knob, wrong kind are bad input', async () => {
    const adapters = await loadAdapters();
    const check = (text: string): void => checkToolKnobs([parseTimeoutSetting(text)], adapters, '--timeouts');
    expect(() => check('zeek.services=4h,suricata.midstream=on,suricata.tcp.new=1h')).not.to.throw();
    expect(() => check('zeeek.services=4h')).to.throw(InputError, /names no known monitor/);
    expect(() => check('zeek.port_timeouts=4h')).to.throw(InputError, /one of zeek\.port_inactivity_timeouts, zeek\.analyzer_inactivity_timeouts, zeek\.services, zeek\.dns_session_timeout/);
    expect(() => check('suricata.midstream=4h')).to.throw(InputError, /on or off/);
    expect(() => check('zeek.services=on')).to.throw(InputError, /positive duration/);
    expect(() => check('argus.anything=1h')).to.throw(InputError, /found "argus\.anything" in "argus\.anything=1h", a tool knob of argus, which takes none; expected a setting without it \(the tool knobs a setting can name: suricata\.tcp\.new, .*zeek\.services/);
  });

  it('refuses a knob of a monitor that is not among the run\'s monitors, naming them and their knobs', async () => {
    const adapters = await loadAdapters();
    const check = (text: string, monitors: string[]): void => checkToolKnobs([parseTimeoutSetting(text)], adapters, 'harness score --setting', monitors);
    // It said "expected argus takes no tool knob in a setting": true, and beside the point for a zeek run.
    expect(() => check('argus.X=1h', ['zeek'])).to.throw(
      InputError,
      'harness score --setting: found "argus.X" in "argus.X=1h", a knob of argus, which is not among the monitors of this run (zeek); expected a knob of this run\'s monitors: zeek.port_inactivity_timeouts, zeek.analyzer_inactivity_timeouts, zeek.services, zeek.dns_session_timeout',
    );
    // A knob of a monitor that takes knobs, on a run of monitors that take none, was accepted and ran as the default.
    expect(() => check('zeek.services=4h', ['argus', 'tshark'])).to.throw(InputError, 'a knob of zeek, which is not among the monitors of this run (argus, tshark); expected no tool knob: argus, tshark take none in a setting');
    expect(() => check('zeek.services=4h', ['zeek', 'argus'])).not.to.throw();
  });
});
