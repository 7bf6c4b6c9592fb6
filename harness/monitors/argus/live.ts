import { access, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { compareVersions, numericVersion } from '../../check/version-range.js';
import type { TimeoutSetting } from '../../core/timeout-setting.js';
import { buildPreloadShim } from '../../live/preload-shim.js';
import { MonitorFailure, type LiveCellContext, type LiveForm, type LiveOutput } from '../monitor-adapter.js';
import { ARGUS_FILES, argusConfig, readArgusFile } from './adapter.js';

/**
 * argus on a live interface (docs/measured/live.md): `argus -X -F argus.conf -i rx -w out.argus`. Live its idle
 * timers run by themselves, but a flow is cut only after a status report: the effective timeout is T plus up to one
 * status interval (S = 60, T = 10: nothing split). So the live form sets ARGUS_FLOW_STATUS_INTERVAL=1 (whole
 * seconds, 1 at least), and the floor is 10 s. Stopped with SIGTERM, which flushes, under the ordered-shutdown shim
 * (ordered-shutdown.c): without it argus 3.0.8.2 dies of SIGSEGV in about one stop in ten, a race of its own threads.
 */
export const ARGUS_LIVE_STATUS_INTERVAL_S = 1;

/**
 * The argus.conf lines the live form writes last, after a user's argus.conf too (argus takes the last value of a
 * repeated key): the live model's timer rule reads them as argus does.
 */
const ARGUS_LIVE_LINES = [`ARGUS_FLOW_STATUS_INTERVAL=${ARGUS_LIVE_STATUS_INTERVAL_S}`];

/** What the shim prints on stderr once it has handed the stop signal over: the cell's evidence that it was applied. */
export const ORDERED_SHUTDOWN_APPLIED = 'harness-argus-ordered-shutdown: signal';

/**
 * Whether this argus shuts down from its capture thread (the race the shim orders): 3.0.8.2 and 3.0.8.3 do; from
 * upstream's "serialize shutdown procedure" (openargus/argus 3249998, in the v3.0.8.4 and v5 tags) the main thread
 * runs the shutdown itself, and a main thread parked by the shim would leave it hanging. A version that cannot be
 * read gets the shim: Debian's is 3.0.8.2, and a wrong guess hangs loudly (killed, a failed cell), never silently.
 */
export function needsOrderedShutdown(version: string): boolean {
  const parsed = numericVersion(version);
  return parsed === undefined || compareVersions(parsed, [3, 0, 8, 4]) < 0;
}

/** Compiles the ordered-shutdown LD_PRELOAD shim into `dir` and returns the environment that applies it. */
export function buildOrderedShutdownShim(dir: string): Promise<Record<string, string>> {
  return buildPreloadShim({ source: 'ordered-shutdown.c', moduleUrl: import.meta.url, libraries: ['-lpthread'], purpose: "ordered-shutdown shim argus needs to stop live without crashing" }, dir);
}

/**
 * The -F file live: as offline (argusConfig), every knob of the scaled setting, and the live lines last. argusConfig
 * appends only the swept timeouts to a user's argus.conf, so the live status interval must follow it too.
 */
export function argusLiveConfig(setting: TimeoutSetting, values: Record<string, number>, userConfig?: { path: string; text: string }): string {
  const config = argusConfig({ ...setting, isDefault: false }, values, userConfig);
  return userConfig ? `${config}# harness: live\n${ARGUS_LIVE_LINES.join('\n')}\n` : config;
}

async function run(ctx: LiveCellContext): Promise<LiveOutput> {
  const userConfig = ctx.userConfig ? { path: ctx.userConfig, text: await readFile(ctx.userConfig, 'utf8') } : undefined;
  const values = { ...ctx.knobValues, ARGUS_FLOW_STATUS_INTERVAL: ARGUS_LIVE_STATUS_INTERVAL_S };
  const configFile = await ctx.writeConfig(ARGUS_FILES.config, argusLiveConfig(ctx.setting, values, userConfig));
  const argusFile = path.join(ctx.workDir, ARGUS_FILES.argus);
  await rm(argusFile, { force: true });
  const ordered = needsOrderedShutdown(ctx.version);
  const env = ordered ? await buildOrderedShutdownShim(ctx.workDir) : {};
  const service = await ctx.startService([ctx.binary, '-X', '-F', configFile, '-i', ctx.iface, '-w', argusFile], { env });
  await ctx.listenThroughReplay();
  const ended = await service.stop();
  if (ended.exitCode !== 0 && ended.signal !== 'SIGTERM' && ended.exitCode !== 143) {
    throw new MonitorFailure(`argus failed: ${ended.signal ?? `exit status ${ended.exitCode}`}`, ended.exitCode, ended.signal, ended.stderr.trim().split('\n').slice(-10).join('\n'), false);
  }
  if (!(await access(argusFile).then(() => true, () => false))) throw new MonitorFailure(`argus wrote no ${ARGUS_FILES.argus}`, ended.exitCode, ended.signal, '', false);
  const shutdown = !ordered
    ? `no ordered-shutdown shim: argus ${ctx.version} shuts down from its main thread`
    : ended.stderr.includes(ORDERED_SHUTDOWN_APPLIED)
      ? 'ordered shutdown applied (LD_PRELOAD shim: the stop signal handed to argus from its main thread, which then stays out of the shutdown)'
      : 'ordered-shutdown shim NOT confirmed in argus\'s stderr';
  // A file cut short (a full disk) reads up to the cut: the records lost would be scored "missed" at exit 0, so
  // readArgusFile requires its closing record.
  return readArgusFile(ctx, argusFile, [`ARGUS_FLOW_STATUS_INTERVAL=${ARGUS_LIVE_STATUS_INTERVAL_S} s live`, shutdown],
    `argus stopped (${ended.signal ?? `exit status ${ended.exitCode}`})`);
}

export const argusLive: LiveForm = {
  floorS: 10,
  needsImmediateMode: false,
  notes: (k) => [`status interval ${ARGUS_LIVE_STATUS_INTERVAL_S} s live = ${ARGUS_LIVE_STATUS_INTERVAL_S * k} s of scenario time (offline: 60 s): a gap is cut up to that much after its timeout`],
  timers: { configLines: ARGUS_LIVE_LINES, granularityS: ARGUS_LIVE_STATUS_INTERVAL_S, statusIntervalS: ARGUS_LIVE_STATUS_INTERVAL_S },
  run,
};
