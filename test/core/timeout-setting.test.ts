import { expect } from 'chai';
import { InputError } from '../../harness/core/input-error.js';
import { describeTimeoutSetting, parseTimeoutSweep, tableLimitKeysSet } from '../../harness/core/timeout-setting.js';
import { loadAdapters } from '../../harness/monitors/registry.js';
import { translateSetting } from '../../harness/monitors/translate-setting.js';

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
    expect(() => parseTimeoutSweep('maxflows=1.5')).to.throw(InputError, /found "1.5" in "maxflows=1.5"; expected a whole number of at least 1/);
    expect(() => parseTimeoutSweep('maxflows=0')).to.throw(InputError);
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
