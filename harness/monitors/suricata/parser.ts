import { consumeFile, consumeText, preview, type LineConsumer } from '../../core/text-lines.js';
import { isoToMicros } from '../../core/time-text.js';
import { canonicalIp } from '../../core/ip-address.js';
import type { EndReason, FlowProtocol, FlowRecord } from '../../core/flow-record.js';
import { InputError } from '../../core/input-error.js';
import { beyondDoubleText, refuseRepeatedKey } from '../../core/json-position.js';

/**
 * Suricata's eve.json, `event_type: flow` lines only (other event types are skipped). Fields per the EVE JSON
 * format (https://docs.suricata.io/en/suricata-7.0.15/output/eve/eve-json-format.html, "Event type: Flow") and
 * src/output-json-flow.c: src_ip/src_port/dest_ip/dest_port/proto at the top, `vlan` as an array (outer tag first),
 * and `flow` with pkts_toserver, pkts_toclient, bytes_toserver, bytes_toclient, start, end, age, state, reason.
 * flow.start/flow.end are ISO 8601 with microseconds and an offset (`2023-11-14T22:13:20.000001+0000`); flow.age is
 * whole seconds and is not used. Byte counters add GET_PKT_LEN of each packet, the whole captured frame with its
 * link-layer header, hence bytesKind `ethernet`.
 */
const EXPECTED = 'Suricata eve.json: one JSON object per line with event_type';

const END_REASON: Record<string, EndReason> = {
  // Idle longer than flow-timeouts.<proto>.<state>.
  timeout: 'idle-timeout',
  // Flushed when the engine stops at the end of the pcap.
  shutdown: 'end-of-capture',
  // Forced out at shutdown because its stream still held data (FlowForceReassembly): also the end of the capture.
  forced: 'end-of-capture',
  // A new TCP SYN on the same tuple ended the old flow.
  tcp_reuse: 'end-of-flow',
};

export async function readEveFlows(path: string, label = path): Promise<FlowRecord[]> {
  return consumeFile(eveFlows(label), path, label);
}

export function parseEveFlows(text: string, file: string): FlowRecord[] {
  return consumeText(eveFlows(file), text);
}

function* eveFlows(file: string): LineConsumer<FlowRecord[]> {
  const records: FlowRecord[] = [];
  let netflowEvents = 0;
  let firstNetflowLine = 0;
  /** Events of a flow's packets other than flow events (alert, anomaly, dns, ...), by type; stats name no flow. */
  const otherEvents = new Map<string, number>();
  let firstOtherLine = 0;
  for (let item = yield; item !== undefined; item = yield) {
    const [raw, lineNo] = item;
    const line = raw.trim();
    if (line === '') continue;
    const where = { file, line: lineNo, col: 1 };
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new InputError(where, `"${preview(line)}", which is not JSON`, EXPECTED);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value) || typeof (value as { event_type?: unknown }).event_type !== 'string') {
      throw new InputError(where, `"${preview(line)}"`, EXPECTED);
    }
    const event = value as Record<string, unknown>;
    if (event.event_type !== 'flow') {
      if (event.event_type === 'netflow') {
        if (netflowEvents++ === 0) firstNetflowLine = lineNo;
      } else if (event.src_ip !== undefined) {
        if (otherEvents.size === 0) firstOtherLine = lineNo;
        otherEvents.set(event.event_type as string, (otherEvents.get(event.event_type as string) ?? 0) + 1);
      }
      continue;
    }
    refuseRepeatedKey(raw, value, file, lineNo, 'each key once in a flow event, as Suricata writes it');
    const fail = (found: string, expected: string): never => {
      throw new InputError(where, found, `${expected} in a flow event`);
    };
    const flow = (typeof event.flow === 'object' && event.flow !== null && !Array.isArray(event.flow) ? event.flow : fail('no "flow" object', 'a "flow" object')) as Record<string, unknown>;
    const protoText = typeof event.proto === 'string' || typeof event.proto === 'number' ? String(event.proto) : fail('no proto', 'proto');
    const protocol = protocolOf(protoText);
    const addr = (key: string): string => {
      const v = event[key];
      const canonical = typeof v === 'string' ? canonicalIp(v) : undefined;
      return canonical ?? fail(shown(key, v), `${key} as an IP address`);
    };
    const count = (holder: Record<string, unknown>, key: string): number | undefined => {
      const v = holder[key];
      if (v === undefined) return undefined;
      return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : fail(shown(key, v), `${key} as a count`);
    };
    // A port above 65535 (or an ICMP type above 255) matched no true connection: every one was scored missed, exit 0.
    const field = (key: string, max: number, required: boolean): number => {
      const v = count(event, key);
      if (v === undefined) return required ? fail(`no ${key}`, `${key} (0..${max})`) : 0;
      return v <= max ? v : fail(shown(key, v), `${key} in 0..${max}`);
    };
    const time = (key: string): number => {
      const v = flow[key];
      const us = typeof v === 'string' ? isoToMicros(v) : undefined;
      return us ?? fail(shown(`flow.${key}`, v), `flow.${key} as an ISO time such as 2023-11-14T22:13:20.000001+0000`);
    };
    let origPort: number;
    let respPort: number;
    if (protocol === 'icmp') {
      // Suricata's own ICMP flow key, in the port fields (as Zeek's conn.log writes its key, type and counterpart),
      // so that two records of one key are two states of one flow: see icmpPorts.
      const type = field('icmp_type', 255, false);
      const code = field('icmp_code', 255, false);
      [origPort, respPort] = icmpPorts(isIcmpv6(protoText), type, code);
    } else {
      // Suricata writes both ports on every TCP and UDP flow; another protocol may have none.
      origPort = field('src_port', 65535, protocol !== 'other');
      respPort = field('dest_port', 65535, protocol !== 'other');
    }
    const firstUs = time('start');
    const lastUs = time('end');
    if (lastUs < firstUs) fail(`flow.end ${JSON.stringify(flow.end)} before flow.start ${JSON.stringify(flow.start)}`, 'flow.end at or after flow.start');
    const record: FlowRecord = {
      protocol,
      origAddr: addr('src_ip'),
      origPort,
      respAddr: addr('dest_ip'),
      respPort,
      firstUs,
      lastUs,
      durationUs: lastUs - firstUs,
      bytesKind: 'ethernet',
      direction: 'bi',
      sourceFile: file,
      sourceLine: lineNo,
    };
    const origPkts = count(flow, 'pkts_toserver');
    const respPkts = count(flow, 'pkts_toclient');
    const origBytes = count(flow, 'bytes_toserver');
    const respBytes = count(flow, 'bytes_toclient');
    if (origPkts !== undefined) record.origPkts = origPkts;
    if (respPkts !== undefined) record.respPkts = respPkts;
    if (origBytes !== undefined) record.origBytes = origBytes;
    if (respBytes !== undefined) record.respBytes = respBytes;
    if (Array.isArray(event.vlan) && typeof event.vlan[0] === 'number') record.vlan = event.vlan[0];
    const tcp = typeof event.tcp === 'object' && event.tcp !== null ? (event.tcp as Record<string, unknown>) : undefined;
    const states = [flow.state, tcp?.state].filter((s): s is string => typeof s === 'string');
    if (states.length > 0) record.state = states.join('/');
    if (typeof tcp?.tcp_flags === 'string') record.history = `flags ${tcp.tcp_flags}`;
    record.endReason = typeof flow.reason === 'string' ? END_REASON[flow.reason] ?? 'unknown' : 'unknown';
    records.push(record);
  }
  // An eve-log of `netflow` events alone (a common choice in place of `flow`) read as no record at all: every
  // connection "missed" at exit 0.
  if (records.length === 0 && netflowEvents > 0) {
    throw new InputError(
      { file, line: firstNetflowLine, col: 1 },
      `${netflowEvents} netflow ${netflowEvents === 1 ? 'event' : 'events'} and no flow event`,
      'flow events (eve-log types: - flow), each a whole flow both ways; netflow events are not read',
    );
  }
  // Alerts and protocol events name flows Suricata saw but not when each ended: without flow events every
  // connection was "missed" at exit 0, and the advice was to check the capture filter.
  if (records.length === 0 && otherEvents.size > 0) {
    const counts = [...otherEvents].map(([type, n]) => `${n} ${type}`).join(', ');
    throw new InputError(
      { file, line: firstOtherLine, col: 1 },
      `events of flows Suricata saw (${counts}) and no flow event`,
      'flow events (eve-log types: - flow), which say when each flow began and ended; other events are not read',
    );
  }
  return records;
}

