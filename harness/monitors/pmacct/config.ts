import { InputError } from '../../core/input-error.js';
import { nearMiss } from '../../core/near-miss.js';
import { preview } from '../../core/text-lines.js';

/**
 * pmacctd's config file: `key: value` lines, `key[plugin_name]: value` for one named plugin, `!` starts a comment.
 * Building ours, and merging a user's, are pure text functions so they can be tested without pmacctd.
 */
export interface PmacctdConfigInput {
  /** Where pmacctd reads packets: a capture file (`pcap_savefile`, offline) or an interface (`pcap_interface`, live). */
  source: { pcap: string } | { iface: string };
  receiver: string;
  /** `tcp=3600:udp=300:...`, or undefined to leave the timeouts to the user's config / the tool's defaults. */
  timeouts?: string;
  /** nfprobe_maxflows: most flows nfprobe holds (a swept table limit), or undefined for the config's / default. */
  maxFlows?: number;
  /**
   * How the harness drives the run (see adapter.ts): pmacctd writes its pid files and log where the adapter can
   * watch them and, reading a file, stays up after it (`pcap_savefile_wait`). Absent only in the pure config tests.
   */
  control?: { pidFile: string; logFile: string };
}

function sourceLine(input: PmacctdConfigInput): string {
  return 'pcap' in input.source ? `pcap_savefile: ${input.source.pcap}` : `pcap_interface: ${input.source.iface}`;
}

function controlLines(input: PmacctdConfigInput): string[] {
  if (!input.control) return [];
  const wait = 'pcap' in input.source ? ['pcap_savefile_wait: true'] : [];
  return [...wait, `pidfile: ${input.control.pidFile}`, `logfile: ${input.control.logFile}`];
}

/**
 * Keys the harness always sets: reading the capture, exporting IPFIX (v10) to our collector, staying in the
 * foreground, and
 * (with `control`) waiting after the file, pid files and log for the adapter to watch.
 */
const FORCED = new Set(['daemonize', 'pcap_savefile', 'pcap_interface', 'pcap_savefile_wait', 'nfprobe_receiver', 'nfprobe_version']);
const CONTROL = ['pidfile', 'logfile'];

export function generatedPmacctdConfig(input: PmacctdConfigInput): string {
  const lines = [
    '! Written by harness for one cell.',
    'daemonize: false',
    sourceLine(input),
    'plugins: nfprobe',
    `nfprobe_receiver: ${input.receiver}`,
    'nfprobe_version: 10',
  ];
  if (input.timeouts) lines.push(`nfprobe_timeouts: ${input.timeouts}`);
  if (input.maxFlows !== undefined) lines.push(`nfprobe_maxflows: ${input.maxFlows}`);
  lines.push(...controlLines(input));
  return `${lines.join('\n')}\n`;
}

interface ConfigLine {
  key: string;
  /** The plugin name of `key[name]: value`, as written (pmacctd matches it exactly), or undefined for a global key. */
  plugin?: string;
  line: number;
  text: string;
}

function parseLines(text: string, file: string): ConfigLine[] {
  const out: ConfigLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const raw = (lines[i] as string).replace(/\r$/, '');
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('!') || trimmed.startsWith('#')) continue;
    const m = /^([A-Za-z0-9_]+)(\[[^\]]*\])?\s*:/.exec(trimmed);
    if (!m) {
      const col = raw.length - raw.trimStart().length + 1;
      throw new InputError({ file, line: i + 1, col }, `"${trimmed.slice(0, 60)}"`, 'a pmacctd config line "key: value" (or "key[plugin]: value"; "!" starts a comment)');
    }
    out.push({ key: (m[1] as string).toLowerCase(), ...(m[2] === undefined ? {} : { plugin: m[2].slice(1, -1) }), line: i + 1, text: raw });
  }
  return out;
}

/** A user's pmacctd config as `harness check` refuses it before running: syntax, and nfprobe among the plugins. */
export function checkPmacctdConfig(file: string, text: string): void {
  checkedLines(text, file);
}

