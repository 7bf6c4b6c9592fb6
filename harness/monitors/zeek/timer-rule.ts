import { formatDuration } from '../../core/duration.js';
import type { TimeoutProtocol, TimeoutSetting } from '../../core/timeout-setting.js';
import type { RecordContext, RuleAdvice, RuleTimeout, SettingKnob, TimerRule, UserConfigText } from '../monitor-adapter.js';
import { someOf } from '../../core/timer-rule.js';

/**
 * Zeek 7.0.11's inactivity timers, read from its sources (github:zeek/zeek at tag v7.0.11):
 *
 * - src/session/Session.cc, Session::InactivityTimer(t): `if ( last_time + inactivity_timeout <= t )` the session
 *   is removed. Timers fire as network time (any packet's) passes them, before the packet is handled, so a silence
 *   of at least the timeout ends the record, to the microsecond: at 300 s, 299.999 s is kept and 300.000 s split
 *   (measured: test/fixtures/real/scenarios/gap-boundary).
 * - scripts/base/init-bare.zeek: tcp_inactivity_timeout 5 min, udp_ and icmp_inactivity_timeout 1 min; 0 disables.
 * - scripts/base/protocols/conn/inactivity.zeek: `option port_inactivity_timeouts = { [[21/tcp, 22/tcp, 23/tcp,
 *   513/tcp]] = 1 hrs }`, applied in `event connection_established` (set_inactivity_timeout of the responder's
 *   port); `option analyzer_inactivity_timeouts = { [[ANALYZER_SSH, ANALYZER_FTP]] = 1 hrs }`, applied on
 *   analyzer_confirmation_info. Both replace the global value, up or down, whatever tcp_inactivity_timeout says.
 * - src/packet_analysis/protocol/tcp/TCPSessionAdapter.cc raises connection_established only on the SYN-ACK of a
 *   handshake it saw: a connection picked up mid-stream, or the record Zeek opens after an inactivity split, keeps
 *   the global value (measured: keepalive-idle at 4h, 2 records where the global timeout alone predicts 1).
 * - src/analyzer/protocol/dns/DNS.cc, DNS_Analyzer::ExpireTimer(t): DNS over UDP (base/protocols/dns/main.zeek
 *   registers 53, 137, 5353, 5355/udp) is removed when `t - LastTime() >= dns_session_timeout - 1.0` at a check
 *   that re-arms every dns_session_timeout (10 s) from network time: a silence shorter than 9 s is kept, one of
 *   19 s or more split, and between them it depends on the phase of that check.
 * - Zeek has no flow-table limit and no emergency timeouts: a connection stays until a timer or the capture's end.
 */
const SERVICE_PORTS_DEFAULT = [21, 22, 23, 513];
const SERVICE_TIMEOUT_DEFAULT_S = 3600;
const ANALYZERS_DEFAULT = ['SSH', 'FTP'];
const DNS_UDP_PORTS = new Set([53, 137, 5353, 5355]);
const IDLE_DEFAULT_S: Record<TimeoutProtocol, number> = { tcp: 300, udp: 60, icmp: 60 };
const DNS_SESSION_DEFAULT_S = 10;

/** Where each value came from, for the rule's name in the report. */
type Origin = string;

export interface ZeekTimers {
  idleS: Record<TimeoutProtocol, number>;
  /** Conn::port_inactivity_timeouts: TCP port -> seconds. */
  portS: Map<number, { seconds: number; origin: Origin }>;
  /** Conn::analyzer_inactivity_timeouts: analyzer name (SSH) -> seconds. */
  analyzerS: Map<string, { seconds: number; origin: Origin }>;
  dnsSessionS: number;
  /** A redef of a timer knob in the user's script the model could not read: no prediction rather than a wrong one. */
  unreadable?: string;
}

/** The tool knobs a setting may name (`zeek.<key>=<duration>`), each a redef harness passes with -e. */
export const ZEEK_SETTING_KNOBS: SettingKnob[] = [
  { key: 'port_inactivity_timeouts', kind: 'duration', sets: 'Conn::port_inactivity_timeouts, every port in the table (21, 22, 23, 513/tcp by default)' },
  { key: 'analyzer_inactivity_timeouts', kind: 'duration', sets: 'Conn::analyzer_inactivity_timeouts, every analyzer in the table (SSH, FTP by default)' },
  { key: 'services', kind: 'duration', sets: 'both Conn::port_inactivity_timeouts and Conn::analyzer_inactivity_timeouts' },
  { key: 'dns_session_timeout', kind: 'duration', sets: 'dns_session_timeout (DNS over UDP)' },
];

