import { parseTimeoutSetting } from '../../core/timeout-setting.js';
import type { MonitorAdapter } from '../monitor-adapter.js';
import { TSHARK_INSTALL, detectTshark, runTshark, translateTshark } from './adapter.js';
import { readTsharkPackets } from './parser.js';
import { refuseConfig } from '../no-config.js';

/** The reference: no timeouts, so every conversation comes back whole. */
const tshark: MonitorAdapter = {
  id: 'tshark',
  displayName: 'tshark (reference)',
  install: TSHARK_INSTALL,
  envVar: 'HARNESS_TSHARK',
  knobs: [],
  // It has no timeouts to honour: a whole record from tshark is what the capture says, not a tested timeout.
  documentedHonoursTimeoutsOffline: false,
  views: ['default'],
  calibration: { setting: parseTimeoutSetting('default'), gapS: 600 },
  granularityS: 0,
  detect: detectTshark,
  translate: translateTshark,
  run: runTshark,
  parseLog: async (path: string) => Array.from(await readTsharkPackets(path)),
  checkConfig: refuseConfig('tshark', 'it is the no-timeout reference'),
};

export default tshark;
