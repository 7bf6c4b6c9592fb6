import { access, readFile, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import type { TimeoutProtocol, TimeoutSetting } from '../../core/timeout-setting.js';
import { nearMiss } from '../../core/near-miss.js';
import { InputError } from '../../core/input-error.js';
import { preview } from '../../core/text-lines.js';
import { which } from '../../executor/which.js';
import { detectBinary } from '../detect-binary.js';
import {
  MonitorFailure,
  type CellContext,
  type Detection,
  type EffectiveTimeouts,
  type Knob,
  type MonitorOutput,
  type Translation,
} from '../monitor-adapter.js';
import { RA_FIELDS, readRaCsv } from './parser.js';

export const ARGUS_INSTALL = 'apt-get install -y --no-install-recommends argus-server argus-client';

/**
 * argus documents 65534 s as the largest timeout, but with 65534 it never exits at the end of a pcap and ignores
 * SIGTERM (seen on 3.0.8.2: killed after 15 s); 32767 (a signed short) runs normally, so that is our ceiling.
 */
export const ARGUS_MAX_TIMEOUT_S = 32767;

/** Defaults of argus 3.0.8 when started with -X (no /etc/argus.conf, which would set a 5 s status interval). */
export const ARGUS_STATUS_INTERVAL_S = 60;

export const ARGUS_KNOBS: Knob[] = [
  {
    name: 'ARGUS_FLOW_STATUS_INTERVAL',
    appliesTo: 'status',
    defaultS: ARGUS_STATUS_INTERVAL_S,
    minS: 1,
    maxS: ARGUS_MAX_TIMEOUT_S,
    note: 'argv -S; a flow writes a status record this often (cause Status, same flow). argus drops an idle flow only '
      + 'after a status report has followed its last packet, so a gap must outlast the idle timeout plus up to one '
      + 'status interval before the flow is cut; harness keeps it at 60 s for every setting',
  },
  { name: 'ARGUS_TCP_TIMEOUT', appliesTo: 'tcp', defaultS: 60, minS: 1, maxS: ARGUS_MAX_TIMEOUT_S, note: 'documented maximum 65534 hangs argus at the end of a pcap' },
  { name: 'ARGUS_IP_TIMEOUT', appliesTo: 'udp', defaultS: 30, minS: 1, maxS: ARGUS_MAX_TIMEOUT_S, note: 'UDP and every IP protocol other than TCP and ICMP' },
  { name: 'ARGUS_ICMP_TIMEOUT', appliesTo: 'icmp', defaultS: 5, minS: 1, maxS: ARGUS_MAX_TIMEOUT_S, note: 'each echo request/reply pair is its own argus flow whatever the timeout (raw view)' },
  { name: 'ARGUS_OTHER_TIMEOUT', appliesTo: 'other', defaultS: 30, minS: 1, maxS: ARGUS_MAX_TIMEOUT_S, note: 'non-IP traffic; not swept' },
];

export const ARGUS_IDLE_KNOB: Record<TimeoutProtocol, string> = {
  tcp: 'ARGUS_TCP_TIMEOUT',
  udp: 'ARGUS_IP_TIMEOUT',
  icmp: 'ARGUS_ICMP_TIMEOUT',
};

/** Keys of a user's argus.conf that would make argus daemonize, capture live or write elsewhere: commented out. */
const NEUTRALIZED_KEYS = new Set([
  'ARGUS_DAEMON', 'ARGUS_OUTPUT_FILE', 'ARGUS_INTERFACE', 'ARGUS_ACCESS_PORT', 'ARGUS_BIND_IP', 'ARGUS_SET_PID',
  'ARGUS_PID_PATH', 'ARGUS_CHROOT_DIR', 'ARGUS_SETUSER_ID', 'ARGUS_SETGROUP_ID', 'ARGUS_MONITOR_ID',
]);

export const ARGUS_FILES = { argus: 'out.argus', raw: 'flows.raw.csv', merged: 'flows.merged.csv', config: 'argus.conf', input: 'input.pcap' } as const;

export async function detectArgus(env: NodeJS.ProcessEnv): Promise<Detection> {
  const found = await detectBinary(
    { envVar: 'HARNESS_ARGUS', commands: ['argus'], versionArgs: ['-h'], versionPattern: /Argus Version (\S+)/, install: ARGUS_INSTALL, anyExitCode: true },
    env,
  );
  if (!found.found) return found;
  // argus writes a binary file only its clients can read: without them there is nothing to score.
  for (const client of ['ra', 'racluster']) {
    if (!(await which(client, env))) {
      return { found: false, reason: `${client} (argus-client) not found on PATH`, install: ARGUS_INSTALL };
    }
  }
  return found;
}

/** argus's own default of a knob (ARGUS_KNOBS). */
export function argusDefaultOf(name: string): number {
  return ARGUS_KNOBS.find((k) => k.name === name)?.defaultS as number;
}

export function translateArgus(setting: TimeoutSetting): Translation {
  if (setting.active !== undefined) {
    return {
      supported: false,
      reason: 'argus has no active timeout: ARGUS_FLOW_STATUS_INTERVAL only cuts a long flow into status records of '
        + 'the same flow (cause Status), it never ends the flow',
    };
  }
  const values: Record<string, number> = { ARGUS_FLOW_STATUS_INTERVAL: ARGUS_STATUS_INTERVAL_S };
  const notes: string[] = [];
  for (const protocol of ['tcp', 'udp', 'icmp'] as const) {
    const knob = ARGUS_IDLE_KNOB[protocol];
    const given = setting.idle[protocol];
    if (given !== undefined) {
      if (given > ARGUS_MAX_TIMEOUT_S) {
        return {
          supported: false,
          reason: `${knob}=${given} is above ${ARGUS_MAX_TIMEOUT_S} s: argus documents 65534 but then never exits at `
            + `the end of a pcap (it ignores SIGTERM); ${ARGUS_MAX_TIMEOUT_S} is the largest value known to work`,
        };
      }
      if (!Number.isInteger(given)) {
        return { supported: false, reason: `${knob} takes whole seconds; ${given} s is not` };
      }
      values[knob] = given;
    } else {
      values[knob] = argusDefaultOf(knob);
      if (!setting.isDefault) notes.push(`${knob} left at its default ${values[knob]} s`);
    }
  }
  values.ARGUS_OTHER_TIMEOUT = argusDefaultOf('ARGUS_OTHER_TIMEOUT');
  if (setting.isDefault) notes.push('argus -X defaults: status interval 60 s, tcp 60 s, ip (udp) 30 s, icmp 5 s, other 30 s');
  if (setting.idle.udp !== undefined) notes.push('ARGUS_IP_TIMEOUT also applies to IP protocols other than TCP, UDP and ICMP');
  notes.push(
    `ARGUS_FLOW_STATUS_INTERVAL kept at ${ARGUS_STATUS_INTERVAL_S} s: a gap is cut only when it outlasts the idle timeout `
      + 'plus the wait for the next status report (up to one interval), and only when a later packet of any flow arrives',
  );
  return { supported: true, values, notes };
}

/**
 * Idle timeouts in force, for the ideal model. ICMP is left unknown: argus keys an echo flow on its sequence
 * number too, so in the raw view every request/reply pair is its own flow whatever ARGUS_ICMP_TIMEOUT says
 * (pings 1 s apart gave one Start each), while racluster joins them all; no idle timeout describes either.
 */
export function argusEffectiveTimeouts(setting: TimeoutSetting): EffectiveTimeouts {
  return {
    idleS: {
      tcp: setting.idle.tcp ?? argusDefaultOf('ARGUS_TCP_TIMEOUT'),
      udp: setting.idle.udp ?? argusDefaultOf('ARGUS_IP_TIMEOUT'),
    },
    activeS: null,
    statusIntervalS: ARGUS_STATUS_INTERVAL_S,
  };
}

/**
 * The `-F` file: our `KEY=value` lines alone, or a user's argus.conf with its daemon/output/interface lines
 * commented out and the swept keys appended (argus takes the last value of a repeated key; measured).
 * For the `default` setting with a user config, the user's own values stand and nothing is appended.
 */
/** The idle timeouts a setting sweeps: the only keys argusConfig appends after a user's own argus.conf. */
function sweptIdleKnobs(setting: TimeoutSetting): string[] {
  return setting.isDefault ? [] : (['tcp', 'udp', 'icmp'] as const).filter((p) => setting.idle[p] !== undefined).map((p) => ARGUS_IDLE_KNOB[p]);
}

export function argusConfig(setting: TimeoutSetting, values: Record<string, number>, userConfig?: { path: string; text: string }): string {
  const ours = (keys: string[]): string => keys.map((k) => `${k}=${values[k] as number}`).join('\n');
  if (!userConfig) {
    return `# written by harness for setting "${setting.label}"\n${ours(Object.keys(values))}\n`;
  }
  // argus reads a UTF-8 BOM as part of the first line's key and skips that line (measured: a BOM before
  // ARGUS_TCP_TIMEOUT=3600 ran the 60 s default), while every reader here trims it: argus gets the file without it.
  const lines = userConfig.text.replace(/^\uFEFF/, '').split('\n').map((line) => {
    const key = confEntry(line)?.key;
    return key !== undefined && NEUTRALIZED_KEYS.has(key) ? `# harness: reading a pcap, so not: ${line}` : line;
  });
  const swept = sweptIdleKnobs(setting);
  const tail = swept.length > 0 ? `\n# harness: setting "${setting.label}" on top of ${userConfig.path}\n${ours(swept)}\n` : '\n';
  return `${lines.join('\n').replace(/\n*$/, '')}${tail}`;
}

/** Every key argus 3.0.8.2 reads from argus.conf (its parser's table, read off the binary): a near miss is a typo. */
const ARGUS_CONFIG_KEYS: readonly string[] = [
  'ARGUS_ACCESS_PORT', 'ARGUS_ARP_TIMEOUT', 'ARGUS_BIND_IP', 'ARGUS_CAPTURE_DATA_LEN',
  'ARGUS_CAPTURE_FULL_CONTROL_DATA', 'ARGUS_CHROOT_DIR', 'ARGUS_COLLECTOR', 'ARGUS_DAEMON', 'ARGUS_DEBUG_LEVEL',
  'ARGUS_ENV', 'ARGUS_EVENT_DATA', 'ARGUS_FILTER', 'ARGUS_FILTER_OPTIMIZER', 'ARGUS_FLOW_KEY',
  'ARGUS_FLOW_STATUS_INTERVAL', 'ARGUS_FLOW_TYPE', 'ARGUS_FRAG_TIMEOUT', 'ARGUS_GENERATE_APPBYTE_METRIC',
  'ARGUS_GENERATE_BIDIRECTIONAL_TIMESTAMPS', 'ARGUS_GENERATE_JITTER_DATA', 'ARGUS_GENERATE_MAC_DATA',
  'ARGUS_GENERATE_PACKET_SIZE', 'ARGUS_GENERATE_RESPONSE_TIME_DATA', 'ARGUS_GENERATE_START_RECORDS',
  'ARGUS_GENERATE_TCP_PERF_METRIC', 'ARGUS_GO_PROMISCUOUS', 'ARGUS_ICMP_TIMEOUT', 'ARGUS_IGMP_TIMEOUT',
  'ARGUS_INTERFACE', 'ARGUS_IP_TIMEOUT', 'ARGUS_JITTER_HISTOGRAM', 'ARGUS_KEYSTROKE', 'ARGUS_KEYSTROKE_CONF',
  'ARGUS_MAR_STATUS_INTERVAL', 'ARGUS_MAX_SSF', 'ARGUS_MIN_SSF', 'ARGUS_MONITOR_ID', 'ARGUS_OTHER_TIMEOUT',
  'ARGUS_OUTPUT_FILE', 'ARGUS_OUTPUT_STREAM', 'ARGUS_PACKET_CAPTURE_FILE', 'ARGUS_PACKET_CAPTURE_ON_ERROR',
  'ARGUS_PCAP_BUF_SIZE', 'ARGUS_PID_PATH', 'ARGUS_SELF_SYNCHRONIZE', 'ARGUS_SETGROUP_ID', 'ARGUS_SETUSER_ID',
  'ARGUS_SET_PID', 'ARGUS_TCP_TIMEOUT', 'ARGUS_TRACK_DUPLICATES', 'ARGUS_TUNNEL_DISCOVERY',
];

/**
 * Keys that change what an argus record is, refused where its records could not be scored as connections (measured
 * on 3.0.8.2, quiet-300s): ARGUS_FLOW_KEY without CLASSIC_5_TUPLE wrote no flow (LAYER_2, VLAN, the MPLS keys: "flow
 * key is not correct") or flows without ports (the MATRIX keys: the raw view failed as "unrelated output: did the
 * monitor read another capture?", the merged view was empty, every connection "missed"); ARGUS_FLOW_TYPE Uni makes
 * each direction a flow of its own, scored as fragments of a connection that was never cut. argus reads both
 * case-insensitively by prefix (ArgusParseResourceFile: strncasecmp).
 */
const FLOW_SHAPE_KEYS: Record<string, { valid: (value: string) => boolean; expected: string }> = {
  ARGUS_FLOW_KEY: {
    valid: (value) => {
      const tokens = value.split(/[ +\t]+/).filter((t) => t !== '').map((t) => t.toUpperCase());
      return tokens.some((t) => t.startsWith('CLASSIC_5_TUPL')) && !tokens.some((t) => t.endsWith('_MATRIX'));
    },
    expected: 'a flow key with CLASSIC_5_TUPLE and no LAYER_2_MATRIX or LAYER_3_MATRIX ("CLASSIC_5_TUPLE", or "CLASSIC_5_TUPLE+VLAN"): '
      + 'harness scores records per connection (5-tuple)',
  },
  ARGUS_FLOW_TYPE: {
    valid: (value) => !/^uni/i.test(value),
    expected: 'ARGUS_FLOW_TYPE="Bidirectional" (or no line): a unidirectional argus reports each direction as a flow of its own, which harness would score as fragments',
  },
};

/**
 * An argus.conf as argus reads it: `KEY=value` lines, `#` comments. argus runs without a word on a file with a line
 * of prose or ARGUS_TCP_TIMEOUT=abc in it (measured), so we refuse them: every line must be a key and a value, and
 * the keys whose values we know (the timeouts and the status interval) must hold whole seconds within their limits.
 */
export function checkArgusConfig(file: string, text: string): void {
  const knobs = new Map(ARGUS_KNOBS.map((k) => [k.name, k]));
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const raw = lines[i] as string;
    const entry = confEntry(raw);
    if (entry === null) continue;
    const keyCol = raw.length - raw.trimStart().length + 1;
    if (entry === undefined) {
      throw new InputError({ file, line: i + 1, col: keyCol }, `"${preview(raw.trim())}"`, 'an argus.conf line KEY=value (ARGUS_TCP_TIMEOUT=3600), or a comment starting with #');
    }
    if (entry.spaced) {
      throw new InputError({ file, line: i + 1, col: keyCol }, `"${preview(raw.trim())}", a blank before "=" (argus reads a key only as ${entry.key}= and skips this line without a word, running on its default)`, `${entry.key}=${entry.value === '' ? 'VALUE' : entry.value}, with "=" right after the key`);
    }
    const shape = FLOW_SHAPE_KEYS[entry.key];
    if (shape !== undefined && !shape.valid(entry.value)) {
      throw new InputError({ file, line: i + 1, col: entry.valueCol }, `${entry.key} "${preview(entry.value)}"`, shape.expected);
    }
    const knob = knobs.get(entry.key);
    if (!knob) {
      const meant = nearMiss(entry.key, ARGUS_CONFIG_KEYS);
      if (meant !== undefined) {
        throw new InputError({ file, line: i + 1, col: keyCol }, `${entry.key}, a key argus does not read (it ignores it without a word and runs on its default)`, `${meant}, or a comment`);
      }
      continue;
    }
    const seconds = /^\d+$/.test(entry.value) ? Number(entry.value) : NaN;
    const min = knob.minS ?? 0;
    const max = knob.maxS ?? Number.MAX_SAFE_INTEGER;
    if (!(seconds >= min && seconds <= max)) {
      throw new InputError({ file, line: i + 1, col: entry.valueCol }, `${knob.name} "${preview(entry.value)}"`, `whole seconds from ${min} to ${max}${knob.maxS === ARGUS_MAX_TIMEOUT_S ? ' (argus hangs above)' : ''}`);
    }
  }
}

