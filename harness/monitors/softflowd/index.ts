import { COLLECTOR_BINARIES } from '../../netflow/nfcapd-collector.js';
import { parseTimeoutSetting } from '../../core/timeout-setting.js';
import type { MonitorAdapter } from '../monitor-adapter.js';
import { softflowdActiveRule } from './timer-rule.js';
import { SOFTFLOWD_INSTALL, SOFTFLOWD_KNOBS, detectSoftflowd, runSoftflowd, translateSoftflowd } from './adapter.js';
import { parseSoftflowdOptions } from './options.js';
// Its flows are read back with `TZ=UTC nfdump -R DIR -o json`, a format shared by the NetFlow exporters.
import { readNfdumpJson } from '../../netflow/nfdump-json.js';
import { softflowdLive } from './live.js';

const softflowd: MonitorAdapter = {
  id: 'softflowd',
  displayName: 'softflowd (IPFIX via nfcapd)',
  install: SOFTFLOWD_INSTALL,
  envVar: 'HARNESS_SOFTFLOWD',
  helperBinaries: COLLECTOR_BINARIES,
  knobs: SOFTFLOWD_KNOBS,
  // Measured: with -r, flows are expired only at EOF (or when the table is full), never on a timeout.
  tableLimits: { knobs: { maxflows: '-m' }, defaults: { maxflows: 8192 }, note: 'softflowd limits its table by a flow count (-m), not by memory' },
  documentedHonoursTimeoutsOffline: false,
  views: ['default'],
  calibration: { setting: parseTimeoutSetting('60s'), gapS: 600 },
  // Live, softflowd checks expiry every `expint` (60 s) seconds.
  granularityS: 60,
  // Wall time per packet against tshark's, measured on many-idle (150,182 packets): docs/measured/monitors.md.
  relativeCost: 0.15,
  misdatedHint: 'softflowd stamps flows by its own uptime unless run with -v 10 -A milli (NetFlow v5 and v9 always do), and nfdump prints local time: run it as TZ=UTC nfdump -R DIR -o json',
  timerComparison:
    'live, a silence longer than the timeout ends the flow at the expiry check every expint (60 s); reading a pcap, it never does (flows end at EOF or a full table)',
  // maxlife marks a flow at its packet; the flow goes only at a later check, after a batch of packets (timer-rule.ts).
  activeRule: softflowdActiveRule,
  detect: detectSoftflowd,
  translate: translateSoftflowd,
  run: runSoftflowd,
  parseLog: async (path: string) => Array.from(await readNfdumpJson(path)),
  checkConfig: (file: string, text: string) => void parseSoftflowdOptions(text, file),
  live: softflowdLive,
};

export default softflowd;
