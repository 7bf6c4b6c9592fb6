import { readEveStatsState } from './stats.js';
import { parseTimeoutSetting } from '../../core/timeout-setting.js';
import type { MonitorAdapter } from '../monitor-adapter.js';
import { suricataLive } from './live.js';
import { SURICATA_INSTALL, SURICATA_KNOBS, detectSuricata, runSuricata, translateSuricata } from './adapter.js';
import { readEveFlows } from './parser.js';
import { checkSuricataConfig } from './config-check.js';
import { SURICATA_SETTING_KNOBS, suricataTimerRule } from './timer-rule.js';

const suricata: MonitorAdapter = {
  id: 'suricata',
  // Its ICMP flow key is the addresses, the first packet's type (with the code for ICMPv6) and the counterpart type
  // (src/flow-hash.c), which the parser writes as the record's ports from icmp_type and icmp_code (icmpPorts).
  icmpKeyShown: true,
  displayName: 'Suricata',
  install: SURICATA_INSTALL,
  envVar: 'HARNESS_SURICATA',
  knobs: SURICATA_KNOBS,
  // Suricata's flow manager runs on packet time when reading a pcap; not re-measured here (no binary): the
  // calibration run checks it whenever Suricata is present.
  tableLimits: { knobs: { memcap: 'flow.memcap', hashsize: 'flow.hash-size', emergency: 'flow-timeouts.<proto>.emergency-established' }, note: 'Suricata limits its flow table by memory (memcap=), not by a flow count' },
  documentedHonoursTimeoutsOffline: true,
  views: ['default'],
  calibration: { setting: parseTimeoutSetting('60s'), gapS: 180 },
  // Timeouts compare whole seconds (timer-rule.ts states the exact rule): a silence up to 1 s over the timeout may be kept.
  granularityS: 1,
  timerRule: suricataTimerRule,
  settingKnobs: SURICATA_SETTING_KNOBS,
  detect: detectSuricata,
  translate: translateSuricata,
  run: runSuricata,
  parseLog: (path: string) => readEveFlows(path),
  logToolState: (path: string) => readEveStatsState(path, path),
  checkConfig: checkSuricataConfig,
  live: suricataLive,
};

export default suricata;