/**
 * One argus.conf line as the checker, the config merge and the notes all read it: null for a blank line or a
 * comment (`#` or `!`, as argus skips them), undefined for a line that is not KEY=value, else the key, the value
 * without quotes or a trailing comment, and the 1-based column where the value starts. `spaced` marks a line with
 * blanks before its `=`: argus 3.0.8 matches each key as `KEY=` (ArgusParseResourceFile, strncmp against
 * "ARGUS_TCP_TIMEOUT="), so it skips `ARGUS_TCP_TIMEOUT = 3600` without a word and runs on its default (measured on
 * 3.0.8.2: three records at 60 s where `ARGUS_TCP_TIMEOUT=3600` gave one).
 */
function confEntry(line: string): { key: string; value: string; valueCol: number; spaced: boolean } | null | undefined {
  const raw = line.replace(/\r$/, '');
  const trimmed = raw.trim();
  if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('!')) return null;
  const m = /^([A-Z][A-Z0-9_]*)(\s*)=\s*(.*)$/.exec(trimmed);
  if (!m) return undefined;
  const rest = m[3] as string;
  const indent = raw.length - raw.trimStart().length;
  // argus cuts an unquoted value at " //" (its embedded comment); atoi stops at the first blank anyway.
  const uncommented = rest.startsWith('"') ? rest : rest.replace(/[ \t]\/\/.*$/, '');
  return {
    key: m[1] as string,
    value: uncommented.replace(/\s+#.*$/, '').replace(/^"(.*)"$/, '$1').trim(),
    valueCol: indent + trimmed.length - rest.length + 1,
    spaced: (m[2] as string) !== '',
  };
}

