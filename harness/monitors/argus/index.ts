import { parseTimeoutSetting } from '../../core/timeout-setting.js';
import type { MonitorAdapter } from '../monitor-adapter.js';
import { argusLive } from './live.js';
import { ARGUS_INSTALL, ARGUS_KNOBS, ARGUS_STATUS_INTERVAL_S, argusEffectiveTimeouts, argusKnobValuesWith, checkArgusConfig, detectArgus, runArgus, translateArgus } from './adapter.js';
import { readRaCsv } from './parser.js';
import { argusTimerRule } from './timer-rule.js';

const argus: MonitorAdapter = {
  id: 'argus',
  displayName: 'argus',
  install: ARGUS_INSTALL,
  envVar: 'HARNESS_ARGUS',
  knobs: ARGUS_KNOBS,
  tableLimits: { knobs: {}, note: 'argus has no flow-table limit to set: its memory grows with the flows it holds' },
  documentedHonoursTimeoutsOffline: true,
  views: ['raw', 'merged'],
  joiningViews: { merged: 'racluster joins every record of a directed 5-tuple into one (a fragment whose first packet came from the server stays apart)' },
  // 2 min idle; a 10 min gap outlasts it plus one status interval plus a clock tick.
  calibration: { setting: parseTimeoutSetting('2m'), gapS: 600 },
  // An idle flow is dropped only after the status report that follows its last packet (up to one interval later).
  granularityS: ARGUS_STATUS_INTERVAL_S,
  // Wall time per packet against tshark's, measured on many-idle (150,182 packets): docs/measured/monitors.md.
  relativeCost: 0.3,
  // Without a later packet (of any flow) argus never notices that a flow went idle (measured: no split without a clock).
  timerNeedsLaterPacket: true,
  // Its own rule: the status report's wait, and the compiled-in 30 s a busy UDP flow gets (timer-rule.ts).
  timerRule: argusTimerRule,
  effectiveTimeouts: argusEffectiveTimeouts,
  detect: detectArgus,
  translate: translateArgus,
  knobValuesWith: argusKnobValuesWith,
  run: runArgus,
  parseLog: async (path: string, view?: string) => Array.from(await readRaCsv(path, view === 'merged' ? 'merged' : 'raw')),
  checkConfig: checkArgusConfig,
  live: argusLive,
};

export default argus;