export function defaultZeekTimers(): ZeekTimers {
  const origin = 'base/protocols/conn/inactivity.zeek';
  return {
    idleS: { ...IDLE_DEFAULT_S },
    portS: new Map(SERVICE_PORTS_DEFAULT.map((p) => [p, { seconds: SERVICE_TIMEOUT_DEFAULT_S, origin }])),
    analyzerS: new Map(ANALYZERS_DEFAULT.map((a) => [a, { seconds: SERVICE_TIMEOUT_DEFAULT_S, origin }])),
    dnsSessionS: DNS_SESSION_DEFAULT_S,
  };
}

/**
 * The timers in force: Zeek's defaults, then the user's local.zeek redefs, then the setting's (harness passes them
 * with -e after the user's script, so they win). A generic setting (`4h`) changes only the three global knobs and
 * leaves the service tables at their defaults: that is what a user who edits tcp_inactivity_timeout gets, and
 * the sweep must show the tool as it is; `zeek.services=4h` (or the two table keys) raises the tables too.
 */
export function zeekTimers(setting: TimeoutSetting, userConfig?: UserConfigText): ZeekTimers {
  const timers = defaultZeekTimers();
  if (userConfig) applyLocalZeek(timers, userConfig);
  for (const protocol of ['tcp', 'udp', 'icmp'] as const) {
    const given = setting.idle[protocol];
    if (given !== undefined) timers.idleS[protocol] = given;
  }
  const tool = (key: string): number | undefined => {
    const value = setting.tool?.[`zeek.${key}`];
    return typeof value === 'number' ? value : undefined;
  };
  const origin = `setting ${setting.label}`;
  const ports = tool('port_inactivity_timeouts') ?? tool('services');
  if (ports !== undefined) for (const port of timers.portS.keys()) timers.portS.set(port, { seconds: ports, origin });
  const analyzers = tool('analyzer_inactivity_timeouts') ?? tool('services');
  if (analyzers !== undefined) for (const name of timers.analyzerS.keys()) timers.analyzerS.set(name, { seconds: analyzers, origin });
  const dns = tool('dns_session_timeout');
  if (dns !== undefined) timers.dnsSessionS = dns;
  return timers;
}

/** The `-e` redefs of a setting's tool knobs: the tables keep their keys, each at the new value. */
export function zeekToolRedefs(setting: TimeoutSetting): string[] {
  const timers = zeekTimers(setting);
  const out: string[] = [];
  const has = (key: string): boolean => setting.tool?.[`zeek.${key}`] !== undefined;
  if (has('port_inactivity_timeouts') || has('services')) out.push(portTableRedef(timers.portS));
  if (has('analyzer_inactivity_timeouts') || has('services')) out.push(analyzerTableRedef(timers.analyzerS));
  if (has('dns_session_timeout')) out.push(`redef dns_session_timeout = ${zeekInterval(timers.dnsSessionS)};`);
  return out;
}

function portTableRedef(ports: ZeekTimers['portS']): string {
  const items = [...ports].map(([port, v]) => `[${port}/tcp] = ${zeekInterval(v.seconds)}`);
  return `redef Conn::port_inactivity_timeouts = { ${items.join(', ')} };`;
}

function analyzerTableRedef(analyzers: ZeekTimers['analyzerS']): string {
  const items = [...analyzers].map(([name, v]) => `[Analyzer::ANALYZER_${name}] = ${zeekInterval(v.seconds)}`);
  return `redef Conn::analyzer_inactivity_timeouts = { ${items.join(', ')} };`;
}

/** Zeek interval literal in seconds; a fraction is kept to the microsecond. */
export function zeekInterval(seconds: number): string {
  const text = Number.isInteger(seconds) ? `${seconds}.0` : String(Math.round(seconds * 1e6) / 1e6);
  return `${text} sec`;
}

