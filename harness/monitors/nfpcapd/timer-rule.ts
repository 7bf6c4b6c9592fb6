import type { ActiveRule } from '../monitor-adapter.js';
import { keptByWholeSecondsUs } from '../../core/timer-rule.js';

/**
 * nfpcapd's active timeout, read from nfdump 1.7.1's sources (github:phaag/nfdump, tag v1.7.1; Debian 12 ships
 * 1.7.1), which is not a cut at the record's first packet + active:
 *
 * - src/nfpcapd/pcaproc.c, ProcessPacket: after the packet has joined its flow, `if ((hdr->ts.tv_sec - lastRun) >
 *   1) CacheCheck(NodeList, hdr->ts.tv_sec)`: the cache is looked at only when a packet (of any flow) comes 2 whole
 *   seconds or more after the last look.
 * - src/nfpcapd/flowtree.c, CacheCheck: `if ((when - lastExpire) > EXPIREINTERVALL) Expire_FlowTree(...)`, with
 *   EXPIREINTERVALL 10: the flow tree is swept at a look 11 whole seconds or more after the last sweep.
 * - flowtree.c, Expire_FlowTree: a flow is expired when `(when - node->t_first.tv_sec) > expireActiveTimeout`
 *   (or its inactive timeout), whole seconds of packet time.
 *
 * So a packet at most `active` seconds after the record's first stays in it (whole seconds: floor(T) - floor(F)
 * <= active when T - F <= active), and the first packet, of any flow, whose whole second is 12 or more after the
 * last sweep (at most the record's first + active) sweeps it: by the connection's first packet at least
 * active + 12 s after the record's first, the record is cut, and that packet, having joined before the sweep,
 * may be its last. A record therefore lasts from active up to active + 12 s plus the wait for the next packets.
 * Measured on udp-beacon (default -e 300,60, clock every 15 s): the 50 s beacon came out as 62 records of 350 s
 * (its packet at 300 s is kept, the sweep after 301 s cuts it) and the clock as 68, where a cut at exactly 300 s
 * would give 73 and 75.
 */
export const NFPCAPD_EXPIRE_INTERVAL_S = 10;

/** The whole seconds from one sweep to the packet that is sure to make the next: `> 10`, behind a look `> 1` s apart. */
export const NFPCAPD_SWEEP_WAIT_S = NFPCAPD_EXPIRE_INTERVAL_S + 2;

export function nfpcapdActiveRule(activeS: number): ActiveRule {
  return {
    // Cut only once floor(T) - floor(F) > active: every packet before second F + active + 1 stays.
    keepsUntilUs: (startUs) => keptByWholeSecondsUs(startUs, activeS),
    // The last sweep before that second was at most at second F + active; the next comes 12 whole seconds later at most.
    // (The first microsecond of whole second F + active + wait is one past what a limit of active + wait - 1 keeps.)
    cutByUs: (startUs) => keptByWholeSecondsUs(startUs, activeS + NFPCAPD_SWEEP_WAIT_S - 1) + 1,
    comparison:
      `(when - t_first) > ${activeS} s (-e active) in whole seconds, at the sweep of the flow tree every ${NFPCAPD_EXPIRE_INTERVAL_S}+ s of packet time (Expire_FlowTree): ` +
      `a record lasts from ${activeS} s to about ${activeS + NFPCAPD_SWEEP_WAIT_S} s, the packet that makes the sweep still in it`,
  };
}
