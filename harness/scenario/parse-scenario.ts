import { basename } from 'node:path';
import { LineCounter, type ParsedNode } from 'yaml';
import { formatDuration, roundMicros } from '../core/duration.js';
import type {
  Activity,
  ClockFlow,
  ConnectionSpec,
  Endpoint,
  EndpointRange,
  Keepalive,
  PatternActivity,
  Protocol,
  Scenario,
  Sentinel,
  TimelineActivity,
  TimelineEvent,
} from './scenario.js';
import { ENDPOINT_EXAMPLES, isEndpointProblem, parseEndpointText, rangeSize, type ParsedEndpointText } from './endpoint-text.js';
import { activityEndS, activityStartS, closestBurstApproach, burstLengthS, eventLengthS, jitterWords } from './exchange-timing.js';
import { expandConnections } from './expand-connections.js';
import { ipToBigInt, ipVersion, formatEndpoint } from '../core/ip-address.js';
import { YamlReader, type Fields } from './yaml-reader.js';
import { readFastYaml } from './fast-yaml.js';
import { readYamlDocument, type YamlFileKind } from './yaml-document.js';

/** What the `yaml` package's messages (for any document readFastYaml declines) ask for instead. */
const SCENARIO_YAML: YamlFileKind = {
  nested: 'a scenario nested a few levels deep, as in docs/scenario-language.md',
  wellFormed: (line) => (ipv6Suspect(line) ? 'well-formed YAML; an IPv6 endpoint with a port must be quoted, e.g. client: "[2001:db8::10]:40000"' : 'well-formed YAML'),
};

/**
 * Whether a line the `yaml` package could not read may hold an unquoted IPv6 endpoint: a "[" (YAML reads
 * `[2001:db8::10]:443` as a flow list followed by text), or outside quotes an IPv6-looking value (a "::", or five
 * or more colon-separated hex groups).
 */