export function zeekTimerRule(setting: TimeoutSetting, userConfig?: UserConfigText): TimerRule {
  const timers = zeekTimers(setting, userConfig);
  const globalIdleS: Partial<Record<TimeoutProtocol, number | null>> = {};
  for (const protocol of ['tcp', 'udp', 'icmp'] as const) globalIdleS[protocol] = orNever(timers.idleS[protocol]);
  const dnsLowUs = Math.round((timers.dnsSessionS - 1) * 1e6);
  const dnsHighUs = Math.round((2 * timers.dnsSessionS - 1) * 1e6);
  // The answers depend on the port and protocol only: each is made once, not once per connection (a million
  // connections asked twice each), and frozen, since every caller shares it.
  const portTimeouts = new Map<number, RuleTimeout>();
  const dnsTimeout = Object.freeze({
    idleS: globalIdleS.udp ?? null,
    rule: `dns_session_timeout = ${formatDuration(timers.dnsSessionS)} (DNS over UDP, DNS.cc ExpireTimer: a silence of ${formatDuration(timers.dnsSessionS - 1)} to ${formatDuration(2 * timers.dnsSessionS - 1)} may end the record, by the phase of its check)`,
    window: Object.freeze({ lowUs: dnsLowUs, highUs: dnsHighUs }),
  });
  const globalTimeouts = {
    tcp: Object.freeze({ idleS: globalIdleS.tcp ?? null }),
    udp: Object.freeze({ idleS: globalIdleS.udp ?? null }),
    icmp: Object.freeze({ idleS: globalIdleS.icmp ?? null }),
  };
  return {
    globalIdleS,
    ...(timers.unreadable === undefined ? {} : { unmodelled: `the model cannot read ${timers.unreadable}, so it predicts no record of any connection` }),
    timeoutFor(record: RecordContext): RuleTimeout | undefined {
      if (timers.unreadable !== undefined) return undefined;
      const service = record.protocol === 'tcp' && record.handshake ? timers.portS.get(record.serverPort) : undefined;
      if (service !== undefined) {
        let timeout = portTimeouts.get(record.serverPort);
        if (timeout === undefined) {
          timeout = Object.freeze({
            idleS: orNever(service.seconds),
            rule: `Conn::port_inactivity_timeouts[${record.serverPort}/tcp] = ${formatDuration(service.seconds)} (${service.origin}), set when the handshake completes, whatever tcp_inactivity_timeout says; the record Zeek opens after a split has no handshake and keeps the global value`,
          });
          portTimeouts.set(record.serverPort, timeout);
        }
        return timeout;
      }
      if (record.protocol === 'udp' && DNS_UDP_PORTS.has(record.serverPort)) return dnsTimeout;
      return globalTimeouts[record.protocol];
    },
    silence(lastUs, nextUs, timeout) {
      const gapUs = nextUs - lastUs;
      if (timeout.idleS !== null && gapUs >= Math.round(timeout.idleS * 1e6)) return 'split';
      if (timeout.window === undefined) return 'whole';
      if (gapUs >= timeout.window.highUs) return 'split';
      return gapUs >= timeout.window.lowUs ? 'either' : 'whole';
    },
    shortestSplitUs(timeout) {
      const idleUs = timeout.idleS === null ? Infinity : Math.round(timeout.idleS * 1e6);
      return Math.min(idleUs, timeout.window?.lowUs ?? Infinity);
    },
    comparison: 'a silence of at least the timeout ends the record, to the microsecond (Session::InactivityTimer: last_time + inactivity_timeout <= t), not only one longer than it',
    emergency: 'Zeek has no flow-table limit and no emergency timeouts',
    keepsWholeS: (gapUs) => Math.floor(gapUs / 1e6) + 1,
    advice: (protocol, minimumIdleS, connections) => zeekAdvice(timers, protocol, minimumIdleS, connections),
  };
}

const IDLE_KNOB: Record<TimeoutProtocol, string> = { tcp: 'tcp_inactivity_timeout', udp: 'udp_inactivity_timeout', icmp: 'icmp_inactivity_timeout' };

/**
 * What keeps these connections whole, as local.zeek lines: the global knob and, when a connection is on a port of
 * Conn::port_inactivity_timeouts (or could be SSH/FTP), both service tables, whose defaults otherwise cap it.
 */
