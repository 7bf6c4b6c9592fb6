import { formatEndpoint } from '../core/ip-address.js';
import { recordExtent, type RecordExtent } from '../core/record-extent.js';
import { indistinctInTruth } from '../core/record-overlap.js';
import { cellCost } from '../pipeline/cell-cost.js';
import { tableFullOf } from '../core/tool-state.js';
import { checkRecords, type OutsideRecord } from '../core/record-sanity.js';
import { recordLengthLimit } from '../monitors/record-length-limit.js';
import path from 'node:path';
import { compareCell, type CellComparison } from '../comparator/compare-cell.js';
import { describeUnrelated, recordsCarryNoPorts, unrelatedOutput } from '../comparator/unrelated-output.js';
import type { FlowRecordList } from '../core/flow-record-table.js';
import { longestConnection, refuseToleranceOverLongest } from '../comparator/score-connection.js';
import type { GroundTruth } from '../core/ground-truth.js';
import type { MonitorAdapter } from '../monitors/monitor-adapter.js';
import { InputError } from '../core/input-error.js';
import { parseTimeoutSetting } from '../core/timeout-setting.js';
import { readGroundTruth } from '../io/read-truth.js';
import { deriveTruth } from '../io/truth-from-pcap.js';
import { applyComparison, baseCell, runResults } from '../pipeline/cell-builder.js';
import { checkToolKnobs, effectiveTimeouts, monitorModel, readUserConfig } from '../pipeline/monitor-model.js';
import { parseReplayFlags, recordsInCaptureTime, replayedLogModel, replayTimeMap, settingInCaptureTime } from '../live/replayed-log.js';
import { recommendationsFor } from '../pipeline/recommendations.js';
import { jsonChunks } from '../../reports/json-report.js';
import { formatUtc } from '../../reports/report-model.js';
import { writeOut } from './write-out.js';
import { renderTerminal } from '../../reports/terminal-report.js';
import { writeReports } from '../../reports/write-reports.js';
import { boolFlag, flagError, parseFlags, stringFlag } from './flags.js';
import { COMPARE_FLAGS, compareOptionsFrom, outputWidth, useColor } from './common-options.js';
import { findAdapter, loadAdapters } from '../monitors/registry.js';
import { translateSetting } from '../monitors/translate-setting.js';
import { checkOutputFolder, refuseFolderHoldingInputs } from '../io/output-paths.js';
import { claimRunFolder, replaceRunFolderContents } from '../io/run-folder.js';
import { checkInputFile, refuseEncodedLog } from '../io/read-input.js';

export const SCORE_HELP = `harness score (--truth <x.truth.json> | --pcap <capture.pcap>) --monitor <id> --log <file> [flags]

Scores a log that a sensor wrote elsewhere (for example a production sensor fed the pcap by tcpreplay) against
the ground truth of the pcap it saw.

Flags:
  --truth FILE       the <name>.truth.json that harness generate wrote beside the pcap
  --pcap FILE        or the capture itself: the truth is then read from it with tshark (the no-timeout reference)
  --monitor ID       which monitor wrote the log (zeek, suricata, argus, nfpcapd, softflowd, ...; see harness monitors)
  --log FILE         its output: a Zeek conn.log (TSV or JSON), Suricata eve.json, argus ra CSV, nfdump JSON, ...
  --view NAME        for monitors with several views (argus: raw or merged)
  --setting S        the timeout setting the sensor ran with, for the ideal model (default: default)
  --config FILE      the sensor's own config (local.zeek, suricata.yaml): the model reads its timers as the tool does
  --out DIR          also write results.json, report.md, report.html, junit.xml there: a new or empty folder, or an
                     earlier harness run's, which is replaced whole (a folder of your own files is refused)
  --json             print results.json to stdout
  --replayed-at T    the sensor saw the capture replayed to it (tcpreplay), so its log is stamped with the replay's
                     time: T is when it saw the capture's first packet (ISO 8601, e.g. 2026-12-03T08:00:00.000000Z),
                     or auto: the log's earliest record is the first packet of the connection it is a record
                     of (a log holding other traffic before the replay needs the time itself). Records are
                     mapped back to the capture's time
  --speedup K        with --replayed-at: the replay ran K times faster (tcpreplay --multiplier K); the sensor's
                     timeouts then act on the capture as K times themselves, and are scored so
  --hunt LIST, --tolerance DUR   as for harness run
Exit status: 0 scored, 2 bad input.`;

