import { parseTimeoutSetting } from '../../core/timeout-setting.js';
import type { MonitorAdapter } from '../monitor-adapter.js';
import { TCPTRACE_INSTALL, TCPTRACE_KNOBS, detectTcptrace, runTcptrace, translateTcptrace } from './adapter.js';
import { readTcptraceCsv } from './parser.js';
import { refuseConfig } from '../no-config.js';

const tcptrace: MonitorAdapter = {
  id: 'tcptrace',
  displayName: 'tcptrace',
  install: TCPTRACE_INSTALL,
  envVar: 'HARNESS_TCPTRACE',
  knobs: TCPTRACE_KNOBS,
  documentedHonoursTimeoutsOffline: true,
  views: ['default'],
  protocols: ['tcp'],
  calibration: { setting: parseTimeoutSetting('tcp=60s'), gapS: 180 },
  // Checked when the next packet of the connection arrives, on packet time: no timer step of its own.
  granularityS: 0,
  // Wall time per packet against tshark's, measured on many-idle (150,182 packets): docs/measured/monitors.md.
  relativeCost: 0.4,
  timerComparison: 'a silence longer than --endpoint_reuse_interval starts a new connection, checked when its next packet arrives',
  detect: detectTcptrace,
  translate: translateTcptrace,
  run: runTcptrace,
  parseLog: (path: string) => readTcptraceCsv(path),
  checkConfig: refuseConfig('tcptrace', 'the harness passes its one timeout option itself'),
};

export default tcptrace;
