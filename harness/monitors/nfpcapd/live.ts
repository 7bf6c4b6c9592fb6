import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { NFDUMP_JSON_FILE, dumpFlowDirectory } from '../../netflow/nfcapd-collector.js';
import { MonitorFailure, type LiveCellContext, type LiveForm, type LiveOutput } from '../monitor-adapter.js';
import { ACTIVE_KNOB, INACTIVE_KNOB } from './adapter.js';

/**
 * nfpcapd on a live interface (docs/measured/live.md): `nfpcapd -i rx -w DIR -e ACTIVE,INACTIVE`, stopped with
 * SIGTERM. Its expiry sweeps run about every 10 s and only when packets arrive, so it decides right live only from
 * a timeout of 100 s up: that floor is what keeps the 10 s sweep small against the timeout.
 */
async function run(ctx: LiveCellContext): Promise<LiveOutput> {
  const dir = path.join(ctx.workDir, 'flows');
  await mkdir(dir, { recursive: true });
  const active = ctx.knobValues[ACTIVE_KNOB];
  const inactive = ctx.knobValues[INACTIVE_KNOB];
  const service = await ctx.startService([ctx.binary, '-i', ctx.iface, '-w', dir, '-e', `${active},${inactive}`]);
  await ctx.listenThroughReplay();
  const ended = await service.stop();
  if (ended.exitCode !== 0 && ended.signal !== 'SIGTERM') {
    throw new MonitorFailure(`nfpcapd failed: ${ended.signal ?? `exit status ${ended.exitCode}`}`, ended.exitCode, ended.signal, ended.stderr.trim().split('\n').slice(-10).join('\n'), false);
  }
  const records = await dumpFlowDirectory(ctx, dir);
  return { views: { default: records }, rawFiles: records.length === 0 ? [] : [NFDUMP_JSON_FILE], notes: [`nfpcapd -i ${ctx.iface} -e ${active},${inactive}`] };
}

export const nfpcapdLive: LiveForm = {
  floorS: 100,
  needsImmediateMode: false,
  notes: (k) => [`expiry sweeps about every 10 s live = ${10 * k} s of scenario time, and only when packets arrive`],
  run,
};