export async function scoreCommand(argv: string[]): Promise<number> {
  const flags = parseFlags('score', argv, {
    truth: { type: 'string' },
    pcap: { type: 'string' },
    monitor: { type: 'string' },
    log: { type: 'string' },
    view: { type: 'string' },
    setting: { type: 'string' },
    config: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
    'replayed-at': { type: 'string' },
    speedup: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    ...COMPARE_FLAGS,
  }, false);
  if (boolFlag(flags, 'help')) {
    process.stdout.write(`${SCORE_HELP}\n`);
    return 0;
  }
  const required = (name: string): string => {
    const value = stringFlag(flags, name);
    if (value === undefined) throw new InputError({ file: `harness score --${name}`, line: 0, col: 0 }, 'nothing', `--${name} <value> (see harness score --help)`);
    return value;
  };
  const pcapFile = stringFlag(flags, 'pcap');
  const truthFile = pcapFile === undefined ? required('truth') : undefined;
  if (pcapFile !== undefined && stringFlag(flags, 'truth') !== undefined) {
    throw new InputError({ file: 'harness score --pcap', line: 0, col: 0 }, 'both --truth and --pcap', 'one of them');
  }
  const monitorId = required('monitor');
  const logFile = required('log');
  const adapter = await findAdapter(monitorId);
  if (!adapter) throw flagError('score', 'monitor', `"${monitorId}"`, `one monitor id: ${(await loadAdapters()).map((a) => a.id).join(', ')}`);
  const view = stringFlag(flags, 'view') ?? adapter.views[0] ?? 'default';
  if (!adapter.views.includes(view)) {
    throw new InputError({ file: 'harness score --view', line: 0, col: 0 }, `"${view}"`, `one of ${adapter.views.join(', ')} for ${adapter.id}`);
  }
  const out = stringFlag(flags, 'out');
  // Before the truth is read: tshark may take minutes on a large capture.
  const outDir = out === undefined ? undefined : await checkOutputFolder('harness score --out', out);
  await checkInputFile(logFile, `a log written by ${adapter.id} (harness score --log)`);
  await refuseEncodedLog(logFile, `a log written by ${adapter.id} (harness score --log)`);
  if (pcapFile !== undefined) await checkInputFile(pcapFile, 'a pcap or pcapng capture (harness score --pcap)');
  const replay = parseReplayFlags(stringFlag(flags, 'replayed-at'), stringFlag(flags, 'speedup'));
  const setting = parseTimeoutSetting(stringFlag(flags, 'setting') ?? 'default', 'harness score --setting');
  checkToolKnobs([setting], await loadAdapters(), 'harness score --setting', [adapter.id]);
  // The setting is what the sensor ran with, for the model: one the tool cannot take (an active timeout for Zeek, a
  // table limit it has not got) was modelled all the same, and the log scored against a sensor that cannot exist.
  const translation = translateSetting(adapter, setting);
  if (!translation.supported) {
    throw flagError('score', 'setting', `"${setting.label}", which ${adapter.displayName} cannot take (${translation.reason})`, `a setting ${adapter.displayName} can run with, as harness run --timeouts takes it (default, or its idle timeouts such as 1h)`);
  }
  const configFile = stringFlag(flags, 'config');
  const userConfig = await readUserConfig(configFile, 'harness score --config');
  if (userConfig !== undefined) adapter.checkConfig?.(userConfig.file, userConfig.text);
  const compare = compareOptionsFrom('score', flags);
  const derived = truthFile !== undefined ? { truth: await readGroundTruth(truthFile), notes: [] } : await deriveTruth(pcapFile as string);
  const truth = derived.truth;
  const toleranceGiven = stringFlag(flags, 'tolerance');
  if (toleranceGiven !== undefined) refuseToleranceOverLongest('harness score --tolerance', toleranceGiven, compare.toleranceS, longestConnection(truth.connections));
  const logged = await adapter.parseLog(logFile, view);
  // A replayed log's times are mapped (with tcpreplay's own timing error): only an unmapped one must lie within the
  // capture, found in the same pass that checks every record and refused once an unrelated log has had its say.
  const mayOverlap = indistinctInTruth(truth.connections);
  const outside = checkRecords(logged, {
    ...(replay === undefined ? { window: { firstUs: truth.pcap.firstUs - OUTSIDE_SLACK_US, lastUs: truth.pcap.lastUs + OUTSIDE_SLACK_US } } : {}),
    limit: recordLengthLimit(adapter),
    joinedView: view !== undefined && adapter.joiningViews?.[view] !== undefined,
    icmpKeyShown: adapter.icmpKeyShown === true,
    ...(mayOverlap === undefined ? {} : { mayOverlap }),
  });
  // A replayed log is stamped with the replay's time: mapped back to the capture's before anything reads it.
  const loggedExtent = recordExtent(logged);
  const map = replay === undefined ? undefined : replayTimeMap(replay, truth, loggedExtent.earliestIndex < 0 ? undefined : logged.at(loggedExtent.earliestIndex), logFile);
  const records = map === undefined ? logged : recordsInCaptureTime(map, logged);
  const cellSetting = map === undefined ? setting : settingInCaptureTime(setting, map.k, effectiveTimeouts(adapter, setting));
  const cell = baseCell(adapter.id, adapter, view, cellSetting, path.dirname(path.resolve(logFile)));
  cell.provenance.rawFiles = [path.resolve(logFile)];
  cell.provenance.notes.push(`scored from a log written elsewhere: ${logFile}`);
  if (map !== undefined) {
    cell.provenance.notes.push(
      `replayed to the sensor ${map.k === 1 ? 'at the capture\'s pace' : `${map.k} times faster`}: its time ${formatUtc(map.replayOriginUs)} is the capture's first packet (${formatUtc(map.scenarioOriginUs)})` +
        `${replay?.startUs === 'auto' ? `, taken from the log's earliest record${map.alignedTo === undefined ? '' : ` (the first packet of ${map.alignedTo})`}` : ''}; every record is mapped back to the capture's time` +
        (map.k === 1 ? '' : `, and the sensor's setting ${setting.label} acts on the capture as ${cellSetting.label}`),
    );
  }
  if (records.length === 0) {
    // Not an error (a sensor may truly have seen nothing) and not a verdict to take on trust: say it in words.
    const note = `${logFile} holds no records: every true connection is scored as missed, and no timeout is advised (none makes a monitor report what it never reported): check the sensor's capture filter and interface, and that this is its log of this capture`;
    cell.provenance.notes.push(note);
    process.stderr.write(`harness score: ${note}\n`);
  }
  const sensorModel = map === undefined
    ? monitorModel(adapter, setting, undefined, userConfig, view)
    // Fed a replay, the sensor's timers ran: its rule for the setting it ran, in the capture's time.
    : replayedLogModel(monitorModel(adapter, setting, true, userConfig, view), monitorModel(adapter, cellSetting, true, userConfig, view), map);
  // What the tool says of its own table in the same log (Suricata's stats): a full table explains its early cuts.
  const toolState = await adapter.logToolState?.(logFile);
  const tableFull = tableFullOf(toolState);
  const model = tableFull === undefined ? sensorModel : { ...sensorModel, tableFull };
  if (toolState !== undefined) {
    cell.provenance.notes.push(`${adapter.displayName}'s own account of its table (${toolState.source}): ${Object.entries(toolState.figures).map(([k, v]) => `${k} ${v}`).join(', ')}${tableFull ? '; it filled' : ''}`);
  }
  if (model.timer?.unmodelled !== undefined) {
    cell.provenance.notes.push(model.timer.unmodelled);
    process.stderr.write(`harness score: ${model.timer.unmodelled}\n`);
  }
  const comparison = compareCell(truth, records, model, compare);
  const misdated = (): string => misdatedHints(adapter, loggedExtent, truth);
  refuseUnrelatedLog(logFile, records, comparison, truth, truthFile ?? pcapFile ?? '', map !== undefined, misdated);
  refusePartialLog(logFile, map === undefined ? loggedExtent : recordExtent(records), comparison, truth);
  if (outside !== undefined) refuseRecordOutsideCapture(outside, truth, truthFile ?? pcapFile ?? '', misdated);
  // A replay's timing error (scaled by K) moves records off their packets by more than any tool's rounding.
  if (map === undefined) refuseRecordBeyondItsPackets(logFile, comparison, truth);
  applyComparison(cell, comparison, records.length);
  // No process of the sensor ran here: no memory or CPU is known, only what its own account says of its table.
  if (toolState !== undefined) cell.cost = cellCost({ commands: [], records: records.length, truth, model, setting: cellSetting, toolState });
  const results = runResults(['harness', 'score', ...argv], outDir ?? path.resolve('.'), compare, [{
    name: truth.scenario.name,
    description: truth.scenario.description,
    file: truth.scenario.file,
    pcapFile: truth.pcap.file,
    truthFile: path.resolve(truthFile ?? pcapFile ?? ''),
    truth,
    settings: [cellSetting],
    cells: [cell],
    recommendations: recommendationsFor(truth, [cell], new Map([[adapter.id, adapter]]), userConfig ? new Map([[adapter.id, userConfig]]) : undefined),
  }]);
  // What the truth derived from the capture leaves out (another protocol's packets, a tunnel's inner connections).
  if (derived.notes.length > 0) results.warnings = derived.notes.map((note) => `${pcapFile as string}: ${note}`);
  const written = outDir !== undefined ? await writeScoreFolder(results, outDir, [
    { file: logFile, what: 'the log being scored' },
    { file: truthFile ?? pcapFile ?? '', what: truthFile !== undefined ? 'the truth' : 'the capture' },
    ...(userConfig !== undefined ? [{ file: userConfig.file, what: "the sensor's config" }] : []),
  ]) : [];
  if (boolFlag(flags, 'json')) await writeOut(process.stdout, jsonChunks(results));
  else process.stdout.write(renderTerminal(results, { color: useColor(process.stdout), width: outputWidth(process.stdout) }));
  if (written.length > 0 && !boolFlag(flags, 'json')) process.stdout.write(`\nwrote:\n${written.map((p: string) => `  ${p}`).join('\n')}\n`);
  return 0;
}