/** nfprobe's keys in pmacct 1.7.7 (read off pmacctd): a near miss of one is a typo pmacctd ignores without a word. */
const NFPROBE_KEYS = [
  'nfprobe_direction', 'nfprobe_dont_cache', 'nfprobe_dtls', 'nfprobe_dtls_verify_cert', 'nfprobe_engine', 'nfprobe_hoplimit', 'nfprobe_ifindex',
  'nfprobe_ifindex_override', 'nfprobe_ipprec', 'nfprobe_maxflows', 'nfprobe_peer_as', 'nfprobe_receiver', 'nfprobe_source_ip', 'nfprobe_timeouts',
  'nfprobe_tstamp_usec', 'nfprobe_version',
];
/** What nfprobe_timeouts takes (pmacct's CONFIG-KEYS), each as whole seconds. */
const NFPROBE_TIMEOUT_KEYS = new Set(['tcp', 'tcp.rst', 'tcp.fin', 'udp', 'icmp', 'general', 'maxlife', 'expint']);
const C_INT_MAX = 2 ** 31 - 1;
/** The aggregate primitives of a connection's key, which nfprobe needs to export one flow per connection. */
const FIVE_TUPLE = ['src_host', 'dst_host', 'src_port', 'dst_port', 'proto'];

/**
 * The values the harness reads a meaning from: pmacctd logs an ERROR for `nfprobe_timeouts: tcp=-5` and runs on its
 * defaults, so a config test would judge the defaults while naming the config's value.
 */
function checkValues(lines: ConfigLine[], nfprobeNames: string[], file: string): void {
  for (const l of lines) {
    const { whole, value, valueCol } = valueOf(l);
    const fail = (found: string, expected: string): never => {
      throw new InputError({ file, line: l.line, col: valueCol }, found, expected);
    };
    if (l.key.startsWith('nfprobe') && !NFPROBE_KEYS.includes(l.key)) {
      const meant = nearMiss(l.key, NFPROBE_KEYS);
      if (meant !== undefined) {
        throw new InputError({ file, line: l.line, col: l.text.length - l.text.trimStart().length + 1 }, `${l.key}, a key pmacctd does not read (it ignores it without a word)`, `${meant}`);
      }
    }
    if (l.key === 'nfprobe_maxflows' && !(/^[1-9]\d*$/.test(value) && Number(value) <= C_INT_MAX)) {
      fail(`nfprobe_maxflows "${preview(value)}"`, `a whole number of flows from 1 to ${C_INT_MAX}`);
    }
    if (l.key.startsWith('nfprobe') && l.plugin !== undefined && !nfprobeNames.includes(l.plugin)) {
      throw new InputError({ file, line: l.line, col: l.text.indexOf('[') + 2 }, `${l.key}[${l.plugin}], for a plugin named "${preview(l.plugin)}", which is no nfprobe plugin here (pmacctd matches the name exactly and applies the line to no nfprobe plugin)`,
        `${l.key}: for every plugin, or ${l.key}[NAME] with NAME one of ${nfprobeNames.join(', ')} (the plugins line's nfprobe[NAME], or default_nfprobe)`);
    }
    if (l.key === 'nfprobe_timeouts') {
      // pmacctd reads this value whole (no comment): `maxlife=60 ! a minute` or `tcp = 60` is an item it logs as
      // invalid and then runs on its default.
      for (const item of timeoutItems(whole)) {
        if (item.seconds === undefined) {
          throw new InputError({ file, line: l.line, col: valueCol + item.offset },
            `"${preview(item.text)}" in nfprobe_timeouts${/\s|[!#]/.test(item.text) ? ' (pmacctd reads no blank or comment inside this value: it logs "Invalid" and keeps its default)' : ''}`,
            `key=time items joined by ':' with nothing between (tcp=3600:udp=300), keys ${[...NFPROBE_TIMEOUT_KEYS].join(', ')}, a time of 1 s or more in seconds or with pmacct's units s, m, h, d, w (3600, 1h, 1h30m)`);
        }
      }
    }
  }
}

/**
 * The plugins line as pmacctd finds it (parse_plugin_names): the first whose key is exactly `plugins`, so a
 * `plugins[x]:` line is none.
 */
function pluginsLine(lines: ConfigLine[]): ConfigLine | undefined {
  return lines.find((l) => l.key === 'plugins' && l.plugin === undefined);
}

/**
 * The names of the nfprobe plugins of the plugins line, as pmacctd makes them (parse_plugin_names: `nfprobe[name]`
 * is called name, trimmed; a plain `nfprobe` default_nfprobe). A config without a plugins line gets the harness's
 * `plugins: nfprobe`.
 */
