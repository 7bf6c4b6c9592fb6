import { execa } from 'execa';
import type { GroundTruth, TruthConnection } from '../../harness/core/ground-truth.js';

/**
 * What the real tools (tshark, capinfos) say a pcap contains, in the ground truth's terms, so tests can demand
 * exact equality with truth.json.
 */
export interface SeenConnection {
  key: string;
  firstUs: number;
  lastUs: number;
  /** Per direction, keyed by the sending address/port as `addr|port`. */
  byDir: Map<string, { pkts: number; ipBytes: number; payloadBytes: number }>;
}

const FIELDS = [
  'frame.time_epoch', 'vlan.id', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'ip.len', 'ipv6.plen', 'ip.proto', 'ipv6.nxt',
  'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport', 'icmp.ident', 'icmpv6.echo.identifier', 'tcp.len', 'udp.length', 'data.len',
];

/** Seconds text with up to 9 decimals to integer microseconds, without float rounding. */
export function epochTextToUs(text: string): number {
  const [sec, frac = ''] = text.trim().split('.');
  return Number(sec) * 1e6 + Number(frac.padEnd(6, '0').slice(0, 6));
}

function protoName(n: number): 'tcp' | 'udp' | 'icmp' {
  if (n === 6) return 'tcp';
  if (n === 17) return 'udp';
  if (n === 1 || n === 58) return 'icmp';
  throw new Error(`unexpected IP protocol ${n}`);
}

export function connectionKey(protocol: string, vlan: number | undefined, a: string, b: string): string {
  const [x, y] = a < b ? [a, b] : [b, a];
  return `${protocol}|${vlan ?? '-'}|${x}|${y}`;
}

export function truthKey(c: TruthConnection): string {
  return connectionKey(c.protocol, c.vlan, `${c.client.addr}|${c.client.port}`, `${c.server.addr}|${c.server.port}`);
}

export async function tsharkConnections(pcap: string): Promise<Map<string, SeenConnection>> {
  const args = ['-n', '-r', pcap, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=f', ...FIELDS.flatMap((f) => ['-e', f])];
  const { stdout } = await execa('tshark', args, { maxBuffer: 1024 * 1024 * 1024 });
  const seen = new Map<string, SeenConnection>();
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const f = line.split('\t');
    const get = (name: string): string => f[FIELDS.indexOf(name)] ?? '';
    const tsUs = epochTextToUs(get('frame.time_epoch'));
    const v6 = get('ipv6.src') !== '';
    const protocol = protoName(Number(v6 ? get('ipv6.nxt') : get('ip.proto')));
    const src = v6 ? get('ipv6.src') : get('ip.src');
    const dst = v6 ? get('ipv6.dst') : get('ip.dst');
    const ipBytes = v6 ? 40 + Number(get('ipv6.plen')) : Number(get('ip.len'));
    let sp: number;
    let dp: number;
    let payload: number;
    if (protocol === 'tcp') {
      sp = Number(get('tcp.srcport'));
      dp = Number(get('tcp.dstport'));
      payload = Number(get('tcp.len'));
    } else if (protocol === 'udp') {
      sp = Number(get('udp.srcport'));
      dp = Number(get('udp.dstport'));
      payload = Number(get('udp.length')) - 8;
    } else {
      sp = dp = Number(v6 ? get('icmpv6.echo.identifier') : get('icmp.ident'));
      payload = Number(get('data.len') || '0');
    }
    const vlanText = get('vlan.id');
    const vlan = vlanText === '' ? undefined : Number(vlanText);
    const from = `${src}|${sp}`;
    const key = connectionKey(protocol, vlan, from, `${dst}|${dp}`);
    let c = seen.get(key);
    if (!c) {
      c = { key, firstUs: tsUs, lastUs: tsUs, byDir: new Map() };
      seen.set(key, c);
    }
    c.firstUs = Math.min(c.firstUs, tsUs);
    c.lastUs = Math.max(c.lastUs, tsUs);
    const d = c.byDir.get(from) ?? { pkts: 0, ipBytes: 0, payloadBytes: 0 };
    d.pkts += 1;
    d.ipBytes += ipBytes;
    d.payloadBytes += payload;
    c.byDir.set(from, d);
  }
  return seen;
}

/**
 * tshark's expert summary at warning level and above, with all checksums checked; empty when clean. tshark warns
 * on every RST by design, so exactly `expectedResets` "Connection reset (RST)" warnings are allowed (a scenario's
 * rst closes), and any other count is reported.
 */