/**
 * The knob values a cell ran with: the user's argus.conf for every knob, but the idle timeouts the setting sweeps
 * (argusConfig appends only those after the user's lines).
 */
export function argusKnobValuesWith(setting: TimeoutSetting, values: Record<string, number>, userConfig: { text: string }): Record<string, number> {
  const swept = new Set(sweptIdleKnobs(setting));
  const inForce = { ...values };
  for (const [key, value] of Object.entries(effectiveKnobs(userConfig.text))) if (!swept.has(key) && /^\d+$/.test(value)) inForce[key] = Number(value);
  return inForce;
}

/** The value each knob really has in a config text (last occurrence wins), for the notes. */
export function effectiveKnobs(configText: string): Record<string, string> {
  const found: Record<string, string> = {};
  const names = new Set(ARGUS_KNOBS.map((k) => k.name));
  for (const line of configText.split('\n')) {
    const entry = confEntry(line);
    // A spaced `KEY = value` line is one argus skips (confEntry).
    if (entry && !entry.spaced && names.has(entry.key)) found[entry.key] = entry.value;
  }
  return found;
}

/** ra and racluster print the same fields; `-u -p 6` gives epoch seconds with microseconds, `- not man` drops
 * argus' own management records, which carry wall-clock times. */
export function raArgv(client: string, argusFile: string): string[] {
  return [client, '-r', argusFile, '-n', '-u', '-p', '6', '-L', '-1', '-c', ',', '-s', ...RA_FIELDS, '-', 'not', 'man'];
}

