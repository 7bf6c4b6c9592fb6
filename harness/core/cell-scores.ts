import { InputError, type SourcePosition } from './input-error.js';
import type { Cell, RunResults } from './results.js';
import { worstVerdict, type ConnectionScore, type Verdict } from './score.js';

/** How many of a cell's scenario connections (not background) each verdict a cell's aggregate counts was given. */
export interface VerdictCounts {
  accurate: number;
  fragmented: number;
  missed: number;
  merged: number;
}

/**
 * Where the scores being checked were read, for the messages: a score line of a cell's scores.<view>.jsonl, or a
 * JSON path in results.json. Called only to word a refusal.
 */
export interface ScorePlaces {
  /** Where score k's field is and how a message names it ("verdict", or "$.scenarios[0].cells[2].scores[7].verdict"). */
  score(k: number, field: keyof ConnectionScore & string): { at: SourcePosition; name: string };
  /** The cell's own verdict or scores list, likewise. */
  cell(field: 'verdict' | 'scores'): { at: SourcePosition; name: string };
  /** What every refusal expects. */
  expected: string;
  /**
   * The refusal when the cell's verdict is not its connections' worst, or its aggregate's counts not theirs: which of
   * the two is blamed depends on which was read second (a cell's verdict edited in results.json, or a scores file
   * swapped for another cell's).
   */
  disagreement(worst: Verdict | undefined, counts: VerdictCounts): InputError;
}

export interface CellScoresOf {
  cell: Cell;
  /** The scenario's truth, by connection id: whether each connection is background. */
  truthOf: ReadonlyMap<string, { background?: boolean }>;
  tolerances: Pick<RunResults, 'toleranceS' | 'toleranceRatio'>;
  /**
   * The scores are every one the cell has (a full cell of results.json, or a summarized cell's scores file), not a
   * summary's worst few: the aggregate counts them.
   */
  whole: boolean;
  /** And the cell scored every connection of the truth (a results.json's full cell; a scores file is counted against connectionsScored). */
  everyConnection: boolean;
}

/**
 * The scores of one cell agree with themselves, the truth and the cell, wherever they were read (results.json, or a
 * summarized cell's scores file read back by merge): a cell that did not run holds none and says its status; each
 * connection is scored once, is the truth's, with the truth's background flag, its fragment count its list and its
 * verdict its numbers (verdictProblem); the cell's verdict is the worst of its scenario connections' and, when the
 * scores are whole, every connection is scored and the aggregate counts them. Live cells are judged by the boundary
 * guard, which may set a connection aside: only their scores' identity is checked. Throws the first InputError.
 */
export function checkCellScores(scores: readonly ConnectionScore[], of: CellScoresOf, places: ScorePlaces): void {
  const { cell, truthOf } = of;
  const { expected } = places;
  const refuse = (place: { at: SourcePosition; name: string }, found: string, expectedHere = expected): never => {
    throw new InputError(place.at, `${place.name} ${found}`, expectedHere);
  };
  if (cell.status !== 'ok') {
    // A cell that did not run has no connection judged, and says so in its verdict (a failed cell drawn "✓ accurate").
    if (cell.verdict !== cell.status) refuse(places.cell('verdict'), `"${cell.verdict}" in a cell whose status is "${cell.status}"`);
    if (scores.length > 0) refuse(places.cell('scores'), `holding ${scores.length} score(s) in a cell whose status is "${cell.status}"`);
  }
  const seen = new Set<string>();
  const counts: VerdictCounts = { accurate: 0, fragmented: 0, missed: 0, merged: 0 };
  scores.forEach((score, k) => {
    const id = score.connectionId;
    if (score.fragments !== score.fragmentList.length) refuse(places.score(k, 'fragments'), `${score.fragments} beside ${score.fragmentList.length} fragments listed`);
    if (seen.has(id)) refuse(places.score(k, 'connectionId'), `"${id}" scored twice in one cell`);
    seen.add(id);
    const truth = truthOf.get(id);
    if (truth === undefined) refuse(places.score(k, 'connectionId'), `"${id}", which the scenario's truth does not hold`);
    const background = truth?.background === true;
    if (score.background !== background) {
      refuse(places.score(k, 'background'), `${String(score.background)} for a connection the truth calls ${background ? 'background' : 'a scenario connection'}`);
    }
    if (cell.live === undefined) {
      // Before the verdict: an accurate verdict is judged by durations this makes sure of.
      const covered = coverageProblem(score);
      if (covered !== undefined) refuse(places.score(k, covered.field), covered.found);
      const problem = verdictProblem(score, of.tolerances);
      if (problem !== undefined) refuse(places.score(k, 'verdict'), `"${score.verdict}" ${problem}`);
    }
    if (!score.background && score.verdict in counts) counts[score.verdict as keyof VerdictCounts] += 1;
  });
  if (cell.status !== 'ok' || cell.live !== undefined) return;
  if (of.everyConnection && seen.size !== truthOf.size) refuse(places.cell('scores'), `of ${seen.size} connection(s) while the truth holds ${truthOf.size}`, `${expected}: every connection scored`);
  const worst = worstVerdict(scores.filter((s) => !s.background).map((s) => s.verdict));
  const aggregate = of.whole ? cell.aggregate : undefined;
  const miscounted = aggregate !== undefined &&
    (aggregate.accurate !== counts.accurate || aggregate.fragmented !== counts.fragmented || aggregate.missed !== counts.missed || (aggregate.merged ?? 0) !== counts.merged);
  if ((worst !== undefined && worst !== cell.verdict) || miscounted) throw places.disagreement(worst, counts);
}

