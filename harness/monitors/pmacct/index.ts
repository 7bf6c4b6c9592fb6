import { COLLECTOR_BINARIES } from '../../netflow/nfcapd-collector.js';
import { parseTimeoutSetting } from '../../core/timeout-setting.js';
import type { MonitorAdapter } from '../monitor-adapter.js';
import { pmacctActiveRule } from './timer-rule.js';
import { pmacctLive } from './live.js';
import { PMACCT_INSTALL, PMACCT_KNOBS, detectPmacct, runPmacct, translatePmacct } from './adapter.js';
import { checkPmacctdConfig, pmacctKnobValuesWith } from './config.js';
// Its flows are read back with `TZ=UTC nfdump -R DIR -o json`, a format shared by the NetFlow exporters.
import { readNfdumpJson } from '../../netflow/nfdump-json.js';

const pmacct: MonitorAdapter = {
  id: 'pmacct',
  displayName: 'pmacctd (nfprobe via nfcapd)',
  install: PMACCT_INSTALL,
  envVar: 'HARNESS_PMACCT',
  helperBinaries: COLLECTOR_BINARIES,
  knobs: PMACCT_KNOBS,
  // Measured: idle timeouts never fire on a pcap_savefile.
  tableLimits: { knobs: { maxflows: 'nfprobe_maxflows' }, defaults: { maxflows: 8192 }, note: "pmacct's nfprobe limits its table by a flow count (nfprobe_maxflows), not by memory" },
  documentedHonoursTimeoutsOffline: false,
  views: ['default'],
  calibration: { setting: parseTimeoutSetting('60s'), gapS: 600 },
  // Live, nfprobe checks expiry every `expint` (60 s).
  granularityS: 60,
  // Wall time per packet against tshark's, measured on many-idle (150,182 packets): docs/measured/monitors.md.
  relativeCost: 0.7,
  misdatedHint: 'nfdump prints local time: run it as TZ=UTC nfdump -R DIR -o json',
  timerComparison:
    'live, a silence longer than nfprobe_timeouts ends the flow at the expiry check every 60 s; reading a pcap, idle timeouts never fire',
  // maxlife marks a flow at its packet; the flow goes only at a later check, after a batch of packets (timer-rule.ts).
  activeRule: pmacctActiveRule,
  detect: detectPmacct,
  translate: translatePmacct,
  knobValuesWith: pmacctKnobValuesWith,
  run: runPmacct,
  parseLog: async (path: string) => Array.from(await readNfdumpJson(path)),
  checkConfig: checkPmacctdConfig,
  live: pmacctLive,
};

export default pmacct;
