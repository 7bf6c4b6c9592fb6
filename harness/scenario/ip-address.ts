import { isIP } from 'node:net';

/**
 * IP addresses as the scenario language needs them: validated, canonical text (so that the ground truth and every
 * monitor's normalized records compare equal as strings), and as integers so that ranges can be walked.
 */
export type IpVersion = 4 | 6;

/** Canonical text of an address, or undefined when `text` is not one. Zone ids (`fe80::1%eth0`) are refused. */
export function canonicalIp(text: string): string | undefined {
  const version = isIP(text);
  if (version === 4) {
    // node accepts only strict dotted quads (no leading zeros), which are already canonical.
    return text;
  }
  if (version === 6) {
    if (text.includes('%')) return undefined;
    // The WHATWG URL parser implements RFC 5952 compression and lower-cases; it keeps an embedded IPv4 tail
    // as hex, which is a valid canonical form too.
    return new URL(`http://[${text}]/`).hostname.slice(1, -1);
  }
  return undefined;
}

export function ipVersion(canonical: string): IpVersion {
  return canonical.includes(':') ? 6 : 4;
}

export function ipToBigInt(canonical: string): bigint {
  if (ipVersion(canonical) === 4) {
    return canonical.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
  }
  const [head = '', tail] = canonical.split('::') as [string, string | undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailGroups];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

export function bigIntToIp(value: bigint, version: IpVersion): string {
  if (version === 4) {
    const n = Number(value);
    return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  }
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((value >> shift) & 0xffffn).toString(16));
  return canonicalIp(groups.join(':')) as string;
}
