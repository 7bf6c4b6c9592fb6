import type { QuietPeriod, TruthConnection } from '../harness/core/ground-truth.js';
import type { Packet } from './packet.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from './packet.js';

/**
 * Accumulates one connection's ground truth from the packets as they are written, so every number in the truth
 * is counted from the pcap itself rather than predicted from the scenario.
 */
export type ConnectionIdentity = Pick<
  TruthConnection,
  'id' | 'protocol' | 'ipVersion' | 'vlan' | 'client' | 'server' | 'open' | 'close' | 'background' | 'role'
>;

const LETTERS = ['S', 'H', 'A', 'D', 'F', 'R'];
const LETTER_S = 0;
const LETTER_H = 1;
const LETTER_A = 2;
const LETTER_D = 3;
const LETTER_F = 4;
const LETTER_R = 5;

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
  /** Which letters (per direction) `history` already holds: one bit each, so a packet needs no string search. */
  private seen = 0;

  /**
   * Background connections (clock, sentinel) list no quiet periods: a clock every 30 s against a 30 s threshold
   * would list one per packet, thousands that say nothing about the scenario. longestGapUs is kept for them.
   */
  private readonly listsQuiet: boolean;

  constructor(
    readonly identity: ConnectionIdentity,
    private readonly quietThresholdUs: number,
  ) {
    this.listsQuiet = !identity.background;
  }

  add(p: Packet): void {
    this.addPacket(p.tsUs, p.dir, p.ipBytes, p.payloadBytes, p.tcpFlags);
  }

  /** `add` without the Packet object, for the generator's per-packet path. */
  addPacket(tsUs: number, dir: 0 | 1, ipBytes: number, payloadBytes: number, tcpFlags: number): void {
    if (this.firstUs < 0) {
      this.firstUs = tsUs;
      this.firstSender = dir === 0 ? 'client' : 'server';
    } else {
      const gap = tsUs - this.lastUs;
      if (gap > this.longestGapUs) this.longestGapUs = gap;
      if (gap >= this.quietThresholdUs && this.listsQuiet) this.quietPeriods.push({ startUs: this.lastUs, endUs: tsUs, lengthUs: gap });
    }
    this.lastUs = tsUs;
    if (dir === 0) {
      this.pkts[0] += 1;
      this.ipBytes[0] += ipBytes;
      this.payloadBytes[0] += payloadBytes;
    } else {
      this.pkts[1] += 1;
      this.ipBytes[1] += ipBytes;
      this.payloadBytes[1] += payloadBytes;
    }
    if (this.identity.protocol !== 'icmp') this.noteHistory(dir, payloadBytes, tcpFlags);
  }

  private noteHistory(dir: 0 | 1, payloadBytes: number, f: number): void {
    let letter: number;
    if (this.identity.protocol === 'udp') letter = LETTER_D;
    else if (f & TCP_RST) letter = LETTER_R;
    else if (f & TCP_SYN) letter = f & TCP_ACK ? LETTER_H : LETTER_S;
    else if (f & TCP_FIN) letter = LETTER_F;
    else if (payloadBytes > 0) letter = LETTER_D;
    else letter = LETTER_A;
    const bit = 1 << (letter + (dir === 0 ? 0 : LETTERS.length));
    if (this.seen & bit) return;
    this.seen |= bit;
    const l = LETTERS[letter] as string;
    this.history += dir === 0 ? l : l.toLowerCase();
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
