import type { QuietPeriod, TruthConnection, TruthEndpoint, TruthProtocol } from '../harness/core/ground-truth.js';
import type { Packet } from './packet.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from './packet.js';

/**
 * Accumulates one connection's ground truth from the packets as they are written, so every number in the truth
 * is counted from the pcap itself rather than predicted from the scenario.
 */
export interface ConnectionIdentity {
  id: string;
  protocol: TruthProtocol;
  ipVersion: 4 | 6;
  vlan?: number;
  client: TruthEndpoint;
  server: TruthEndpoint;
  open: TruthConnection['open'];
  close: TruthConnection['close'];
  background: boolean;
  role?: 'clock' | 'sentinel';
}

export class ConnectionTruth {
  firstUs = -1;
  lastUs = -1;
  readonly pkts: [number, number] = [0, 0];
  readonly ipBytes: [number, number] = [0, 0];
  readonly payloadBytes: [number, number] = [0, 0];
  firstSender: 'client' | 'server' = 'client';
  longestGapUs = 0;
  readonly quietPeriods: QuietPeriod[] = [];
  /** Zeek-style history letters in order of first appearance (approximate: each letter once). */
  private history = '';

  constructor(
    readonly identity: ConnectionIdentity,
    private readonly quietThresholdUs: number,
  ) {}

  add(p: Packet): void {
    const t = p.tsUs;
    if (this.firstUs < 0) {
      this.firstUs = t;
      this.firstSender = p.dir === 0 ? 'client' : 'server';
    } else {
      const gap = t - this.lastUs;
      if (gap > this.longestGapUs) this.longestGapUs = gap;
      if (gap >= this.quietThresholdUs) this.quietPeriods.push({ startUs: this.lastUs, endUs: t, lengthUs: gap });
    }
    this.lastUs = t;
    this.pkts[p.dir] += 1;
    this.ipBytes[p.dir] += p.ipBytes;
    this.payloadBytes[p.dir] += p.payloadBytes;
    if (this.identity.protocol !== 'icmp') this.noteHistory(p);
  }

  private noteHistory(p: Packet): void {
    let letter: string;
    if (this.identity.protocol === 'udp') letter = 'D';
    else {
      const f = p.tcpFlags;
      if (f & TCP_RST) letter = 'R';
      else if (f & TCP_SYN) letter = f & TCP_ACK ? 'H' : 'S';
      else if (f & TCP_FIN) letter = 'F';
      else if (p.payloadBytes > 0) letter = 'D';
      else letter = 'A';
    }
    const l = p.dir === 0 ? letter : letter.toLowerCase();
    if (!this.history.includes(l)) this.history += l;
  }

  /** History as Zeek writes it: letters of the originator upper case, the responder's lower case. */
  zeekHistory(): string {
    return this.history === '' ? '-' : this.history;
  }

  toTruth(): TruthConnection {
    const id = this.identity;
    const empty = this.firstUs < 0;
    const conn: TruthConnection = {
      id: id.id,
      protocol: id.protocol,
      ipVersion: id.ipVersion,
      ...(id.vlan === undefined ? {} : { vlan: id.vlan }),
      client: { addr: id.client.addr, port: id.client.port },
      server: { addr: id.server.addr, port: id.server.port },
      firstUs: empty ? 0 : this.firstUs,
      lastUs: empty ? 0 : this.lastUs,
      durationUs: empty ? 0 : this.lastUs - this.firstUs,
      clientPkts: this.pkts[0],
      clientIpBytes: this.ipBytes[0],
      clientPayloadBytes: this.payloadBytes[0],
      serverPkts: this.pkts[1],
      serverIpBytes: this.ipBytes[1],
      serverPayloadBytes: this.payloadBytes[1],
      open: id.open,
      close: id.close,
      firstSender: this.firstSender,
      quietPeriods: this.quietPeriods.map((q) => ({ startUs: q.startUs, endUs: q.endUs, lengthUs: q.lengthUs })),
      longestGapUs: this.longestGapUs,
      background: id.background,
    };
    if (id.role !== undefined) conn.role = id.role;
    return conn;
  }
}
