import type { TruthConnection } from '../core/ground-truth.js';
import { periodicTimerRule, type RecordContext, type RuleTimeout, type TimerRule } from '../core/timer-rule.js';
import type { MonitorModel } from './monitor-model.js';

/**
 * The ideal model: what a monitor that applied its timers exactly as its own rule says would report. The rule
 * comes from the adapter (harness/monitors/<id>/): how a silence is compared with the timeout (Zeek: >= to the
 * microsecond; Suricata: whole seconds), which timeout is in force for a record (a service port, a flow state),
 * and where the tool's phase is unknown (a periodic sweep) a range rather than a guess. A record older than the
 * active timeout is cut at the next packet, or, where the tool states when it checks (model.active: a sweep), between
 * its earliest and its latest cut. Comparing a tool with this model separates "the timeout did its job"
 * from "the tool did something else".
 *
 * The truth lists only gaps of at least the scenario's quiet threshold, so the model answers only when every gap
 * that could matter is listed: the shortest silence the rule can split is not below the threshold, or the
 * connection's longest gap is itself shorter than that. Between listed gaps packets are taken to be continuous,
 * which is what the active timeout needs; so with an active timeout the threshold must not exceed it either.
 */
export interface Prediction {
  /** The fewest and the most records the rule allows; equal when the rule leaves no room. */
  min: number;
  max: number;
  /** What the naive model (a silence longer than the global timeout ends the record) predicts. */
  naive: number;
  /** The rules that made the prediction differ from the naive model, in the tool's words. */
  rules: string[];
}

interface Branch {
  startUs: number;
  min: number;
  max: number;
}

/** Shared by a million connections, so frozen: nobody may change it for the others. */
const ONE_RECORD: Prediction = Object.freeze({ min: 1, max: 1, naive: 1, rules: Object.freeze([]) as unknown as string[] });

/** What a tool predicts for a protocol it does not report, per list of the protocols it does: no record, whatever the timers. */
const notReportedByList = new WeakMap<readonly string[], Prediction>();

function notReported(protocols: readonly string[]): Prediction {
  let prediction = notReportedByList.get(protocols);
  if (prediction === undefined) {
    const rule = `reports ${protocols.map((p) => p.toUpperCase()).join(' and ')} only`;
    prediction = Object.freeze({ min: 0, max: 0, naive: 0, rules: Object.freeze([rule]) as unknown as string[] });
    notReportedByList.set(protocols, prediction);
  }
  return prediction;
}

/** The generic rule of a model that states none, made once per model rather than once per connection. */
const genericRules = new WeakMap<MonitorModel, TimerRule>();

function ruleOf(model: MonitorModel): TimerRule {
  if (model.timer) return model.timer;
  let rule = genericRules.get(model);
  if (rule === undefined) {
    rule = periodicTimerRule(model.idleS, model.granularityS);
    genericRules.set(model, rule);
  }
  return rule;
}

/**
 * The contexts predictRecords asks its rule about, refilled for each connection: a rule reads a context during
 * timeoutFor and keeps nothing of it, and a million connections then cost no context objects.
 */
const FIRST_RECORD: RecordContext = { protocol: 'tcp', clientPort: 0, serverPort: 0, handshake: false, bothDirections: false };
const LATER_RECORD: RecordContext = { ...FIRST_RECORD };

/**
 * `clientPort` and `serverPort`, when the caller has them as numbers (a cell's truth index does), spare reading
 * conn.client and conn.server: a TruthTable row builds an endpoint object for each such read.
 */
export function predictRecords(
  conn: TruthConnection, model: MonitorModel, quietThresholdUs?: number, clientPort = conn.client.port, serverPort = conn.server.port,
): Prediction | undefined {
  if (model.protocols !== undefined && !model.protocols.includes(conn.protocol)) return notReported(model.protocols);
  const byTimers = timerPrediction(conn, model, quietThresholdUs, clientPort, serverPort);
  // Nothing cut: a joining view has nothing to join.
  if (model.joinedBy === undefined || (byTimers !== undefined && byTimers.max === 1)) return byTimers;
  // A joining view undoes the timers' cuts, except where a fragment opened from the other side (a key of its own);
  // whether one did, the truth does not say: one or two records.
  return { min: 1, max: 2, naive: byTimers?.naive ?? 1, rules: [model.joinedBy] };
}

