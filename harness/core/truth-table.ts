import { codeOf, grown, NumberedTexts, shared, TextIds, type SharedNumberedTexts } from './columns.js';
import type { QuietPeriod, TruthConnection, TruthEndpoint, TruthProtocol } from './ground-truth.js';

/**
 * The truth of a generated capture, column by column: a million TruthConnection objects (each with its endpoints,
 * its quiet periods and eight boxed numbers) took ~530 MB of heap; the same connections here take ~150 MB. Each
 * connection is read through a small view object whose getters read its row, so every consumer still sees a
 * TruthConnection; `toJSON` gives the plain object, key for key as the generator always wrote it, so truth.json
 * and results.json keep their bytes.
 */
const PROTOCOLS: readonly TruthProtocol[] = ['tcp', 'udp', 'icmp'];
const OPENS: readonly TruthConnection['open'][] = ['handshake', 'midstream', 'none'];
const CLOSES: readonly TruthConnection['close'][] = ['fin', 'rst', 'none'];
const SENDERS: readonly TruthConnection['firstSender'][] = ['client', 'server'];
const ROLES: readonly (TruthConnection['role'] | undefined)[] = [undefined, 'clock', 'sentinel'];
const NO_VLAN = -1;

/**
 * Numbers that are whole microseconds or counts, kept as doubles (times since the epoch exceed 2^32). durationUs
 * and a quiet period's lengthUs are not kept: they are lastUs - firstUs and endUs - startUs by definition (a truth
 * file that says otherwise is refused when read), and `push` refuses a connection that breaks either.
 */
const NUMBERS = [
  'firstUs', 'lastUs', 'clientPkts', 'clientIpBytes', 'clientPayloadBytes',
  'serverPkts', 'serverIpBytes', 'serverPayloadBytes', 'longestGapUs',
] as const;
type NumberField = (typeof NUMBERS)[number];

/** A TruthTable as another thread rebuilds it (TruthTable.fromShared): its columns' memory is shared, not copied. */
export interface SharedTruthTable {
  rows: number;
  codes: Uint8Array;
  endpoints: Int32Array;
  numbers: Float64Array;
  quietStart: Int32Array;
  quiet: Float64Array;
  quietCount: number;
  ids: SharedNumberedTexts;
  addresses: readonly string[];
  cuts: [number, NonNullable<TruthConnection['cut']>][];
}

export class TruthTable {
  private rows = 0;
  private capacity: number;
  private ids = new NumberedTexts();
  private addresses = new TextIds();
  private codes: Uint8Array;
  private endpoints: Int32Array;
  private numbers: Float64Array;
  /** Quiet periods of row r: quiet[2 * k ..] for k in quietStart[r] .. quietStart[r + 1] - 1, as start and end. */
  private quietStart: Int32Array;
  private quiet: Float64Array;
  private quietCount = 0;
  /** `cut` (only a derived truth has one) by row. */
  private readonly cuts = new Map<number, NonNullable<TruthConnection['cut']>>();

  constructor(expectedRows = 1024) {
    this.capacity = Math.max(16, expectedRows);
    // In shared memory from the start (grown keeps them there): a score worker reads them without a copy (share).
    this.codes = shared(Uint8Array, this.capacity * CODES);
    this.endpoints = shared(Int32Array, this.capacity * ENDPOINTS);
    this.numbers = shared(Float64Array, this.capacity * NUMBERS.length);
    this.quietStart = shared(Int32Array, this.capacity + 1);
    this.quiet = shared(Float64Array, Math.max(32, expectedRows) * 2);
  }

  get length(): number {
    return this.rows;
  }

  /** Appends a connection; returns its view (which reads this table from now on). */
  push(c: TruthConnection): TruthConnection {
    if (c.durationUs !== c.lastUs - c.firstUs) throw new Error(`TruthTable: ${c.id} has durationUs ${c.durationUs}, not lastUs - firstUs`);
    for (const q of c.quietPeriods) if (q.lengthUs !== q.endUs - q.startUs) throw new Error(`TruthTable: ${c.id} has a quiet period of lengthUs ${q.lengthUs}, not endUs - startUs`);
    if (this.rows === this.capacity) this.grow();
    const r = this.rows;
    this.ids.push(c.id);
    const codes = r * CODES;
    this.codes[codes] = codeOf('TruthTable', 'protocol', PROTOCOLS, c.protocol);
    this.codes[codes + 1] = c.ipVersion;
    this.codes[codes + 2] = codeOf('TruthTable', 'open', OPENS, c.open);
    this.codes[codes + 3] = codeOf('TruthTable', 'close', CLOSES, c.close);
    this.codes[codes + 4] = codeOf('TruthTable', 'firstSender', SENDERS, c.firstSender);
    this.codes[codes + 5] = (c.background ? 1 : 0) | (c.vlan === undefined ? 0 : 2) | (c.innerVlan === undefined ? 0 : 4);
    this.codes[codes + 6] = codeOf('TruthTable', 'role', ROLES, c.role);
    const e = r * ENDPOINTS;
    this.endpoints[e] = this.addresses.id(c.client.addr);
    this.endpoints[e + 1] = c.client.port;
    this.endpoints[e + 2] = this.addresses.id(c.server.addr);
    this.endpoints[e + 3] = c.server.port;
    this.endpoints[e + 4] = c.vlan ?? NO_VLAN;
    this.endpoints[e + 5] = c.innerVlan ?? NO_VLAN;
    const n = r * NUMBERS.length;
    for (let i = 0; i < NUMBERS.length; i += 1) this.numbers[n + i] = c[NUMBERS[i] as NumberField];
    const periods = c.quietPeriods;
    while ((this.quietCount + periods.length) * 2 > this.quiet.length) this.quiet = grown(this.quiet, Math.max(32, this.quiet.length * 2));
    for (const q of periods) {
      const k = this.quietCount * 2;
      this.quiet[k] = q.startUs;
      this.quiet[k + 1] = q.endUs;
      this.quietCount += 1;
    }
    this.quietStart[r + 1] = this.quietCount;
    if (c.cut !== undefined) this.cuts.set(r, c.cut);
    this.rows += 1;
    return new TruthRow(this, r);
  }

