import type { GroundTruth, QuietPeriod, TruthConnection } from '../../harness/core/ground-truth.js';
import { TRUTH_SCHEMA_VERSION } from '../../harness/core/ground-truth.js';
import type { Cell, CellStatus, CommandRecord, RunResults, ScenarioResult } from '../../harness/core/results.js';
import { RESULTS_SCHEMA_VERSION } from '../../harness/core/results.js';
import type { ConnectionScore, Fragment, Recommendation, Verdict } from '../../harness/core/score.js';
import { VERDICT_SEVERITY } from '../../harness/core/score.js';
import type { TimeoutSetting } from '../../harness/core/timeout-setting.js';
import { parseTimeoutSweep } from '../../harness/core/timeout-setting.js';

/**
 * A RunResults shaped like a real `harness run` of burst-20min: one 68,236 s TCP connection with 56 quiet periods
 * of about 1200 s, a background clock flow, and the cells the monitors of monitors.md produce on it (Zeek
 * fragmenting at its default, argus raw and merged, softflowd not honouring timeouts, nfpcapd refusing 4h, Suricata
 * not installed, ndpiReader crashing). Built here because reports are written in parallel with the comparator.
 */
export interface SampleOptions {
  /** Extra short connections with one quiet period each, to exercise the caps of big scenarios. */
  extraConnections?: number;
  /** Replaces the Zeek state string of every fragment (to plant hostile text). */
  plantedState?: string;
  /** Adds a cell row for a monitor the reports have never heard of. */
  extraMonitor?: { id: string; column: string };
}

const START_US = 1_700_000_000_000_000;
const S = 1_000_000;
const MAIN_ID = 'c2-beacon';
const DURATION_US = 68_236 * S;
const BURSTS = 57;
const BURST_US = 18_180_000;
const CLOCK_INTERVAL_US = 30 * S;
const HUNT_S = 3600;

export function buildSampleResults(options: SampleOptions = {}): RunResults {
  const settings = parseTimeoutSweep('default,5m,1h,4h');
  const truth = buildTruth(options.extraConnections ?? 0);
  const ctx: Ctx = { truth, plantedState: options.plantedState };
  const cells: Cell[] = [];
  for (const setting of settings) cells.push(zeekCell(ctx, setting));
  for (const setting of settings) cells.push(argusCell(ctx, setting, 'raw'));
  for (const setting of settings) cells.push(argusCell(ctx, setting, 'merged'));
  for (const setting of settings) cells.push(softflowdCell(ctx, setting));
  for (const setting of settings) cells.push(nfpcapdCell(ctx, setting));
  for (const setting of settings) cells.push(suricataCell(setting));
  for (const setting of settings) cells.push(ndpiCell(ctx, setting));
  if (options.extraMonitor) {
    const { id, column } = options.extraMonitor;
    for (const setting of settings) {
      cells.push(
        scoredCell(ctx, { monitor: id, displayName: column, view: 'default', column, setting }, () => ({ kind: 'whole' })),
      );
    }
  }
  const scenario: ScenarioResult = {
    name: 'burst-20min',
    description: 'One C2-like TCP session, bursts every ~20 min for 19 h, with a background clock flow.',
    file: 'scenarios/burst-20min.yaml',
    pcapFile: 'pcaps/burst-20min.pcap',
    truthFile: 'pcaps/burst-20min.truth.json',
    truth,
    settings,
    cells,
    recommendations: recommendations(),
  };
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'harness', version: '0.1.0' },
    createdAt: '2024-05-02T09:30:00.000Z',
    command: ['harness', 'run', 'scenarios/burst-20min.yaml', '--timeouts', 'default,5m,1h,4h'],
    runDir: 'runs/2024-05-02T09-30-00',
    huntThresholdsS: [HUNT_S],
    toleranceS: 1,
    toleranceRatio: 0.001,
    scenarios: [scenario],
  };
}

// ---- truth ----