/** What the tool's own timers make of a connection, record by record. */
function timerPrediction(conn: TruthConnection, model: MonitorModel, quietThresholdUs: number | undefined, clientPort: number, serverPort: number): Prediction | undefined {
  const rule = ruleOf(model);
  const first = fillContext(FIRST_RECORD, conn, true, clientPort, serverPort);
  const firstTimeout = rule.timeoutFor(first);
  const laterTimeout = rule.timeoutFor(laterContext(LATER_RECORD, first));
  if (firstTimeout === undefined || laterTimeout === undefined) return undefined;
  const shortestSplitUs = Math.min(rule.shortestSplitUs(firstTimeout), rule.shortestSplitUs(laterTimeout));
  // Background flows (clock, sentinel) list no quiet periods at all, only their longest gap.
  const gapsListed = !conn.background || conn.quietPeriods.length > 0;
  const everyGapKnown =
    conn.longestGapUs < shortestSplitUs || (gapsListed && quietThresholdUs !== undefined && quietThresholdUs <= shortestSplitUs);
  if (!everyGapKnown) return undefined;
  // Some tools take 0 to mean "no active timeout".
  const activeUs = typeof model.activeS === 'number' && model.activeS > 0 ? model.activeS * 1e6 : Infinity;
  if (activeUs !== Infinity && (quietThresholdUs === undefined || quietThresholdUs > activeUs)) {
    // Without knowing where packets fall between listed gaps, active cuts inside a busy stretch are guesses.
    if (conn.durationUs >= activeUs) return undefined;
  }

  const listed = conn.quietPeriods;
  // A tool's own active rule that cannot cut a connection this short (softflowd's 7-day maxlife): as if none.
  const active = activeUs !== Infinity && model.active !== undefined && conn.lastUs <= model.active.keepsUntilUs(conn.firstUs) ? undefined : model.active;
  const cutsActive = activeUs !== Infinity && (active !== undefined || model.active === undefined);
  // No listed gap and no active timeout: nothing can cut the connection (most of a million connections).
  if (listed.length === 0 && !cutsActive) return ONE_RECORD;
  // The truth lists gaps in time order; sort a copy only if a hand-made truth did not.
  const inOrder = listed.every((q, i) => i === 0 || (listed[i - 1] as (typeof listed)[number]).startUs <= q.startUs);
  const gaps = inOrder ? listed : [...listed].sort((a, b) => a.startUs - b.startUs);
  const naiveIdle = rule.globalIdleS[conn.protocol];
  const naiveIdleUs = naiveIdle === undefined || naiveIdle === null ? Infinity : naiveIdle * 1e6;
  const walkOf = (cut: ActiveCut): Walk => walk(conn, gaps, rule, firstTimeout as RuleTimeout, laterTimeout as RuleTimeout, naiveIdleUs, cut);
  if (!cutsActive || active === undefined) {
    // No active timeout, or one the tool applies exactly: a packet at the record's first + active opens the next.
    const exact = walkOf(cutsActive ? { cutAtUs: (startUs) => startUs + activeUs, slackUs: 0 } : NO_ACTIVE_CUT);
    return { min: exact.min, max: exact.max, naive: exact.naive, rules: [...exact.rules] };
  }
  // The tool checks its active timeout at a phase the model cannot know (a sweep, a batch of packets): the earliest
  // cuts give the most records, the latest the fewest (a later cut never makes a later record begin sooner). After
  // a late cut, the next record begins at the connection's second packet from the check on: within a busy stretch
  // packets are at most `spacingUs` apart (an unlisted gap is shorter than the quiet threshold).
  const spacingUs = Math.min(quietThresholdUs ?? Infinity, conn.longestGapUs);
  const early = walkOf({ cutAtUs: (startUs) => active.keepsUntilUs(startUs) + 1, slackUs: 0 });
  const late = walkOf({ cutAtUs: (startUs) => active.cutByUs(startUs), slackUs: 2 * spacingUs });
  const rules = new Set([...early.rules, ...late.rules]);
  if (early.activeCut) rules.add(active.comparison);
  return { min: Math.min(early.min, late.min), max: Math.max(early.max, late.max), naive: early.naive, rules: [...rules] };
}