async function resolveClient(ctx: CellContext, name: string): Promise<string> {
  const found = await ctx.which(name);
  if (!found) throw new MonitorFailure(`${name} (argus-client) not found on PATH: ${ARGUS_INSTALL}`, null, undefined, '', false);
  return found;
}

export async function runArgus(ctx: CellContext): Promise<MonitorOutput> {
  const notes: string[] = [];
  const userConfig = ctx.userConfig ? { path: ctx.userConfig, text: await readFile(ctx.userConfig, 'utf8') } : undefined;
  const configText = argusConfig(ctx.setting, ctx.knobValues, userConfig);
  const configFile = await ctx.writeConfig(ARGUS_FILES.config, configText);
  if (userConfig) {
    const effective = Object.entries(effectiveKnobs(configText)).map(([k, v]) => `${k}=${v}`).join(', ');
    notes.push(`user config ${userConfig.path} used with -F${ctx.setting.isDefault ? ' as is' : ', swept keys appended'}; effective: ${effective || 'argus -X defaults'}`);
  }
  const argusFile = path.join(ctx.workDir, ARGUS_FILES.argus);
  // -w appends to an existing file, which would mix two runs.
  await rm(argusFile, { force: true });
  // argus splits its -r argument on spaces (a run folder or pcap with a space in its path: "input file '/tmp/my':
  // No such file", exit 0), so it reads a link with a plain name, relative to the cell folder it runs in.
  await rm(path.join(ctx.workDir, ARGUS_FILES.input), { force: true });
  await symlink(ctx.pcap, path.join(ctx.workDir, ARGUS_FILES.input));
  const argusRun = await ctx.exec([ctx.binary, '-X', '-F', path.basename(configFile), '-r', ARGUS_FILES.input, '-w', ARGUS_FILES.argus], { cwd: ctx.workDir });
  if (!(await access(argusFile).then(() => true, () => false))) {
    throw new MonitorFailure(`argus exited 0 but wrote no ${ARGUS_FILES.argus}`, 0, undefined, argusRun.stderr, false);
  }
  return readArgusFile(ctx, argusFile, notes, 'argus exited 0', argusRun.stderr);
}

