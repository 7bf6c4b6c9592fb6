import type { QuietPeriod, TruthConnection } from '../harness/core/ground-truth.js';
import { TruthTable } from '../harness/core/truth-table.js';
import { TextIntern } from '../harness/core/text-intern.js';
import {
  F_CLIENT_IP, F_CLIENT_PAYLOAD, F_CLIENT_PKTS, F_FIRST, F_HISTORY, F_LAST, F_LONGEST_GAP, F_SERVER_IP, F_SERVER_PAYLOAD,
  F_SERVER_PKTS, U_TRUTH_BITS, type ParkedRows,
} from './parked-rows.js';
import type { Packet } from './packet.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from './packet.js';

export type ConnectionIdentity = Pick<
  TruthConnection,
  'id' | 'protocol' | 'ipVersion' | 'vlan' | 'innerVlan' | 'client' | 'server' | 'open' | 'close' | 'background' | 'role'
>;

const LETTERS = ['S', 'H', 'A', 'D', 'F', 'R'];
const LETTER_S = 0;
const LETTER_H = 1;
const LETTER_A = 2;
const LETTER_D = 3;
const LETTER_F = 4;
const LETTER_R = 5;

/**
 * Accumulates one connection's ground truth from the packets as they are written, so every number in the truth
 * is counted from the pcap itself rather than predicted from the scenario.
 *
 * Its counts while it runs are plain number fields (no per-connection arrays), quiet periods only once
 * there is one, history as bits. Alive connections at a million-connection scale number in the hundreds of
 * thousands, so every field here is multiplied by that.
 */
export class ConnectionTruth {
  firstUs = -1;
  lastUs = -1;
  clientPkts = 0;
  serverPkts = 0;
  clientIpBytes = 0;
  serverIpBytes = 0;
  clientPayloadBytes = 0;
  serverPayloadBytes = 0;
  firstSender: 'client' | 'server' = 'client';
  longestGapUs = 0;
  private quiet: QuietPeriod[] | undefined;
  /**
   * Zeek-style history letters in order of first appearance (approximate: each letter once), as 4-bit letter
   * numbers (1 + letter, + LETTERS.length for the responder), first letter lowest; at most 12 distinct.
   */
  private history = 0;
  private historyLength = 0;
  /** Which letters (per direction) `history` already holds: one bit each, so a packet needs no search. */
  private seen = 0;

  constructor(
    readonly identity: ConnectionIdentity,
    private readonly quietThresholdUs: number,
  ) {}

  get quietPeriods(): readonly QuietPeriod[] {
    return this.quiet ?? [];
  }

  /** Its counts into `row` of a parked connection; returns its quiet periods so far (the row has no room for a list). */
  parkInto(rows: ParkedRows, row: number): QuietPeriod[] | undefined {
    const f = rows.floats(row);
    const fi = rows.fAt(row);
    f[fi + F_FIRST] = this.firstUs;
    f[fi + F_LAST] = this.lastUs;
    f[fi + F_CLIENT_PKTS] = this.clientPkts;
    f[fi + F_SERVER_PKTS] = this.serverPkts;
    f[fi + F_CLIENT_IP] = this.clientIpBytes;
    f[fi + F_SERVER_IP] = this.serverIpBytes;
    f[fi + F_CLIENT_PAYLOAD] = this.clientPayloadBytes;
    f[fi + F_SERVER_PAYLOAD] = this.serverPayloadBytes;
    f[fi + F_LONGEST_GAP] = this.longestGapUs;
    f[fi + F_HISTORY] = this.history;
    rows.ints(row)[rows.uAt(row) + U_TRUTH_BITS] = this.seen | (this.historyLength << 12) | (this.firstSender === 'server' ? 1 << 16 : 0);
    return this.quiet;
  }

  /** The builder parked in `row` (with the quiet periods `parkInto` returned), as it was. */
  static resume(identity: ConnectionIdentity, quietThresholdUs: number, rows: ParkedRows, row: number, quiet: QuietPeriod[] | undefined): ConnectionTruth {
    const t = new ConnectionTruth(identity, quietThresholdUs);
    const f = rows.floats(row);
    const fi = rows.fAt(row);
    t.firstUs = f[fi + F_FIRST] as number;
    t.lastUs = f[fi + F_LAST] as number;
    t.clientPkts = f[fi + F_CLIENT_PKTS] as number;
    t.serverPkts = f[fi + F_SERVER_PKTS] as number;
    t.clientIpBytes = f[fi + F_CLIENT_IP] as number;
    t.serverIpBytes = f[fi + F_SERVER_IP] as number;
    t.clientPayloadBytes = f[fi + F_CLIENT_PAYLOAD] as number;
    t.serverPayloadBytes = f[fi + F_SERVER_PAYLOAD] as number;
    t.longestGapUs = f[fi + F_LONGEST_GAP] as number;
    t.history = f[fi + F_HISTORY] as number;
    const bits = rows.ints(row)[rows.uAt(row) + U_TRUTH_BITS] as number;
    t.seen = bits & 0xfff;
    t.historyLength = (bits >>> 12) & 0xf;
    t.firstSender = (bits & (1 << 16)) !== 0 ? 'server' : 'client';
    t.quiet = quiet;
    return t;
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
      // Background connections (clock, sentinel) list no quiet periods: a clock every 30 s against a 30 s
      // threshold would list one per packet, thousands that say nothing about the scenario. longestGapUs is kept.
      if (gap >= this.quietThresholdUs && !this.identity.background) (this.quiet ??= []).push({ startUs: this.lastUs, endUs: tsUs, lengthUs: gap });
    }
    this.lastUs = tsUs;
    if (dir === 0) {
      this.clientPkts += 1;
      this.clientIpBytes += ipBytes;
      this.clientPayloadBytes += payloadBytes;
    } else {
      this.serverPkts += 1;
      this.serverIpBytes += ipBytes;
      this.serverPayloadBytes += payloadBytes;
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
    const k = letter + (dir === 0 ? 0 : LETTERS.length);
    const bit = 1 << k;
    if (this.seen & bit) return;
    this.seen |= bit;
    this.history += (k + 1) * 16 ** this.historyLength;
    this.historyLength += 1;
  }