/**
 * --out is a run folder like run's and merge's: one harness at a time, a user's own folder refused, an earlier run's
 * files replaced whole rather than overwritten in part (its results.json replaced while its cell folders stayed).
 * A folder holding what was scored is refused: replacing it would delete the evidence the results name.
 */
async function writeScoreFolder(results: Parameters<typeof writeReports>[0], outDir: string, inputs: { file: string; what: string }[]): Promise<string[]> {
  await refuseFolderHoldingInputs('harness score --out', outDir, inputs);
  const folder = await claimRunFolder('harness score --out', outDir);
  try {
    await replaceRunFolderContents(outDir);
    return await writeReports(results, outDir);
  } finally {
    await folder.release();
  }
}

/** How far outside its capture a record may lie: timestamps rounded by the tool (nfdump keeps milliseconds). */
const OUTSIDE_SLACK_US = 1_000_000;

/**
 * A record that begins before the capture's first packet or ends after its last cannot come from a monitor that read
 * this capture: a log of a longer capture scored against this truth (one of its records matched) gave every record
 * beyond the end as spurious and a connection 10 h longer than its truth, at exit 0.
 */
function refuseRecordOutsideCapture(r: OutsideRecord, truth: GroundTruth, truthFile: string, misdated: () => string): never {
  throw new InputError(
    { file: r.sourceFile, line: r.sourceLine, col: 0 },
    `a record ${r.before ? `beginning ${formatUtc(r.firstUs)}, before` : `ending ${formatUtc(r.lastUs)}, after`} the capture ${path.basename(truthFile)} describes (${formatUtc(truth.pcap.firstUs)} to ${formatUtc(truth.pcap.lastUs)})`,
    `a log written on ${path.basename(truth.pcap.file)}${misdated()}; if the sensor was fed it by tcpreplay, say when with --replayed-at (and --speedup)`,
  );
}