function buildTruth(extra: number): GroundTruth {
  const quiet: QuietPeriod[] = [];
  const totalQuiet = DURATION_US - BURSTS * BURST_US;
  const meanQuiet = Math.floor(totalQuiet / (BURSTS - 1));
  let t = START_US + BURST_US;
  let left = totalQuiet;
  for (let k = 0; k < BURSTS - 1; k++) {
    // Deterministic jitter of up to ±30 s that sums to zero over pairs; the last gap absorbs the remainder.
    const jitter = k === BURSTS - 2 ? 0 : (k % 2 === 0 ? 1 : -1) * ((k * 7919) % 30) * S;
    const length = k === BURSTS - 2 ? left : meanQuiet + jitter;
    quiet.push({ startUs: t, endUs: t + length, lengthUs: length });
    left -= length;
    t += length + BURST_US;
  }
  const main: TruthConnection = {
    id: MAIN_ID,
    protocol: 'tcp',
    ipVersion: 4,
    client: { addr: '192.0.2.10', port: 40000 },
    server: { addr: '198.51.100.20', port: 443 },
    firstUs: START_US,
    lastUs: START_US + DURATION_US,
    durationUs: DURATION_US,
    clientPkts: 3 + BURSTS * 6,
    clientIpBytes: 3 * 52 + BURSTS * 6 * 192,
    clientPayloadBytes: BURSTS * 3 * 140,
    serverPkts: 2 + BURSTS * 3,
    serverIpBytes: 2 * 52 + BURSTS * 3 * 1252,
    serverPayloadBytes: BURSTS * 3 * 1200,
    open: 'handshake',
    close: 'fin',
    firstSender: 'client',
    quietPeriods: quiet,
    longestGapUs: Math.max(...quiet.map((q) => q.lengthUs)),
    background: false,
  };
  const clockPkts = Math.floor((DURATION_US + 120 * S) / CLOCK_INTERVAL_US) + 1;
  const clock: TruthConnection = {
    id: 'clock',
    protocol: 'udp',
    ipVersion: 4,
    client: { addr: '192.0.2.99', port: 50000 },
    server: { addr: '198.51.100.99', port: 123 },
    firstUs: START_US - 60 * S,
    lastUs: START_US - 60 * S + (clockPkts - 1) * CLOCK_INTERVAL_US,
    durationUs: (clockPkts - 1) * CLOCK_INTERVAL_US,
    clientPkts: clockPkts,
    clientIpBytes: clockPkts * 29,
    clientPayloadBytes: clockPkts,
    serverPkts: 0,
    serverIpBytes: 0,
    serverPayloadBytes: 0,
    open: 'none',
    close: 'none',
    firstSender: 'client',
    quietPeriods: [],
    longestGapUs: CLOCK_INTERVAL_US,
    background: true,
    role: 'clock',
  };
  const connections = [main, clock];
  for (let i = 0; i < extra; i++) {
    const start = START_US + (i % 600) * 100 * S;
    const gap = (60 + (i * 37) % 1800) * S;
    const burst = 2 * S;
    connections.push({
      ...main,
      id: `web#${i + 1}`,
      client: { addr: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 30000 + (i % 20000) },
      server: { addr: '203.0.113.5', port: 80 },
      firstUs: start,
      lastUs: start + 2 * burst + gap,
      durationUs: 2 * burst + gap,
      quietPeriods: [{ startUs: start + burst, endUs: start + burst + gap, lengthUs: gap }],
      longestGapUs: gap,
    });
  }
  const clockEnd = clock.lastUs;
  return {
    schemaVersion: TRUTH_SCHEMA_VERSION,
    generator: 'harness 0.1.0',
    scenario: { name: 'burst-20min', description: 'C2-like bursts every ~20 min', file: 'scenarios/burst-20min.yaml', seed: 42 },
    pcap: {
      file: 'pcaps/burst-20min.pcap',
      sha256: 'a3f1c9e0b2d4f6a8c0e2f4a6b8d0f2a4c6e8f0a2b4d6f8a0c2e4f6a8b0d2f4a6',
      linkType: 'ethernet',
      timestampResolution: 'us',
      firstUs: clock.firstUs,
      lastUs: clockEnd,
      spanUs: clockEnd - clock.firstUs,
      packets: main.clientPkts + main.serverPkts + clockPkts,
      frameBytes: 912_345,
    },
    quietThresholdUs: 60 * S,
    connections,
  };
}