/**
 * Where active cuts fall: a packet at or after `cutAtUs(record's first packet)` opens a later record, `slackUs`
 * after it (0: that very packet; more: the tool may keep that packet and the next ones until its check).
 * Infinity: no active cut.
 */
interface ActiveCut {
  cutAtUs(startUs: number): number;
  slackUs: number;
}

/** No active timeout (or one that cannot reach this connection): made once, not once per connection. */
const NO_ACTIVE_CUT: ActiveCut = Object.freeze({ cutAtUs: () => Infinity, slackUs: 0 });

interface Walk {
  min: number;
  max: number;
  naive: number;
  rules: Set<string>;
  /** Some record was cut by the active timeout. */
  activeCut: boolean;
}

/** The records of a connection, silence by silence and busy stretch by busy stretch, under one placing of active cuts. */
function walk(
  conn: TruthConnection,
  gaps: TruthConnection['quietPeriods'],
  rule: TimerRule,
  firstTimeout: RuleTimeout,
  laterTimeout: RuleTimeout,
  naiveIdleUs: number,
  cut: ActiveCut,
): Walk {
  const { cutAtUs, slackUs } = cut;
  const hasActive = cutAtUs(conn.firstUs) !== Infinity;
  const rules = new Set<string>();
  let activeCut = false;
  // Each branch is one way the unknown phases can have fallen; branches that agree on what matters next (which
  // record the packets are in: the first, or a later one and, with an active timeout, since when) are merged.
  const keyOf = (startUs: number): number => (hasActive ? startUs : startUs === conn.firstUs ? 0 : 1);
  let branches = new Map<number, Branch>([[keyOf(conn.firstUs), { startUs: conn.firstUs, min: 1, max: 1 }]]);
  const add = (into: Map<number, Branch>, b: Branch): void => {
    const key = keyOf(b.startUs);
    const seen = into.get(key);
    if (seen === undefined) into.set(key, b);
    else into.set(key, { startUs: seen.startUs, min: Math.min(seen.min, b.min), max: Math.max(seen.max, b.max) });
  };
  const stretchEndOf = (j: number): number => (j < gaps.length ? (gaps[j] as (typeof gaps)[number]).startUs : conn.lastUs);
  // Where the next record begins after a cut at the packet at `t` in busy stretch j: `slackUs` later in the same
  // stretch, else at the next stretch's first packet; undefined: the record keeps every packet to the end.
  const nextStartAfter = (t: number, j: number): number | undefined => {
    if (t + slackUs <= stretchEndOf(j)) return t + slackUs;
    return j < gaps.length ? (gaps[j] as (typeof gaps)[number]).endUs : undefined;
  };
  let naive = 1;
  let stretchStart = conn.firstUs;
  for (let i = 0; i <= gaps.length; i += 1) {
    const stretchEnd = stretchEndOf(i);
    // Active cuts inside a busy stretch: the packet at (about) recordStart + active opens the next record.
    if (hasActive) {
      const cutIn = new Map<number, Branch>();
      for (const b of branches.values()) {
        let { startUs, min, max } = b;
        while (cutAtUs(startUs) <= stretchEnd) {
          const next = nextStartAfter(Math.max(cutAtUs(startUs), stretchStart), i);
          if (next === undefined) break;
          startUs = next;
          min += 1;
          max += 1;
          activeCut = true;
        }
        add(cutIn, { startUs, min, max });
      }
      branches = cutIn;
    }
    if (i === gaps.length) break;
    const gap = gaps[i] as (typeof gaps)[number];
    stretchStart = gap.endUs;
    const naiveSplits = gap.lengthUs > naiveIdleUs;
    if (naiveSplits) naive += 1;
    const next = new Map<number, Branch>();
    for (const b of branches.values()) {
      // A record that begins after this silence (a late cut's next record) is not touched by it.
      if (b.startUs >= gap.endUs) {
        add(next, b);
        continue;
      }
      const timeout = b.startUs === conn.firstUs ? firstTimeout : laterTimeout;
      const activeDue = gap.endUs >= cutAtUs(b.startUs);
      const outcome = activeDue ? 'split' : rule.silence(gap.startUs, gap.endUs, timeout);
      if (outcome === 'either' || (outcome === 'split') !== naiveSplits) rules.add(timeout.rule ?? rule.comparison);
      if (outcome !== 'split') add(next, b);
      if (outcome === 'whole') continue;
      // A late check may keep the packet after the silence too, unless the silence itself ended the record.
      const held = activeDue && slackUs > 0 && rule.silence(gap.startUs, gap.endUs, timeout) !== 'split';
      const startUs = held ? nextStartAfter(gap.endUs, i + 1) : gap.endUs;
      if (activeDue) activeCut = true;
      if (startUs === undefined) add(next, b);
      else add(next, { startUs, min: b.min + 1, max: b.max + 1 });
    }
    branches = next;
  }
  let min = Infinity;
  let max = 0;
  for (const b of branches.values()) {
    min = Math.min(min, b.min);
    max = Math.max(max, b.max);
  }
  return { min, max, naive, rules, activeCut };
}

