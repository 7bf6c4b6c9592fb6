import { parseTimeoutSetting } from '../../core/timeout-setting.js';
import type { MonitorAdapter } from '../monitor-adapter.js';
import { ndpiLive } from './live.js';
import { NDPI_INSTALL, NDPI_KNOBS, detectNdpi, runNdpi, translateNdpi } from './adapter.js';
import { readNdpiCsv } from './parser.js';
import { refuseConfig } from '../no-config.js';

const ndpi: MonitorAdapter = {
  id: 'ndpi',
  displayName: 'nDPI (ndpiReader)',
  install: NDPI_INSTALL,
  envVar: 'HARNESS_NDPI',
  knobs: NDPI_KNOBS,
  documentedHonoursTimeoutsOffline: false,
  views: ['default'],
  // Only `default` runs; a 600 s gap is far beyond any idle timeout nDPI compiles in.
  calibration: { setting: parseTimeoutSetting('default'), gapS: 600 },
  granularityS: 0,
  // Wall time per packet against tshark's, measured on many-idle (150,182 packets): docs/measured/monitors.md.
  relativeCost: 0.6,
  detect: detectNdpi,
  translate: translateNdpi,
  run: runNdpi,
  parseLog: (path: string) => readNdpiCsv(path),
  checkConfig: refuseConfig('ndpiReader', 'its timeouts are compiled in; nothing the harness could use'),
  live: ndpiLive,
};

export default ndpi;