// ---- cells ----

interface Ctx {
  truth: GroundTruth;
  plantedState?: string;
}

interface CellHead {
  monitor: string;
  displayName: string;
  view: string;
  column: string;
  setting: TimeoutSetting;
}

/** How a monitor reports one connection: whole, cut at every quiet period longer than `idleS`, or in pieces of `maxS`. */
type Behaviour = { kind: 'whole'; notHonoured?: boolean } | { kind: 'idle'; idleS: number } | { kind: 'cap'; maxS: number };

function idleOf(setting: TimeoutSetting, fallbackS: number): number {
  return setting.idle.tcp ?? fallbackS;
}

const ZEEK_RSS_KB: Record<string, number> = { default: 151 * 1024, '5m': 151 * 1024, '1h': 188 * 1024, '4h': 190 * 1024 };

function zeekCell(ctx: Ctx, setting: TimeoutSetting): Cell {
  const idleS = idleOf(setting, 300);
  const cell = scoredCell(
    ctx,
    { monitor: 'zeek', displayName: 'Zeek', view: 'default', column: 'Zeek', setting },
    () => ({ kind: 'idle', idleS }),
    { file: 'conn.log', firstLine: 9, state: (i) => (i === 0 ? 'S1' : 'OTH') },
  );
  cell.version = '7.0.11';
  cell.binary = '/usr/local/zeek/bin/zeek';
  cell.knobValues = { tcp_inactivity_timeout: idleS, udp_inactivity_timeout: setting.idle.udp ?? 60 };
  const redef = setting.isDefault ? [] : ['-e', `redef tcp_inactivity_timeout = ${idleS} sec; redef udp_inactivity_timeout = ${setting.idle.udp ?? 60} sec;`];
  cell.provenance.commands = [command(['/usr/local/zeek/bin/zeek', '-C', '-r', '/runs/pcaps/burst-20min.pcap', ...redef], cell.provenance.dir, 0, 2140)];
  cell.provenance.rawFiles = ['conn.log'];
  // Peak RSS as measured on many-idle (the issue: 151 MB at the defaults, 188 MB at 1h); table from the model.
  const peakRssKb = ZEEK_RSS_KB[setting.label] ?? 151 * 1024;
  cell.cost = {
    peakRssKb,
    cpuMs: 1900,
    cpuUserMs: 1700,
    cpuSystemMs: 200,
    wallMs: 2140,
    records: cell.recordCount,
    table: { peakEntries: idleS >= 1200 ? 2 : 1, meanEntries: idleS >= 1200 ? 2 : 1.05, exact: true },
  };
  return cell;
}

function argusCell(ctx: Ctx, setting: TimeoutSetting, view: 'raw' | 'merged'): Cell {
  const idleS = idleOf(setting, 60);
  const cell = scoredCell(
    ctx,
    { monitor: 'argus', displayName: 'argus', view, column: view === 'raw' ? 'argus' : 'argus (merged)', setting },
    () => (view === 'merged' ? { kind: 'whole' } : { kind: 'idle', idleS }),
    { file: 'ra.csv', firstLine: 2, state: () => 'CON' },
  );
  cell.version = '3.0.8';
  cell.binary = '/usr/sbin/argus';
  cell.knobValues = { ARGUS_TCP_TIMEOUT: idleS, ARGUS_IP_TIMEOUT: setting.idle.udp ?? 30, ARGUS_FLOW_STATUS_INTERVAL: 60 };
  const conf = `ARGUS_FLOW_STATUS_INTERVAL=60\nARGUS_TCP_TIMEOUT=${idleS}\nARGUS_IP_TIMEOUT=${setting.idle.udp ?? 30}\n`;
  cell.provenance.configFiles = [{ path: 'argus.conf', content: conf }];
  cell.provenance.commands = [
    command(['/usr/sbin/argus', '-X', '-F', 'argus.conf', '-r', '/runs/pcaps/burst-20min.pcap', '-w', 'out.argus'], cell.provenance.dir, 0, 830),
    command(['/usr/bin/ra', '-r', 'out.argus', '-n', '-u', '-L', '-1', '-c', ',', '-s', 'stime', 'ltime', 'proto', '-', 'not', 'man'], cell.provenance.dir, 0, 95),
  ];
  if (view === 'merged') cell.provenance.commands.push(command(['/usr/bin/racluster', '-r', 'out.argus', '-w', 'merged.argus'], cell.provenance.dir, 0, 60));
  cell.provenance.rawFiles = ['out.argus', 'ra.csv'];
  return cell;
}

