import { ipVersion } from '../harness/core/ip-address.js';

/** Address text to bytes, and the deterministic MAC address each IP address gets in generated frames. */

const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/**
 * Dotted quad to bytes, read character by character: a connection's frame templates are made from its addresses
 * every time it starts or resumes (two million times at a million connections), and the split, regular expression
 * and closure this did before cost ~1.5 of the 4.7 us a template took.
 */
export function ipv4Bytes(addr: string): Uint8Array {
  const out = new Uint8Array(4);
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i < addr.length; i++) {
    const c = addr.charCodeAt(i);
    if (c === DOT && digits > 0 && part < 3 && value <= 255) {
      out[part++] = value;
      value = 0;
      digits = 0;
    } else if (c >= ZERO && c <= NINE && digits < 3) {
      value = value * 10 + (c - ZERO);
      digits += 1;
    } else throw new Error(`not an IPv4 address: ${addr}`);
  }
  if (part !== 3 || digits === 0 || value > 255) throw new Error(`not an IPv4 address: ${addr}`);
  out[3] = value;
  return out;
}

export function ipv6Bytes(addr: string): Uint8Array {
  const out = new Uint8Array(16);
  let text = addr;
  // An embedded dotted quad (::ffff:192.0.2.1) becomes two hex groups.
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = ipv4Bytes(text.slice(lastColon + 1));
    text = `${text.slice(0, lastColon + 1)}${((v4[0] as number) * 256 + (v4[1] as number)).toString(16)}:${((v4[2] as number) * 256 + (v4[3] as number)).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) throw new Error(`not an IPv6 address: ${addr}`);
  const head = halves[0] === '' ? [] : (halves[0] as string).split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : (halves[1] as string).split(':')) : [];
  const groups = halves.length === 2 ? [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail] : head;
  if (groups.length !== 8) throw new Error(`not an IPv6 address: ${addr}`);
  groups.forEach((g, i) => {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw new Error(`not an IPv6 address: ${addr}`);
    const n = parseInt(g, 16);
    out[2 * i] = n >> 8;
    out[2 * i + 1] = n & 0xff;
  });
  return out;
}

export function ipBytes(addr: string): Uint8Array {
  return ipVersion(addr) === 4 ? ipv4Bytes(addr) : ipv6Bytes(addr);
}

/**
 * A locally administered unicast MAC (first byte 0x02) carrying the address's last five bytes, so a frame's
 * MACs can be read back to the IPs that own them and the same IP always has the same MAC.
 */
export function macFor(addr: string): Uint8Array {
  return macOf(ipBytes(addr));
}

/** `macFor` of an address already in bytes. */
export function macOf(ip: Uint8Array): Uint8Array {
  const mac = new Uint8Array(6);
  mac[0] = 0x02;
  // Byte by byte: a subarray to copy from is a typed array made per call (~1 us of a frame template's 1.5).
  const n = Math.min(5, ip.length);
  for (let i = 0; i < n; i++) mac[6 - n + i] = ip[ip.length - n + i] as number;
  return mac;
}
