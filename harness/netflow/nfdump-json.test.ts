import { expect } from 'chai';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../core/input-error.js';
import { nfdumpTimeUs, parseNfdumpJson, readNfdumpJson } from './nfdump-json.js';

// The shape nfdump 1.7.1 prints (tabs, " : ", last record closed by "}]").
const SAMPLE = [
  '[',
  '{',
  '\t"type" : "FLOW",',
  '\t"first" : "2023-11-14T22:13:20.001",',
  '\t"last" : "2023-11-14T22:38:21.000",',
  '\t"in_packets" : 5,',
  '\t"in_bytes" : 400,',
  '\t"proto" : 6,',
  '\t"tcp_flags" : "...AP.S.",',
  '\t"src_port" : 40000,',
  '\t"dst_port" : 9000,',
  '\t"src4_addr" : "192.0.2.10",',
  '\t"dst4_addr" : "198.51.100.20",',
  '\t"label" : "<none>"',
  '},',
  '{',
  '\t"type" : "FLOW",',
  '\t"first" : "2023-11-14T22:13:22.005",',
  '\t"last" : "2023-11-14T22:13:22.005",',
  '\t"in_packets" : 1,',
  '\t"in_bytes" : 60,',
  '\t"proto" : 58,',
  '\t"icmp_type" : 129,',
  '\t"icmp_code" : 0,',
  '\t"src6_addr" : "2001:DB8:0:0::20",',
  '\t"dst6_addr" : "2001:db8::10",',
  '\t"label" : "<none>"',
  '}]',
  '',
].join('\n');

describe('nfdump JSON parser', () => {
  it('reads records exactly: ms times, unidirectional counters, ICMP type/code as ports, canonical IPv6', () => {
    const [tcp, icmp] = parseNfdumpJson(SAMPLE, 'nfdump.json');
    expect(tcp).to.deep.equal({
      protocol: 'tcp', origAddr: '192.0.2.10', origPort: 40000, respAddr: '198.51.100.20', respPort: 9000,
      firstUs: 1700000000001000, lastUs: 1700001501000000, durationUs: 1500999000, origPkts: 5, origBytes: 400,
      bytesKind: 'ip', direction: 'uni', history: '...AP.S.', sourceFile: 'nfdump.json', sourceLine: 2,
    });
    expect(icmp).to.deep.include({ protocol: 'icmp', origAddr: '2001:db8::20', origPort: 129, respPort: 0, sourceFile: 'nfdump.json', sourceLine: 16 });
  });

  it('accepts an empty selection', () => {
    expect(parseNfdumpJson('[\nNo matching flows\n]\n', 'x')).to.deep.equal([]);
  });

  it('converts times without float drift', () => {
    expect(nfdumpTimeUs('2023-11-14T22:13:20.999')).to.equal(1700000000999000);
    expect(nfdumpTimeUs('2023-11-14T22:13:20')).to.equal(1700000000000000);
    expect(nfdumpTimeUs('2023-11-14 22:13:20')).to.equal(undefined);
    // No calendar has these: Date.UTC rolled Feb 30 into March (a 257-day record) and took hour 99 (a 77-hour one).
    expect(nfdumpTimeUs('2024-02-29T00:00:00')).to.equal(1709164800000000);
    for (const impossible of ['2023-02-30T22:13:20.000', '2023-13-01T00:00:00', '2023-11-14T99:13:20.043', '2023-11-14T22:60:00', '2023-11-14T22:13:61']) {
      expect(nfdumpTimeUs(impossible), impossible).to.equal(undefined);
    }
  });

  it('names file, line and column of what is not nfdump JSON', () => {
    expect(() => parseNfdumpJson('#separator \\x09\n', 'conn.log')).to.throw(InputError, /^conn\.log:1:1: found "#separator \\x09"; expected nfdump -o json/);
    const badCount = SAMPLE.replace('"in_packets" : 5', '"in_packets" : 5x');
    expect(() => parseNfdumpJson(badCount, 'n.json')).to.throw(InputError, /^n\.json:6:17: found in_packets 5x; expected a whole number/);
    const badTime = SAMPLE.replace('22:38:21.000', '22-38-21.000');
    expect(() => parseNfdumpJson(badTime, 'n.json')).to.throw(InputError, /^n\.json:2:\d+: found last "2023-11-14T22-38-21\.000"/);
    const cut = SAMPLE.split('\n').slice(0, 10).join('\n');
    expect(() => parseNfdumpJson(cut, 'n.json')).to.throw(InputError, /closing "\]"/);
    const noAddr = SAMPLE.replace('\t"src4_addr" : "192.0.2.10",\n', '');
    expect(() => parseNfdumpJson(noAddr, 'n.json')).to.throw(InputError, /^n\.json:2:1: found a record without src4_addr\/src6_addr/);
    // An ICMP record without its type or code: read as 0 it was an echo reply (type 0), a type nobody printed.
    const noType = SAMPLE.replace('\t"icmp_type" : 129,\n', '');
    expect(() => parseNfdumpJson(noType, 'n.json')).to.throw(InputError, /^n\.json:16:1: found an icmp record without icmp_type; expected icmp_type in 0\.\.255$/);
    const noCode = SAMPLE.replace('\t"icmp_code" : 0,\n', '');
    expect(() => parseNfdumpJson(noCode, 'n.json')).to.throw(InputError, /^n\.json:16:1: found an icmp record without icmp_code; expected icmp_code in 0\.\.255$/);
    const bigType = SAMPLE.replace('"icmp_type" : 129', '"icmp_type" : 300');
    expect(() => parseNfdumpJson(bigType, 'n.json')).to.throw(InputError, /^n\.json:16:1: found icmp_type 300; expected icmp_type in 0\.\.255$/);
    expect(() => parseNfdumpJson('', 'empty.json')).to.throw(InputError, /^empty\.json:1:1:/);
    // A time written as a number (epoch milliseconds) is named by its key, not as a bare value.
    const epoch = SAMPLE.replace('"first" : "2023-11-14T22:13:20.001"', '"first" : 1700000000001');
    expect(() => parseNfdumpJson(epoch, 'n.json')).to.throw(InputError, /^n\.json:4:12: found first 1700000000001; expected first as a quoted string, as nfdump -o json writes it$/);
  });

  it('streams a file to the same records as the string parser', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'harness-nfdump-json-'));
    const file = path.join(dir, 'n.json');
    await writeFile(file, SAMPLE);
    expect(Array.from(await readNfdumpJson(file, 'n.json'))).to.deep.equal(parseNfdumpJson(SAMPLE, file, 'n.json'));
  });
});

describe('nfcapd summary at exit', () => {
  it('reads flows, packets, bytes and lost datagrams (sequence errors) from its log, nothing from other text', async () => {
    const { nfcapdSummary } = await import('./nfcapd-collector.js');
    const log = "Startup nfcapd.\nIdent: 'none' Flows: 1615, Packets: 4633, Bytes: 407768, Sequence Errors: 73, Bad Packets: 0\nTerminating nfcapd.\n";
    expect(nfcapdSummary(log)).to.deep.equal({ collectorFlows: 1615, collectorPackets: 4633, collectorBytes: 407768, collectorSequenceErrors: 73, collectorBadPackets: 0 });
    expect(nfcapdSummary('Startup nfcapd.\n')).to.equal(undefined);
  });
});
