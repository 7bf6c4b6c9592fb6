import { expect } from 'chai';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../harness/core/input-error.js';
import { loadScenario } from '../../harness/scenario/load-scenario.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/bad-scenarios/', import.meta.url));

/** Each bad file, the line:col its message must name, and the rest of the message after it. */
const CASES: [file: string, lineCol: string, rest: string][] = [
  ['syntax.yaml', '5:1', 'found invalid YAML (Sequence item without - indicator); expected well-formed YAML'],
  ['tab-indent.yaml', '3:1', 'found invalid YAML (Tabs are not allowed as indentation); expected well-formed YAML'],
  ['two-documents.yaml', '7:1', 'found a second YAML document (a --- after the first); expected one YAML document (no second ---)'],
  ['ipv6-in-braces.yaml', '5:27', 'found invalid YAML (Unexpected scalar at node end); expected well-formed YAML; an IPv6 endpoint with a port must be quoted, e.g. client: "[2001:db8::10]:40000"'],
  ['unquoted-ipv6.yaml', '5:27', 'found invalid YAML (Unexpected scalar at node end); expected well-formed YAML; an IPv6 endpoint with a port must be quoted, e.g. client: "[2001:db8::10]:40000"'],
  ['duplicate-key.yaml', '5:5', 'found key "protocol" twice in one map; expected each key once per map'],
  ['unknown-key.yaml', '7:5', 'found key "rttt" in a connection (did you mean rtt?); expected one of id, protocol, client, server, vlan, start, rtt, open, close, mss, hold, keepalive, count, stagger, spread, activity'],
  ['mss-on-udp.yaml', '7:5', 'found key "mss" in a connection (tcp only, not udp); expected one of id, protocol, client, server, vlan, start, rtt, open, close, count, stagger, spread, activity'],
  ['wrong-type.yaml', '7:12', 'found a list as count; expected a whole number in 1..1000000'],
  ['negative-duration.yaml', '7:12', 'found a negative start "-5s"; expected a duration of 0 or more such as 20ms, 90s, 20m, 1h30m (units us, ms, s, m, h, d; a bare number is seconds)'],
  ['unparsable-duration.yaml', '7:10', 'found an unparsable rtt "20 parsecs"; expected a positive duration such as 20ms, 90s, 20m, 1h30m (units us, ms, s, m, h, d; a bare number is seconds)'],
  ['bad-port.yaml', '11:13', 'found port 70000; expected a port in 0..65535'],
  ['bad-ip.yaml', '5:13', 'found address "192.0.2.300"; expected an IPv4 address such as 192.0.2.10 or an IPv6 address such as 2001:db8::10 (with a port: [2001:db8::10]:443)'],
  ['mixed-family.yaml', '6:13', 'found server 2001:db8::20 (IPv6) with client 192.0.2.10 (IPv4); expected client and server in the same IP version'],
  ['gap-too-short.yaml', '9:34', 'found gap 10s minus 2 × jitter 5s = 0s, shorter than a burst (0.066s); expected bursts at least 0.066s apart after jitter (a burst lasts exchanges × (rtt + 2ms), longer when a message takes many segments)'],
  ['count-too-large.yaml', '7:12', 'found count 41; expected at most 40 (the client range "192.0.2.1-192.0.2.4:20000-20009" holds 4 addresses × 10 ports)'],
  ['duplicate-id.yaml', '9:9', 'found id "c1" twice (first on line 3); expected a different id for each connection'],
  ['duplicate-tuple.yaml', '12:13', 'found connection c2 on the same addresses and ports as connection c1#5 (192.0.2.10:40005 - 198.51.100.20:443); expected each connection on its own protocol, addresses and ports'],
  ['icmp-port.yaml', '5:13', 'found an icmp endpoint with a port "192.0.2.10:40000"; expected an address only (icmp has no ports; set icmp_id for the echo identifier)'],
  ['timeline-order.yaml', '12:17', 'found event at 20m after one at 30m (line 11); expected events in time order, each later than the one before'],
  ['timeline-segments-overlap.yaml', '13:17', "found event at 0.005s overlapping the one at 0.003s (line 12); expected at 0.027436s or later (the previous event's exchange is over then: its reply comes after one rtt, and a message of many segments takes longer)"],
  ['bad-vlan.yaml', '7:11', 'found VLAN id 4095; expected a whole number in 1..4094'],
  ['bad-mss.yaml', '7:10', 'found MSS 9001; expected a whole number in 64..9000'],
  ['udp-midstream.yaml', '7:11', 'found open "midstream"; expected none (udp has no handshake; handshake and midstream are for tcp)'],
  ['keepalive-without-hold.yaml', '7:16', 'found keepalive without hold; expected hold: DURATION beside keepalive (keepalives fill the time the hold adds)'],
  ['hold-too-short.yaml', '7:11', 'found hold 1h, ending before the activity does (1h30m0.044s); expected a hold of at least 1h30m0.044s'],
  ['missing-activity.yaml', '3:5', 'found a connection without "activity"; expected activity: { pattern: {...} } or { timeline: [...] }'],
  ['bad-start.yaml', '2:8', 'found start "2023-11-14 22:13:20"; expected a UTC time such as 2023-11-14T22:13:20Z, or epoch seconds such as 1700000000 (0..4294967295, classic pcap)'],
  ['stagger-and-spread.yaml', '10:13', 'found both stagger and spread; expected one of them: stagger (between copies) or spread (over all copies)'],
  ['unknown-tag.yaml', '2:7', 'found the YAML tag !int, which harness does not read; expected a plain value without a tag'],
  ['yaml-version.yaml', '1:7', 'found the directive "%YAML 1.3"; expected YAML 1.2 (no %YAML line, or %YAML 1.2)'],
  ['empty.yaml', '1:1', 'found an empty document; expected a scenario map with at least connections: [...]'],
];

async function errorOf(path: string): Promise<InputError> {
  try {
    await loadScenario(path);
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error(`${path} parsed without error`);
}

describe('scenario validation errors', () => {
  for (const [file, lineCol, rest] of CASES) {
    it(`${file} -> ${lineCol}: ${rest.slice(0, 50)}...`, async () => {
      const path = join(FIXTURES, file);
      const err = await errorOf(path);
      expect(err.message).to.equal(`${path}:${lineCol}: ${rest}`);
      const [line, col] = lineCol.split(':').map(Number);
      expect(err.where).to.deep.equal({ file: path, line, col });
      expect(err.exitCode).to.equal(2);
    });
  }

  it('a missing file is an InputError naming the path', async () => {
    const path = join(FIXTURES, 'no-such-scenario.yaml');
    const err = await errorOf(path);
    expect(err.message).to.equal(`${path}: found no such file; expected a readable scenario YAML file, e.g. scenarios/burst-20min.yaml`);
  });

  it('a directory is an InputError too', async () => {
    const err = await errorOf(FIXTURES);
    expect(err.found).to.equal('a directory');
  });
});
