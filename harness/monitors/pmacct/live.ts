import path from 'node:path';
import { collectWithNfcapd } from '../../netflow/nfcapd-collector.js';
import { IMMEDIATE_MODE_APPLIED, immediateModeMissing } from '../../live/immediate-mode.js';
import { MonitorFailure, type LiveCellContext, type LiveForm, type LiveOutput } from '../monitor-adapter.js';
import { MAXFLOWS_KEY, nfprobeTimeouts } from './adapter.js';
import { generatedPmacctdConfig } from './config.js';

/**
 * pmacctd on a live interface (docs/measured/live.md): `pcap_interface: rx`, the nfprobe plugin exporting IPFIX to
 * nfcapd, `expint=1` so that expiry is checked every second. Its pcap buffer timeout of 1000 ms hands packets over
 * in batches up to 1 s late (at T = 1 s two identical instances disagreed), so it runs with the immediate-mode shim;
 * floor 2 s. Stopped with SIGINT: it exports its cache and exits after about 2 s.
 */
const LOG_FILE = 'pmacctd.log';
const STOP_MS = 15_000;

async function run(ctx: LiveCellContext): Promise<LiveOutput> {
  if (ctx.userConfig) throw new MonitorFailure('a live pmacct sensor takes no config file yet (its keys would have to be merged with pcap_interface and the scaled timeouts)', null, undefined, '', false);
  const notes: string[] = [];
  const collected = await collectWithNfcapd(ctx, async ({ host, port }) => {
    const timeouts = nfprobeTimeouts(ctx.knobValues);
    const conf = await ctx.writeConfig('pmacctd.conf', generatedPmacctdConfig({
      source: { iface: ctx.iface },
      receiver: `${host}:${port}`,
      // general= the same as the idle timeouts is left to the tool: the scenarios carry TCP, UDP and ICMP only.
      timeouts: `${timeouts ? `${timeouts}:` : ''}expint=1`,
      // The swept table limit, as offline: without it a live cell labelled maxflows=100 ran with nfprobe's 8192.
      maxFlows: ctx.knobValues[MAXFLOWS_KEY],
      control: { pidFile: path.join(ctx.workDir, 'pmacctd.pid'), logFile: path.join(ctx.workDir, LOG_FILE) },
    }));
    const service = await ctx.startService([ctx.binary, '-f', conf], { env: ctx.immediateModeEnv });
    await ctx.listenThroughReplay();
    await ctx.signalService(service, 'SIGINT');
    const ended = await service.wait(STOP_MS);
    if (!ended) throw new MonitorFailure(`pmacctd still running ${STOP_MS / 1000} s after SIGINT`, null, undefined, '', true);
    if (ended.exitCode !== 0 && ended.exitCode !== 1) {
      throw new MonitorFailure(`pmacctd failed: ${ended.signal ?? `exit status ${ended.exitCode}`}`, ended.exitCode, ended.signal, ended.stderr.trim().split('\n').slice(-10).join('\n'), false);
    }
    // Without immediate mode pmacctd takes packets in buffered batches and decides at random near its floor
    // (docs/measured/live.md), and it counts no packets: scored, its records read as the tool's view.
    if (!ended.stderr.includes(IMMEDIATE_MODE_APPLIED)) throw immediateModeMissing('pmacctd', ended);
    notes.push('immediate mode applied (LD_PRELOAD shim: pcap_set_immediate_mode(p, 1) before pcap_activate)');
  });
  return { views: { default: collected.records }, rawFiles: [...collected.rawFiles, LOG_FILE], notes: [...notes, ...collected.notes] };
}

export const pmacctLive: LiveForm = {
  floorS: 2,
  needsImmediateMode: true,
  notes: (k) => [`nfprobe expint=1 s live (expiry checked every second = ${k} s of scenario time)`, 'pmacctd reports no packet count: packets seen are not checked for it'],
  // expint=1 rather than the 60 s the offline model assumes: expiry checked every second, against whole-second times.
  timers: {
    granularityS: 2,
    comparison: 'live (nfprobe_timeouts expint=1), a silence longer than the timeout ends the flow at the expiry check every second, in whole seconds: a silence between the timeout and the timeout + 2 s may or may not',
  },
  run,
};
