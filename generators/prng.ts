/**
 * Seeded randomness for jitter and initial sequence numbers. Same scenario and seed give the same draws, so the
 * same pcap bytes; each connection gets its own stream so adding one connection does not move another's packets.
 */

/**
 * mulberry32: 32-bit state, fast, good enough for jitter; `next` returns uniform floats in [0, 1). Its whole state
 * is one number, so a connection parked while quiet keeps its stream as that number.
 */
export class Mulberry32 {
  constructor(public state: number) {
    this.state = state >>> 0;
  }

  next(): number {
    const a = (this.state + 0x6d2b79f5) >>> 0;
    this.state = a;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

export function mulberry32(seed: number): () => number {
  const r = new Mulberry32(seed);
  return () => r.next();
}

/** FNV-1a over the UTF-16 code units of `text`, as an unsigned 32-bit integer. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function connectionRandom(seed: number, connectionId: string): Mulberry32 {
  return new Mulberry32((Math.imul(seed >>> 0, 0x9e3779b1) ^ fnv1a(connectionId)) >>> 0);
}
