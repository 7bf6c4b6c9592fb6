import type { ConnectionSpec, Scenario } from '../../harness/scenario/scenario.js';

/** Scenario objects built directly, as the parser would resolve them, for generator tests. */
export function scenario(name: string, connections: ConnectionSpec[], extra: Partial<Scenario> = {}): Scenario {
  return {
    name,
    description: `test scenario ${name}`,
    file: `${name}.yaml`,
    seed: 7,
    startUs: 1_700_000_000_000_000,
    timestampResolution: 'us',
    quietThresholdS: 30,
    connections,
    ...extra,
  };
}

export function tcp(id: string, client: string, server: string, extra: Partial<ConnectionSpec> = {}): ConnectionSpec {
  const [caddr, cport] = split(client);
  const [saddr, sport] = split(server);
  return {
    id,
    protocol: 'tcp',
    client: { addrFrom: caddr, addrTo: caddr, portFrom: cport, portTo: cport },
    server: { addr: saddr, port: sport },
    startS: 0,
    rttS: 0.02,
    open: 'handshake',
    close: 'none',
    mss: 1460,
    icmpId: 0x1234,
    activity: { kind: 'pattern', bursts: 3, gapS: 60, jitterS: 0, requestBytes: 100, responseBytes: 200, exchangesPerBurst: 1 },
    count: 1,
    staggerS: 1,
    ...extra,
  };
}

export function udp(id: string, client: string, server: string, extra: Partial<ConnectionSpec> = {}): ConnectionSpec {
  return tcp(id, client, server, { protocol: 'udp', open: 'midstream', ...extra });
}

export function icmp(id: string, client: string, server: string, extra: Partial<ConnectionSpec> = {}): ConnectionSpec {
  const base = tcp(id, `${client}|0`, `${server}|0`, { protocol: 'icmp', open: 'midstream', ...extra });
  return base;
}

/** `192.0.2.1:80`, `[2001:db8::1]:80`, or `addr|port` for ICMP's port-less form. */
function split(text: string): [string, number] {
  if (text.includes('|')) {
    const [a, p] = text.split('|');
    return [a as string, Number(p)];
  }
  const m = /^\[(.*)\]:(\d+)$/.exec(text) ?? /^([^:]*):(\d+)$/.exec(text);
  if (!m) throw new Error(`bad endpoint ${text}`);
  return [m[1] as string, Number(m[2])];
}
