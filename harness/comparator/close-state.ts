/**
 * How a connection ended, read from a monitor's own state text. Deliberately lenient: monitors describe the end of
 * a flow in their own words, and a comparator that demanded exact words would report vocabulary, not behaviour.
 *
 * Mapping (state first, then history or TCP flag text):
 * - Zeek conn_state: SF, S2, S3, SH, SHR -> fin; RSTO, RSTR, RSTOS0, RSTRH, REJ -> rst; S0, S1 -> open;
 *   OTH -> decided by history.
 * - argus state: FIN, CLO -> fin; RST -> rst; CON, REQ, ACC, INT, TIM and the rest -> open.
 * - Suricata `closed` -> closed (fin or rst, it does not say which).
 * - tcptrace counts (`SYN/FIN a2b 1/1 b2a 1/1; RST 0/0`): a reset -> rst, else a FIN -> fin, else open.
 * - history / flag text (Zeek history `ShADdFf`, NetFlow flags `.AP.SF`): any R or r -> rst, else F or f -> fin,
 *   else open.
 * Text that says nothing recognisable gives undefined: the tool gave no state.
 */
export type CloseClass = 'fin' | 'rst' | 'closed' | 'open';

const FIN_STATES = new Set(['SF', 'S2', 'S3', 'SH', 'SHR', 'FIN', 'CLO']);
const RST_STATES = new Set(['RSTO', 'RSTR', 'RSTOS0', 'RSTRH', 'REJ', 'RST']);
const OPEN_STATES = new Set(['S0', 'S1', 'CON', 'REQ', 'ACC', 'INT', 'TIM', 'ECO', 'ECR', 'NEW', 'ESTABLISHED']);

function fromFlags(text: string): CloseClass | undefined {
  // Zeek history letters and NetFlow flag strings share R for reset and F for fin; anything else is not a close.
  if (!/^[A-Za-z.^]+$/.test(text)) return undefined;
  if (/[Rr]/.test(text)) return 'rst';
  if (/[Ff]/.test(text)) return 'fin';
  return 'open';
}

/**
 * A cell has a few distinct (state, history) texts and up to millions of connections: each pair is classified
 * once. Keyed state -> history; the empty string stands for undefined, which classifies the same.
 */
const memo = new Map<string, Map<string, CloseClass | undefined>>();
const MEMO_LIMIT = 10_000;
let memoSize = 0;

export function classifyClose(state: string | undefined, history: string | undefined): CloseClass | undefined {
  const s = state ?? '';
  const h = history ?? '';
  let byHistory = memo.get(s);
  if (byHistory !== undefined) {
    const hit = byHistory.get(h);
    if (hit !== undefined || byHistory.has(h)) return hit;
  }
  const cls = classifyUncached(s, h);
  if (memoSize >= MEMO_LIMIT) {
    memo.clear();
    memoSize = 0;
    byHistory = undefined;
  }
  if (byHistory === undefined) memo.set(s, (byHistory = new Map()));
  byHistory.set(h, cls);
  memoSize += 1;
  return cls;
}

/** tcptrace's counts, as its parser words them: `SYN/FIN a2b 1/1 b2a 1/1; RST 0/0`. */
const TCPTRACE_COUNTS = /^SYN\/FIN a2b (\d+)\/(\d+) b2a (\d+)\/(\d+); RST (\d+)\/(\d+)$/;

function classifyUncached(state: string, history: string): CloseClass | undefined {
  // tcptrace counts what it saw: a reset either way, else a FIN either way, else none (it was never classified, and
  // `close: as-truth` failed on every tcptrace connection, the FINs seen or not).
  const counts = TCPTRACE_COUNTS.exec(state);
  if (counts !== null) {
    const n = counts.slice(1).map(Number);
    if ((n[4] as number) > 0 || (n[5] as number) > 0) return 'rst';
    if ((n[1] as number) > 0 || (n[3] as number) > 0) return 'fin';
    return 'open';
  }
  // Paired NetFlow records join their texts with '|': the strongest close among the parts wins.
  const parts = state.split('|').map((s) => s.trim()).filter((s) => s !== '');
  let fromState: CloseClass | undefined;
  for (const raw of parts) {
    const s = raw.toUpperCase();
    let c: CloseClass | undefined;
    if (RST_STATES.has(s)) c = 'rst';
    else if (FIN_STATES.has(s)) c = 'fin';
    else if (s === 'CLOSED') c = 'closed';
    else if (OPEN_STATES.has(s)) c = 'open';
    fromState = strongest(fromState, c);
  }
  let fromHistory: CloseClass | undefined;
  for (const h of history.split('|').map((x) => x.trim()).filter((x) => x !== '')) {
    fromHistory = strongest(fromHistory, fromFlags(h));
  }
  // A state that names a close wins; otherwise the history may still show one (Zeek's OTH with `DdAFf`).
  if (fromState !== undefined && fromState !== 'open') return fromState;
  if (fromHistory !== undefined && fromHistory !== 'open') return fromHistory;
  return fromState ?? fromHistory;
}

const RANK: Record<CloseClass, number> = { open: 0, closed: 1, fin: 2, rst: 3 };

function strongest(a: CloseClass | undefined, b: CloseClass | undefined): CloseClass | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return RANK[b] > RANK[a] ? b : a;
}

/** Whether a seen close class agrees with the truth's close. */
export function closeAgrees(expected: 'fin' | 'rst' | 'none', seen: CloseClass): boolean {
  if (expected === 'none') return seen === 'open';
  if (seen === 'closed') return true;
  return seen === expected;
}