/** `src_port 70000`, or `no src_port` for a key that is absent (never "undefined"). */
function shown(key: string, value: unknown): string {
  if (value === undefined) return `no ${key}`;
  return `${key} ${beyondDoubleText(value) ?? JSON.stringify(value)}`;
}

function isIcmpv6(proto: string): boolean {
  const p = proto.toUpperCase();
  return p === 'IPV6-ICMP' || p === '58' || p === '058';
}

/**
 * An ICMP flow's key as Suricata 7 (and 8) compares it, in two ports: the first packet's type (icmp_type) on the
 * source's side and its counterpart type (the reply it expects, 0 when the type has none: `response_icmp_type`) on
 * the destination's. Read in src/flow-hash.c and src/decode.h (suricata-7.0.17): an ICMPv4 packet joins a flow of
 * the same addresses whose (type, counterpart) pair equals its own either way round (CmpFlowICMPPacket; the code is
 * not compared, nor is the echo id); an ICMPv6 packet is compared as a port pair (CmpFlowPacket), and its "ports"
 * are unions with the type and code (`icmp_s`) and the counterpart type with code 0 (`icmp_d`), so its code is part
 * of the key: added as 256 x code to the type (0 for echo, whose type alone then shows). Two records of one such key
 * are two states of one flow, one after the other, as for TCP: the adapter declares icmpKeyShown.
 */
export function icmpPorts(v6: boolean, type: number, code: number): [number, number] {
  const counterpart = (v6 ? ICMPV6_COUNTERPART : ICMPV4_COUNTERPART).get(type) ?? 0;
  return [v6 ? type + 256 * code : type, counterpart];
}

/** ICMPv4GetCounterpart (src/decode-icmpv4.c): echo, timestamp, information, router and address mask pairs. */
const ICMPV4_COUNTERPART = pairs([[8, 0], [13, 14], [15, 16], [10, 9], [17, 18]]);
/** ICMPv6GetCounterpart (src/decode-icmpv6.c): echo, neighbour, router, MLD, node information, home agent, ... */
const ICMPV6_COUNTERPART = pairs([[128, 129], [135, 136], [133, 134], [130, 131], [139, 140], [144, 145], [146, 147], [148, 149], [151, 152], [157, 158]]);

function pairs(list: Array<[number, number]>): Map<number, number> {
  return new Map(list.flatMap(([a, b]) => [[a, b], [b, a]] as Array<[number, number]>));
}

function protocolOf(proto: string): FlowProtocol {
  const p = proto.toUpperCase();
  if (p === 'TCP' || p === '6' || p === '006') return 'tcp';
  if (p === 'UDP' || p === '17' || p === '017') return 'udp';
  if (p === 'ICMP' || p === 'IPV6-ICMP' || p === '1' || p === '001' || p === '58' || p === '058') return 'icmp';
  return 'other';
}



