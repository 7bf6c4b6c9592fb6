import { parseTimeoutSetting } from '../../core/timeout-setting.js';
import type { MonitorAdapter } from '../monitor-adapter.js';
import { zeekLive } from './live.js';
import { ZEEK_INSTALL, ZEEK_KNOBS, detectZeek, runZeek, translateZeek } from './adapter.js';
import { checkZeekScript } from './config-check.js';
import { readConnLog } from './parser.js';
import { ZEEK_SETTING_KNOBS, zeekTimerRule } from './timer-rule.js';

const zeek: MonitorAdapter = {
  id: 'zeek',
  // Its ICMP connection key is the addresses, the type and ICMP4_counterpart(type) (the type of the reply it
  // expects, or the code of a one-way message), the very ports conn.log writes (packet_analysis/protocol/icmp).
  icmpKeyShown: true,
  displayName: 'Zeek',
  install: ZEEK_INSTALL,
  envVar: 'HARNESS_ZEEK',
  knobs: ZEEK_KNOBS,
  tableLimits: { knobs: {}, note: 'Zeek has no flow-table limit: its memory grows with the connections it holds (see its peak RSS)' },
  documentedHonoursTimeoutsOffline: true,
  views: ['default'],
  calibration: { setting: parseTimeoutSetting('60s'), gapS: 180 },
  // Zeek's inactivity timer runs on packet time and re-checks the last activity when it fires: no coarser step.
  granularityS: 0,
  timerRule: zeekTimerRule,
  settingKnobs: ZEEK_SETTING_KNOBS,
  checkConfig: checkZeekScript,
  detect: detectZeek,
  translate: translateZeek,
  run: runZeek,
  parseLog: (path: string) => readConnLog(path),
  live: zeekLive,
};

export default zeek;
