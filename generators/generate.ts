import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { TRUTH_SCHEMA_VERSION, type GroundTruth, type TruthConnection } from '../harness/core/ground-truth.js';
import { formatDuration } from '../harness/core/duration.js';
import { oneLine } from '../harness/core/input-error.js';
import type { Endpoint, Scenario } from '../harness/scenario/scenario.js';
import { writeFileAtomic } from '../harness/io/atomic-write.js';
import { ipVersion } from '../harness/core/ip-address.js';
import { ClockEvents, SingleEvent, toUs } from './connection-events.js';
import { CaptureMerge, type ScenarioEnd, type ScenarioEnding } from './capture-merge.js';
import { PacketStream } from './packet-merge.js';
import { FlowContext } from './packet.js';
import { PcapWriter } from './pcap-writer.js';
import { ConnectionTruth, FinishedTruths, type ConnectionIdentity } from './truth-builder.js';
import { ScenarioConnections } from './scenario-connections.js';
import { connectionCount } from './connection-schedule.js';
import { connLogPieces } from './zeek-conn-log.js';
import { truthTextPieces } from '../harness/core/truth-text.js';

/**
 * Scenario -> `<name>.pcap`, `<name>.truth.json`, `<name>.truth.conn.log`. Packets are produced lazily per
 * connection, merged in time order and encoded straight into the writer's chunk; the truth is counted from the
 * packets as they are written. Same scenario and seed, same bytes.
 */
export const GENERATOR_NAME = 'harness-generator/1';
const SENTINEL_PAYLOAD = 32;

export interface GenerateResult {
  pcapPath: string;
  truthPath: string;
  truthConnLogPath: string;
  truth: GroundTruth;
}

export interface GenerateOptions {
  /**
   * Stops the generation between two chunks (every 4 MB): the partial pcap is removed, nothing of this scenario is
   * written, and `generate` rejects with a `GenerationInterrupted`. A 10 M-packet pcap takes seconds: Ctrl-C must
   * not wait for it.
   */
  signal?: AbortSignal;
  /** Called after every chunk written (4 MB) with the pcap bytes so far, for a progress display. */
  onProgress?: (pcapBytes: number) => void;
  /**
   * A connection whose next packet is this long after its last (microseconds) is parked as a compact row until
   * then (ScenarioConnections). Only memory and speed depend on it, never the output: tests set it to 0 and to
   * +Infinity to prove that.
   */
  parkGapUs?: number;
}

/**
 * 30 s: a parked connection costs ~210 bytes instead of ~1.5 KB of objects but is rebuilt when it resumes (about
 * what starting it cost); connections sending every few seconds (the throughput bench's 10 s bursts) stay live.
 */
const PARK_GAP_US = 30_000_000;

/** What `generate` rejects with when its signal aborts it. */
export class GenerationInterrupted extends Error {
  constructor(readonly scenarioName: string) {
    super(`generation of ${scenarioName} interrupted`);
    this.name = 'GenerationInterrupted';
  }
}

export async function generate(scenario: Scenario, outDir: string, options: GenerateOptions = {}): Promise<GenerateResult> {
  const signal = options.signal;
  if (signal?.aborted) throw new GenerationInterrupted(scenario.name);
  await mkdir(outDir, { recursive: true });
  const pcapPath = path.join(outDir, `${scenario.name}.pcap`);
  const truthPath = path.join(outDir, `${scenario.name}.truth.json`);
  const truthConnLogPath = path.join(outDir, `${scenario.name}.truth.conn.log`);
  const quietUs = toUs(scenario.quietThresholdS);

  const finished = new FinishedTruths(connectionCount(scenario.connections) + (scenario.clock ? 1 : 0) + (scenario.sentinel ? 1 : 0));
  const starts = new ScenarioConnections(scenario.connections, scenario.startUs, scenario.seed, quietUs, finished, options.parkGapUs ?? PARK_GAP_US);
  const clockOrder = starts.total;
  const sentinelOrder = clockOrder + (scenario.clock ? 1 : 0);
  const sentinelTruth = scenario.sentinel
    ? new ConnectionTruth(backgroundIdentity('sentinel', 'udp', scenario.sentinel.client, scenario.sentinel.server, scenario.sentinel.vlan), quietUs)
    : undefined;
  const merge = new CaptureMerge(scenario.startUs, starts, new SentinelAfterScenario(scenario.sentinel, sentinelOrder, sentinelTruth));
  if (scenario.clock) {
    const c = scenario.clock;
    const identity = backgroundIdentity('clock', 'udp', c.client, c.server, c.vlan);
    const truth = new ConnectionTruth(identity, quietUs);
    const clock = PacketStream.start(clockOrder, backgroundContext(identity), truth, new ClockEvents(scenario.startUs, toUs(c.intervalS), c.payloadBytes));
    if (clock === undefined) finished.add(clockOrder, truth);
    else merge.addClock(clock);
  }

  const writer = await PcapWriter.create(pcapPath, scenario.timestampResolution);
  try {
    while (merge.fill(writer)) {
      await writer.flush();
      // A flush mostly settles by microtasks alone (a free chunk is at hand), so the event loop, and with it the
      // SIGINT handler that aborts the signal, did not run until the whole pcap was written (19 s for 700 MB after
      // Ctrl-C). One turn of the loop a chunk lets it run; only when there is a signal to watch.
      if (signal !== undefined) await new Promise<void>((resolve) => setImmediate(resolve));
      if (signal?.aborted) throw new GenerationInterrupted(scenario.name);
      options.onProgress?.(writer.frameBytes + 16 * writer.packets);
    }
  } catch (e) {
    await writer.abort();
    throw e;
  }
  const summary = await writer.close();

  // A sentinel that was never sent (no scenario end reached) still has its (empty) truth.
  if (sentinelTruth !== undefined && !finished.has(sentinelOrder)) finished.add(sentinelOrder, sentinelTruth);
  const { connections, histories } = finished.all();
  const header: Omit<GroundTruth, 'connections'> = {
    schemaVersion: TRUTH_SCHEMA_VERSION,
    generator: GENERATOR_NAME,
    scenario: { name: scenario.name, description: scenario.description, file: scenario.file, seed: scenario.seed },
    pcap: {
      file: path.basename(pcapPath),
      sha256: summary.sha256,
      linkType: 'ethernet',
      timestampResolution: scenario.timestampResolution,
      firstUs: Math.max(merge.firstUs, 0),
      lastUs: Math.max(merge.lastUs, 0),
      spanUs: merge.firstUs < 0 ? 0 : merge.lastUs - merge.firstUs,
      packets: summary.packets,
      frameBytes: summary.frameBytes,
    },
    quietThresholdUs: quietUs,
  };
  const truth: GroundTruth = { ...header, connections };
  await writeFileAtomic(truthPath, truthTextPieces(header, connections));
  await writeFileAtomic(truthConnLogPath, connLogPieces(connections, histories, header.pcap.firstUs, header.pcap.lastUs));
  return { pcapPath, truthPath, truthConnLogPath, truth };
}