function softflowdCell(ctx: Ctx, setting: TimeoutSetting): Cell {
  const cell = scoredCell(
    ctx,
    { monitor: 'softflowd', displayName: 'softflowd', view: 'default', column: 'softflowd', setting },
    () => ({ kind: 'whole', notHonoured: true }),
    { file: 'nfdump.json', firstLine: 1 },
  );
  cell.version = '1.1.0';
  cell.honoursTimeoutsOffline = false;
  cell.knobValues = { 'tcp': idleOf(setting, 3600) };
  cell.provenance.commands = [
    command(['/usr/bin/nfcapd', '-w', 'nf', '-p', '39111', '-b', '127.0.0.1', '-t', '3600'], cell.provenance.dir, 0, 3100, true),
    command(['/usr/sbin/softflowd', '-d', '-c', 'none', '-r', '/runs/pcaps/burst-20min.pcap', '-n', '127.0.0.1:39111', '-v', '10', '-A', 'milli', '-t', `tcp=${idleOf(setting, 3600)}`], cell.provenance.dir, 0, 420),
  ];
  cell.provenance.notes = ['calibration: one record across a 600 s gap with tcp=60: timeouts not honoured reading a pcap'];
  return cell;
}

function nfpcapdCell(ctx: Ctx, setting: TimeoutSetting): Cell {
  const idleS = idleOf(setting, 60);
  if (idleS > 3600) {
    return statusCell(
      { monitor: 'nfpcapd', displayName: 'nfpcapd', view: 'default', column: 'nfpcapd', setting },
      'unsupported',
      `nfpcapd refuses an inactive timeout above 3600 s (asked ${idleS} s)`,
    );
  }
  const cell = scoredCell(
    ctx,
    { monitor: 'nfpcapd', displayName: 'nfpcapd', view: 'default', column: 'nfpcapd', setting },
    () => (idleS >= 3600 ? { kind: 'cap', maxS: 3600 } : { kind: 'idle', idleS }),
    { file: 'nfdump.json', firstLine: 1 },
  );
  cell.version = '1.7.1';
  cell.knobValues = { inactive: idleS, active: 3600 };
  cell.provenance.commands = [command(['/usr/bin/nfpcapd', '-r', '/runs/pcaps/burst-20min.pcap', '-w', 'nf', '-e', `3600,${idleS}`], cell.provenance.dir, 0, 610)];
  return cell;
}

function suricataCell(setting: TimeoutSetting): Cell {
  return statusCell(
    { monitor: 'suricata', displayName: 'Suricata', view: 'default', column: 'Suricata', setting },
    'skipped',
    'not installed: suricata not found on PATH or in $HARNESS_SURICATA; install: apt-get install -y suricata',
  );
}

