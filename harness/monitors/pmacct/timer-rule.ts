import type { ActiveRule } from '../monitor-adapter.js';
import { markedAtPacketActiveRule } from '../../core/timer-rule.js';

/**
 * pmacct nfprobe's active timeout (nfprobe_timeouts maxlife), read from pmacct 1.7.7's sources (github:pmacct/pmacct,
 * tag v1.7.7; Debian 12 ships 1.7.7), src/nfprobe_plugin/nfprobe_plugin.c, a descendant of softflowd 0.9.7:
 *
 * - process_packet updates the flow with the packet, then flow_update_expiry marks it (`expires_at = 0`,
 *   R_MAXLIFE) when `flow_last.tv_sec - flow_start.tv_sec > maximum_lifetime`: whole seconds, strictly greater,
 *   and that packet is still in the record.
 * - The flow leaves the table in check_expired, which the plugin's loop runs at handle_flow_expiration, after the
 *   buffer of packets the core process handed it (plugin_buffer_size), when next_expire says something is due.
 *
 * So a record keeps every packet until maxlife + 1 whole seconds after its first, and is cut after the buffer
 * that holds the marking packet, at a packet time the model cannot bound (it depends on every packet of the
 * capture and on the buffer size): a range from "cut at the earliest" to "not cut". Measured: active-stream at
 * maxlife 300 s, the 5 s stream came out as 33 records and the 30 s clock as 29 (a cut at exactly 300 s: 37).
 */
export function pmacctActiveRule(maxlifeS: number): ActiveRule {
  return markedAtPacketActiveRule(
    maxlifeS,
    `flow_last - flow_start > ${maxlifeS} s (maxlife) in whole seconds marks the flow at its packet (flow_update_expiry); ` +
    "it is cut at the next check_expired, after the plugin's buffer of packets: from then to never",
  );
}