  /** The table for another thread, which reads the same column memory (a million connections, not copied). */
  share(): SharedTruthTable {
    return {
      rows: this.rows, codes: this.codes, endpoints: this.endpoints, numbers: this.numbers, quietStart: this.quietStart, quiet: this.quiet, quietCount: this.quietCount,
      ids: this.ids.share(), addresses: this.addresses.all(), cuts: [...this.cuts],
    };
  }

  /** The table `share()` described, reading the same column memory; it is not to be pushed to. */
  static fromShared(shared: SharedTruthTable): TruthTable {
    const table = new TruthTable(0);
    table.rows = shared.rows;
    table.capacity = shared.rows;
    table.codes = shared.codes;
    table.endpoints = shared.endpoints;
    table.numbers = shared.numbers;
    table.quietStart = shared.quietStart;
    table.quiet = shared.quiet;
    table.quietCount = shared.quietCount;
    table.ids = NumberedTexts.fromShared(shared.ids);
    table.addresses = TextIds.from(shared.addresses);
    for (const [row, cut] of shared.cuts) table.cuts.set(row, cut);
    return table;
  }

  /** Row r (0 <= r < length) seen as a TruthConnection: the view `push` returned for it. */
  view(r: number): TruthConnection {
    if (!(r >= 0 && r < this.rows)) throw new RangeError(`TruthTable: row ${r} of ${this.rows}`);
    return new TruthRow(this, r);
  }

  private grow(): void {
    this.capacity *= 2;
    this.codes = grown(this.codes, this.capacity * CODES);
    this.endpoints = grown(this.endpoints, this.capacity * ENDPOINTS);
    this.numbers = grown(this.numbers, this.capacity * NUMBERS.length);
    this.quietStart = grown(this.quietStart, this.capacity + 1);
  }

  /** @internal the view's reads */
  id(r: number): string {
    return this.ids.text(r);
  }

  code(r: number, field: number): number {
    return this.codes[r * CODES + field] as number;
  }

  endpoint(r: number, side: 0 | 1): TruthEndpoint {
    const e = r * ENDPOINTS + side * 2;
    return { addr: this.addresses.text(this.endpoints[e] as number), port: this.endpoints[e + 1] as number };
  }

  vlan(r: number): number | undefined {
    return (this.code(r, 5) & 2) === 0 ? undefined : (this.endpoints[r * ENDPOINTS + 4] as number);
  }

  innerVlan(r: number): number | undefined {
    return (this.code(r, 5) & 4) === 0 ? undefined : (this.endpoints[r * ENDPOINTS + 5] as number);
  }

  number(r: number, field: number): number {
    return this.numbers[r * NUMBERS.length + field] as number;
  }

  quietPeriods(r: number): QuietPeriod[] {
    if (this.quietStart[r] === this.quietStart[r + 1]) return NO_QUIET_PERIODS;
    const out: QuietPeriod[] = [];
    for (let k = this.quietStart[r] as number; k < (this.quietStart[r + 1] as number); k += 1) {
      const startUs = this.quiet[2 * k] as number;
      const endUs = this.quiet[2 * k + 1] as number;
      out.push({ startUs, endUs, lengthUs: endUs - startUs });
    }
    return out;
  }

  cut(r: number): TruthConnection['cut'] {
    return this.cuts.get(r);
  }
}

/**
 * What a row without quiet periods (most rows of a large truth) reads: one array for all of them, since the ideal
 * model reads a connection's quiet periods once per cell it scores. Shared, so frozen: no reader may change it.
 */
const NO_QUIET_PERIODS = Object.freeze([]) as readonly QuietPeriod[] as QuietPeriod[];

const CODES = 7;
const ENDPOINTS = 6;