export async function tsharkProblems(pcap: string, expectedResets = 0): Promise<string> {
  const { stdout, stderr } = await execa('tshark', [
    '-n', '-r', pcap,
    '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE',
    '-z', 'expert,warn', '-q',
  ]);
  const noise = /^Running as user "root".*$/gm;
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  const rst = lines.findIndex((l) => /^\s*\d+\s+Sequence\s+TCP\s+Connection reset \(RST\)\s*$/.test(l));
  if (rst >= 0 && Number((lines[rst] as string).trim().split(/\s+/)[0]) === expectedResets) {
    lines.splice(rst, 1);
    // Drop the section headings left without entries.
    const rest = lines.filter((l) => !/^(Errors|Warns|Notes|Chats|Comments) \(\d+\)$/.test(l.trim()) && !/^=+$/.test(l.trim()) && !/Frequency\s+Group/.test(l));
    if (rest.length === 0) lines.length = 0;
  } else if (expectedResets > 0) {
    lines.push(`expected ${expectedResets} RST warning(s) from rst closes`);
  }
  return `${lines.join('\n').trim()}\n${stderr.replace(noise, '').trim()}`.trim();
}

/** Number of connections of a truth closed by RST: tshark warns once for each. */
export function resetCount(truth: GroundTruth): number {
  return truth.connections.filter((c) => c.close === 'rst').length;
}

export interface CapInfo {
  packets: number;
  firstUs: number;
  lastUs: number;
}

export async function capinfos(pcap: string): Promise<CapInfo> {
  const { stdout } = await execa('capinfos', ['-a', '-e', '-c', '-M', '-S', pcap]);
  const field = (label: string): string => {
    const m = new RegExp(`^${label}:\\s+(\\S+)`, 'm').exec(stdout);
    if (!m) throw new Error(`capinfos printed no "${label}": ${stdout}`);
    return m[1] as string;
  };
  return { packets: Number(field('Number of packets')), firstUs: epochTextToUs(field('First packet time')), lastUs: epochTextToUs(field('Last packet time')) };
}

/** Every mismatch between what tshark/capinfos see and the truth, as readable lines (empty when they agree). */
export async function compareWithTruth(pcap: string, truth: GroundTruth): Promise<string[]> {
  const problems: string[] = [];
  const seen = await tsharkConnections(pcap);
  const truthKeys = new Set<string>();
  for (const c of truth.connections) {
    const key = truthKey(c);
    truthKeys.add(key);
    const s = seen.get(key);
    if (c.clientPkts + c.serverPkts === 0) {
      if (s) problems.push(`${c.id}: truth has no packets, tshark sees some`);
      continue;
    }
    if (!s) {
      problems.push(`${c.id}: tshark sees no packets for ${key}`);
      continue;
    }
    const client = s.byDir.get(`${c.client.addr}|${c.client.port}`) ?? { pkts: 0, ipBytes: 0, payloadBytes: 0 };
    const server = s.byDir.get(`${c.server.addr}|${c.server.port}`) ?? { pkts: 0, ipBytes: 0, payloadBytes: 0 };
    const pairs: [string, number, number][] = [
      ['firstUs', c.firstUs, s.firstUs],
      ['lastUs', c.lastUs, s.lastUs],
      ['durationUs', c.durationUs, s.lastUs - s.firstUs],
      ['clientPkts', c.clientPkts, client.pkts],
      ['clientIpBytes', c.clientIpBytes, client.ipBytes],
      ['clientPayloadBytes', c.clientPayloadBytes, client.payloadBytes],
      ['serverPkts', c.serverPkts, server.pkts],
      ['serverIpBytes', c.serverIpBytes, server.ipBytes],
      ['serverPayloadBytes', c.serverPayloadBytes, server.payloadBytes],
    ];
    for (const [name, want, got] of pairs) if (want !== got) problems.push(`${c.id}: ${name} truth ${want}, tshark ${got}`);
  }
  for (const key of seen.keys()) if (!truthKeys.has(key)) problems.push(`tshark sees ${key}, which the truth does not list`);
  const info = await capinfos(pcap);
  if (info.packets !== truth.pcap.packets) problems.push(`capinfos packets ${info.packets}, truth ${truth.pcap.packets}`);
  if (info.firstUs !== truth.pcap.firstUs) problems.push(`capinfos first ${info.firstUs}, truth ${truth.pcap.firstUs}`);
  if (info.lastUs !== truth.pcap.lastUs) problems.push(`capinfos last ${info.lastUs}, truth ${truth.pcap.lastUs}`);
  if (info.lastUs - info.firstUs !== truth.pcap.spanUs) problems.push(`capinfos span ${info.lastUs - info.firstUs}, truth ${truth.pcap.spanUs}`);
  return problems;
}
