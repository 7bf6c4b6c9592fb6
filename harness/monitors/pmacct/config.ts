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
    out.push({ key: (m[1] as string).toLowerCase(), line: i + 1, text: raw });
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

/**
 * The values the harness reads a meaning from: pmacctd logs an ERROR for `nfprobe_timeouts: tcp=-5` and runs on its
 * defaults, so a config test would judge the defaults while naming the config's value.
 */
function checkValues(lines: ConfigLine[], file: string): void {
  for (const l of lines) {
    const { value, valueCol } = valueOf(l);
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
    if (l.key === 'nfprobe_timeouts') {
      for (const item of timeoutItems(value)) {
        if (item.seconds === undefined) {
          fail(`"${preview(item.text)}" in nfprobe_timeouts`, `key=seconds items joined by ':' (tcp=3600:udp=300), keys ${[...NFPROBE_TIMEOUT_KEYS].join(', ')}, seconds a whole number of 1 or more`);
        }
      }
    }
  }
}

/** nfprobe_timeouts' `key=seconds` items: `seconds` undefined for an item pmacctd would reject (unknown key, not 1..C int). */
function timeoutItems(value: string): { text: string; key: string; seconds: number | undefined }[] {
  return value.split(':').map((text) => {
    const [key = '', seconds, extra] = text.split('=').map((part) => part.trim());
    const ok = NFPROBE_TIMEOUT_KEYS.has(key) && seconds !== undefined && extra === undefined && /^[1-9]\d*$/.test(seconds) && Number(seconds) <= C_INT_MAX;
    return { text, key, seconds: ok ? Number(seconds) : undefined };
  });
}

/** A line's value (after `key:`, without a trailing comment) and the 1-based column where it starts. */
function valueOf(l: ConfigLine): { value: string; valueCol: number } {
  const colon = l.text.indexOf(':');
  const after = l.text.slice(colon + 1);
  return { value: after.replace(/\s+[!#].*$/, '').trim(), valueCol: colon + 2 + (after.length - after.trimStart().length) };
}

/**
 * The knob values a cell ran with: the user's config's nfprobe_timeouts under `default` (a swept setting replaces
 * them whole) and its nfprobe_maxflows unless the setting sweeps a table limit. Keys as translatePmacct names them.
 */
export function pmacctKnobValuesWith(setting: { isDefault: boolean; limits?: { maxFlows?: number } }, values: Record<string, number>, userConfig: { file: string; text: string }): Record<string, number> {
  const inForce = { ...values };
  for (const l of parseLines(userConfig.text, userConfig.file)) {
    const { value } = valueOf(l);
    if (l.key === 'nfprobe_timeouts' && setting.isDefault) {
      for (const item of timeoutItems(value)) if (item.seconds !== undefined) inForce[`nfprobe_timeouts ${item.key}`] = item.seconds;
    }
    if (l.key === 'nfprobe_maxflows' && setting.limits?.maxFlows === undefined && /^\d+$/.test(value)) inForce.nfprobe_maxflows = Number(value);
  }
  return inForce;
}

function checkedLines(text: string, file: string): ConfigLine[] {
  const lines = parseLines(text, file);
  checkValues(lines, file);
  const plugins = lines.find((l) => l.key === 'plugins');
  if (plugins && !/\bnfprobe\b/.test(plugins.text.slice(plugins.text.indexOf(':') + 1))) {
    throw new InputError({ file, line: plugins.line, col: 1 }, `"${plugins.text.trim()}"`, 'plugins to include nfprobe (the harness reads NetFlow/IPFIX from it)');
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
  const plugins = lines.find((l) => l.key === 'plugins');
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