function nfprobePluginNames(plugins: ConfigLine | undefined): string[] {
  if (plugins === undefined) return ['default_nfprobe'];
  const names: string[] = [];
  for (const token of valueOf(plugins).whole.split(',')) {
    const open = token.indexOf('[');
    const close = token.indexOf(']');
    const type = (open >= 0 ? token.slice(0, open) : token).trim().toLowerCase();
    if (type !== 'nfprobe') continue;
    const named = open >= 0 && close > open + 1 ? token.slice(open + 1, close).trim() : '';
    names.push(named === '' ? 'default_nfprobe' : named);
  }
  return names;
}

/** pmacct's convtime (as softflowd's): numbers, each with an optional unit s, m, h, d or w, summed; undefined if not that. */
function convtime(text: string): number | undefined {
  if (!/^(\d+[smhdwSMHDW]?)+$/.test(text)) return undefined;
  const unit: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  for (const m of text.matchAll(/(\d+)([smhdwSMHDW]?)/g)) total += Number(m[1]) * (unit[(m[2] as string).toLowerCase()] as number);
  return total;
}

/**
 * nfprobe_timeouts' `key=time` items as pmacctd reads them (nfprobe_plugin.c handle_timeouts, set_timeout): split on
 * ':', each name compared whole and its time read by convtime, with no blank trimmed (measured on 1.7.7:
 * `maxlife = 60` and `maxlife=60 ! x` are logged invalid and the default 604800 s runs). `seconds` is undefined for
 * an item pmacctd would reject, or one under 1 s; `offset` is where the item starts in the value.
 */
function timeoutItems(value: string): { text: string; key: string; seconds: number | undefined; offset: number }[] {
  let offset = 0;
  return value.split(':').map((text) => {
    const at = offset;
    offset += text.length + 1;
    const eq = text.indexOf('=');
    const key = eq < 0 ? text : text.slice(0, eq);
    const seconds = eq < 0 ? undefined : convtime(text.slice(eq + 1));
    const ok = NFPROBE_TIMEOUT_KEYS.has(key) && seconds !== undefined && seconds >= 1 && seconds <= C_INT_MAX;
    return { text, key, seconds: ok ? seconds : undefined, offset: at };
  });
}

/**
 * A line's value after `key:` and the 1-based column where it starts: `whole` as pmacctd keeps it (blanks trimmed
 * at both ends, nothing else), `value` without a trailing comment as well.
 */
