import type { EndpointRange } from './scenario.js';
import { canonicalIp, ipToBigInt, ipVersion, type IpVersion } from '../core/ip-address.js';

/**
 * The text form of an endpoint in a scenario: `192.0.2.10:40000`, `[2001:db8::10]:40000`, an address alone
 * (ICMP), or ranges: `192.0.2.1-192.0.2.200:20000-20049`, `[2001:db8::1-2001:db8::ff]:40000`.
 * Returns a problem (found/expected words) instead of throwing, so that the caller can name the YAML position.
 */
export interface ParsedEndpointText {
  range: EndpointRange;
  /** False when the text names no port at all. */
  hasPort: boolean;
  version: IpVersion;
}

export interface EndpointProblem {
  found: string;
  expected: string;
}

export const ENDPOINT_EXAMPLES = '192.0.2.10:40000 or "[2001:db8::10]:40000"';

export function parseEndpointText(text: string): ParsedEndpointText | EndpointProblem {
  const trimmed = text.trim();
  let addrPart: string;
  let portPart: string | undefined;
  if (trimmed.startsWith('[')) {
    const close = trimmed.indexOf(']');
    if (close < 0) return { found: `"${text}" (no closing bracket)`, expected: `an endpoint such as ${ENDPOINT_EXAMPLES}` };
    addrPart = trimmed.slice(1, close);
    const rest = trimmed.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return { found: `"${text}"`, expected: `an endpoint such as ${ENDPOINT_EXAMPLES}` };
      portPart = rest.slice(1);
    }
  } else {
    const colons = trimmed.split(':').length - 1;
    if (colons === 1) {
      const at = trimmed.lastIndexOf(':');
      addrPart = trimmed.slice(0, at);
      portPart = trimmed.slice(at + 1);
    } else {
      // No colon: an IPv4 address alone. Several: a bare IPv6 address (a port needs brackets to be told apart).
      addrPart = trimmed;
    }
  }

  const addrs = addrPart.split('-');
  if (addrs.length > 2) return { found: `address range "${addrPart}"`, expected: 'FIRST-LAST, e.g. 192.0.2.1-192.0.2.200' };
  const canon = addrs.map((a) => canonicalIp(a.trim()));
  for (let i = 0; i < canon.length; i += 1) {
    if (canon[i] === undefined) {
      return {
        found: `address "${(addrs[i] as string).trim()}"`,
        expected: 'an IPv4 address such as 192.0.2.10 or an IPv6 address such as 2001:db8::10 (with a port: [2001:db8::10]:443)',
      };
    }
  }
  const addrFrom = canon[0] as string;
  const addrTo = canon[canon.length - 1] as string;
  const version = ipVersion(addrFrom);
  if (ipVersion(addrTo) !== version) {
    return { found: `address range "${addrPart}" mixing IPv4 and IPv6`, expected: 'both ends of the range in the same IP version' };
  }
  if (addrTo !== addrFrom && ipToBigInt(addrTo) < ipToBigInt(addrFrom)) {
    return { found: `address range "${addrPart}" running backwards`, expected: 'FIRST-LAST with FIRST not above LAST' };
  }

  if (portPart === undefined) return { range: { addrFrom, addrTo, portFrom: 0, portTo: 0 }, hasPort: false, version };
  const ports = portPart.split('-');
  if (ports.length > 2 || ports.some((p) => !/^\d+$/.test(p.trim()))) {
    return { found: `port "${portPart}"`, expected: 'a port in 0..65535, or a range FIRST-LAST such as 20000-20049' };
  }
  const nums = ports.map((p) => Number(p.trim()));
  for (const n of nums) {
    if (n > 65535) return { found: `port ${n}`, expected: 'a port in 0..65535' };
  }
  const portFrom = nums[0] as number;
  const portTo = nums[nums.length - 1] as number;
  if (portTo < portFrom) return { found: `port range ${portPart} running backwards`, expected: 'FIRST-LAST with FIRST not above LAST' };
  return { range: { addrFrom, addrTo, portFrom, portTo }, hasPort: true, version };
}

export function isEndpointProblem(value: ParsedEndpointText | EndpointProblem): value is EndpointProblem {
  return 'found' in value;
}

/** How many distinct client endpoints a range holds (addresses × ports). */
export function rangeSize(range: EndpointRange): bigint {
  // One address needs no arithmetic: a scenario may hold hundreds of thousands of single endpoints.
  const addrs = range.addrTo === range.addrFrom ? 1n : ipToBigInt(range.addrTo) - ipToBigInt(range.addrFrom) + 1n;
  return addrs * BigInt(range.portTo - range.portFrom + 1);
}