function ipv6Suspect(line: string): boolean {
  const unquoted = line.replace(/"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'/g, '""');
  return unquoted.includes('[') || /[0-9a-f]*::|[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){4,}/i.test(unquoted);
}
import { isCalendarTime, isoToMicros } from '../core/time-text.js';
import { connectionEndS, PCAP_LAST_US, quietPeriodsOfCopy } from './scenario-extent.js';

/** 2023-11-14 22:13:20 UTC, the first packet of the reference captures. */
export const DEFAULT_START_S = 1_700_000_000;
export const DEFAULTS = {
  seed: 1,
  startS: DEFAULT_START_S,
  timestampResolution: 'us',
  quietThresholdS: 30,
  rttS: 0.02,
  close: 'none',
  mss: 1460,
  count: 1,
  staggerS: 1,
  icmpId: 0x1234,
  exchangesPerBurst: 1,
  jitterS: 0,
  clockIntervalS: 30,
  clockPayloadBytes: 32,
  keepaliveStyle: 'zero-byte',
} as const;
/** Unused documentation addresses, so the background flows never collide with a scenario's own. */
export const DEFAULT_CLOCK_ENDPOINTS = { client: { addr: '192.0.2.250', port: 50000 }, server: { addr: '198.51.100.250', port: 50000 } };
export const DEFAULT_SENTINEL_ENDPOINTS = { client: { addr: '192.0.2.251', port: 50001 }, server: { addr: '198.51.100.251', port: 50001 } };

/** One UDP or ICMP payload must fit one 65535-byte frame with Ethernet, VLAN, IPv6 and UDP headers (no IP fragments). */
export const MAX_DATAGRAM_PAYLOAD = 65535 - 14 - 4 - 40 - 8;
/** Guards memory: the generator keeps every connection's truth in memory. */
export const MAX_CONNECTIONS = 1_000_000;
/**
 * Guards memory too: the generator keeps every quiet period of the truth in memory until the truth is written, and
 * nothing counted them (the pcap-size guard counts packets, tens of bytes of pcap each, while a quiet period costs
 * 150 to 450 bytes of memory): past V8's heap the generator died and left a pcap without its truth, and a .tmp.
 * Measured peak RSS of harness generate (/usr/bin/time -v): one UDP connection with 2,000,000 quiet periods 976 MB
 * (2,500,000: 1.07 GB; 4,000,000: 1.43 GB), the worst case; 20,000 connections with 2,000,000 in all 416 MB. A
 * million connections cost 0.6 to 1.4 GB on their own (how many are open at once), with or without quiet periods:
 * that is MAX_CONNECTIONS's to bound.
 */
export const MAX_QUIET_PERIODS = 2_000_000;
const MAX_BYTES = 1_000_000_000;
const RESERVED_IDS = ['clock', 'sentinel'];
/** A scenario's name (and a capture's, made of its file name): it becomes a folder and file names in the run folder. */
export const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** A file name holds 255 bytes; the longest one made of a scenario's name adds ".truth.conn.log.tmp". */
export const MAX_NAME_CHARS = 200;

const TOP_KEYS = ['name', 'description', 'seed', 'start', 'timestamp_resolution', 'quiet_threshold', 'clock', 'sentinel', 'connections'];
const CONNECTION_KEYS: Record<Protocol, readonly string[]> = {
  tcp: ['id', 'protocol', 'client', 'server', 'vlan', 'start', 'rtt', 'open', 'close', 'mss', 'hold', 'keepalive', 'count', 'stagger', 'spread', 'activity'],
  udp: ['id', 'protocol', 'client', 'server', 'vlan', 'start', 'rtt', 'open', 'close', 'count', 'stagger', 'spread', 'activity'],
  icmp: ['id', 'protocol', 'client', 'server', 'vlan', 'start', 'rtt', 'open', 'close', 'icmp_id', 'count', 'stagger', 'spread', 'activity'],
};
const PROTOCOL_ONLY_KEYS: Record<string, string> = {
  mss: 'tcp only',
  hold: 'tcp only: it holds the connection open for a close or keepalives',
  keepalive: 'tcp only',
  icmp_id: 'icmp only',
};

/** Parses and validates scenario YAML. `file` is used in messages and kept in the Scenario. Pure: no I/O. */
export function parseScenario(text: string, file: string): Scenario {
  const lines = new LineCounter();
  const doc = readFastYaml(text, lines) ?? readYamlDocument(text, file, lines, SCENARIO_YAML);
  const r = new YamlReader(file, text, lines, doc);
  const root = doc.contents as ParsedNode | null;
  if (root === null || r.scalarValue(root) === null) {
    r.fail(root, 'an empty document', 'a scenario map with at least connections: [...]');
  }
  const top = r.map(root, 'the scenario', 'name: burst-20min');
  top.allowOnly(TOP_KEYS);

  const defaultName = basename(file).replace(/\.ya?ml$/i, '');
  const nameNode = top.optional('name', 'a name such as burst-20min');
  const name = nameNode ? r.string(nameNode, 'name', 'a name of letters, digits, ".", "_" and "-"') : defaultName;
  if (!NAME.test(name)) {
    r.fail(nameNode, `name "${name}"${nameNode ? '' : ' (the file name, as the scenario has no name: key)'}`, 'a name of letters, digits, ".", "_" and "-" that starts with a letter or digit (it becomes a file name)');
  }
  // The name becomes <name>.truth.conn.log (and a .tmp beside it while written): a longer name failed only once the
  // output folder existed, with the file system's ENAMETOOLONG, after a partial output was made.
  if (name.length > MAX_NAME_CHARS) {
    r.fail(nameNode, `a name of ${name.length} characters${nameNode ? '' : ` (the file name, as the scenario has no name: key)`}`, `a name of at most ${MAX_NAME_CHARS} characters (it becomes a file name)`);
  }
  const descNode = top.optional('description', 'a sentence');
  const description = descNode
    ? r.string(descNode, 'description', 'text')
    : leadingComment(text);

  const seedNode = top.get('seed');
  const seed = seedNode === undefined ? DEFAULTS.seed : r.integer(top.at('seed'), 'seed', 0, 0xffffffff);
  const startUs = top.has('start') ? parseStart(r, top.at('start')) : DEFAULTS.startS * 1e6;
  const timestampResolution = top.has('timestamp_resolution')
    ? r.oneOf(top.at('timestamp_resolution'), 'timestamp_resolution', ['us', 'ns'] as const)
    : DEFAULTS.timestampResolution;
  const quietThresholdS = top.has('quiet_threshold')
    ? r.duration(top.at('quiet_threshold'), 'quiet_threshold', true, true)
    : DEFAULTS.quietThresholdS;

  const clock = top.has('clock') ? parseClock(r, top.at('clock')) : undefined;
  const sentinel = top.has('sentinel') ? parseSentinel(r, top.at('sentinel')) : undefined;

  const connNodes = r.list(top.required('connections', 'a list of connections'), 'connections', '[{ id: c1, protocol: tcp, ... }]');
  if (connNodes.length === 0) r.fail(top.at('connections'), 'an empty list of connections', 'at least one connection');
  const connections = connNodes.map((n) => parseConnection(r, n));

  checkUnique(r, top, connNodes, connections, clock, sentinel);
  checkQuietPeriods(r, top, connNodes, connections, quietThresholdS);
  checkFitsPcapTime(r, top, connNodes, connections, startUs, sentinel);
  const scenario: Scenario = { name, description, file, seed, startUs, timestampResolution, quietThresholdS, connections };
  if (clock) scenario.clock = clock;
  if (sentinel) scenario.sentinel = sentinel;
  return scenario;
}


/**
 * A copy whose client endpoint is the server's own (192.0.2.10:443 to 192.0.2.10:443; for icmp, one address on both
 * sides): its two directions cannot be told apart, so a monitor keys both as one side and the truth's per-direction
 * packets and bytes describe something no capture can show. It was generated and scored at exit 0.
 */
function checkClientIsNotServer(r: YamlReader, clientNode: ParsedNode, spec: ConnectionSpec, protocol: Protocol): void {
  const server = ipToBigInt(spec.server.addr);
  const from = ipToBigInt(spec.client.addrFrom);
  const to = ipToBigInt(spec.client.addrTo);
  if (server < from || server > to) return;
  const ports = protocol === 'icmp' ? 1 : spec.client.portTo - spec.client.portFrom + 1;
  const portIndex = protocol === 'icmp' ? 0 : spec.server.port - spec.client.portFrom;
  if (portIndex < 0 || portIndex >= ports) return;
  const copy = (server - from) * BigInt(ports) + BigInt(portIndex);
  if (copy >= BigInt(spec.count)) return;
  const endpoint = protocol === 'icmp' ? spec.server.addr : `${spec.server.addr.includes(':') ? `[${spec.server.addr}]` : spec.server.addr}:${spec.server.port}`;
  r.fail(
    clientNode,
    `client ${endpoint}${spec.count > 1 ? ` (copy ${copy})` : ''}, the server's own ${protocol === 'icmp' ? 'address' : 'endpoint'}`,
    `a client ${protocol === 'icmp' ? 'address' : 'endpoint'} other than the server's (a connection to itself has no direction a monitor can tell)`,
  );
}

/**
 * Classic pcap keeps seconds in 32 bits: a packet after 2106-02-07T06:28:15Z would wrap to 1970 and every monitor
 * would read a different capture than the truth describes. Refused at the part of the scenario that reaches past it.
 */
function checkFitsPcapTime(r: YamlReader, top: Fields, connNodes: ParsedNode[], connections: ConnectionSpec[], startUs: number, sentinel: Sentinel | undefined): void {
  const expected = 'every packet by 2106-02-07T06:28:15Z, the last second classic pcap can hold (32-bit seconds): an earlier start or shorter times';
  let lastEndS = 0;
  connections.forEach((spec, i) => {
    const endS = connectionEndS(spec);
    lastEndS = Math.max(lastEndS, endS);
    if (startUs + endS * 1e6 <= PCAP_LAST_US) return;
    const f = r.map(connNodes[i], 'a connection', '{ id: c1, ... }');
    const staggerS = spec.staggerS * Math.max(0, spec.count - 1);
    const parts: [key: string, seconds: number][] = [['start', spec.startS], ['stagger', staggerS], ['activity', activityEndS(spec)], ['hold', spec.holdS ?? 0]];
    const [key] = parts.filter(([k]) => f.has(k)).reduce((a, b) => (b[1] > a[1] ? b : a), ['', -1] as [string, number]);
    r.fail(f.has(key) ? f.keyNode(key) : connNodes[i], `connection ${spec.id} sending until ${pcapTimeText(startUs + endS * 1e6)}`, expected);
  });
  if (sentinel !== undefined && startUs + (lastEndS + sentinel.afterS) * 1e6 > PCAP_LAST_US) {
    r.fail(top.keyNode('sentinel'), `a sentinel at ${pcapTimeText(startUs + (lastEndS + sentinel.afterS) * 1e6)}`, expected);
  }
}

function pcapTimeText(us: number): string {
  const ms = Math.floor(us / 1000);
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z') : 'a time past the year 275760';
}

/** The comment block a bundled scenario begins with (what it tests and why) serves as its description. */
function leadingComment(text: string): string {
  const words: string[] = [];
  // Line by line up to the first that is not a comment: the text may be a 50 MB list of connections.
  for (let start = 0, end = 0; end !== text.length; start = end + 1) {
    end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const t = text.slice(start, end).trim();
    if (t === '' && words.length === 0) continue;
    if (!t.startsWith('#')) break;
    words.push(t.replace(/^#+\s?/, '').trim());
  }
  return words.filter((w) => w !== '').join(' ');
}


/** ISO 8601 with a zone (`2023-11-14T22:13:20Z`, fractions to 1 µs), or epoch seconds. */
function parseStart(r: YamlReader, node: ParsedNode): number {
  const value = r.scalarValue(node);
  const expected = 'a UTC time such as 2023-11-14T22:13:20Z, or epoch seconds such as 1700000000 (0..4294967295, classic pcap)';
  let us: number | undefined;
  if (typeof value === 'number' && Number.isFinite(value)) us = Math.round(value * 1e6);
  else if (typeof value === 'string') {
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(Z|[+-]\d\d:\d\d)$/.exec(value.trim());
    if (m && !isCalendarTime(m[1] as string)) r.fail(node, `start ${r.describe(node)}, a date or time that does not exist`, `a real UTC time such as 2023-11-14T22:13:20Z (months 01..12, days within the month, hours 00..23)`);
    if (m) us = isoToMicros(value.trim());
  }
  if (us === undefined || us < 0 || us > 0xffffffff * 1e6) r.fail(node, `start ${r.describe(node)}`, expected);
  return us;
}

/** An endpoint with a port and without ranges: a server, or a background flow's side. */
function singleEndpoint(r: YamlReader, node: ParsedNode, what: string, needPort: boolean): { endpoint: Endpoint; parsed: ParsedEndpointText } {
  const parsed = endpointText(r, node, what);
  const { range } = parsed;
  if (range.addrFrom !== range.addrTo || range.portFrom !== range.portTo) {
    r.fail(node, `a range as ${what} ${r.describe(node)}`, `one endpoint, e.g. ${ENDPOINT_EXAMPLES} (only a client may be a range)`);
  }
  if (needPort && !parsed.hasPort) r.fail(node, `${what} ${r.describe(node)} without a port`, `an address and port, e.g. ${ENDPOINT_EXAMPLES}`);
  return { endpoint: { addr: range.addrFrom, port: range.portFrom }, parsed };
}

function endpointText(r: YamlReader, node: ParsedNode, what: string): ParsedEndpointText {
  const value = r.scalarValue(node);
  if (typeof value !== 'string') {
    r.fail(node, `${r.describe(node)} as ${what}`, `an endpoint in quotes-safe text, e.g. ${ENDPOINT_EXAMPLES}`);
  }
  const parsed = parseEndpointText(value);
  if (isEndpointProblem(parsed)) r.fail(node, parsed.found, parsed.expected);
  return parsed;
}

function sameFamily(r: YamlReader, node: ParsedNode, a: string, b: string, what: string): void {
  if (ipVersion(a) !== ipVersion(b)) {
    r.fail(node, `${what} ${b} (IPv${ipVersion(b)}) with client ${a} (IPv${ipVersion(a)})`, 'client and server in the same IP version');
  }
}

function vlan(r: YamlReader, node: ParsedNode): number {
  return r.integer(node, 'VLAN id', 1, 4094);
}

function parseClock(r: YamlReader, node: ParsedNode): ClockFlow {
  const clock: ClockFlow = { intervalS: DEFAULTS.clockIntervalS, ...structuredClone(DEFAULT_CLOCK_ENDPOINTS), payloadBytes: DEFAULTS.clockPayloadBytes };
  if (r.scalarValue(node) !== undefined) {
    clock.intervalS = r.duration(node, 'clock interval', true, true);
    return clock;
  }
  const f = r.map(node, 'clock', '{ every: 30s }');
  f.allowOnly(['every', 'client', 'server', 'payload', 'vlan']);
  if (f.has('every')) clock.intervalS = r.duration(f.required('every', 'a duration such as 30s'), 'clock interval', true, true);
  backgroundEndpoints(r, f, clock, 'clock');
  if (f.has('payload')) clock.payloadBytes = r.integer(f.required('payload', 'bytes'), 'payload', 0, MAX_DATAGRAM_PAYLOAD);
  if (f.has('vlan')) clock.vlan = vlan(r, f.required('vlan', 'a VLAN id in 1..4094'));
  return clock;
}

function parseSentinel(r: YamlReader, node: ParsedNode): Sentinel {
  const sentinel: Sentinel = { afterS: 0, ...structuredClone(DEFAULT_SENTINEL_ENDPOINTS) };
  if (r.scalarValue(node) !== undefined) {
    sentinel.afterS = r.duration(node, 'sentinel delay', true);
    return sentinel;
  }
  const f = r.map(node, 'sentinel', '{ after: 25m }');
  f.allowOnly(['after', 'client', 'server', 'vlan']);
  sentinel.afterS = r.duration(f.required('after', 'a duration such as 25m'), 'sentinel delay', true);
  backgroundEndpoints(r, f, sentinel, 'sentinel');
  if (f.has('vlan')) sentinel.vlan = vlan(r, f.required('vlan', 'a VLAN id in 1..4094'));
  return sentinel;
}

function backgroundEndpoints(r: YamlReader, f: Fields, target: { client: Endpoint; server: Endpoint }, what: string): void {
  if (f.has('client')) target.client = singleEndpoint(r, f.required('client', ENDPOINT_EXAMPLES), `${what} client`, true).endpoint;
  if (f.has('server')) {
    const serverNode = f.required('server', ENDPOINT_EXAMPLES);
    target.server = singleEndpoint(r, serverNode, `${what} server`, true).endpoint;
    sameFamily(r, serverNode, target.client.addr, target.server.addr, `${what} server`);
  } else if (f.has('client')) {
    sameFamily(r, f.at('client'), target.server.addr, target.client.addr, `${what} client`);
  }
  // As checkClientIsNotServer for a connection: a flow to itself has no direction, and was generated at exit 0.
  const { client, server } = target;
  if ((f.has('client') || f.has('server')) && client.port === server.port && ipToBigInt(client.addr) === ipToBigInt(server.addr)) {
    const side = f.has('client') ? 'client' : 'server';
    r.fail(
      f.at(side),
      `${what} ${side} ${showEndpoint(target[side])}, the ${what} ${side === 'client' ? 'server' : 'client'}'s own endpoint${f.has(side === 'client' ? 'server' : 'client') ? '' : ' (its default)'}`,
      `a ${what} client other than its server (a flow to itself has no direction a monitor can tell)`,
    );
  }
}

function parseConnection(r: YamlReader, node: ParsedNode): ConnectionSpec {
  const f = r.map(node, 'a connection', '{ id: c1, protocol: tcp, client: 192.0.2.10:40000, server: 198.51.100.20:443, activity: ... }');
  const protocol = r.oneOf(f.required('protocol', 'tcp, udp or icmp'), 'protocol', ['tcp', 'udp', 'icmp'] as const);
  f.allowOnly(CONNECTION_KEYS[protocol], (key) => (key in PROTOCOL_ONLY_KEYS ? `${PROTOCOL_ONLY_KEYS[key]}, not ${protocol}` : undefined));

  const idNode = f.required('id', 'a name such as c2');
  const id = r.string(idNode, 'id', 'an id of letters, digits, ".", "_" and "-"');
  if (!NAME.test(id)) r.fail(idNode, `id "${id}"`, 'an id of letters, digits, ".", "_" and "-" that starts with a letter or digit ("#" is kept for copies)');
  if (RESERVED_IDS.includes(id)) r.fail(idNode, `id "${id}"`, `an id other than ${RESERVED_IDS.join(' and ')} (reserved for the background flows)`);

  const clientNode = f.required('client', ENDPOINT_EXAMPLES);
  const client = endpointText(r, clientNode, 'client');
  const serverNode = f.required('server', ENDPOINT_EXAMPLES);
  const server = singleEndpoint(r, serverNode, 'server', false);
  if (protocol === 'icmp') {
    for (const [n, p] of [[clientNode, client], [serverNode, server.parsed]] as const) {
      if (p.hasPort) r.fail(n, `an icmp endpoint with a port ${r.describe(n)}`, 'an address only (icmp has no ports; set icmp_id for the echo identifier)');
    }
  } else {
    for (const [n, p, what] of [[clientNode, client, 'client'], [serverNode, server.parsed, 'server']] as const) {
      if (!p.hasPort) r.fail(n, `${protocol} ${what} ${r.describe(n)} without a port`, `an address and port, e.g. ${ENDPOINT_EXAMPLES}`);
    }
  }
  sameFamily(r, serverNode, client.range.addrFrom, server.endpoint.addr, 'server');

  const rttS = f.has('rtt') ? r.duration(f.required('rtt', 'a duration such as 20ms'), 'rtt', true) : DEFAULTS.rttS;
  const openDefault = protocol === 'tcp' ? 'handshake' : 'none';
  const openValues = protocol === 'tcp' ? (['handshake', 'midstream'] as const) : (['none'] as const);
  const noHandshake = `none (${protocol} has no handshake; handshake and midstream are for tcp)`;
  const open = f.has('open')
    ? r.oneOf(f.required('open', openValues.join(' or ')), 'open', openValues, protocol === 'tcp' ? undefined : noHandshake)
    : openDefault;
  const closeValues = protocol === 'tcp' ? (['fin', 'rst', 'none'] as const) : (['none'] as const);
  const close = f.has('close')
    ? r.oneOf(f.required('close', closeValues.join(' or ')), 'close', closeValues, protocol === 'tcp' ? undefined : `none (${protocol} has no close; fin and rst are for tcp)`)
    : DEFAULTS.close;

  const spec: ConnectionSpec = {
    id,
    protocol,
    client: client.range,
    server: server.endpoint,
    startS: f.has('start') ? r.duration(f.required('start', 'a duration such as 0s'), 'start', false) : 0,
    rttS,
    open,
    close,
    mss: f.has('mss') ? r.integer(f.required('mss', 'bytes in 64..9000'), 'MSS', 64, 9000) : DEFAULTS.mss,
    icmpId: f.has('icmp_id') ? r.integer(f.required('icmp_id', 'a number such as 0x1234'), 'icmp_id', 0, 0xffff) : DEFAULTS.icmpId,
    activity: { kind: 'timeline', events: [] },
    count: f.has('count') ? r.integer(f.required('count', 'a whole number'), 'count', 1, MAX_CONNECTIONS) : DEFAULTS.count,
    staggerS: f.has('stagger') ? r.duration(f.required('stagger', 'a duration such as 1s'), 'stagger', false) : DEFAULTS.staggerS,
  };
  if (f.has('spread')) {
    // Load is written as "N connections opening over D": copy i starts at start + i × D / N.
    if (f.has('stagger')) r.fail(f.at('spread'), 'both stagger and spread', 'one of them: stagger (between copies) or spread (over all copies)');
    const spreadS = r.duration(f.required('spread', 'a duration such as 10m'), 'spread', false);
    spec.staggerS = roundMicros(spreadS / spec.count);
  }
  if (f.has('vlan')) spec.vlan = vlan(r, f.required('vlan', 'a VLAN id in 1..4094'));

  const size = rangeSize(client.range);
  if (BigInt(spec.count) > size) {
    const addrs = rangeSize({ ...client.range, portFrom: 0, portTo: 0 });
    const ports = client.range.portTo - client.range.portFrom + 1;
    r.fail(
      f.has('count') ? f.at('count') : clientNode,
      `count ${spec.count}`,
      `at most ${size} (the client range ${r.describe(clientNode)} holds ${addrs} address${addrs === 1n ? '' : 'es'} × ${ports} port${ports === 1 ? '' : 's'})`,
    );
  }
  checkClientIsNotServer(r, clientNode, spec, protocol);
  if (protocol === 'icmp' && spec.icmpId + spec.count - 1 > 0xffff) {
    r.fail(f.at(f.has('count') ? 'count' : 'icmp_id'), `count ${spec.count} from icmp_id ${spec.icmpId}`, `copies whose echo identifiers (icmp_id + copy) stay within 0..65535`);
  }

  spec.activity = parseActivity(r, f.required('activity', '{ pattern: {...} } or { timeline: [...] }'), spec);

  if (f.has('hold')) {
    const holdNode = f.required('hold', 'a duration such as 6h');
    spec.holdS = r.duration(holdNode, 'hold', true);
    const end = activityEndS(spec);
    if (spec.holdS < end) r.fail(holdNode, `hold ${formatDuration(spec.holdS)}, ending before the activity does (${formatDuration(end)})`, `a hold of at least ${formatDuration(end)}`);
  }
  if (f.has('keepalive')) {
    const kaNode = f.required('keepalive', '{ every: 2h, style: zero-byte }');
    spec.keepalive = parseKeepalive(r, kaNode);
    if (spec.holdS === undefined) r.fail(kaNode, 'keepalive without hold', 'hold: DURATION beside keepalive (keepalives fill the time the hold adds)');
  }
  return spec;
}

function parseKeepalive(r: YamlReader, node: ParsedNode): Keepalive {
  if (r.scalarValue(node) !== undefined) return { intervalS: r.duration(node, 'keepalive interval', true), style: DEFAULTS.keepaliveStyle };
  const f = r.map(node, 'keepalive', '{ every: 2h, style: zero-byte }');
  f.allowOnly(['every', 'style']);
  return {
    intervalS: r.duration(f.required('every', 'a duration such as 2h'), 'keepalive interval', true),
    style: f.has('style') ? r.oneOf(f.required('style', 'zero-byte or one-byte'), 'keepalive style', ['zero-byte', 'one-byte'] as const) : DEFAULTS.keepaliveStyle,
  };
}

type ActivityContext = Pick<ConnectionSpec, 'protocol' | 'open' | 'rttS' | 'mss'>;

function parseActivity(r: YamlReader, node: ParsedNode, ctx: ActivityContext): Activity {
  const f = r.map(node, 'activity', '{ pattern: { bursts: 10, gap: 20m, request: 100, response: 200 } }');
  f.allowOnly(['pattern', 'timeline']);
  if (f.has('pattern') === f.has('timeline')) {
    r.fail(node, f.has('pattern') ? 'both pattern and timeline' : 'neither pattern nor timeline', 'exactly one of pattern: {...} or timeline: [...]');
  }
  return f.has('pattern')
    ? parsePattern(r, f.required('pattern', '{ bursts: 10, gap: 20m, ... }'), ctx)
    : parseTimeline(r, f.required('timeline', '[{ at: 0s, from: client, bytes: 100 }]'), ctx);
}

function payloadMax(protocol: Protocol): number {
  return protocol === 'tcp' ? MAX_BYTES : MAX_DATAGRAM_PAYLOAD;
}

function parsePattern(r: YamlReader, node: ParsedNode, ctx: ActivityContext): PatternActivity {
  const f = r.map(node, 'pattern', '{ bursts: 10, gap: 20m, request: 100, response: 200 }');
  f.allowOnly(['bursts', 'gap', 'span', 'jitter', 'request', 'response', 'exchanges']);
  const bursts = r.integer(f.required('bursts', 'a number of bursts such as 10'), 'bursts', 1, 10_000_000);
  const max = payloadMax(ctx.protocol);
  const requestBytes = r.integer(f.required('request', 'payload bytes such as 100'), 'request bytes', 1, max);
  let responseBytes: number;
  if (ctx.protocol === 'icmp') {
    responseBytes = requestBytes;
    if (f.has('response')) {
      const n = f.required('response', 'the request size');
      if (r.integer(n, 'response bytes', 0, max) !== requestBytes) {
        r.fail(n, `response ${r.describe(n)} on icmp`, `the request size ${requestBytes} (an echo reply carries the request's data), or no response key`);
      }
    }
  } else {
    responseBytes = r.integer(f.required('response', 'payload bytes such as 200 (0: no reply data)'), 'response bytes', 0, max);
  }
  const activity: PatternActivity = {
    kind: 'pattern',
    bursts,
    jitterS: f.has('jitter') ? r.duration(f.required('jitter', 'a duration such as 60s'), 'jitter', false) : DEFAULTS.jitterS,
    requestBytes,
    responseBytes,
    exchangesPerBurst: f.has('exchanges') ? r.integer(f.required('exchanges', 'a number such as 1'), 'exchanges', 1, 1_000_000) : DEFAULTS.exchangesPerBurst,
  };
  if (f.has('gap') && f.has('span')) r.fail(f.keyNode('span'), 'both gap and span', 'one of gap (between burst starts) or span (first to last burst start)');
  if (bursts > 1 && !f.has('gap') && !f.has('span')) r.fail(node, `${bursts} bursts with neither gap nor span`, 'gap: DURATION or span: DURATION');
  let gapNode: ParsedNode | undefined;
  if (f.has('gap')) {
    gapNode = f.required('gap', 'a duration such as 20m');
    activity.gapS = r.duration(gapNode, 'gap', true);
  } else if (f.has('span')) {
    gapNode = f.required('span', 'a duration such as 68236s');
    activity.spanS = r.duration(gapNode, 'span', true);
  }
  const approach = closestBurstApproach(activity);
  if (gapNode !== undefined && approach !== undefined) {
    const burst = burstLengthS(activity, ctx);
    const closest = approach.closestS;
    if (closest < burst) {
      const gapWords = activity.spanS !== undefined ? `span ${formatDuration(activity.spanS)} / ${bursts - 1} = gap ${formatDuration(approach.gapS)}` : `gap ${formatDuration(approach.gapS)}`;
      const jitter = jitterWords(approach, activity.jitterS);
      r.fail(
        gapNode,
        `${gapWords}${jitter}${jitter === '' ? '' : ` = ${formatDuration(closest)}`}, shorter than a burst (${formatDuration(burst)})`,
        `bursts at least ${formatDuration(burst)} apart after jitter (a burst lasts exchanges × (rtt + 2ms), longer when a message takes many segments)`,
      );
    }
  }
  return activity;
}

function parseTimeline(r: YamlReader, node: ParsedNode, ctx: ActivityContext): TimelineActivity {
  const items = r.list(node, 'timeline', '[{ at: 0s, from: client, bytes: 100, reply: 200 }]');
  if (items.length === 0) r.fail(node, 'an empty timeline', 'at least one event');
  const first = activityStartS(ctx);
  const max = payloadMax(ctx.protocol);
  const events: TimelineEvent[] = [];
  let prev: { event: TimelineEvent; line: number } | undefined;
  for (const item of items) {
    const f = r.map(item, 'a timeline event', '{ at: 30m, from: server, bytes: 50 }');
    f.allowOnly(['at', 'from', 'bytes', 'reply']);
    const atNode = f.required('at', 'an offset from the connection start such as 30m');
    const event: TimelineEvent = {
      atS: r.duration(atNode, 'event time', false),
      from: r.oneOf(f.required('from', 'client or server'), 'from', ['client', 'server'] as const),
      bytes: r.integer(f.required('bytes', 'payload bytes'), 'bytes', 0, max),
    };
    if (f.has('reply')) {
      const replyNode = f.required('reply', 'payload bytes of the answer');
      event.replyBytes = r.integer(replyNode, 'reply bytes', 0, max);
      // As a pattern's response: an echo reply carries the request's data, so a size of its own is no ICMP echo.
      if (ctx.protocol === 'icmp' && event.replyBytes !== event.bytes) {
        r.fail(replyNode, `reply ${event.replyBytes} on icmp`, `the request size ${event.bytes} (an echo reply carries the request's data), or no reply key`);
      }
    }
    if (event.atS < first) {
      r.fail(atNode, `event at ${formatDuration(event.atS)}, inside the TCP handshake`, `at ${formatDuration(first)} or later (rtt + 2ms), or open: midstream`);
    }
    if (prev) {
      if (event.atS <= prev.event.atS) {
        r.fail(atNode, `event at ${formatDuration(event.atS)} after one at ${formatDuration(prev.event.atS)} (line ${prev.line})`, 'events in time order, each later than the one before');
      }
      const free = roundMicros(prev.event.atS + eventLengthS(prev.event, ctx));
      if (event.atS < free) {
        r.fail(atNode, `event at ${formatDuration(event.atS)} overlapping the one at ${formatDuration(prev.event.atS)} (line ${prev.line})`, `at ${formatDuration(free)} or later (the previous event's exchange is over then: its reply comes after one rtt, and a message of many segments takes longer)`);
      }
    }
    events.push(event);
    prev = { event, line: r.where(atNode).line };
  }
  return { kind: 'timeline', events };
}

/**
 * Refuses, before anything is written, a scenario whose truth would hold more quiet periods than MAX_QUIET_PERIODS
 * (quietPeriodsOfCopy, an upper bound exact on every bundled scenario): named at the key that makes most of them
 * (the connection's count, its activity, hold or keepalive, or quiet_threshold when every gap of an exchange can be
 * one).
 */
function checkQuietPeriods(r: YamlReader, top: Fields, nodes: ParsedNode[], specs: ConnectionSpec[], thresholdS: number): void {
  let total = 0;
  let largest = { index: -1, count: 0, key: 'activity' as ReturnType<typeof quietPeriodsOfCopy>['key'] };
  specs.forEach((spec, index) => {
    const one = quietPeriodsOfCopy(spec, thresholdS);
    const count = one.count * spec.count;
    total += count;
    if (count > largest.count) largest = { index, count, key: one.key };
  });
  if (total <= MAX_QUIET_PERIODS) return;
  const spec = specs[largest.index] as ConnectionSpec;
  const f = r.map(nodes[largest.index], 'a connection', '');
  const node = largest.key === 'quiet_threshold' && top.has('quiet_threshold')
    ? top.at('quiet_threshold')
    : spec.count > 1 && f.has('count') ? f.at('count') : f.has(largest.key) ? f.at(largest.key) : nodes[largest.index];
  const n = (x: number): string => x.toLocaleString('en-US');
  r.fail(
    node,
    `a scenario with about ${n(total)} quiet periods (silences of quiet_threshold ${formatDuration(thresholdS)} or more), ${n(largest.count)} of them from connection ${spec.id}${spec.count > 1 ? ` (count ${n(spec.count)})` : ''}`,
    `at most ${n(MAX_QUIET_PERIODS)} (the generator keeps each in memory until the truth is written, up to 450 bytes each): fewer connections or bursts, or a longer quiet_threshold`,
  );
}

/** Ids and 5-tuples must be unique: the truth and the monitors' records are matched on them. */
function checkUnique(r: YamlReader, top: Fields, nodes: ParsedNode[], specs: ConnectionSpec[], clock?: ClockFlow, sentinel?: Sentinel): void {
  // Nodes are read again only to place a message: a list of 295,000 connections is built one entry at a time.
  const connection = (i: number): Fields => r.map(nodes[i], 'a connection', '');
  const ids = new Map<string, number>();
  const tuples = new Map<string, string>();
  const claim = (key: string, owner: string, node: () => ParsedNode, shown: string): void => {
    const other = tuples.get(key);
    if (other !== undefined) r.fail(node(), `${owner} on the same addresses and ports as ${other} (${shown})`, 'each connection on its own protocol, addresses and ports');
    tuples.set(key, owner);
  };
  const tupleKey = (protocol: string, a: Endpoint, b: Endpoint, extra = ''): string => {
    // Either direction is the same flow to a monitor.
    const [x, y] = [`${a.addr}|${a.port}`, `${b.addr}|${b.port}`].sort();
    return `${protocol}|${x}|${y}|${extra}`;
  };
  let total = 0;
  specs.forEach((spec, i) => {
    const seen = ids.get(spec.id);
    if (seen !== undefined) {
      const firstLine = r.where(connection(seen).at('id')).line;
      r.fail(connection(i).at('id'), `id "${spec.id}" twice (first on line ${firstLine})`, 'a different id for each connection');
    }
    ids.set(spec.id, i);
    total += spec.count;
    if (total > MAX_CONNECTIONS) {
      const f = connection(i);
      r.fail(f.at(f.has('count') ? 'count' : 'id'), `${total} connections in all`, `at most ${MAX_CONNECTIONS}`);
    }
  });
  const background: [string, { client: Endpoint; server: Endpoint } | undefined][] = [['clock', clock], ['sentinel', sentinel]];
  for (const [role, flow] of background) {
    if (flow) claim(tupleKey('udp', flow.client, flow.server), `the ${role}`, () => top.at(role), `${showEndpoint(flow.client)} - ${showEndpoint(flow.server)}`);
  }
  const suspects = collisionSuspects(specs, background.flatMap(([, flow]) => (flow ? [flow] : [])));
  specs.forEach((spec, i) => {
    // Copies of one spec are distinct by construction; enumerating a million of them is only worth it when
    // another flow could share a tuple with one.
    if (!suspects.has(i)) return;
    const clientNode = (): ParsedNode => connection(i).at('client');
    for (const copy of expandConnections(spec)) {
      const extra = spec.protocol === 'icmp' ? String(spec.icmpId + copy.index) : '';
      const shown = spec.protocol === 'icmp' ? `${copy.client.addr} - ${copy.server.addr} echo id ${extra}` : `${showEndpoint(copy.client)} - ${showEndpoint(copy.server)}`;
      claim(tupleKey(spec.protocol, copy.client, copy.server, extra), `connection ${copy.id}`, clientNode, shown);
    }
  });
}

/**
 * Indexes of specs that might share a 5-tuple, in either direction, with another spec or a background (UDP) flow.
 * Linear in the number of specs (plus the rare client ranges that hold a server): a scenario may list hundreds of
 * thousands of connections, where comparing every pair would take hours.
 */
function collisionSuspects(specs: ConnectionSpec[], background: { client: Endpoint; server: Endpoint }[]): Set<number> {
  const asRange = (e: Endpoint): EndpointRange => ({ addrFrom: e.addr, addrTo: e.addr, portFrom: e.port, portTo: e.port });
  const flows = [
    ...specs.map((s) => ({ protocol: s.protocol as string, client: s.client, server: s.server })),
    ...background.map((b) => ({ protocol: 'udp', client: asRange(b.client), server: b.server })),
  ];
  const suspects = new Set<number>();
  // Same protocol and server: the clients may overlap.
  const byServer = new Map<string, number[]>();
  for (const [i, f] of flows.entries()) {
    const key = `${f.protocol}|${f.server.addr}|${f.server.port}`;
    const group = byServer.get(key);
    if (group) group.push(i);
    else byServer.set(key, [i]);
  }
  for (const group of byServer.values()) {
    if (group.length > 1) for (const i of group) suspects.add(i);
  }
  // Crossed: a's client range holds b's server and b's client range holds a's server. The distinct servers of
  // each protocol and IP version, sorted by address, let each client range find the servers it holds by bisection.
  const servers = new Map<string, { addr: bigint; key: string; port: number }[]>();
  for (const [key, group] of byServer) {
    const f = flows[group[0]!]!;
    const space = `${f.protocol}|${ipVersion(f.server.addr)}`;
    const list = servers.get(space) ?? [];
    list.push({ addr: ipToBigInt(f.server.addr), key, port: f.server.port });
    servers.set(space, list);
  }
  for (const list of servers.values()) list.sort((x, y) => (x.addr < y.addr ? -1 : x.addr > y.addr ? 1 : 0));
  for (const [i, a] of flows.entries()) {
    const list = servers.get(`${a.protocol}|${ipVersion(a.client.addrFrom)}`);
    if (!list) continue;
    const from = ipToBigInt(a.client.addrFrom);
    const to = a.client.addrTo === a.client.addrFrom ? from : ipToBigInt(a.client.addrTo);
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid]!.addr < from) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < list.length && list[k]!.addr <= to; k += 1) {
      const server = list[k]!;
      if (server.port < a.client.portFrom || server.port > a.client.portTo) continue;
      for (const j of byServer.get(server.key)!) {
        if (j !== i && rangeHolds(flows[j]!.client, a.server)) {
          suspects.add(i);
          suspects.add(j);
        }
      }
    }
  }
  return suspects;
}

function rangeHolds(range: EndpointRange, e: Endpoint): boolean {
  if (ipVersion(range.addrFrom) !== ipVersion(e.addr) || e.port < range.portFrom || e.port > range.portTo) return false;
  const n = ipToBigInt(e.addr);
  return n >= ipToBigInt(range.addrFrom) && n <= ipToBigInt(range.addrTo);
}

function showEndpoint(e: Endpoint): string {
  return formatEndpoint(e.addr, e.port);
}