/**
 * What a score's sum of record durations and coverage contradict in its own records, as scoreConnection computes
 * them: the sum is its fragments' durations added up, the coverage that sum over the true duration (0 with no
 * record, 1 for a connection of no duration that was seen). A hand-edited results.json showed "coverage 500%" for an
 * accurate connection of one record, and a baseline or suite took it.
 */
export function coverageProblem(score: ConnectionScore): { field: 'sumDurationUs' | 'coverage'; found: string } | undefined {
  let sum = 0;
  for (const f of score.fragmentList) sum += f.durationUs;
  // Whole microseconds as the harness writes them; a margin for a writer that works in fractions of one.
  if (!(Math.abs(score.sumDurationUs - sum) <= 1e-9 * Math.max(1, sum))) return { field: 'sumDurationUs', found: `${score.sumDurationUs} while its ${score.fragmentList.length} fragment(s) last ${sum} us in all` };
  const coverage = score.fragmentList.length === 0 ? 0 : score.trueDurationUs === 0 ? 1 : sum / score.trueDurationUs;
  if (Math.abs(score.coverage - coverage) <= 1e-9 * Math.max(1, coverage)) return undefined;
  return { field: 'coverage', found: `${score.coverage} while its records cover ${coverage} of the connection (sumDurationUs ${sum} over trueDurationUs ${score.trueDurationUs})` };
}

/** What a score's verdict contradicts in its own numbers (as verdictOf gives it), or undefined. */
export function verdictProblem(score: ConnectionScore, results: Pick<RunResults, 'toleranceS' | 'toleranceRatio'>): string | undefined {
  const n = score.fragments;
  switch (score.verdict) {
    case 'missed':
      return n === 0 ? undefined : `with ${n} fragment(s): missed means no record`;
    case 'fragmented':
      return n > 1 ? undefined : `with ${n} fragment(s): fragmented means two or more records`;
    case 'accurate':
    case 'inaccurate':
    case 'merged':
    case 'timeouts-not-honoured': {
      if (n !== 1) return `with ${n} fragment(s): ${score.verdict} means one record`;
      if (score.verdict === 'merged' && score.mergedWith === undefined) return 'naming no connection it was merged with (mergedWith)';
      if (score.verdict !== 'accurate') return undefined;
      const toleranceUs = Math.max(results.toleranceS * 1e6, results.toleranceRatio * score.trueDurationUs);
      const errorUs = Math.abs((score.fragmentList[0]?.durationUs ?? 0) - score.trueDurationUs);
      return errorUs <= toleranceUs + 1 ? undefined : `for a record ${(errorUs / 1e6).toFixed(6)} s off the true duration, beyond the tolerance of ${(toleranceUs / 1e6).toFixed(6)} s`;
    }
    default:
      return `in a scored connection: a connection is missed, fragmented, accurate, inaccurate, merged or timeouts-not-honoured`;
  }
}
