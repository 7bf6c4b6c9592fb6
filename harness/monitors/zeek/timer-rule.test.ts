import { expect } from 'chai';
import { parseTimeoutSetting } from '../../core/timeout-setting.js';
import type { RecordContext } from '../monitor-adapter.js';
import { zeekArgv, translateZeek } from './adapter.js';
import { parseZeekInterval, zeekTimerRule } from './timer-rule.js';

const ssh: RecordContext = { protocol: 'tcp', clientPort: 40000, serverPort: 22, handshake: true, bothDirections: true };
const afterSplit: RecordContext = { ...ssh, handshake: false };
const web: RecordContext = { ...ssh, serverPort: 443 };
const dns: RecordContext = { protocol: 'udp', clientPort: 40000, serverPort: 53, handshake: false, bothDirections: true };
const s = (seconds: number): number => Math.round(seconds * 1e6);

describe('zeek timer rule (Session::InactivityTimer, base/protocols/conn/inactivity.zeek)', () => {
  it('a silence of at least the timeout ends the record, to the microsecond: 299.999 s kept, 300.000 s split', () => {
    const rule = zeekTimerRule(parseTimeoutSetting('default'));
    const t = rule.timeoutFor(web);
    expect(t).to.deep.equal({ idleS: 300 });
    if (!t) return;
    expect(rule.silence(s(10), s(10 + 299.999), t)).to.equal('whole');
    expect(rule.silence(s(10), s(10 + 300), t)).to.equal('split');
    expect(rule.shortestSplitUs(t)).to.equal(s(300));
    expect(rule.keepsWholeS?.(s(300))).to.equal(301);
  });

  it('22/tcp established with a handshake keeps 1 hr whatever tcp_inactivity_timeout says; the record after a split keeps the global value', () => {
    const rule = zeekTimerRule(parseTimeoutSetting('4h'));
    expect(rule.timeoutFor(ssh)?.idleS).to.equal(3600);
    expect(rule.timeoutFor(ssh)?.rule).to.match(/^Conn::port_inactivity_timeouts\[22\/tcp\] = 1h \(base\/protocols\/conn\/inactivity.zeek\)/);
    expect(rule.timeoutFor(afterSplit)).to.deep.equal({ idleS: 14400 });
    // The override lowers too: at 5 min global, an SSH session gets 1 hr.
    expect(zeekTimerRule(parseTimeoutSetting('default')).timeoutFor(ssh)?.idleS).to.equal(3600);
  });

  it('zeek.services=4h (or the table keys) raises the service tables, and harness passes them as redefs', () => {
    const setting = parseTimeoutSetting('tcp=4h,zeek.services=4h');
    expect(zeekTimerRule(setting).timeoutFor(ssh)?.idleS).to.equal(14400);
    const t = translateZeek(setting);
    expect(t.supported && t.values['Conn::port_inactivity_timeouts[22/tcp]']).to.equal(14400);
    const argv = zeekArgv({ binary: 'zeek', pcap: 'x.pcap', setting, knobValues: t.supported ? t.values : {} });
    expect(argv.at(-1)).to.equal(
      'redef tcp_inactivity_timeout = 14400.0 sec; redef udp_inactivity_timeout = 60.0 sec; redef icmp_inactivity_timeout = 60.0 sec; ' +
        'redef Conn::port_inactivity_timeouts = { [21/tcp] = 14400.0 sec, [22/tcp] = 14400.0 sec, [23/tcp] = 14400.0 sec, [513/tcp] = 14400.0 sec }; ' +
        'redef Conn::analyzer_inactivity_timeouts = { [Analyzer::ANALYZER_SSH] = 14400.0 sec, [Analyzer::ANALYZER_FTP] = 14400.0 sec };',
    );
    // A generic setting leaves the tables at their defaults, and says so.
    const generic = translateZeek(parseTimeoutSetting('4h'));
    expect(generic.supported && generic.notes.some((n) => n.startsWith('Conn::port_inactivity_timeouts left at its default 1 hr'))).to.equal(true);
  });

  it("reads the user's local.zeek redefs of the tables and the global knobs; an unreadable one stops predictions", () => {
    const text = [
      'redef tcp_inactivity_timeout = 2 hrs;',
      'redef Conn::port_inactivity_timeouts += { [22/tcp] = 1 day };  # SSH sessions idle overnight',
      'redef Conn::port_inactivity_timeouts -= { [23/tcp] };',
      'redef dns_session_timeout = 30 sec;',
    ].join('\n');
    const rule = zeekTimerRule(parseTimeoutSetting('default'), { file: 'local.zeek', text });
    expect(rule.globalIdleS.tcp).to.equal(7200);
    expect(rule.timeoutFor(ssh)?.idleS).to.equal(86400);
    expect(rule.timeoutFor(ssh)?.rule).to.include('(local.zeek:2)');
    expect(rule.timeoutFor({ ...ssh, serverPort: 23 })).to.deep.equal({ idleS: 7200 });
    // The swept setting's -e redefs come after the script and win.
    expect(zeekTimerRule(parseTimeoutSetting('1h'), { file: 'local.zeek', text }).globalIdleS.tcp).to.equal(3600);
    const odd = zeekTimerRule(parseTimeoutSetting('default'), { file: 'local.zeek', text: 'redef tcp_inactivity_timeout = my_timeout;' });
    expect(odd.timeoutFor(web)).to.equal(undefined);
    const added = zeekTimerRule(parseTimeoutSetting('default'), { file: 'local.zeek', text: 'redef tcp_inactivity_timeout += 1 hr;' });
    expect(added.timeoutFor(web), '+= is not =: no prediction rather than a timeout of 1 hr').to.equal(undefined);
    // Each says why it predicts nothing, for the cell's notes: the predictions vanished without a word.
    expect(rule.unmodelled).to.equal(undefined);
    expect(odd.unmodelled).to.equal('the model cannot read local.zeek:1: tcp_inactivity_timeout = my_timeout, so it predicts no record of any connection');
    const expression = zeekTimerRule(parseTimeoutSetting('default'), { file: 'local.zeek', text: 'redef tcp_inactivity_timeout = 2 * 30 min;' });
    expect(expression.timeoutFor(web)).to.equal(undefined);
    expect(expression.unmodelled).to.include('tcp_inactivity_timeout = 2 * 30 min');
    // A script that sets timeouts per connection overrides the globals it also redefines.
    const perConnection = zeekTimerRule(parseTimeoutSetting('default'), {
      file: 'local.zeek',
      text: 'redef tcp_inactivity_timeout = 1 hr;\nevent new_connection(c: connection)\n  { set_inactivity_timeout(c$id, 60 sec); }\n',
    });
    expect(perConnection.timeoutFor(web)).to.equal(undefined);
    expect(perConnection.unmodelled).to.equal('the model cannot read local.zeek:3: set_inactivity_timeout(), a timeout set per connection by the script, so it predicts no record of any connection');
    expect([parseZeekInterval('1 hr'), parseZeekInterval('2hrs'), parseZeekInterval('3600.0 sec'), parseZeekInterval('10 mins'), parseZeekInterval('soon')]).to.deep.equal([3600, 7200, 3600, 600, undefined]);
  });

  it('a user script the model cannot follow stops predictions, never models the default: a local @load, a redef under @if; GLOBAL:: is the same knob', () => {
    // Each was modelled at the default 5 min while Zeek ran the script's own 4 h (the @load) or skipped the block.
    const ruleOf = (text: string) => zeekTimerRule(parseTimeoutSetting('default'), { file: 'local.zeek', text });
    const loads = ruleOf('@load base/protocols/conn\n@load ./tuning.zeek\n');
    expect(loads.timeoutFor(web)).to.equal(undefined);
    expect(loads.unmodelled).to.equal('the model cannot read local.zeek:2: @load ./tuning.zeek, a script of its own the model does not read, so it predicts no record of any connection');
    for (const load of ['@load ../site/tuning', '@load /opt/zeek/share/zeek/site/tuning.zeek', '@load tuning.zeek']) expect(ruleOf(load).timeoutFor(web), load).to.equal(undefined);
    // Zeek's own packages are not the user's tuning.
    expect(ruleOf('@load base/protocols/conn\n@load policy/tuning/defaults\nredef tcp_inactivity_timeout = 2 hrs;\n').globalIdleS.tcp).to.equal(7200);
    for (const text of [
      '@ifdef ( NOPE )\nredef tcp_inactivity_timeout = 4 hr;\n@endif\n',
      '@if ( F )\n@load base/protocols/conn\n@else\nredef Conn::port_inactivity_timeouts += { [22/tcp] = 1 day };\n@endif\n',
    ]) {
      const rule = ruleOf(text);
      expect(rule.timeoutFor(web), text).to.equal(undefined);
      expect(rule.unmodelled, text).to.match(/inside an @if\/@ifdef\/@ifndef block, so it predicts no record/);
    }
    // A redef after the block is read as usual.
    expect(ruleOf('@ifdef ( NOPE )\n@load policy/misc/stats\n@endif\nredef tcp_inactivity_timeout = 2 hrs;\n').globalIdleS.tcp).to.equal(7200);
    expect(ruleOf('redef GLOBAL::tcp_inactivity_timeout = 2 hr;').globalIdleS.tcp).to.equal(7200);
  });

  it('DNS over UDP: dns_session_timeout checks on its own period, so 9 to 19 s may split (a range), 19 s or more always', () => {
    const rule = zeekTimerRule(parseTimeoutSetting('default'));
    const t = rule.timeoutFor(dns);
    expect(t?.window).to.deep.equal({ lowUs: s(9), highUs: s(19) });
    if (!t) return;
    expect(rule.silence(0, s(8.9), t)).to.equal('whole');
    expect(rule.silence(0, s(12), t)).to.equal('either');
    expect(rule.silence(0, s(19), t)).to.equal('split');
    expect(rule.shortestSplitUs(t)).to.equal(s(9));
  });

  it('advises the tables with the global knob, ready to paste, and says the default caps the global knob', () => {
    const rule = zeekTimerRule(parseTimeoutSetting('default'));
    const advice = rule.advice?.('tcp', 7201, [ssh]);
    expect(advice?.lines).to.deep.equal([
      'redef tcp_inactivity_timeout = 7201.0 sec;',
      'redef Conn::port_inactivity_timeouts = { [21/tcp] = 7201.0 sec, [22/tcp] = 7201.0 sec, [23/tcp] = 7201.0 sec, [513/tcp] = 7201.0 sec };',
      'redef Conn::analyzer_inactivity_timeouts = { [Analyzer::ANALYZER_SSH] = 7201.0 sec, [Analyzer::ANALYZER_FTP] = 7201.0 sec };',
    ]);
    expect(advice?.caps[0]).to.match(/^Conn::port_inactivity_timeouts sets 22\/tcp at 1h .*raising tcp_inactivity_timeout alone cannot keep these connections whole/);
    // Not on a service port, or needing less than the table gives: the global knob alone.
    expect(rule.advice?.('tcp', 7201, [web])).to.deep.equal({ lines: ['redef tcp_inactivity_timeout = 7201.0 sec;'], caps: [] });
    expect(rule.advice?.('tcp', 600, [ssh])?.caps).to.deep.equal([]);
  });
});