function valueOf(l: ConfigLine): { whole: string; value: string; valueCol: number } {
  const colon = l.text.indexOf(':');
  const after = l.text.slice(colon + 1);
  return { whole: after.trim(), value: after.replace(/\s+[!#].*$/, '').trim(), valueCol: colon + 2 + (after.length - after.trimStart().length) };
}

/**
 * The knob values a cell ran with: the user's config's nfprobe_timeouts under `default` (a swept setting replaces
 * them whole) and its nfprobe_maxflows unless the setting sweeps a table limit. Keys as translatePmacct names them.
 */
export function pmacctKnobValuesWith(setting: { isDefault: boolean; limits?: { maxFlows?: number } }, values: Record<string, number>, userConfig: { file: string; text: string }): Record<string, number> {
  const inForce = { ...values };
  const lines = parseLines(userConfig.text, userConfig.file);
  const nfprobeNames = nfprobePluginNames(pluginsLine(lines));
  for (const l of lines) {
    // A line for another plugin (print[x]) sets nothing of nfprobe's.
    if (l.plugin !== undefined && !nfprobeNames.includes(l.plugin)) continue;
    const { whole, value } = valueOf(l);
    if (l.key === 'nfprobe_timeouts' && setting.isDefault) {
      for (const item of timeoutItems(whole)) if (item.seconds !== undefined) inForce[`nfprobe_timeouts ${item.key}`] = item.seconds;
    }
    if (l.key === 'nfprobe_maxflows' && setting.limits?.maxFlows === undefined && /^\d+$/.test(value)) inForce.nfprobe_maxflows = Number(value);
  }
  return inForce;
}

function checkedLines(text: string, file: string): ConfigLine[] {
  const lines = parseLines(text, file);
  const plugins = pluginsLine(lines);
  // Each plugin as pmacctd reads it: `nfprobe ! mine` is a plugin type it does not know (and ignores).
  const nfprobes = nfprobePluginNames(plugins);
  checkValues(lines, nfprobes, file);
  if (plugins && nfprobes.length === 0) {
    throw new InputError({ file, line: plugins.line, col: 1 }, `"${plugins.text.trim()}"`, 'plugins to include nfprobe (the harness reads NetFlow/IPFIX from it)');
  }
  // Every nfprobe plugin exports every flow to the one receiver the harness gives them: two sent each record twice,
  // and the cell failed with "are these two sensors' logs concatenated?".
  if (plugins && nfprobes.length > 1) {
    throw new InputError({ file, line: plugins.line, col: 1 }, `"${preview(plugins.text.trim())}", ${nfprobes.length} nfprobe plugins (${nfprobes.join(', ')})`, 'one nfprobe plugin: the harness gives every nfprobe plugin its one receiver, so each flow would come twice');
  }
  // nfprobe keys its flows on the aggregate primitives: without ports and protocol, records carry port 0 and match
  // no connection (the cell failed as "unrelated output: did the monitor read another capture?").
  for (const l of lines) {
    if (l.key !== 'aggregate' || (l.plugin !== undefined && !nfprobes.includes(l.plugin))) continue;
    const { whole: value, valueCol } = valueOf(l);
    const primitives = value.split(',').map((p) => p.trim().toLowerCase());
    const missing = FIVE_TUPLE.filter((p) => !primitives.includes(p));
    if (missing.length > 0) {
      throw new InputError({ file, line: l.line, col: valueCol }, `aggregate "${preview(value)}", without ${missing.join(', ')}`,
        `an aggregate of nfprobe with every primitive of a connection's key (${FIVE_TUPLE.join(', ')}), or no aggregate line: the harness scores connections by 5-tuple`);
    }
  }
  return lines;
}

/**
 * A user's pmacctd config, with the keys the harness must own replaced: pcap_savefile, nfprobe_receiver and
 * daemonize always; nfprobe_timeouts when the cell sweeps a setting (for `default` the user's own timeouts stay).
 * Their plugins must include nfprobe (the only one whose output the harness can read).
 */
export function mergedPmacctdConfig(userText: string, file: string, input: PmacctdConfigInput): { text: string; notes: string[] } {
  const lines = checkedLines(userText, file);
  const notes: string[] = [];
  const plugins = pluginsLine(lines);
  const drop = new Set(FORCED);
  if (input.timeouts) drop.add('nfprobe_timeouts');
  if (input.maxFlows !== undefined) drop.add('nfprobe_maxflows');
  if (input.control) for (const key of CONTROL) drop.add(key);
  const kept: string[] = [];
  const replaced: string[] = [];
  const userLines = userText.split('\n');
  const byLine = new Map(lines.map((l) => [l.line, l]));
  for (let i = 0; i < userLines.length; i += 1) {
    const entry = byLine.get(i + 1);
    if (entry && drop.has(entry.key)) {
      replaced.push(entry.key);
      kept.push(`! replaced by harness: ${entry.text.trim()}`);
    } else {
      kept.push(userLines[i] as string);
    }
  }
  const ours = ['! Set by harness for this cell:', 'daemonize: false', sourceLine(input), `nfprobe_receiver: ${input.receiver}`];
  if (!plugins) ours.push('plugins: nfprobe');
  // Always 10: NetFlow v5 stamps flows against the exporter's uptime, which from a capture lands years away from
  // the packets' time (every connection scored missed, every record spurious), and v5 carries no IPv6.
  ours.push('nfprobe_version: 10');
  if (input.timeouts) ours.push(`nfprobe_timeouts: ${input.timeouts}`);
  if (input.maxFlows !== undefined) ours.push(`nfprobe_maxflows: ${input.maxFlows}`);
  ours.push(...controlLines(input));
  if (replaced.length > 0) notes.push(`user config ${file}: harness replaced ${[...new Set(replaced)].join(', ')}`);
  else notes.push(`user config ${file} used as is, plus the harness's savefile and receiver`);
  return { text: `${kept.join('\n').trimEnd()}\n${ours.join('\n')}\n`, notes };
}
