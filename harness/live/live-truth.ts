import type { GroundTruth, TruthConnection } from '../core/ground-truth.js';
import { truthFromPcap } from '../io/truth-from-pcap.js';
import { truthToScenarioTime, type TimeMap } from './time-scale.js';

/**
 * The truth of a live cell is what arrived on the wire, not the schedule (tcpreplay's lateness accumulates): the
 * reference capture read packet by packet, each connection given the identity the schedule's truth gives it (id,
 * background role, how it opens and closes), then carried into scenario time.
 */
function connectionKey(c: Pick<TruthConnection, 'protocol' | 'vlan' | 'client' | 'server'>): string {
  const a = `${c.client.addr}|${c.client.port}`;
  const b = `${c.server.addr}|${c.server.port}`;
  return `${c.protocol}|${c.vlan ?? ''}|${a < b ? `${a}|${b}` : `${b}|${a}`}`;
}

export async function liveTruth(referenceCapture: string, schedule: GroundTruth, map: TimeMap): Promise<GroundTruth> {
  const arrived = await truthFromPcap(referenceCapture, schedule.quietThresholdUs / 1e6);
  const scheduled = new Map(schedule.connections.map((c) => [connectionKey(c), c]));
  const connections = arrived.connections.map((c): TruthConnection => {
    const planned = scheduled.get(connectionKey(c));
    if (!planned) return c;
    // tshark calls the first sender the client; the schedule knows better (a mid-stream capture where the server speaks first).
    const swapped = c.client.addr !== planned.client.addr || c.client.port !== planned.client.port;
    const counters = swapped
      ? { clientPkts: c.serverPkts, serverPkts: c.clientPkts, clientIpBytes: c.serverIpBytes, serverIpBytes: c.clientIpBytes, clientPayloadBytes: c.serverPayloadBytes, serverPayloadBytes: c.clientPayloadBytes }
      : {};
    return {
      ...c,
      ...counters,
      id: planned.id,
      client: planned.client,
      server: planned.server,
      open: planned.open,
      close: planned.close,
      firstSender: planned.firstSender,
      background: planned.background,
      ...(planned.role ? { role: planned.role } : {}),
      // The generator lists no quiet periods for background flows; neither does the live truth.
      quietPeriods: planned.background ? [] : c.quietPeriods,
    };
  });
  return truthToScenarioTime(map, {
    ...arrived,
    scenario: schedule.scenario,
    pcap: { ...arrived.pcap, timestampResolution: 'ns' },
    connections,
  });
}
