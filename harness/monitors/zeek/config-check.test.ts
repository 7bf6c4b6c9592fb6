import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkZeekScript } from './config-check.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../../..');

function refusal(text: string): string {
  try {
    checkZeekScript('local.zeek', text);
  } catch (error) {
    return (error as Error).message;
  }
  return 'accepted';
}

describe('zeek: a team script is checked as Zeek before anything runs', () => {
  it('keeps the bundled sample.zeek, the example local.zeek and the Zeek forms a site policy uses', () => {
    for (const file of ['harness/monitors/zeek/sample.zeek', 'examples/configs/local.zeek']) {
      expect(refusal(readFileSync(path.join(repo, file), 'utf8')), file).to.equal('accepted');
    }
    const scripts = [
      '',
      '# only a comment\n',
      '@load base/protocols/conn\n@load-sigs ./dpd.sig\n@load ./local-extras\n',
      '@if ( Version::at_least("6.0") ||\n      Version::at_least("5.2") )\nredef LogAscii::use_json = T;\n@else\nredef LogAscii::use_json = F;\n@endif\n',
      // Only one branch is Zeek's: the other may even open a body the @endif's code closes.
      '@if ( 1==1 )\nfunction f(msg: string)\n@else\nlalala\n@endif\n\t{\n\tprint msg;\n\t}\n',
      '@if ( 1==0 )\nlalala\n@else\nevent zeek_init() &priority=8\n@endif\n\t{\n\tprint "3";\n\t}\n',
      'module Site;\nexport {\n\tconst watched: set[port] = { 22/tcp, 3389/tcp } &redef;\n\tglobal odd = /x#y\\/z/ &redef;\n}\n',
      'type Info: record {\n\tts: time &log;\n\tnote: string &log &optional;\n};\nredef record Conn::Info += { site: string &log &optional; };\nredef enum Log::ID += { SITE_LOG };\n',
      'event zeek_init() { print "a # b", 1 / 2; }\nhook Notice::policy(n: Notice::Info) { if ( n$note == Weird::Activity ) break; }\n',
      'global t: table[addr] of count = { [10.0.0.1] = 1, [[2001:db8::1]] = 2 } &default=0;\nconst nets: set[subnet] = { 10.0.0.0/8 };\n',
      'print "top-level statements";\nif ( T ) print "yes"; else print "no";\n{}\nLog::create_stream(Site::SITE_LOG, [$columns=Info, $path="site"]);\n',
      'redef tcp_inactivity_timeout = 1hr;\nredef udp_inactivity_timeout = 1.5 mins;\nredef icmp_inactivity_timeout = 0 sec;\nredef dns_session_timeout = 10 secs;\n',
      'redef Conn::port_inactivity_timeouts = { [[21/tcp, 22/tcp]] = 2 hrs, [23/tcp] = 1 day };\nredef Conn::analyzer_inactivity_timeouts -= { [Analyzer::ANALYZER_FTP] };\n',
      // Good Zeek the model cannot evaluate: kept (the model then makes no prediction), not refused.
      'const long_idle = 2 hrs;\nredef tcp_inactivity_timeout = long_idle;\nredef udp_inactivity_timeout = 2 * 1 min;\n',
    ];
    for (const text of scripts) expect(refusal(text), text).to.equal('accepted');
  });

  it('refuses what is not Zeek at file:line:col, and a timeout redef whose value is not an interval', () => {
    const cases: [string, string][] = [
      ['root:x:0:0:root:/root:/bin/bash\n', 'local.zeek:1:1: found "root" followed by ":", which does not begin a Zeek statement'],
      ['%YAML 1.1\n---\nflow-timeouts:\n', 'local.zeek:1:1: found "%", which does not begin a Zeek statement'],
      ['# argus\nARGUS_TCP_TIMEOUT=60\n', 'local.zeek:2:1: found a statement ("ARGUS_TCP_TIMEOUT=60") that runs to the end of the file without its ";"'],
      ['{ "tcp": "1h" }\n', 'local.zeek:1:3: found ""tcp"", which does not begin a Zeek statement'],
      ['-t tcp=1h\n', 'local.zeek:1:1: found "-", which does not begin a Zeek statement'],
      ['@include "x"\n', 'local.zeek:1:1: found "@include "x""; expected a Zeek directive'],
      ['event zeek_init() {\n\tprint "x";\n', 'local.zeek:1:19: found "{" never closed'],
      ['event zeek_init() { print "x"; )\n', 'local.zeek:1:32: found ")" closing the "{" opened at line 1, column 19'],
      ['print "open;\n', 'local.zeek:1:7: found a string without its closing quote'],
      ['redef tcp_inactivity_timeout = 3600;\n', 'local.zeek:1:32: found tcp_inactivity_timeout = 3600, a number without a unit; expected an interval'],
      ['\n  redef udp_inactivity_timeout = 5m;\n', 'local.zeek:2:35: found udp_inactivity_timeout = 5m, with the unit "m"'],
      ['redef icmp_inactivity_timeout = 1 HR;\n', 'local.zeek:1:35: found icmp_inactivity_timeout = 1 HR, with the unit "HR"'],
      ['redef dns_session_timeout = "10 sec";\n', 'local.zeek:1:29: found dns_session_timeout = "10 sec", a string'],
      ['redef Conn::port_inactivity_timeouts += { [22/tcp] = 2 hrs, [3389/tcp] = 7200 };\n', 'local.zeek:1:74: found Conn::port_inactivity_timeouts entry = 7200, a number without a unit'],
      ['export {\n\tredef enum Log::ID += { SITE };\n\tredef tcp_inactivity_timeout = 2 hours;\n}\n', 'local.zeek:3:35: found tcp_inactivity_timeout = 2 hours, with the unit "hours"'],
    ];
    for (const [text, message] of cases) expect(refusal(text), text).to.include(message);
  });
});
