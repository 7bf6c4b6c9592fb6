import type { TruthConnection } from '../harness/core/ground-truth.js';
import { fnv1a, mulberry32 } from './prng.js';

/**
 * The ground truth as the conn.log an ideal Zeek would write (one line per true connection, never split), so a
 * user can diff a real Zeek run against it with the tools they already use. conn_state and history follow
 * Zeek's rules for what the capture holds; history is approximate (each letter once, in order of first use).
 */
const FIELDS = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'duration', 'orig_pkts', 'orig_ip_bytes', 'resp_pkts', 'resp_ip_bytes', 'conn_state', 'history'];
const TYPES = ['time', 'string', 'addr', 'port', 'addr', 'port', 'enum', 'interval', 'count', 'count', 'count', 'count', 'string', 'string'];

export function connState(c: TruthConnection): string {
  if (c.protocol === 'icmp') return 'OTH';
  if (c.protocol === 'udp') {
    if (c.clientPkts > 0 && c.serverPkts > 0) return 'SF';
    return c.clientPkts > 0 ? 'S0' : 'SHR';
  }
  if (c.open !== 'handshake') return 'OTH';
  if (c.close === 'rst') return 'RSTO';
  if (c.close === 'fin') return 'SF';
  return 'S1';
}

/** Zeek uids are `C` plus 17 base-62 characters; ours are derived from the connection id so they are stable. */
export function connUid(id: string): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const random = mulberry32(fnv1a(id));
  let uid = 'C';
  for (let i = 0; i < 17; i++) uid += alphabet[Math.floor(random() * 62)];
  return uid;
}

function zeekTime(us: number): string {
  const sec = Math.floor(us / 1e6);
  return `${sec}.${String(us - sec * 1e6).padStart(6, '0')}`;
}

function zeekOpenTime(us: number): string {
  // Zeek writes #open/#close as local-time-free YYYY-MM-DD-HH-MM-SS.
  return new Date(Math.floor(us / 1000)).toISOString().slice(0, 19).replace('T', '-').replaceAll(':', '-');
}

/**
 * The conn.log one line at a time: a million connections are written as they come, never joined. `histories[i]`
 * is connection i's Zeek-style history letters, or `-`.
 */
export function* connLogPieces(connections: readonly TruthConnection[], histories: readonly string[], openUs: number, closeUs: number): Generator<string> {
  const header = [
    '#separator \\x09',
    '#set_separator\t,',
    '#empty_field\t(empty)',
    '#unset_field\t-',
    '#path\tconn',
    `#open\t${zeekOpenTime(openUs)}`,
    `#fields\t${FIELDS.join('\t')}`,
    `#types\t${TYPES.join('\t')}`,
  ];
  yield `${header.join('\n')}\n`;
  // By first packet, then id, then place in the truth: the indexes are sorted, not a million row objects made.
  const byTime = Uint32Array.from(connections, (_, i) => i).sort((i, j) => {
    const a = connections[i] as TruthConnection;
    const b = connections[j] as TruthConnection;
    return a.firstUs - b.firstUs || (a.id < b.id ? -1 : a.id > b.id ? 1 : i - j);
  });
  for (const i of byTime) {
    const c = connections[i] as TruthConnection;
    const history = histories[i] as string;
    const icmp = c.protocol === 'icmp';
    // Zeek puts ICMP type and code in the port fields: echo request 8/0, ICMPv6 128/129.
    const origPort = icmp ? (c.ipVersion === 6 ? 128 : 8) : c.client.port;
    const respPort = icmp ? (c.ipVersion === 6 ? 129 : 0) : c.server.port;
    const line = [
      zeekTime(c.firstUs),
      connUid(c.id),
      c.client.addr,
      origPort,
      c.server.addr,
      respPort,
      c.protocol,
      (c.durationUs / 1e6).toFixed(6),
      c.clientPkts,
      c.clientIpBytes,
      c.serverPkts,
      c.serverIpBytes,
      connState(c),
      icmp ? '-' : history,
    ].join('\t');
    yield `${line}\n`;
  }
  yield `#close\t${zeekOpenTime(closeUs)}\n`;
}
