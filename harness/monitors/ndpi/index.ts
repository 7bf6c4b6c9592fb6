import { parseTimeoutSetting } from '../../core/timeout-setting.js';
import type { MonitorAdapter } from '../monitor-adapter.js';
import { ndpiLive } from './live.js';
import { NDPI_INSTALL, NDPI_KNOBS, detectNdpi, runNdpi, translateNdpi } from './adapter.js';
import { readNdpiCsv } from './parser.js';
import { refuseConfig } from '../no-config.js';

const ndpi: MonitorAdapter = {
  id: 'ndpi',
  // ndpiReader (example/reader_util.c, nDPI 4.2) keys an ICMP or ICMPv6 flow on the VLAN, the protocol and the
  // address pair with both ports 0, which is what its CSV shows (src_port, dst_port 0); neither type nor echo id
  // is in the key. Its CSV shows no VLAN, as for TCP: the truth's ICMP conversations of one host pair on several
  // VLANs are exempted (indistinctInTruth).
  icmpKeyShown: true,
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