  /** History as Zeek writes it: letters of the originator upper case, the responder's lower case. */
  zeekHistory(): string {
    if (this.historyLength === 0) return '-';
    let text = '';
    let h = this.history;
    for (let i = 0; i < this.historyLength; i++) {
      const k = (h % 16) - 1;
      h = Math.floor(h / 16);
      const l = LETTERS[k % LETTERS.length] as string;
      text += k < LETTERS.length ? l : l.toLowerCase();
    }
    return text;
  }

  toTruth(): TruthConnection {
    const id = this.identity;
    const empty = this.firstUs < 0;
    const conn: TruthConnection = {
      id: id.id,
      protocol: id.protocol,
      ipVersion: id.ipVersion,
      ...(id.vlan === undefined ? {} : { vlan: id.vlan }),
      ...(id.innerVlan === undefined ? {} : { innerVlan: id.innerVlan }),
      client: { addr: id.client.addr, port: id.client.port },
      server: { addr: id.server.addr, port: id.server.port },
      firstUs: empty ? 0 : this.firstUs,
      lastUs: empty ? 0 : this.lastUs,
      durationUs: empty ? 0 : this.lastUs - this.firstUs,
      clientPkts: this.clientPkts,
      clientIpBytes: this.clientIpBytes,
      clientPayloadBytes: this.clientPayloadBytes,
      serverPkts: this.serverPkts,
      serverIpBytes: this.serverIpBytes,
      serverPayloadBytes: this.serverPayloadBytes,
      open: id.open,
      close: id.close,
      firstSender: this.firstSender,
      // A copy of exactly its length: the list grown by push keeps room for 16 more, per connection.
      quietPeriods: this.quiet === undefined ? [] : this.quiet.slice(),
      longestGapUs: this.longestGapUs,
      background: id.background,
    };
    if (id.role !== undefined) conn.role = id.role;
    return conn;
  }
}

/**
 * Finished connections' truths, in order (the scenario's connections in file and copy order, then the clock and
 * the sentinel), kept column by column in a TruthTable: a connection's builder, stream and frame state are dropped
 * once its truth is read out here. Connections finish out of order; the table takes rows in order, so one that
 * finishes before an earlier one waits here as its (compact) builder until every connection before it is in.
 */
export class FinishedTruths {
  private readonly table: TruthTable;
  /** The table's row views, 0 .. in - 1. */
  private readonly connections: TruthConnection[] = [];
  private readonly histories: string[] = [];
  private readonly waiting = new Map<number, ConnectionTruth>();
  /** Histories are a handful of distinct strings: one copy of each, not one per connection. */
  private readonly historyText = new TextIntern();

  constructor(readonly size: number) {
    this.table = new TruthTable(size);
  }

  add(order: number, builder: ConnectionTruth): void {
    if (order < this.connections.length || order >= this.size || this.waiting.has(order)) {
      throw new Error(`connection ${builder.identity.id} (order ${order}) finished twice or out of range (generator bug)`);
    }
    if (order !== this.connections.length) {
      this.waiting.set(order, builder);
      return;
    }
    this.append(builder);
    for (let next = this.waiting.get(this.connections.length); next !== undefined; next = this.waiting.get(this.connections.length)) {
      this.waiting.delete(this.connections.length);
      this.append(next);
    }
  }

  has(order: number): boolean {
    return order < this.connections.length || this.waiting.has(order);
  }

  /** Every connection's truth and Zeek history, in order; fails loudly if one never finished. */
  all(): { connections: TruthConnection[]; histories: string[] } {
    if (this.connections.length !== this.size) {
      throw new Error(`${this.size - this.connections.length} of ${this.size} connections never finished (generator bug)`);
    }
    return { connections: this.connections, histories: this.histories };
  }

  private append(builder: ConnectionTruth): void {
    this.connections.push(this.table.push(builder.toTruth()));
    this.histories.push(this.historyText.of(builder.zeekHistory()));
  }
}
