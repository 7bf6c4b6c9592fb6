import { access } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../../core/input-error.js';
import { MonitorFailure, type LiveCellContext, type LiveForm, type LiveOutput } from '../monitor-adapter.js';
import { NDPI_CSV } from './adapter.js';
import { readNdpiCsv } from './parser.js';

/**
 * ndpiReader on a live interface (docs/measured/live.md): `ndpiReader -i rx -v 2 -C flows.csv`, stopped with SIGINT
 * (it writes the CSV then; SIGTERM loses everything). Its idle timeout is compiled in: MAX_IDLE_TIME 30 s, and an
 * idle flow is deleted WITHOUT any output, so the part of a connection before a silence of 30 s or more, and a flow
 * idle 30 s when it stops, are never reported. That is scored as the tool's loss (discardRule). Not scalable: in
 * scenario time its idle timeout is 30 s x K.
 */
export const NDPI_MAX_IDLE_S = 30;
const STOP_MS = 15_000;

async function run(ctx: LiveCellContext): Promise<LiveOutput> {
  const service = await ctx.startService([ctx.binary, '-i', ctx.iface, '-v', '2', '-C', NDPI_CSV]);
  await ctx.listenThroughReplay();
  await ctx.signalService(service, 'SIGINT');
  const ended = await service.wait(STOP_MS);
  if (!ended) throw new MonitorFailure(`ndpiReader still running ${STOP_MS / 1000} s after SIGINT`, null, undefined, '', true);
  const csv = path.join(ctx.workDir, NDPI_CSV);
  if (!(await access(csv).then(() => true, () => false))) throw new InputError({ file: csv, line: 0, col: 0 }, 'no file', 'ndpiReader to write its -C CSV on SIGINT');
  const summary = /IP packets:\s+(\d+)/.exec(ended.stderr);
  return {
    views: { default: await readNdpiCsv(csv, NDPI_CSV) },
    rawFiles: [NDPI_CSV],
    notes: [`ndpiReader's summary: ${summary ? `${summary[1]} IP packets` : 'no packet count'} (its log is the service log of this cell)`],
    packetsSeen: summary ? Number(summary[1]) : undefined,
    discardRule: { idleS: NDPI_MAX_IDLE_S, reason: `ndpiReader deletes a flow idle ${NDPI_MAX_IDLE_S} s (MAX_IDLE_TIME, compiled in) without writing it` },
  };
}

export const ndpiLive: LiveForm = {
  // Nothing to scale: the floor only matters for a timeout the sweep sets.
  floorS: 1,
  needsImmediateMode: false,
  notes: (k) => [`idle timeout compiled in: ${NDPI_MAX_IDLE_S} s live = ${NDPI_MAX_IDLE_S * k} s of scenario time at K=${k}`],
  run,
};