/** The one count the rule allows, or undefined when it allows a range or cannot tell. */
export function predictFragments(conn: TruthConnection, model: MonitorModel, quietThresholdUs?: number): number | undefined {
  const p = predictRecords(conn, model, quietThresholdUs);
  return p !== undefined && p.min === p.max ? p.min : undefined;
}

/** The record of a connection the model asks a timeout for: its first (with the handshake, if any) or a later one. */
export function recordContext(conn: TruthConnection, first: boolean): RecordContext {
  return fillContext({ protocol: 'tcp', clientPort: 0, serverPort: 0, handshake: false, bothDirections: false }, conn, first, conn.client.port, conn.server.port);
}

/** recordContext written into `into`, the connection's ports given. */
function fillContext(into: RecordContext, conn: TruthConnection, first: boolean, clientPort: number, serverPort: number): RecordContext {
  into.protocol = conn.protocol;
  into.clientPort = clientPort;
  into.serverPort = serverPort;
  into.handshake = first && conn.open === 'handshake';
  into.bothDirections = conn.clientPkts > 0 && conn.serverPkts > 0;
  return into;
}

/** The context of a later record of the same connection: the first's, without its handshake. */
function laterContext(into: RecordContext, first: RecordContext): RecordContext {
  into.protocol = first.protocol;
  into.clientPort = first.clientPort;
  into.serverPort = first.serverPort;
  into.handshake = false;
  into.bothDirections = first.bothDirections;
  return into;
}

/** A cut by pressure: the tool expired the flow early because its table was full, not because of a timeout. */
export const EVICTED_REASON = 'evicted: table full';

/**
 * Why the tool reported a different number of fragments than the ideal model allows, as far as the model can tell.
 * `trueUs`: how long the connection lived; `evictedCut`: a record other than the last ended by eviction (the tool
 * said so for this very flow).
 */
export function likelyReason(
  fragments: number,
  predicted: number | { min: number; max: number },
  model: MonitorModel,
  unpairedUni: number,
  trueUs: number,
  evictedCut = false,
  /** Both sides sent packets: only then can a split by direction explain extra records. */
  twoWay = true,
): string | undefined {
  const { min, max } = typeof predicted === 'number' ? { min: predicted, max: predicted } : predicted;
  if (fragments >= min && fragments <= max) return undefined;
  if (fragments > max && evictedCut) return EVICTED_REASON;
  // Fewer than the idle timeouts alone make, from a tool that ignores them on a pcap: one record, or a few cut by
  // the active timeout it does apply (pmacct's and softflowd's maxlife).
  if (fragments < min && model.honoursTimeoutsOffline === false) return 'timeouts not honoured offline';
  if (fragments < min && model.timerNeedsLaterPacket === true) return 'timer needs a later packet';
  if (fragments > max) {
    // A one-way flow (the clock) has one direction to report: its extra records are something else.
    if (unpairedUni > 0 && twoWay) return 'one record per direction';
    if (model.statusIntervalS !== undefined) return 'status interval';
    // Only a connection that lived longer than the active timeout can have been cut by it: a 30 min C2 session
    // cut by a full table was blamed on a 7-day maxlife.
    if (typeof model.activeS === 'number' && model.activeS > 0 && trueUs > model.activeS * 1e6) return 'active timeout';
    if (model.tableFull === true) return EVICTED_REASON;
  }
  return 'unexplained';
}