const field = (name: NumberField): number => NUMBERS.indexOf(name);
const FIRST = field('firstUs');
const LAST = field('lastUs');
const CLIENT_PKTS = field('clientPkts');
const CLIENT_IP = field('clientIpBytes');
const CLIENT_PAYLOAD = field('clientPayloadBytes');
const SERVER_PKTS = field('serverPkts');
const SERVER_IP = field('serverIpBytes');
const SERVER_PAYLOAD = field('serverPayloadBytes');
const LONGEST_GAP = field('longestGapUs');

/** One row of a TruthTable seen as a TruthConnection: two fields of its own, everything else read on demand. */
class TruthRow implements TruthConnection {
  constructor(readonly table: TruthTable, readonly row: number) {}

  get id(): string { return this.table.id(this.row); }
  get protocol(): TruthProtocol { return PROTOCOLS[this.table.code(this.row, 0)] as TruthProtocol; }
  get ipVersion(): 4 | 6 { return this.table.code(this.row, 1) as 4 | 6; }
  get vlan(): number | undefined { return this.table.vlan(this.row); }
  get innerVlan(): number | undefined { return this.table.innerVlan(this.row); }
  get client(): TruthEndpoint { return this.table.endpoint(this.row, 0); }
  get server(): TruthEndpoint { return this.table.endpoint(this.row, 1); }
  get firstUs(): number { return this.table.number(this.row, FIRST); }
  get lastUs(): number { return this.table.number(this.row, LAST); }
  get durationUs(): number { return this.lastUs - this.firstUs; }
  get clientPkts(): number { return this.table.number(this.row, CLIENT_PKTS); }
  get clientIpBytes(): number { return this.table.number(this.row, CLIENT_IP); }
  get clientPayloadBytes(): number { return this.table.number(this.row, CLIENT_PAYLOAD); }
  get serverPkts(): number { return this.table.number(this.row, SERVER_PKTS); }
  get serverIpBytes(): number { return this.table.number(this.row, SERVER_IP); }
  get serverPayloadBytes(): number { return this.table.number(this.row, SERVER_PAYLOAD); }
  get open(): TruthConnection['open'] { return OPENS[this.table.code(this.row, 2)] as TruthConnection['open']; }
  get close(): TruthConnection['close'] { return CLOSES[this.table.code(this.row, 3)] as TruthConnection['close']; }
  get firstSender(): TruthConnection['firstSender'] { return SENDERS[this.table.code(this.row, 4)] as TruthConnection['firstSender']; }
  get quietPeriods(): QuietPeriod[] { return this.table.quietPeriods(this.row); }
  get longestGapUs(): number { return this.table.number(this.row, LONGEST_GAP); }
  get background(): boolean { return (this.table.code(this.row, 5) & 1) === 1; }
  get role(): TruthConnection['role'] { return ROLES[this.table.code(this.row, 6)]; }
  get cut(): TruthConnection['cut'] { return this.table.cut(this.row); }

  /** The plain connection, keys in the order the generator has always written them. */
  toJSON(): TruthConnection {
    const vlan = this.vlan;
    const innerVlan = this.innerVlan;
    const role = this.role;
    const cut = this.cut;
    return {
      id: this.id,
      protocol: this.protocol,
      ipVersion: this.ipVersion,
      ...(vlan === undefined ? {} : { vlan }),
      ...(innerVlan === undefined ? {} : { innerVlan }),
      client: this.client,
      server: this.server,
      firstUs: this.firstUs,
      lastUs: this.lastUs,
      durationUs: this.durationUs,
      clientPkts: this.clientPkts,
      clientIpBytes: this.clientIpBytes,
      clientPayloadBytes: this.clientPayloadBytes,
      serverPkts: this.serverPkts,
      serverIpBytes: this.serverIpBytes,
      serverPayloadBytes: this.serverPayloadBytes,
      open: this.open,
      close: this.close,
      firstSender: this.firstSender,
      quietPeriods: this.quietPeriods,
      longestGapUs: this.longestGapUs,
      background: this.background,
      ...(role === undefined ? {} : { role }),
      ...(cut === undefined ? {} : { cut }),
    };
  }
}

/**
 * The one TruthTable whose rows 0.. are exactly these connections, in order (a generated or read truth's); undefined
 * for connections made any other way (hand-made in tests, derived). Checked row by row once per list.
 */
export function truthTableOf(connections: readonly TruthConnection[]): TruthTable | undefined {
  if (tableOfList.has(connections)) return tableOfList.get(connections);
  const first = connections[0];
  let table: TruthTable | undefined = first instanceof TruthRow && first.table.length === connections.length ? first.table : undefined;
  for (let i = 0; table !== undefined && i < connections.length; i += 1) {
    const c = connections[i];
    if (!(c instanceof TruthRow) || c.table !== table || c.row !== i) table = undefined;
  }
  tableOfList.set(connections, table);
  return table;
}

const tableOfList = new WeakMap<readonly TruthConnection[], TruthTable | undefined>();

/** A connection as a plain object, whether it is one or a TruthTable row (for spreading, cloning, deep comparison). */
export function plainConnection(c: TruthConnection): TruthConnection {
  return c instanceof TruthRow ? c.toJSON() : c;
}
