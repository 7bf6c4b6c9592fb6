import { COLLECTOR_BINARIES } from '../../netflow/nfcapd-collector.js';
import { parseTimeoutSetting } from '../../core/timeout-setting.js';
import type { MonitorAdapter } from '../monitor-adapter.js';
import { nfpcapdLive } from './live.js';
import { NFPCAPD_INSTALL, NFPCAPD_KNOBS, detectNfpcapd, nfpcapdEffectiveTimeouts, runNfpcapd, translateNfpcapd } from './adapter.js';
// Its flows are read back with `TZ=UTC nfdump -R DIR -o json`, a format shared by the NetFlow exporters.
import { readNfdumpJson } from '../../netflow/nfdump-json.js';
import { refuseConfig } from '../no-config.js';
import { nfpcapdActiveRule } from './timer-rule.js';

const nfpcapd: MonitorAdapter = {
  id: 'nfpcapd',
  displayName: 'nfpcapd (nfdump)',
  install: NFPCAPD_INSTALL,
  envVar: 'HARNESS_NFPCAPD',
  helperBinaries: COLLECTOR_BINARIES,
  knobs: NFPCAPD_KNOBS,
  tableLimits: { knobs: {}, note: "nfpcapd's only cache setting (-B) sizes its packet node cache, not a flow limit" },
  documentedHonoursTimeoutsOffline: true,
  views: ['default'],
  // 60 s idle (and active 300 s) against a 300 s gap: a split proves the timeouts fire on a pcap.
  calibration: { setting: parseTimeoutSetting('60s'), gapS: 300 },
  // nfpcapd walks its flow tree for expired flows every 10 s of packet time.
  granularityS: 10,
  // Wall time per packet against tshark's, measured on many-idle (150,182 packets): docs/measured/monitors.md.
  relativeCost: 0.3,
  timerNeedsLaterPacket: true,
  misdatedHint: 'nfdump prints local time: run it as TZ=UTC nfdump -R DIR -o json',
  timerComparison:
    'a silence longer than -e inactive ends the flow at the sweep of the flow tree (every 10 s of packet time, driven by later packets): a silence between the timeout and the timeout + 10 s may or may not',
  // Its active timeout is checked at the same sweep, not at each packet (timer-rule.ts): a range, not a point.
  activeRule: nfpcapdActiveRule,
  effectiveTimeouts: nfpcapdEffectiveTimeouts,
  detect: detectNfpcapd,
  translate: translateNfpcapd,
  run: runNfpcapd,
  parseLog: async (path: string) => Array.from(await readNfdumpJson(path)),
  checkConfig: refuseConfig('nfpcapd', 'it takes only command-line options, which the harness sets from the timeout setting'),
  live: nfpcapdLive,
};

export default nfpcapd;
