import { access } from 'node:fs/promises';
import path from 'node:path';
import { MonitorFailure, type LiveCellContext, type LiveForm, type LiveOutput } from '../monitor-adapter.js';
import { zeekRedefs } from './adapter.js';
import { readConnLog } from './parser.js';

/**
 * Zeek on a live interface (docs/measured/live.md): `zeek -C -i rx -e 'redef ...'` in the cell folder. Plain `-i rx`
 * is libpcap, so several instances never share an AF_PACKET fanout group (with `af_packet::rx` each would need its
 * own AF_Packet::fanout_id, or they split the packets). It takes 25-40 s to open the interface; its timers run on
 * their own, floor 1 s. SIGTERM flushes every open connection into conn.log.
 */
async function run(ctx: LiveCellContext): Promise<LiveOutput> {
  const argv = [ctx.binary, '-C', '-i', ctx.iface];
  if (ctx.userConfig) argv.push(ctx.userConfig);
  const redefs = zeekRedefs(ctx.setting, ctx.knobValues);
  if (redefs) argv.push('-e', redefs);
  const service = await ctx.startService(argv, { cwd: ctx.workDir });
  await ctx.listenThroughReplay();
  const ended = await service.stop();
  if (ended.exitCode !== 0 && ended.signal !== 'SIGTERM') {
    throw new MonitorFailure(`zeek failed: ${ended.signal ?? `exit status ${ended.exitCode}`}`, ended.exitCode, ended.signal, ended.stderr.trim().split('\n').slice(-10).join('\n'), false);
  }
  const connLog = path.join(ctx.workDir, 'conn.log');
  if (!(await access(connLog).then(() => true, () => false))) return { views: { default: [] }, rawFiles: [], notes: ['Zeek wrote no conn.log live'] };
  return { views: { default: await readConnLog(connLog, 'conn.log') }, rawFiles: ['conn.log'], notes: [`zeek -i ${ctx.iface} (libpcap, no fanout group)`] };
}

export const zeekLive: LiveForm = { floorS: 1, needsImmediateMode: false, notes: () => [], run };
