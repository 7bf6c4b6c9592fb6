import { grown } from '../core/columns.js';
import { canonicalAddress } from '../core/ip-address.js';

/**
 * Addresses interned to small integers, so that matching compares and hashes integers instead of a million
 * distinct address strings. Ids are dense (0, 1, 2, ...) in order of interning.
 *
 * Canonical IPv4 text, by far the common case, is read digit by digit into its 32-bit value and kept in a flat
 * open-addressing table: that costs less than hashing and comparing the string. Everything else goes through
 * canonicalAddress and a Map.
 */
export class AddressIds {
  /** IPv4 value (as int32) and id + 1 (0 = empty slot); linear probing, length a power of two. */
  private v4Keys = new Int32Array(16);
  private v4Ids = new Int32Array(16);
  private v4Count = 0;
  private readonly byText = new Map<string, number>();
  /** Record text that is not canonical -> id or -1, so that each odd spelling is canonicalized once. */
  private readonly aliases = new Map<string, number>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The id of an address, a new one if it was not known. */
  intern(text: string): number {
    const v = dottedQuad(text);
    if (v >= 0) return this.internV4(v);
    const canonical = canonicalAddress(text);
    const cv = dottedQuad(canonical);
    if (cv >= 0) return this.internV4(cv);
    let id = this.byText.get(canonical);
    if (id === undefined) this.byText.set(canonical, (id = this.count++));
    return id;
  }

  /** The id of an address, or -1 when it was never interned. */
  find(text: string): number {
    const v = dottedQuad(text);
    // Canonical dotted quads are their own canonical form: no other spelling to try.
    if (v >= 0) return this.findV4(v);
    const id = this.byText.get(text);
    if (id !== undefined) return id;
    const alias = this.aliases.get(text);
    if (alias !== undefined) return alias;
    const canonical = canonicalAddress(text);
    const cv = dottedQuad(canonical);
    const resolved = cv >= 0 ? this.findV4(cv) : (this.byText.get(canonical) ?? -1);
    if (this.aliases.size >= ALIAS_LIMIT) this.aliases.clear();
    this.aliases.set(text, resolved);
    return resolved;
  }

  private findV4(v: number): number {
    const keys = this.v4Keys;
    const ids = this.v4Ids;
    const mask = ids.length - 1;
    const key = v | 0;
    for (let s = hashV4(v) & mask; ; s = (s + 1) & mask) {
      const id = ids[s] as number;
      if (id === 0) return -1;
      if (keys[s] === key) return id - 1;
    }
  }

  private internV4(v: number): number {
    const found = this.findV4(v);
    if (found >= 0) return found;
    if (2 * (this.v4Count + 1) > this.v4Ids.length) this.growV4();
    const id = this.count++;
    this.placeV4(v | 0, id + 1);
    this.v4Count += 1;
    return id;
  }

  private placeV4(key: number, stored: number): void {
    const mask = this.v4Ids.length - 1;
    let s = hashV4(key) & mask;
    while (this.v4Ids[s] !== 0) s = (s + 1) & mask;
    this.v4Keys[s] = key;
    this.v4Ids[s] = stored;
  }

  private growV4(): void {
    const keys = this.v4Keys;
    const ids = this.v4Ids;
    this.v4Keys = new Int32Array(keys.length * 2);
    this.v4Ids = new Int32Array(ids.length * 2);
    for (let s = 0; s < ids.length; s += 1) {
      if (ids[s] !== 0) this.placeV4(keys[s] as number, ids[s] as number);
    }
  }
}

const ALIAS_LIMIT = 100_000;

const NOT_LOOKED_UP = -2;

/**
 * A record table's address texts (by the table's text ids) as AddressIds ids, each text looked up once: a million
 * rows naming a few thousand addresses cost a few thousand lookups, and then an array read per row.
 */
/** A record table's address texts (by the table's text ids) as AddressIds ids: what a row's orientation reads. */
export interface AddressIdsOfTexts {
  of(textId: number): number;
}

export class TextAddressIds implements AddressIdsOfTexts {
  private ids = new Int32Array(256).fill(NOT_LOOKED_UP);

  constructor(private readonly addresses: AddressIds, private readonly texts: { text(id: number): string }) {}

  /** The address id of the table's text `textId`, or -1 when the address was never interned. */
  of(textId: number): number {
    if (textId >= this.ids.length) this.ids = grown(this.ids, Math.max(textId + 1, this.ids.length * 2), NOT_LOOKED_UP);
    let id = this.ids[textId] as number;
    if (id === NOT_LOOKED_UP) {
      id = this.addresses.find(this.texts.text(textId));
      this.ids[textId] = id;
    }
    return id;
  }

  /** Every text looked up so far (after a match: every address of every row), for another thread (ResolvedAddressIds). */
  resolved(): Int32Array {
    return this.ids.slice();
  }
}

/**
 * The address ids TextAddressIds found, without the AddressIds they came from: a score worker orients the rows of
 * matched connections, every one of whose addresses the match looked up. A text it did not is a mistake, not -1.
 */
export class ResolvedAddressIds implements AddressIdsOfTexts {
  constructor(private readonly ids: Int32Array) {}

  of(textId: number): number {
    const id = this.ids[textId];
    if (id === undefined || id === NOT_LOOKED_UP) throw new Error(`ResolvedAddressIds: text ${textId} was not looked up by the match`);
    return id;
  }
}

/**
 * The 32-bit value of canonical dotted-quad text (each part 0..255 without leading zeros: what node's isIP
 * accepts as IPv4), or -1 for anything else.
 */
export function dottedQuad(text: string): number {
  const n = text.length;
  if (n < 7 || n > 15) return -1;
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i += 1) {
    const ch = text.charCodeAt(i);
    if (ch === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots += 1;
    } else {
      const d = ch - 48;
      if (d < 0 || d > 9 || (digits === 1 && part === 0)) return -1;
      part = part * 10 + d;
      digits += 1;
      if (part > 255) return -1;
    }
  }
  if (digits === 0 || dots !== 3) return -1;
  return value * 256 + part;
}

/** Same hash for a value as a double (0 .. 2^32 - 1) or as int32: Math.imul takes both to the same int32. */
function hashV4(v: number): number {
  const h = Math.imul(v, 0x9e3779b1);
  return h ^ (h >>> 16);
}