/** ra's argv listing the management records (MARs) of an argus file, one cause (Start, Status, Stop) a line. */
function marArgv(ra: string, argusFile: string): string[] {
  return [ra, '-r', argusFile, '-n', '-L', '-1', '-c', ',', '-s', 'cause', '-', 'man'];
}

/**
 * argus opens its file with a Start management record and closes it with a Stop one when it ends cleanly. A file
 * cut short (the disk filled, a write lost) still reads, record by record, up to the cut, and ra exits 0 on it with
 * the usual `not man` filter: scored, the records lost would be "missed" or "inaccurate" at exit 0. Without its Stop
 * record the output is incomplete (ra exits 1 on such a file when asked for the management records: accepted, since
 * the records it printed are what is judged). Live, argus is stopped by a signal and still closes its file with
 * one (the ordered-shutdown shim makes that shutdown orderly); `ended` says how it ended, for the reason.
 */
async function requireClosingMar(ctx: CellContext, ra: string, argusFile: string, ended: string): Promise<void> {
  const listed = await ctx.exec(marArgv(ra, path.basename(argusFile)), { cwd: ctx.workDir, okExitCodes: [0, 1], readsOutput: true });
  const causes = listed.stdout.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  if (causes.at(-1) === 'Stop') return;
  const seen = causes.length === 0 ? 'none' : causes.slice(-3).join(', ');
  throw new MonitorFailure(
    `output incomplete: ${ended} but ${ARGUS_FILES.argus} lacks its closing management record (Stop; its last ones: ${seen}): cut short (disk full?)`,
    0, undefined, listed.stderr.slice(-2000), false);
}

