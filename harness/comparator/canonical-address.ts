/**
 * Address text in one canonical form, so that `2001:DB8:0::10` from a monitor equals `2001:db8::10` in the truth.
 * IPv4 passes through untouched (the hot path); IPv6 is rewritten per RFC 5952 and memoised, since a capture
 * holds few distinct addresses but a run may hold millions of records.
 */
const cache = new Map<string, string>();
const CACHE_LIMIT = 100_000;

export function canonicalAddress(text: string): string {
  if (!text.includes(':')) return text;
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const canonical = canonicalIpv6(text);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, canonical);
  return canonical;
}

/** Text that is not an IPv6 address comes back lower-cased but otherwise unchanged: matching then simply fails. */
function canonicalIpv6(text: string): string {
  let lower = text.trim().toLowerCase();
  const zone = lower.indexOf('%');
  if (zone >= 0) lower = lower.slice(0, zone);
  const lastColon = lower.lastIndexOf(':');
  const dotted = lower.slice(lastColon + 1);
  if (dotted.includes('.')) {
    // An embedded IPv4 tail (`::ffff:192.0.2.1`) becomes its two hex groups, then parses like the rest.
    const octets = dotted.split('.').map((o) => (/^\d{1,3}$/.test(o) ? Number(o) : NaN));
    if (octets.length !== 4 || octets.some((o) => !(o >= 0 && o <= 255))) return lower;
    const [a, b, c, d] = octets as [number, number, number, number];
    lower = `${lower.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = lower.split('::');
  if (halves.length > 2) return lower;
  const parse = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-f]{1,4}$/.test(g)) return undefined;
      groups.push(parseInt(g, 16));
    }
    return groups;
  };
  const head = parse(halves[0] as string);
  const rest = halves.length === 2 ? parse(halves[1] as string) : [];
  if (head === undefined || rest === undefined) return lower;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - rest.length;
    if (missing < 1) return lower;
    groups = [...head, ...new Array<number>(missing).fill(0), ...rest];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return lower;
  // Longest run of two or more zero groups becomes '::' (the first such run on a tie).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i += 1; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