/**
 * What else dates a log away from its capture than a replay: a tool printing local time (the log's earliest record
 * a whole number of hours from the capture's first packet), and what the adapter knows of its tool.
 */
function misdatedHints(adapter: MonitorAdapter, extent: RecordExtent, truth: GroundTruth): string {
  const earliestUs = extent.earliestStartUs;
  const hints: string[] = [];
  const offsetS = (earliestUs - truth.pcap.firstUs) / 1e6;
  const hours = Math.round(offsetS / 3600);
  if (hours !== 0 && Math.abs(hours) <= 26 && Math.abs(offsetS - hours * 3600) <= 2) {
    hints.push(`its earliest record is ${hours > 0 ? '+' : ''}${hours} h from the capture's first packet, a whole number of hours: times printed in local time`);
  }
  if (adapter.misdatedHint !== undefined) hints.push(adapter.misdatedHint);
  return hints.length === 0 ? '' : ` (${hints.join('; ')})`;
}

/** How much earlier than the scenario's last packet a log's records may all end before it looks cut short. */
const PARTIAL_SLACK_US = 1_000_000;

/**
 * One piece of a rotated log, or the conn.log of a sensor still running (a connection is written when it ends), holds
 * the connections that ended before some moment and not all of those after: the rest were scored "missed" or cut
 * short at exit 0, with advice for a sensor that had reported them. The evidence: the sentinel (the capture's last
 * packet, on UDP) has no record though the log reports UDP, and either scenario connections have none either or no
 * record reaches the scenario's last packet, or (a clock on a protocol the log reports) none reaches the clock's last
 * packet. A whole log that lacks only the sentinel is scored.
 */