/**
 * The two views of an argus file: raw records (ra) and merged per directed 5-tuple (racluster), once the file is
 * known to be whole (requireClosingMar; `ended` says how argus ended, for its reason). `argusSaid` is what argus
 * wrote on stderr: when its file holds no flow record, that is the cause to show.
 */
export async function readArgusFile(ctx: CellContext, argusFile: string, notes: string[], ended: string, argusSaid = ''): Promise<MonitorOutput> {
  const ra = await resolveClient(ctx, 'ra');
  const racluster = await resolveClient(ctx, 'racluster');
  // ra exits 1, saying nothing, when no record passes its filter ("not man"): argus wrote none, only its management
  // records (a link type it cannot read: "unsupported device type 276", exit 0; a pcapng of several link types). The
  // cell failed as "ra failed: exit status 1", blaming ra, and argus's own words were not in the reason.
  const listed = await ctx.exec(raArgv(ra, argusFile), { cwd: ctx.workDir, stdoutFile: ARGUS_FILES.raw, readsOutput: true, okExitCodes: [0, 1] });
  if (listed.exitCode === 1) {
    // ra says nothing of a file it cannot decode either: a file that is argus's lists its management records unfiltered.
    const unfiltered = listed.stderr.trim() !== '' ? undefined
      : await ctx.exec([ra, '-r', argusFile, '-n', '-c', ',', '-s', 'stime'], { cwd: ctx.workDir, okExitCodes: [0, 1] });
    if (unfiltered === undefined || unfiltered.exitCode !== 0 || unfiltered.stdout.trim() === '') {
      throw new MonitorFailure(`${path.basename(ra)} failed: exit status 1`, 1, undefined, listed.stderr, false);
    }
    // argus's stderr follows as the reason's tail.
    throw new MonitorFailure(
      `argus wrote no flow records (${path.basename(ra)} found none in ${ARGUS_FILES.argus})${argusSaid.trim() === '' ? ' and said nothing on stderr' : ''}`,
      1, undefined, argusSaid, false,
    );
  }
  await ctx.exec(raArgv(racluster, argusFile), { cwd: ctx.workDir, stdoutFile: ARGUS_FILES.merged, readsOutput: true });
  const raw = await readRaCsv(path.join(ctx.workDir, ARGUS_FILES.raw), 'raw', ARGUS_FILES.raw);
  const merged = await readRaCsv(path.join(ctx.workDir, ARGUS_FILES.merged), 'merged', ARGUS_FILES.merged);
  // racluster merges what ra lists: none of it back means it could not key the records (a flow key without the
  // 5-tuple), and scored, the merged view was an "ok" cell with every connection missed.
  if (raw.length > 0 && merged.length === 0) {
    throw new MonitorFailure(`${path.basename(racluster)} wrote no record while ${path.basename(ra)} listed ${raw.length} from ${ARGUS_FILES.argus}`, 0, undefined, '', false);
  }
  notes.push('raw: argus records (cause Start opens a flow, Status continues it); merged: racluster, one record per directed 5-tuple '
    + '(a fragment whose first packet came from the server keeps its swapped direction and stays separate)');
  // Checked last: a file argus gave up on (a link type it cannot read) lacks its Stop record too, and its cause is
  // argus's own words, which the "no flow records" failure carries.
  await requireClosingMar(ctx, ra, argusFile, ended);
  return { views: { raw, merged }, rawFiles: [ARGUS_FILES.argus, ARGUS_FILES.raw, ARGUS_FILES.merged], notes };
}
