import type { Scenario } from '../../harness/scenario/scenario.js';
import { icmp, scenario, tcp, udp } from './scenario-builders.js';

/** Every protocol, IP version, open/close style, keepalives, a timeline, copies, a clock and a sentinel in one capture. */
export const mixed: Scenario = scenario(
  'mixed',
  [
    tcp('v4-fin', '192.0.2.10:40000', '198.51.100.20:9000', { close: 'fin' }),
    tcp('v6-vlan-rst', '[2001:db8::10]:40001', '[2001:db8::20]:443', { vlan: 100, close: 'rst', startS: 1 }),
    tcp('segmented', '192.0.2.11:40002', '198.51.100.20:9001', {
      close: 'fin',
      startS: 2,
      mss: 536,
      activity: { kind: 'pattern', bursts: 2, gapS: 40, jitterS: 5, requestBytes: 3000, responseBytes: 9000, exchangesPerBurst: 2 },
    }),
    tcp('ka-zero', '192.0.2.12:40003', '198.51.100.20:22', {
      close: 'fin',
      holdS: 600,
      keepalive: { intervalS: 120, style: 'zero-byte' },
      activity: { kind: 'pattern', bursts: 1, jitterS: 0, requestBytes: 10, responseBytes: 20, exchangesPerBurst: 1 },
    }),
    tcp('ka-one-held', '[2001:db8::12]:40004', '[2001:db8::20]:22', {
      close: 'none',
      holdS: 500,
      keepalive: { intervalS: 100, style: 'one-byte' },
      activity: { kind: 'pattern', bursts: 1, jitterS: 0, requestBytes: 10, responseBytes: 20, exchangesPerBurst: 1 },
    }),
    tcp('midstream', '192.0.2.13:40005', '198.51.100.20:5222', {
      open: 'midstream',
      close: 'fin',
      activity: {
        kind: 'timeline',
        events: [
          { atS: 0, from: 'client', bytes: 120, replyBytes: 300 },
          { atS: 100, from: 'server', bytes: 80, replyBytes: 0 },
          { atS: 200, from: 'client', bytes: 2000 },
          { atS: 300, from: 'client', bytes: 120, replyBytes: 300 },
        ],
      },
    }),
    udp('udp-v4', '192.0.2.14:41000', '203.0.113.5:8125', {
      activity: { kind: 'pattern', bursts: 5, spanS: 240, jitterS: 10, requestBytes: 48, responseBytes: 64, exchangesPerBurst: 1 },
    }),
    udp('udp-oneway', '[2001:db8::14]:41001', '[2001:db8::5]:514', {
      vlan: 7,
      activity: { kind: 'pattern', bursts: 3, gapS: 50, jitterS: 0, requestBytes: 30, responseBytes: 0, exchangesPerBurst: 1 },
    }),
    icmp('ping-v4', '192.0.2.15', '198.51.100.40', {
      icmpId: 0x4321,
      activity: { kind: 'pattern', bursts: 4, gapS: 45, jitterS: 0, requestBytes: 32, responseBytes: 32, exchangesPerBurst: 1 },
    }),
    icmp('ping-v6', '2001:db8::15', '2001:db8::40', {
      vlan: 100,
      activity: { kind: 'pattern', bursts: 4, gapS: 45, jitterS: 0, requestBytes: 56, responseBytes: 56, exchangesPerBurst: 1 },
    }),
    tcp('copies', '192.0.2.16:42000', '198.51.100.20:9002', {
      client: { addrFrom: '192.0.2.16', addrTo: '192.0.2.17', portFrom: 42000, portTo: 42001 },
      count: 3,
      staggerS: 0.5,
      close: 'fin',
    }),
  ],
  {
    clock: { intervalS: 10, client: { addr: '192.0.2.250', port: 50000 }, server: { addr: '198.51.100.250', port: 50000 }, payloadBytes: 32 },
    sentinel: { afterS: 120, client: { addr: '192.0.2.251', port: 50001 }, server: { addr: '198.51.100.251', port: 50001 } },
  },
);