function ndpiCell(ctx: Ctx, setting: TimeoutSetting): Cell {
  const head = { monitor: 'ndpi', displayName: 'nDPI', view: 'default', column: 'nDPI', setting };
  if (!setting.isDefault) return statusCell(head, 'unsupported', "nDPI's idle timeout is compiled in; ndpiReader takes no timeout setting");
  const cell = statusCell(head, 'failed', 'ndpiReader exited with status 1');
  cell.version = '4.2';
  cell.provenance.commands = [
    command(
      ['/usr/bin/ndpiReader', '-q', '-v', '1', '-i', '/runs/pcaps/burst-20min.pcap', '-C', 'flows.csv'],
      cell.provenance.dir,
      1,
      75,
      false,
      'Using nDPI (4.2.0) [1 thread(s)]\nReading packets from pcap file /runs/pcaps/burst-20min.pcap...\nerror: pcap_next_ex: truncated dump file; tried to read 1514 captured bytes, only got 9\n',
    ),
  ];
  void ctx;
  return cell;
}

// ---- building blocks ----

function statusCell(head: CellHead, status: Exclude<CellStatus, 'ok'>, reason: string): Cell {
  return {
    ...head,
    sensor: head.monitor,
    status,
    reason,
    provenance: { dir: cellDir(head), commands: [], configFiles: [], rawFiles: [], notes: [], wallMs: status === 'failed' ? 90 : 0 },
    recordCount: 0,
    scores: [],
    spurious: [],
    verdict: status,
  };
}

function scoredCell(
  ctx: Ctx,
  head: CellHead,
  behaviour: () => Behaviour,
  source: { file: string; firstLine: number; state?: (i: number) => string } = { file: 'records.txt', firstLine: 1 },
): Cell {
  const b = behaviour();
  const scores = ctx.truth.connections.map((c) => score(c, c.background ? { kind: 'whole' } : b, source, ctx.plantedState));
  const main = scores.filter((s) => !s.background);
  const verdict = worst(scores.map((s) => s.verdict));
  const cell: Cell = {
    ...head,
    sensor: head.monitor,
    status: 'ok',
    provenance: { dir: cellDir(head), commands: [], configFiles: [], rawFiles: [source.file], notes: [], wallMs: 1500 },
    recordCount: scores.reduce((n, s) => n + s.fragments, 0),
    recordsFile: `${cellDir(head)}/records.jsonl`,
    scores,
    spurious: [],
    aggregate: {
      connections: main.length,
      accurate: main.filter((s) => s.verdict === 'accurate').length,
      fragmented: main.filter((s) => s.verdict === 'fragmented').length,
      missed: main.filter((s) => s.verdict === 'missed').length,
      fragmentsTotal: main.reduce((n, s) => n + s.fragments, 0),
      meanCoverage: main.reduce((n, s) => n + s.coverage, 0) / Math.max(1, main.length),
      minCoverage: Math.min(...main.map((s) => s.coverage)),
      huntFoundByLongest: { [String(HUNT_S)]: main.filter((s) => s.hunts[0]?.byLongestRecord).length },
      huntFoundBySum: { [String(HUNT_S)]: main.filter((s) => s.hunts[0]?.bySum).length },
      spurious: 0,
    },
    verdict,
  };
  if (b.kind === 'whole' && b.notHonoured) cell.honoursTimeoutsOffline = false;
  return cell;
}