function zeekAdvice(timers: ZeekTimers, protocol: TimeoutProtocol, minimumIdleS: number, connections: Iterable<RecordContext>): RuleAdvice {
  const lines = [`redef ${IDLE_KNOB[protocol]} = ${zeekInterval(minimumIdleS)};`];
  const caps: string[] = [];
  if (protocol === 'tcp') {
    const cappedPorts = new Set<number>();
    for (const c of connections) if (c.handshake && timers.portS.has(c.serverPort)) cappedPorts.add(c.serverPort);
    const capped = [...cappedPorts];
    const low = capped.filter((port) => (timers.portS.get(port)?.seconds ?? Infinity) < minimumIdleS);
    if (low.length > 0) {
      const raised = new Map([...timers.portS].map(([p, v]) => [p, { ...v, seconds: Math.max(v.seconds, minimumIdleS) }]));
      const analyzers = new Map([...timers.analyzerS].map(([a, v]) => [a, { ...v, seconds: Math.max(v.seconds, minimumIdleS) }]));
      lines.push(portTableRedef(raised), analyzerTableRedef(analyzers));
      const list = low.map((p) => `${p}/tcp at ${formatDuration(timers.portS.get(p)?.seconds ?? 0)} (${timers.portS.get(p)?.origin ?? ''})`).join(', ');
      caps.push(
        `Conn::port_inactivity_timeouts sets ${list} once the handshake completes (and Conn::analyzer_inactivity_timeouts does for SSH and FTP on any port), whatever tcp_inactivity_timeout says: raising tcp_inactivity_timeout alone cannot keep these connections whole, redefine both tables too`,
      );
    }
  }
  if (protocol === 'udp' && timers.dnsSessionS < minimumIdleS && someOf(connections, (c) => DNS_UDP_PORTS.has(c.serverPort))) {
    lines.push(`redef dns_session_timeout = ${zeekInterval(minimumIdleS)};`);
    caps.push(`dns_session_timeout (${formatDuration(timers.dnsSessionS)}) expires DNS over UDP whatever udp_inactivity_timeout says`);
  }
  return { lines, caps };
}

function orNever(seconds: number): number | null {
  return seconds === 0 ? null : seconds;
}

// --- the user's local.zeek -------------------------------------------------------------------------------------

const UNIT_S: Record<string, number> = { usec: 1e-6, msec: 1e-3, sec: 1, min: 60, hr: 3600, day: 86400 };

/** `1 hr`, `2 hrs`, `3600.0 sec`, `10min`: seconds, or undefined when it is not an interval literal. */
export function parseZeekInterval(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*(usec|msec|sec|min|hr|day)s?\s*$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * (UNIT_S[m[2] as string] as number);
}

