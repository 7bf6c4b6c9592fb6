import { isIP } from 'node:net';

/**
 * IP addresses in one canonical text form, so that the ground truth and every monitor's normalized records compare
 * equal as strings (`2001:0DB8::0010` from tcptrace is `2001:db8::10` in the truth), and as integers so that
 * scenario ranges can be walked. Every parser and the comparator use this one module.
 */
export type IpVersion = 4 | 6;

// A capture holds few distinct addresses but a run may parse millions of records: remember IPv6 answers.
const v6Cache = new Map<string, string | undefined>();
const CACHE_LIMIT = 100_000;

/** Canonical text of an address, or undefined when `text` is not one. Zone ids (`fe80::1%eth0`) are refused. */
export function canonicalIp(text: string): string | undefined {
  if (!text.includes(':')) return isIP(text) === 4 ? text : undefined;
  const hit = v6Cache.get(text);
  if (hit !== undefined || v6Cache.has(text)) return hit;
  const canonical = canonicalIpUncached(text);
  if (v6Cache.size >= CACHE_LIMIT) v6Cache.clear();
  v6Cache.set(text, canonical);
  return canonical;
}

/**
 * Like canonicalIp, but for what monitors print: a zone id is dropped, and text that is no address comes back
 * lower-cased rather than refused, so that it simply matches nothing.
 */
export function canonicalAddress(text: string): string {
  const zone = text.indexOf('%');
  const bare = zone >= 0 ? text.slice(0, zone) : text;
  return canonicalIp(bare) ?? bare.trim().toLowerCase();
}

function canonicalIpUncached(text: string): string | undefined {
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
    // In a Number first: one BigInt per address, not one per octet (a scenario may hold 295,000 addresses).
    return BigInt(canonical.split('.').reduce((acc, part) => acc * 256 + Number(part), 0));
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

/** `192.0.2.1:443`, `[2001:db8::1]:443`: an address and port as messages show them. */
export function formatEndpoint(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}
