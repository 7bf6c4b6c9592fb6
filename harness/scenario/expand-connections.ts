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
  const ports = spec.client.portTo - spec.client.portFrom + 1;
  // Consecutive copies share an address for a whole port range: convert it once.
  let addr = spec.client.addrFrom;
  let lastIndex = 0;
  for (let i = 0; i < spec.count; i += 1) {
    const addrIndex = Math.floor(i / ports);
    if (addrIndex !== lastIndex) {
      addr = copyAddress(spec, i);
      lastIndex = addrIndex;
    }
    yield connectionCopy(spec, i, addr);
  }
}

/**
 * Copy `index` of `spec` alone, as connectionCopies gives it (a generator rebuilds a parked connection's identity
 * from its copy index); `addr`, when the caller knows it, is the copy's client address.
 */
export function connectionCopy(spec: ConnectionSpec, index: number, addr = copyAddress(spec, index)): ExpandedConnection {
  const { portFrom, portTo } = spec.client;
  return {
    id: spec.count > 1 ? `${spec.id}#${index}` : spec.id,
    client: { addr, port: portFrom + (index % (portTo - portFrom + 1)) },
    server: { ...spec.server },
    startS: roundMicros(spec.startS + index * spec.staggerS),
    index,
  };
}

/** The client address of copy `index`: ports first, then addresses. */
export function copyAddress(spec: ConnectionSpec, index: number): string {
  const { addrFrom, portFrom, portTo } = spec.client;
  const addrIndex = Math.floor(index / (portTo - portFrom + 1));
  return addrIndex === 0 ? addrFrom : bigIntToIp(ipToBigInt(addrFrom) + BigInt(addrIndex), ipVersion(addrFrom));
}

/** Whether `id` names a connection of these specs (a copy's `id#index` too), without expanding a million copies. */
export function isConnectionId(specs: readonly ConnectionSpec[], id: string): boolean {
  const hash = id.lastIndexOf('#');
  return specs.some((spec) => {
    if (spec.count <= 1) return spec.id === id;
    if (hash < 0 || id.slice(0, hash) !== spec.id) return false;
    const index = id.slice(hash + 1);
    return /^(0|[1-9]\d*)$/.test(index) && Number(index) < spec.count;
  });
}