/** The redefs of the timer knobs in a user's script, in order; anything the model cannot read stops its predictions. */
function applyLocalZeek(timers: ZeekTimers, config: UserConfigText): void {
  const code = config.text.replace(/#[^\n]*/g, '');
  const lineOf = (index: number): number => code.slice(0, index).split('\n').length;
  // A script that sets a connection's timeout itself (at new_connection, at a protocol event) overrides every
  // global and table for the connections it picks, by logic the model cannot run.
  const perConnection = /\bset_inactivity_timeout\s*\(/.exec(code);
  if (perConnection !== null) timers.unreadable = `${config.file}:${lineOf(perConnection.index)}: set_inactivity_timeout(), a timeout set per connection by the script`;
  // A script of the user's own that this one loads (Zeek resolves ./ and ../ against this script's folder) may redef
  // any timer: read as if absent, its `redef tcp_inactivity_timeout = 4 hr` was modelled as the default 5 min.
  const localLoad = /^[ \t]*@load[ \t]+(\.{1,2}\/\S*|\/\S*|\S+\.(?:zeek|bro))[ \t]*$/m.exec(code);
  if (localLoad !== null) timers.unreadable = `${config.file}:${lineOf(localLoad.index)}: @load ${localLoad[1]}, a script of its own the model does not read`;
  const conditional = conditionalSpans(code);
  const redef = /redef\s+([A-Za-z_:]+)\s*(\+=|-=|=)\s*([^;]*);/g;
  for (let m = redef.exec(code); m !== null; m = redef.exec(code)) {
    const [, written, op, value] = m as unknown as [string, string, string, string];
    // The global namespace named outright: `redef GLOBAL::tcp_inactivity_timeout` is the same knob.
    const name = written.startsWith('GLOBAL::') ? written.slice('GLOBAL::'.length) : written;
    if (!TIMER_KNOBS.has(name)) continue;
    const origin = `${config.file}:${lineOf(m.index)}`;
    if (conditional.some(([from, to]) => m.index > from && m.index < to)) {
      // Which branch Zeek takes (@ifdef of a name, @if of an expression) is Zeek's to evaluate, not the model's.
      timers.unreadable = `${origin}: ${name} ${op} ${value.trim()} inside an @if/@ifdef/@ifndef block`;
      continue;
    }
    const idle = (['tcp', 'udp', 'icmp'] as const).find((p) => name === IDLE_KNOB[p]);
    if (idle !== undefined || name === 'dns_session_timeout') {
      const seconds = parseZeekInterval(value);
      // `+=` / `-=` on an interval is not `=`: taken as one, `+= 1 hr` was modelled as a timeout of 1 hr.
      if (seconds === undefined || op !== '=') timers.unreadable = `${origin}: ${name} ${op} ${value.trim()}`;
      else if (idle !== undefined) timers.idleS[idle] = seconds;
      else timers.dnsSessionS = seconds;
      continue;
    }
    // The two tables, the rest of TIMER_KNOBS.
    const entries = tableEntries(value);
    if (entries === undefined) {
      timers.unreadable = `${origin}: ${name} ${op} ${value.trim()}`;
      continue;
    }
    const table: Map<string, { seconds: number; origin: Origin }> = new Map();
    const ports = name === 'Conn::port_inactivity_timeouts';
    const target = ports ? timers.portS : timers.analyzerS;
    if (op === '=') target.clear();
    for (const entry of entries) {
      for (const key of entry.keys) {
        const k = ports ? /^(\d+)\/tcp$/.exec(key)?.[1] : /^Analyzer::ANALYZER_(\w+)$/.exec(key)?.[1];
        if (k === undefined) {
          // A UDP port or an analyzer the model has no use for still needs reading right.
          if (ports && /^\d+\/(udp|icmp)$/.test(key)) continue;
          timers.unreadable = `${origin}: ${key} in ${name}`;
          continue;
        }
        table.set(k, { seconds: entry.seconds, origin });
      }
    }
    for (const [k, v] of table) {
      const key = ports ? Number(k) : k;
      if (op === '-=') (target as Map<number | string, unknown>).delete(key);
      else (target as Map<number | string, { seconds: number; origin: Origin }>).set(key, v);
    }
  }
}

/** The knobs the model reads from a user's script. */
const TIMER_KNOBS: ReadonlySet<string> = new Set([
  ...Object.values(IDLE_KNOB), 'dns_session_timeout', 'Conn::port_inactivity_timeouts', 'Conn::analyzer_inactivity_timeouts',
]);

/** Where the script's @if/@ifdef/@ifndef blocks lie (outermost, from the directive to its @endif), as text offsets. */
function conditionalSpans(code: string): [number, number][] {
  const spans: [number, number][] = [];
  const directive = /^[ \t]*@(ifdef|ifndef|if|endif)\b/gm;
  let depth = 0;
  let from = 0;
  for (let m = directive.exec(code); m !== null; m = directive.exec(code)) {
    if (m[1] !== 'endif') {
      if (depth === 0) from = m.index;
      depth += 1;
    } else if (depth > 0) {
      depth -= 1;
      if (depth === 0) spans.push([from, m.index]);
    }
  }
  // An @if never closed runs to the end (the config check refuses that script anyway).
  if (depth > 0) spans.push([from, code.length]);
  return spans;
}

/** `{ [22/tcp] = 2 hrs, [[21/tcp, 23/tcp]] = 1 day }` (or a set of keys for -=): keys and seconds. */
function tableEntries(value: string): { keys: string[]; seconds: number }[] | undefined {
  const body = /^\s*\{([\s\S]*)\}\s*$/.exec(value)?.[1];
  if (body === undefined) return undefined;
  const out: { keys: string[]; seconds: number }[] = [];
  const item = /\[\s*\[?([^\]]*)\]?\s*\]\s*(?:=\s*([^,\]]+))?/g;
  for (let m = item.exec(body); m !== null; m = item.exec(body)) {
    const keys = (m[1] as string).split(',').map((k) => k.trim()).filter((k) => k !== '');
    const seconds = m[2] === undefined ? 0 : parseZeekInterval(m[2]);
    if (seconds === undefined) return undefined;
    out.push({ keys, seconds });
  }
  return out;
}
