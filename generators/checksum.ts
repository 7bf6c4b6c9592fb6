/**
 * The Internet checksum (RFC 1071), split into an unfolded running sum and a final fold so that headers,
 * pseudo-headers and precomputed payload sums can be added without touching the payload bytes again.
 */

/** Adds the big-endian 16-bit words of bytes[start, end) to `sum`; an odd last byte is padded with zero. */
export function sum16(bytes: Uint8Array, start: number, end: number, sum = 0): number {
  let s = sum;
  let i = start;
  const even = end - ((end - start) & 1);
  for (; i < even; i += 2) s += (bytes[i] as number) * 256 + (bytes[i + 1] as number);
  if (i < end) s += (bytes[i] as number) * 256;
  return s;
}

/** Folds a running sum to 16 bits and complements it: the value to store in the checksum field. */
export function foldChecksum(sum: number): number {
  let s = sum;
  // Sums stay far below 2^53, so plain division is exact. `&` keeps the low 16 bits of any of them (it works
  // modulo 2^32); below 2^32, two integer folds always reach 16 bits (the per-packet case: no division).
  while (s > 0xffffffff) s = (s & 0xffff) + Math.floor(s / 65536);
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return foldChecksum(sum16(bytes, start, end));
}
