import type { ActiveRule } from '../monitor-adapter.js';
import { markedAtPacketActiveRule } from '../../core/timer-rule.js';

/**
 * softflowd's active timeout (maxlife), read from softflowd 1.1.0's sources (github:irino/softflowd, tag
 * softflowd-v1.1.0; Debian 12 ships 1.1.0), softflowd.c:
 *
 * - process_packet: the packet joins its flow (`flow_last` set) before flow_update_expiry looks at the flow, which
 *   marks it for expiry at once (`expires_at = 0`, R_MAXLIFE) when `flow_last.tv_sec - flow_start.tv_sec >
 *   maximum_lifetime`: whole seconds, strictly greater, and that packet is still in the record.
 * - The flow leaves the table only in check_expired, which the main loop runs after a pcap_dispatch of up to -m
 *   (max_flows, 8192) packets when next_expire says something is due. Reading a file (-r) it runs in
 *   CE_EXPIRE_FORCED mode: only flows marked `expires_at == 0` go, so maxlife is the one timeout that does fire
 *   offline (idle ones never do), but only after the batch of packets that holds the marking packet, however
 *   much packet time that batch spans. Live, the check also waits for the `expint` clustering (60 s).
 *
 * So a record keeps every packet until maxlife + 1 whole seconds after its first, and is cut at a later moment
 * the model cannot bound in time (the batch boundaries depend on every packet of the capture): a range from
 * "cut at the earliest" to "not cut at all". Measured: active-stream (6,854 packets, one batch) came out as one
 * record at maxlife 300 s (softflowd.log: `Queuing flow ... for expiry reason 6`, R_MAXLIFE, after the whole file);
 * a UDP exchange every second for 3 h (21,602 packets) as 3 records of about 4,028 s, one per batch of 8192 packets.
 */
export function softflowdActiveRule(maxlifeS: number): ActiveRule {
  return markedAtPacketActiveRule(
    maxlifeS,
    `flow_last - flow_start > ${maxlifeS} s (maxlife) in whole seconds marks the flow at its packet (flow_update_expiry); ` +
    'it is cut only at the next check_expired, after a pcap_dispatch of up to -m packets: from then to never',
  );
}