function score(
  c: TruthConnection,
  b: Behaviour,
  source: { file: string; firstLine: number; state?: (i: number) => string },
  plantedState: string | undefined,
): ConnectionScore {
  const spans: [number, number][] = [];
  if (b.kind === 'whole') spans.push([c.firstUs, c.lastUs]);
  else if (b.kind === 'idle') {
    let from = c.firstUs;
    for (const q of c.quietPeriods) {
      if (q.lengthUs > b.idleS * S) {
        spans.push([from, q.startUs]);
        from = q.endUs;
      }
    }
    spans.push([from, c.lastUs]);
  } else {
    for (let from = c.firstUs; from < c.lastUs; from += b.maxS * S) spans.push([from, Math.min(c.lastUs, from + b.maxS * S)]);
  }
  const fragmentList: Fragment[] = spans.map(([first, last], i) => ({
    firstUs: first,
    lastUs: last,
    durationUs: last - first,
    clientPkts: Math.round(c.clientPkts / spans.length),
    serverPkts: Math.round(c.serverPkts / spans.length),
    flipped: i > 0 && b.kind === 'idle' && i % 5 === 0,
    state: plantedState ?? source.state?.(i),
    history: i === 0 ? 'ShADd' : 'Dd',
    endReason: i === spans.length - 1 ? 'end-of-flow' : 'idle-timeout',
    sources: [{ file: source.file, line: source.firstLine + i }],
  }));
  const sum = fragmentList.reduce((n, f) => n + f.durationUs, 0);
  const longest = Math.max(...fragmentList.map((f) => f.durationUs));
  const fragments = fragmentList.length;
  const verdict: Verdict =
    b.kind === 'whole' && b.notHonoured ? 'timeouts-not-honoured' : fragments > 1 ? 'fragmented' : 'accurate';
  return {
    connectionId: c.id,
    background: c.background,
    fragments,
    fragmentList,
    trueDurationUs: c.durationUs,
    longestRecordUs: longest,
    sumDurationUs: sum,
    coverage: sum / c.durationUs,
    gapTimeLostUs: c.durationUs - sum,
    startErrorUs: 0,
    endErrorUs: 0,
    packets: { expected: c.clientPkts + c.serverPkts, seen: c.clientPkts + c.serverPkts, ok: true },
    bytes: { expected: c.clientIpBytes + c.serverIpBytes, seen: c.clientIpBytes + c.serverIpBytes, ok: true, bytesKind: 'ip' },
    close: { expected: c.close, seen: c.close, ok: true },
    predictedFragments: fragments,
    predictionDelta: 0,
    likelyReason: fragments > 1 ? 'idle timeout shorter than the quiet periods' : undefined,
    hunts: [{ thresholdS: HUNT_S, byLongestRecord: longest >= HUNT_S * S, bySum: sum >= HUNT_S * S }],
    verdict,
  };
}

function worst(verdicts: Verdict[]): Verdict {
  let best = VERDICT_SEVERITY.length - 1;
  for (const v of verdicts) best = Math.min(best, VERDICT_SEVERITY.indexOf(v));
  return VERDICT_SEVERITY[best] as Verdict;
}

function cellDir(head: CellHead): string {
  return `burst-20min/${head.monitor}-${head.view}/${head.setting.label.replace(/[^a-z0-9]+/gi, '_')}`;
}

function command(argv: string[], cwd: string, exitCode: number, wallMs: number, service = false, stderrTail = ''): CommandRecord {
  return { argv, cwd, exitCode, wallMs, timedOut: false, stderrTail, service, peakRssKb: 48_000 };
}

function recommendations(): Recommendation[] {
  return [
    {
      monitor: 'zeek',
      view: 'default',
      protocol: 'tcp',
      minimumIdleS: 1230,
      advice: 'redef tcp_inactivity_timeout = 21 min;',
      firstSufficientSetting: '1h',
    },
    { monitor: 'argus', view: 'raw', protocol: 'tcp', minimumIdleS: 1230, advice: 'ARGUS_TCP_TIMEOUT=1230', firstSufficientSetting: '1h' },
    { monitor: 'argus', view: 'merged', protocol: 'tcp', minimumIdleS: 1230, advice: 'racluster merges every record of the 5-tuple; no change needed', firstSufficientSetting: 'default' },
    {
      monitor: 'nfpcapd',
      view: 'default',
      protocol: 'tcp',
      minimumIdleS: 1240,
      advice: 'nfpcapd -e 3600,1240',
      limitation: 'nfpcapd caps both timeouts at 3600 s: a connection longer than 1 h is never one record',
    },
    {
      monitor: 'softflowd',
      view: 'default',
      protocol: 'tcp',
      minimumIdleS: 1230,
      advice: 'softflowd -t tcp=1230 (live capture only)',
      limitation: 'softflowd does not apply its timeouts when reading a pcap; this run cannot judge it',
    },
  ];
}
