import { access } from 'node:fs/promises';
import path from 'node:path';
import { MonitorFailure, type LiveCellContext, type LiveForm, type LiveOutput } from '../monitor-adapter.js';
import { EVE_FILE, eveOutput, MINIMAL_YAML, suricataArgv } from './adapter.js';

/**
 * Suricata on a live interface (docs/measured/live.md): the offline argv with `--pcap=rx` instead of `-r x.pcap`.
 * libpcap capture, so several instances never share an AF_PACKET fanout group (with --af-packet each would need its
 * own cluster-id, or they split the packets). Timers run on their own, floor 1 s; SIGTERM logs every flow with
 * reason `shutdown`.
 */
async function run(ctx: LiveCellContext): Promise<LiveOutput> {
  const configFile = ctx.userConfig ?? (await ctx.writeConfig('suricata.yaml', MINIMAL_YAML));
  const offline = suricataArgv(ctx, configFile);
  const at = offline.indexOf('-r');
  const argv = [...offline.slice(0, at), `--pcap=${ctx.iface}`, ...offline.slice(at + 2)];
  const service = await ctx.startService(argv, { cwd: ctx.workDir });
  await ctx.listenThroughReplay();
  const ended = await service.stop();
  if (ended.exitCode !== 0 && ended.signal !== 'SIGTERM') {
    throw new MonitorFailure(`suricata failed: ${ended.signal ?? `exit status ${ended.exitCode}`}`, ended.exitCode, ended.signal, ended.stderr.trim().split('\n').slice(-10).join('\n'), false);
  }
  const eve = path.join(ctx.workDir, EVE_FILE);
  if (!(await access(eve).then(() => true, () => false))) throw new MonitorFailure(`suricata wrote no ${EVE_FILE} live`, ended.exitCode, ended.signal, '', false);
  // Its own account of the flow table (memuse, emergency mode) too, as offline: a cut by a full table is scored as such.
  return eveOutput(eve, [`suricata --pcap=${ctx.iface} (libpcap, no cluster-id to share)`]);
}

export const suricataLive: LiveForm = { floorS: 1, needsImmediateMode: false, notes: () => [], run };
