import type { MonitorModel } from '../comparator/monitor-model.js';
import type { FlowRecord } from '../core/flow-record.js';
import type { GroundTruth } from '../core/ground-truth.js';
import { InputError } from '../core/input-error.js';
import { canonicalIp } from '../core/ip-address.js';
import { isoToMicros } from '../core/time-text.js';
import type { TimeoutSetting } from '../core/timeout-setting.js';
import { recordToScenarioTime, scaleSetting, speedupOf, type SettingTimeouts, type TimeMap } from './time-scale.js';
import { toolTimeModel } from './tool-time-model.js';

/**
 * A log that a sensor wrote while tcpreplay replayed the capture to it (`harness score --replayed-at`): the sensor
 * stamped every packet with the time it arrived, not the capture's, and at `tcpreplay --multiplier K` every gap
 * was K times shorter. Its records are mapped back into the capture's time through the same TimeMap a live cell
 * uses (time-scale.ts), and its model is the tool's rule for what it ran (the setting as given, in replay time)
 * presented in scenario time (tool-time-model.ts): a sensor's 5 min timeout, replayed 4 times faster, acts on the
 * capture as 20 min. Pure.
 */
export interface ReplayOfLog {
  /** When the sensor stamped the capture's first packet (µs since the epoch), or `auto`: the log's earliest record start. */
  startUs: number | 'auto';
  /** tcpreplay's multiplier: 1 replays at the capture's own pace. */
  k: number;
}

export const REPLAYED_AT_EXPECTED = 'when the sensor saw the capture\'s first packet, as ISO 8601 (2026-12-03T08:00:00.000000Z, UTC unless an offset is given), or auto';
export const SPEEDUP_EXPECTED = 'tcpreplay\'s multiplier, a number 1 or more (with --replayed-at)';

/** The flags' text as a ReplayOfLog; undefined when neither is given. */
export function parseReplayFlags(replayedAt: string | undefined, speedup: string | undefined): ReplayOfLog | undefined {
  if (replayedAt === undefined) {
    if (speedup !== undefined) throw new InputError({ file: 'harness score --speedup', line: 0, col: 0 }, `"${speedup}" without --replayed-at`, SPEEDUP_EXPECTED);
    return undefined;
  }
  const startUs = replayedAt === 'auto' ? 'auto' : isoToMicros(replayedAt);
  if (startUs === undefined) throw new InputError({ file: 'harness score --replayed-at', line: 0, col: 0 }, `"${replayedAt}"`, REPLAYED_AT_EXPECTED);
  const k = speedup === undefined ? 1 : speedupOf(speedup);
  if (k === undefined) throw new InputError({ file: 'harness score --speedup', line: 0, col: 0 }, `"${speedup as string}"`, SPEEDUP_EXPECTED);
  return { startUs, k };
}

/**
 * Replay time -> capture time: the replay's start stands for the capture's first packet. `earliest`: the log's
 * earliest record (recordExtent), undefined for none; read for `auto` only. Auto aligns that record with the first
 * packet of the connection it is a record of, not with the capture's first packet: a sensor that reports some
 * protocols only (tcptrace: TCP) or missed the capture's first flow has its earliest record later than the replay's
 * start, and every record was moved that much before its connection (start and end errors, coverage lost, records of
 * short connections matched to none) at exit 0. A record of no connection of the truth is taken as the first packet.
 */
export function replayTimeMap(replay: ReplayOfLog, truth: GroundTruth, earliest: FlowRecord | undefined, logFile: string): TimeMap & { alignedTo?: string } {
  if (replay.startUs !== 'auto') return { k: replay.k, replayOriginUs: replay.startUs, scenarioOriginUs: truth.pcap.firstUs };
  // Nothing to align to: an empty log says nothing of when the replay ran.
  if (earliest === undefined) throw new InputError({ file: 'harness score --replayed-at', line: 0, col: 0 }, `auto, and ${logFile} holds no records to take the replay's start from`, 'the time the sensor saw the first packet, as ISO 8601');
  const connection = firstConnectionOf(truth, earliest);
  const intoCaptureUs = connection === undefined ? 0 : connection.firstUs - truth.pcap.firstUs;
  return {
    k: replay.k,
    replayOriginUs: earliest.firstUs - Math.round(intoCaptureUs / replay.k),
    scenarioOriginUs: truth.pcap.firstUs,
    ...(connection === undefined ? {} : { alignedTo: connection.id }),
  };
}

/** The earliest truth connection a record is of: protocol, addresses and (TCP, UDP) ports, either way round. */
function firstConnectionOf(truth: GroundTruth, record: FlowRecord): GroundTruth['connections'][number] | undefined {
  let found: GroundTruth['connections'][number] | undefined;
  const ports = record.protocol === 'tcp' || record.protocol === 'udp';
  for (const c of truth.connections) {
    if (c.protocol !== record.protocol) continue;
    const client = canonicalIp(c.client.addr);
    const server = canonicalIp(c.server.addr);
    const forward = client === record.origAddr && server === record.respAddr && (!ports || (c.client.port === record.origPort && c.server.port === record.respPort));
    const backward = client === record.respAddr && server === record.origAddr && (!ports || (c.client.port === record.respPort && c.server.port === record.origPort));
    if ((forward || backward) && (found === undefined || c.firstUs < found.firstUs)) found = c;
  }
  return found;
}

export function recordsInCaptureTime(map: TimeMap, records: readonly FlowRecord[]): FlowRecord[] {
  return records.map((r) => recordToScenarioTime(map, r));
}

/**
 * What the sensor's setting means on the capture's clock: every timeout in force (`inForce`, given or the tool's
 * default) K times itself.
 */
export function settingInCaptureTime(setting: TimeoutSetting, k: number, inForce: SettingTimeouts): TimeoutSetting {
  if (k === 1) return setting;
  return { ...scaleSetting(setting, 1 / k, inForce), label: `${setting.label} replayed ${k}x` };
}

/**
 * The cell's model: at K = 1 the sensor's own (its timers ran in the capture's time, shifted); faster, its rule
 * for the setting it ran, presented in capture time, with the advice from the setting's meaning there.
 */
export function replayedLogModel(tool: MonitorModel, inCaptureTime: MonitorModel, map: TimeMap): MonitorModel {
  return map.k === 1 ? tool : toolTimeModel(tool, inCaptureTime, map);
}