/** What follows the scenario: the sentinel, `afterS` after the last scenario packet, where the clock stops too. */
class SentinelAfterScenario implements ScenarioEnding {
  constructor(
    private readonly sentinel: Scenario['sentinel'],
    private readonly order: number,
    private readonly truth: ConnectionTruth | undefined,
  ) {}

  scenarioEnded(lastScenarioUs: number): ScenarioEnd {
    if (this.truth === undefined || this.sentinel === undefined) return { clockLimitUs: lastScenarioUs };
    const at = lastScenarioUs + toUs(this.sentinel.afterS);
    const sentinel = PacketStream.start(this.order, backgroundContext(this.truth.identity), this.truth, new SingleEvent(at, SENTINEL_PAYLOAD));
    return sentinel === undefined ? { clockLimitUs: at } : { clockLimitUs: at, sentinel };
  }
}

function backgroundIdentity(role: 'clock' | 'sentinel', protocol: 'udp', client: Endpoint, server: Endpoint, vlan: number | undefined): ConnectionIdentity {
  return {
    id: role,
    protocol,
    ipVersion: ipVersion(client.addr),
    ...(vlan === undefined ? {} : { vlan }),
    client: { addr: client.addr, port: client.port },
    server: { addr: server.addr, port: server.port },
    open: 'none',
    close: 'none',
    background: true,
    role,
  };
}

function backgroundContext(id: ConnectionIdentity): FlowContext {
  return new FlowContext('udp', id.client.addr, id.client.port, id.server.addr, id.server.port, id.vlan, 1460, {
    clientSeq: 0,
    serverSeq: 0,
    clientIpId: 1,
    serverIpId: 1,
  });
}

/** One screen for the CLI: what was generated and where. */
export function summarizeGeneration(result: GenerateResult): string {
  const t = result.truth;
  const scenarioConns = t.connections.filter((c) => !c.background);
  const background = t.connections.filter((c) => c.background);
  const byProtocol = new Map<string, number>();
  for (const c of scenarioConns) byProtocol.set(c.protocol, (byProtocol.get(c.protocol) ?? 0) + 1);
  let longest: TruthConnection | undefined;
  for (const c of scenarioConns) if (!longest || c.longestGapUs > longest.longestGapUs) longest = c;
  const quiet = scenarioConns.reduce((n, c) => n + c.quietPeriods.length, 0);
  const mb = (t.pcap.frameBytes / 1e6).toFixed(1);
  // The description and ids are the scenario file's text, the paths the user's: an escape sequence in them (a
  // terminal title set, a color) reached the terminal as it was.
  const lines = [
    `scenario   ${t.scenario.name}: ${oneLine(t.scenario.description)}`,
    `seed       ${t.scenario.seed}`,
    `connections ${scenarioConns.length} (${[...byProtocol].map(([p, n]) => `${n} ${p}`).join(', ') || 'none'})` +
      (background.length > 0 ? ` + ${background.map((c) => oneLine(c.role ?? c.id)).join(', ')}` : ''),
    `packets    ${t.pcap.packets} (${mb} MB of frames)`,
    `span       ${formatDuration(t.pcap.spanUs / 1e6)} from ${new Date(t.pcap.firstUs / 1000).toISOString()}`,
    `quiet      ${quiet} periods >= ${formatDuration(t.quietThresholdUs / 1e6)}` +
      (longest ? `; longest gap ${formatDuration(longest.longestGapUs / 1e6)} (${oneLine(longest.id)})` : ''),
    `pcap       ${oneLine(result.pcapPath)}`,
    `truth      ${oneLine(result.truthPath)}`,
    `conn.log   ${oneLine(result.truthConnLogPath)}`,
    `sha256     ${t.pcap.sha256}`,
  ];
  return lines.join('\n');
}