function refusePartialLog(logFile: string, extent: RecordExtent, comparison: CellComparison, truth: GroundTruth): void {
  const sentinel = truth.connections.find((c) => c.role === 'sentinel');
  if (sentinel === undefined || extent.protocols.size === 0) return;
  if ((comparison.scores.find((s) => s.connectionId === sentinel.id)?.fragments ?? 0) > 0) return;
  const { latestEndUs: lastEndUs, lastLine } = extent;
  const reportsItsProtocol = extent.protocols.has(sentinel.protocol);
  let scenarioEndUs = -Infinity;
  for (const c of truth.connections) if (!c.background) scenarioEndUs = Math.max(scenarioEndUs, c.lastUs);
  // The clock sends a packet every few seconds until just before the sentinel: a log that reports its protocol has a
  // record of it reaching there. Suricata writes the flows it still holds at shutdown in its flow table's order, so
  // a piece of its log can hold a record of every scenario connection, one reaching the scenario's end, and still
  // lack the later pieces of split ones: those connections were scored whole ("fragmented (2 of 12)" where the whole
  // log says 6) at exit 0.
  const clock = truth.connections.find((c) => c.role === 'clock' && extent.protocols.has(c.protocol));
  const scenario = comparison.scores.filter((s) => !s.background);
  const missed = scenario.filter((s) => s.fragments === 0).length;
  const endsEarly = lastEndUs < scenarioEndUs - PARTIAL_SLACK_US;
  const clockEndsEarly = clock !== undefined && lastEndUs < clock.lastUs - PARTIAL_SLACK_US;
  if (!reportsItsProtocol || (missed === 0 && !endsEarly && !clockEndsEarly)) return;
  const protocol = sentinel.protocol.toUpperCase();
  throw new InputError(
    { file: logFile, line: lastLine, col: 0 },
    `a log that looks cut short: the sentinel (the capture's last packet, ${protocol} at ${formatUtc(sentinel.firstUs)}) has no record though the log reports ${protocol}, `
      + (missed > 0 ? `${missed.toLocaleString('en-US')} of ${scenario.length.toLocaleString('en-US')} scenario connections have none either, ` : '')
      + `and its latest record ends ${formatUtc(lastEndUs)}${endsEarly ? `, before the scenario's last packet (${formatUtc(scenarioEndUs)})` : clockEndsEarly ? `, before the last packet of the background clock (${formatUtc(clock.lastUs)}), which runs until just before the sentinel` : ''}`,
    'the whole log of the capture, written once the sensor had read all of it: a rotated log\'s pieces concatenated in order (cat conn.*.log), '
      + 'or the log of a stopped sensor (a running one writes a connection only when it ends)',
  );
}

