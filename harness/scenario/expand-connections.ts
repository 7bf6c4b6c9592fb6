import type { ConnectionSpec, Endpoint } from './scenario.js';
import { bigIntToIp, ipToBigInt, ipVersion } from '../core/ip-address.js';
import { roundMicros } from '../core/duration.js';

/** One concrete connection of a (possibly `count`-ed) ConnectionSpec. */
export interface ExpandedConnection {
  /** The spec id, or `${id}#${index}` when the spec has count > 1. */
  id: string;
  client: Endpoint;
  server: Endpoint;
  /** Offset of the first packet from the scenario start: spec.startS + index * staggerS. */
  startS: number;
  /** Copy number, 0-based. For ICMP the echo identifier is spec.icmpId + index. */
  index: number;
}

/**
 * Copy i takes the i-th client endpoint of the range, walking ports first and then addresses
 * (192.0.2.1:20000, 192.0.2.1:20001, ..., 192.0.2.2:20000, ...). The parser has checked that the range is
 * large enough, so this never wraps.
 */
export function expandConnections(spec: ConnectionSpec): ExpandedConnection[] {
  return [...connectionCopies(spec)];
}

/**
 * The same copies one at a time, in copy order (which is start order: the stagger is never negative), so that a
 * generator at a million copies holds only the ones it has started.
 */
export function* connectionCopies(spec: ConnectionSpec): Generator<ExpandedConnection> {
  const { addrFrom, portFrom, portTo } = spec.client;
  const version = ipVersion(addrFrom);
  const ports = portTo - portFrom + 1;
  // Consecutive copies share an address for a whole port range: convert it once.
  let addr = addrFrom;
  let base: bigint | undefined;
  let lastIndex = 0;
  for (let i = 0; i < spec.count; i += 1) {
    const addrIndex = Math.floor(i / ports);
    if (addrIndex !== lastIndex) {
      base ??= ipToBigInt(addrFrom);
      addr = bigIntToIp(base + BigInt(addrIndex), version);
      lastIndex = addrIndex;
    }
    yield {
      id: spec.count > 1 ? `${spec.id}#${i}` : spec.id,
      client: { addr, port: portFrom + (i % ports) },
      server: { ...spec.server },
      startS: roundMicros(spec.startS + i * spec.staggerS),
      index: i,
    };
  }
}
