import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { collectWithNfcapd } from '../../netflow/nfcapd-collector.js';
import { IMMEDIATE_MODE_APPLIED, immediateModeMissing } from '../../live/immediate-mode.js';
import { timeoutPairs } from '../../netflow/softflowd-timeouts.js';
import { MonitorFailure, type LiveCellContext, type LiveForm, type LiveOutput } from '../monitor-adapter.js';
import { maxFlowsArgs } from './adapter.js';
import { parseSoftflowdOptions } from './options.js';
import { packetsProcessedOf, parseSoftflowctlStatistics } from './statistics.js';
import type { ToolState } from '../../core/tool-state.js';

/**
 * softflowd on a live interface (docs/measured/live.md): `softflowd -d -i rx -n 127.0.0.1:P -v 10 -A milli -c CTL
 * -t tcp=T ... -t expint=1` into nfcapd. As installed it processes nothing on a quiet link (libpcap 1.10 with a
 * buffer timeout of 0 hands packets over only when a 256 KiB block fills), so it runs with the immediate-mode shim.
 * Stopped through `softflowctl shutdown`, which exports every flow; SIGTERM with -d exports nothing.
 * Floor 2 s: timeouts are whole seconds and expiry is checked every `expint` (1 s here).
 */
const CONTROL = 'softflowd.ctl';
const SHUTDOWN_MS = 15_000;
const STATISTICS = 'softflowctl-statistics.txt';

async function run(ctx: LiveCellContext): Promise<LiveOutput> {
  const softflowctl = await ctx.which('softflowctl');
  if (!softflowctl) throw new MonitorFailure('softflowctl not found (it ships with softflowd): apt-get install -y --no-install-recommends softflowd', null, undefined, '', false);
  const extra = ctx.userConfig ? parseSoftflowdOptions(await readFile(ctx.userConfig, 'utf8'), ctx.userConfig) : [];
  // Relative to the cell folder (both processes run there): a Unix socket path is limited to 107 bytes, and an
  // absolute one under a user's long --out folder went past it ("Control socket path too long").
  const control = CONTROL;
  const inCell = { cwd: ctx.workDir };
  const notes: string[] = [];
  let packetsSeen: number | undefined;
  let toolState: ToolState | undefined;
  const collected = await collectWithNfcapd(ctx, async ({ host, port }) => {
    const argv = [ctx.binary, '-d', '-i', ctx.iface, '-n', `${host}:${port}`, '-v', '10', '-A', 'milli', '-c', control, '-p', path.join(ctx.workDir, 'softflowd.pid')];
    // One -t per timeout: softflowd refuses a comma list. expint=1: expiry checked every second, not every 60.
    for (const pair of timeoutPairs(ctx.knobValues)) argv.push('-t', pair);
    // The swept table limit as offline: a live cell labelled maxflows=100 once ran with softflowd's 8192.
    argv.push('-t', 'expint=1', ...extra, ...maxFlowsArgs(ctx.knobValues));
    const service = await ctx.startService(argv, { ...inCell, env: ctx.immediateModeEnv });
    await ctx.listenThroughReplay();
    await ctx.exec([softflowctl, '-c', control, 'statistics'], { ...inCell, stdoutFile: STATISTICS });
    const stats = await readFile(path.join(ctx.workDir, STATISTICS), 'utf8');
    // What it processed, not what libpcap received: without immediate mode it received 130 and processed 0.
    packetsSeen = packetsProcessedOf(stats);
    notes.push(`softflowctl statistics (${STATISTICS}): ${packetsSeen !== undefined ? `${packetsSeen} packets processed` : 'no packet count found'}`);
    toolState = parseSoftflowctlStatistics(stats, STATISTICS);
    if (toolState.tableFull) notes.push(`softflowd's table was full: it expired ${toolState.evictedFlows} flows early to make room (maxflows); raise -m`);
    await ctx.exec([softflowctl, '-c', control, 'shutdown'], inCell);
    const ended = await service.wait(SHUTDOWN_MS);
    if (!ended) throw new MonitorFailure(`softflowd still running ${SHUTDOWN_MS / 1000} s after softflowctl shutdown`, null, undefined, '', true);
    const log = ended.stderr;
    // softflowd 1.1.0 exits 1 after a requested shutdown; its log says whether that is what happened.
    if (!log.includes('Shutting down on user request')) {
      throw new MonitorFailure(`softflowd ended without its shutdown (${ended.signal ?? `exit status ${ended.exitCode}`})`, ended.exitCode, ended.signal, log.trim().split('\n').slice(-10).join('\n'), false);
    }
    // Without immediate mode softflowd processes nothing (libpcap received 130 packets, softflowd 0): said as
    // what it is, not as "0 of 130 packets seen: with drops".
    if (!log.includes(IMMEDIATE_MODE_APPLIED)) throw immediateModeMissing('softflowd', ended);
    notes.push('immediate mode applied (LD_PRELOAD shim: pcap_set_immediate_mode(p, 1) before pcap_activate)');
  });
  return { views: { default: collected.records }, rawFiles: [...collected.rawFiles, STATISTICS], notes: [...notes, ...collected.notes], packetsSeen, ...(toolState === undefined ? {} : { toolState }) };
}

export const softflowdLive: LiveForm = {
  floorS: 2,
  needsImmediateMode: true,
  notes: (k) => [
    `expint=1 s live (expiry checked every second = ${k} s of scenario time)`,
    `tcp.rst 120 s and tcp.fin 300 s are not scaled: in scenario time ${120 * k} s and ${300 * k} s`,
  ],
  // expint=1 rather than the 60 s the offline model assumes: measured, a flow is exported T + 0.5-1.6 s after its
  // last packet (docs/measured/live.md), whole-second times checked every second.
  timers: {
    granularityS: 2,
    comparison: 'live (-t expint=1), a silence longer than the timeout ends the flow at the expiry check every second, in whole seconds: a silence between the timeout and the timeout + 2 s may or may not',
  },
  run,
};
