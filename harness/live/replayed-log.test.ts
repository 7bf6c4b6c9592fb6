import { expect } from 'chai';
import type { FlowRecord } from '../core/flow-record.js';
import type { GroundTruth } from '../core/ground-truth.js';
import { InputError } from '../core/input-error.js';
import { replayTimeMap } from './replayed-log.js';
import { recordToScenarioTime } from './time-scale.js';

const T0 = 1_700_000_000_000_000;
const DAY = 86_400_000_000;

function connection(id: string, protocol: 'tcp' | 'udp', client: string, clientPort: number, firstS: number): GroundTruth['connections'][number] {
  return { id, protocol, client: { addr: client, port: clientPort }, server: { addr: '198.51.100.20', port: 9000 }, firstUs: T0 + firstS * 1e6 } as GroundTruth['connections'][number];
}

// The capture opens with a UDP flow; its TCP connection starts 40 s in.
const truth = {
  pcap: { firstUs: T0 },
  connections: [connection('udp-first', 'udp', '192.0.2.30', 41500, 0), connection('tcp-late', 'tcp', '192.0.2.20', 41055, 40)],
} as unknown as GroundTruth;

function record(protocol: 'tcp' | 'udp', orig: string, origPort: number, resp: string, respPort: number, firstUs: number): FlowRecord {
  return { protocol, origAddr: orig, origPort, respAddr: resp, respPort, firstUs, lastUs: firstUs + 1e6, durationUs: 1e6, bytesKind: 'ip', direction: 'bi', sourceFile: 'log', sourceLine: 1 };
}

describe('replayTimeMap: --replayed-at auto', () => {
  it('aligns the earliest record with the first packet of its own connection, not the capture\'s (a TCP-only log of a capture opening with UDP)', () => {
    // tcptrace's earliest record is the TCP connection, replayed a day later: it was taken for the capture's first
    // packet and every record moved 40 s before its connection.
    const earliest = record('tcp', '192.0.2.20', 41055, '198.51.100.20', 9000, T0 + DAY + 40e6);
    const map = replayTimeMap({ startUs: 'auto', k: 1 }, truth, earliest, 'log');
    expect(map.alignedTo).to.equal('tcp-late');
    expect(recordToScenarioTime(map, earliest).firstUs).to.equal(T0 + 40e6);
    // Named the other way round, and at 4 times the pace (its 40 s came 10 s into the replay).
    const reversed = record('tcp', '198.51.100.20', 9000, '192.0.2.20', 41055, T0 + DAY + 10e6);
    const fast = replayTimeMap({ startUs: 'auto', k: 4 }, truth, reversed, 'log');
    expect(recordToScenarioTime(fast, reversed).firstUs).to.equal(T0 + 40e6);
  });

  it('a record of no connection of the truth stands for the first packet, as before; an empty log is refused; a given time is used as given', () => {
    const stray = record('udp', '192.0.2.99', 5353, '224.0.0.251', 5353, T0 + DAY);
    const map = replayTimeMap({ startUs: 'auto', k: 1 }, truth, stray, 'log');
    expect([map.replayOriginUs, map.alignedTo]).to.deep.equal([T0 + DAY, undefined]);
    expect(() => replayTimeMap({ startUs: 'auto', k: 1 }, truth, undefined, 'conn.log')).to.throw(InputError, /auto, and conn\.log holds no records/);
    expect(replayTimeMap({ startUs: T0 + DAY, k: 2 }, truth, stray, 'log')).to.deep.equal({ k: 2, replayOriginUs: T0 + DAY, scenarioOriginUs: T0 });
  });
});