/** How far a record may begin before its connection's first packet or end after its last: tools that print milliseconds. */
const BEYOND_PACKETS_SLACK_US = 10_000;

/**
 * A TCP or UDP record that begins before its connection's first packet or ends after its last (by more than a
 * tool's rounding) holds no packet of this capture there: it is a log of another capture of the same scenario
 * (another seed or start: jittered bursts move), scored as "inaccurate" with a recommendation for a sensor that kept
 * every connection whole, at exit 0. ICMP is left out (tools attribute echo packets of concurrent pings in ways their
 * records do not show), and so is a record the monitor shared with another connection (verdict merged).
 */
function refuseRecordBeyondItsPackets(logFile: string, comparison: CellComparison, truth: GroundTruth): void {
  const byId = new Map(truth.connections.map((c) => [c.id, c]));
  for (const score of comparison.scores) {
    const c = byId.get(score.connectionId);
    if (c === undefined || c.protocol === 'icmp' || score.mergedWith !== undefined) continue;
    for (const f of score.fragmentList) {
      const early = c.firstUs - f.firstUs;
      const late = f.lastUs - c.lastUs;
      if (early <= BEYOND_PACKETS_SLACK_US && late <= BEYOND_PACKETS_SLACK_US) continue;
      const line = f.sources[0]?.line ?? 0;
      const beyond = early > BEYOND_PACKETS_SLACK_US
        ? `begins ${(early / 1e6).toFixed(6)} s before its first packet (${formatUtc(c.firstUs)})`
        : `ends ${(late / 1e6).toFixed(6)} s after its last packet (${formatUtc(c.lastUs)})`;
      throw new InputError(
        { file: logFile, line, col: 0 },
        `a record of ${c.id} (${c.protocol} ${formatEndpoint(c.client.addr, c.client.port)} - ${formatEndpoint(c.server.addr, c.server.port)}) that ${beyond}: no packet of this capture is there`,
        `records within their connection's packets (within ${BEYOND_PACKETS_SLACK_US / 1000} ms of rounding): is this the log of another capture of ${truth.scenario.name} (another seed or start), or of another truth?`,
      );
    }
  }
}

/** A log of another capture (unrelatedOutput: not one connection of the scenario found, records of none) is bad input. */
function refuseUnrelatedLog(
  logFile: string, records: FlowRecordList, comparison: CellComparison, truth: GroundTruth, truthFile: string, replayed: boolean, misdated: () => string,
): void {
  const unrelated = unrelatedOutput(comparison.aggregate, comparison.spurious);
  if (unrelated === undefined) return;
  const { first } = unrelated;
  // No other capture's log: a flow key without ports matches no connection whatever the sensor read.
  if (recordsCarryNoPorts(records)) {
    throw new InputError(
      { file: logFile, line: first.source.line, col: 0 },
      `records that carry no ports (the sensor's flow key or aggregation drops them): ${describeUnrelated(unrelated, records.length, truth.scenario.name)}`,
      'records keyed on the whole 5-tuple, ports included (pmacct: src_port and dst_port in its aggregate; argus: a flow model that keeps ports)',
    );
  }
  const span = `${formatUtc(truth.pcap.firstUs)} to ${formatUtc(truth.pcap.lastUs)}`;
  throw new InputError(
    { file: logFile, line: first.source.line, col: 0 },
    describeUnrelated(unrelated, records.length, truth.scenario.name),
    `a log written on ${path.basename(truth.pcap.file)}, the capture ${path.basename(truthFile)} describes (${unrelated.scenarioConnections.toLocaleString('en-US')} scenario connection(s), ${span})`
      // A sensor fed the capture by tcpreplay stamps the replay's time: every record falls outside the capture's span.
      + (!replayed && (first.firstUs < truth.pcap.firstUs || first.firstUs > truth.pcap.lastUs) ? `${misdated()}; if the sensor was fed it by tcpreplay, say when with --replayed-at (and --speedup)` : ''),
  );
}
