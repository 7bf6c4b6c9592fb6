import type { Scenario } from '../../harness/scenario/scenario.js';
import { mixed } from './mixed-scenario.js';
import { icmp, scenario, tcp, udp } from './scenario-builders.js';

/**
 * Specs whose copies interleave in time: a spec listed first that starts later, staggers of different sizes, copies
 * that start together, connections that send nothing, keepalives, a clock and a sentinel. The generator creates a
 * connection only when the merge reaches its start, so this is where that schedule could change the bytes.
 */
export const interleaved: Scenario = scenario(
  'interleaved-starts',
  [
    tcp('late-listed-early', '10.1.0.1:30000', '198.51.100.1:443', {
      client: { addrFrom: '10.1.0.1', addrTo: '10.1.0.255', portFrom: 30000, portTo: 30009 },
      count: 300,
      staggerS: 0.05,
      startS: 2,
      close: 'fin',
      activity: { kind: 'pattern', bursts: 3, gapS: 30, jitterS: 2, requestBytes: 2000, responseBytes: 5000, exchangesPerBurst: 2 },
    }),
    udp('oneway', '10.2.0.1:40000', '198.51.100.2:53', {
      client: { addrFrom: '10.2.0.1', addrTo: '10.2.0.255', portFrom: 40000, portTo: 40009 },
      count: 200,
      staggerS: 0.07,
      activity: { kind: 'pattern', bursts: 4, gapS: 20, jitterS: 1, requestBytes: 40, responseBytes: 0, exchangesPerBurst: 1 },
    }),
    tcp('held-ka', '[2001:db8::1]:50000', '[2001:db8::2]:22', {
      client: { addrFrom: '2001:db8::1', addrTo: '2001:db8::ff', portFrom: 50000, portTo: 50009 },
      count: 50,
      staggerS: 0.3,
      startS: 1,
      vlan: 5,
      close: 'rst',
      holdS: 400,
      keepalive: { intervalS: 60, style: 'one-byte' },
      activity: { kind: 'pattern', bursts: 1, jitterS: 0, requestBytes: 10, responseBytes: 20, exchangesPerBurst: 1 },
    }),
    icmp('ping', '10.3.0.1', '198.51.100.3', {
      client: { addrFrom: '10.3.0.1', addrTo: '10.3.0.255', portFrom: 0, portTo: 0 },
      count: 100,
      staggerS: 0.1,
      icmpId: 7,
      activity: { kind: 'pattern', bursts: 3, gapS: 15, jitterS: 0, requestBytes: 32, responseBytes: 32, exchangesPerBurst: 1 },
    }),
    tcp('same-start', '10.4.0.1:1000', '198.51.100.4:80', {
      client: { addrFrom: '10.4.0.1', addrTo: '10.4.0.1', portFrom: 1000, portTo: 1009 },
      count: 3,
      staggerS: 0,
      close: 'none',
      open: 'midstream',
    }),
    udp('silent', '10.5.0.1:2000', '198.51.100.5:2000', {
      client: { addrFrom: '10.5.0.1', addrTo: '10.5.0.1', portFrom: 2000, portTo: 2009 },
      count: 2,
      staggerS: 5,
      startS: 3,
      activity: { kind: 'pattern', bursts: 0, gapS: 20, jitterS: 0, requestBytes: 40, responseBytes: 40, exchangesPerBurst: 1 },
    }),
  ],
  { seed: 11, clock: mixed.clock, sentinel: mixed.sentinel },
);
