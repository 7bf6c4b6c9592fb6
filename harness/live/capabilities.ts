import { readFile } from 'node:fs/promises';

/** Linux capability numbers (linux/capability.h) a private wire needs. */
const NEEDED: Record<string, number> = { CAP_NET_ADMIN: 12, CAP_NET_RAW: 13, CAP_SYS_ADMIN: 21 };

/**
 * The capabilities a live run lacks: CAP_SYS_ADMIN to make namespaces, CAP_NET_ADMIN for the veth and ethtool,
 * CAP_NET_RAW for tcpreplay and every capture. Empty when it may go ahead.
 */
export async function missingLiveCapabilities(statusText?: string): Promise<string[]> {
  const text = statusText ?? (await readFile('/proc/self/status', 'utf8').catch(() => ''));
  const hex = /^CapEff:\s*([0-9a-f]+)/m.exec(text)?.[1];
  const effective = hex === undefined ? 0n : BigInt(`0x${hex}`);
  return Object.entries(NEEDED).filter(([, bit]) => (effective & (1n << BigInt(bit))) === 0n).map(([name]) => name);
}
