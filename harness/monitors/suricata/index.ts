import { parseTimeoutSetting } from '../../core/timeout-setting.js';
import type { MonitorAdapter } from '../monitor-adapter.js';
import { SURICATA_INSTALL, SURICATA_KNOBS, detectSuricata, runSuricata, translateSuricata } from './adapter.js';
import { readEveFlows } from './parser.js';
import { checkSuricataConfig } from './config-check.js';

const suricata: MonitorAdapter = {
  id: 'suricata',
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
  // The flow manager sweeps the flow table periodically rather than on each packet.
  granularityS: 1,
  detect: detectSuricata,
  translate: translateSuricata,
  run: runSuricata,
  parseLog: (path: string) => readEveFlows(path),
  checkConfig: checkSuricataConfig,
};

export default suricata;
