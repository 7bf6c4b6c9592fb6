import { expect } from 'chai';
import { execa } from 'execa';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../../core/input-error.js';
import { GAPS_600S_YAML, generateScenario } from '../../netflow/netflow-test-support.js';
import { parseSoftflowdOptions } from './options.js';

describe('softflowd options file', () => {
  it('takes softflowd 1.1.0 options with their values, apart or attached, and grouped flags', () => {
    expect(parseSoftflowdOptions('# extra\n-m 65536  -T full   # table\n-6b -L 64\n', 'opts')).to.deep.equal(['-m', '65536', '-T', 'full', '-6b', '-L', '64']);
    expect(parseSoftflowdOptions('-m65536 -Tvlan -P udp -s 10 -B 1048576 -C 1500 -x 2 -N -a -l', 'opts')).to.deep.equal([
      '-m', '65536', '-T', 'vlan', '-P', 'udp', '-s', '10', '-B', '1048576', '-C', '1500', '-x', '2', '-N', '-a', '-l',
    ]);
    expect(parseSoftflowdOptions('', 'opts')).to.deep.equal([]);
  });

  const refused: [string, RegExp][] = [
    // softflowd would have taken these words as a BPF program: a filter that fails the cell, or drops traffic.
    ['tcp port 443', /^opts:1:1: found "tcp", which is not an option \(softflowd would take it as a BPF filter\); expected softflowd options/],
    ['-m 65536\n65536', /^opts:2:1: found "65536", which is not an option/],
    ['-M 65536', /^opts:1:1: found option -M, which softflowd 1\.1\.0 does not have; expected softflowd options: -6 -a -b -l -N or -m VALUE/],
    ['--max-flows 65536', /^opts:1:1: found "--max-flows", which is not an option/],
    ['-m', /^opts:1:1: found option -m with no value after it; expected -m followed by a maximum number of flows/],
    ['-T full -m abc', /^opts:1:12: found -m "abc"; expected -m followed by a maximum number of flows, a whole number from 1/],
    ['-m 0', /^opts:1:4: found -m "0"/],
    ['-m -5', /^opts:1:4: found -m "-5"/],
    ['-m99999999999', /^opts:1:3: found -m "99999999999"/],
    ['-T bogus', /^opts:1:4: found -T "bogus"; expected -T followed by a tracking level that keeps ports: full, port, vlan or ether/],
    // Accepted by softflowd, but its records then carry port 0 and match no connection (the cell failed as
    // "unrelated output: did the monitor read another capture?").
    ['-m 100 -T ip', /^opts:1:11: found -T "ip"; expected -T followed by a tracking level that keeps ports: full, port, vlan or ether \(ip and proto export port-0 records/],
    ['-Tproto', /^opts:1:3: found -T "proto"/],
    ['-L 300', /^opts:1:4: found -L "300"; expected -L followed by a hop limit from 0 to 255/],
    ['-P icmp', /^opts:1:4: found -P "icmp"/],
    ['-h', /^opts:1:1: found option -h; expected softflowd options other than .*\(-h: it prints its usage and exits\)/],
    ['  -t tcp=5', /^opts:1:3: found option -t; expected softflowd options other than/],
    ['-i eth0', /^opts:1:1: found option -i/],
    ['-6i', /^opts:1:1: found option -i in -6i; expected softflowd options other than/],
    ['-6m65536', /^opts:1:1: found -6m65536: flags and -m, which takes a value, in one word; expected -m and its value as words of their own/],
    ['-6z', /^opts:1:1: found option -z in -6z, which softflowd 1\.1\.0 does not have/],
  ];
  for (const [text, message] of refused) {
    it(`refuses ${JSON.stringify(text)} at its line and column`, () => {
      expect(() => parseSoftflowdOptions(text, 'opts')).to.throw(InputError, message);
    });
  }

  it('takes only what the real softflowd takes: an accepted set runs, a word it would read as a filter fails it', async function () {
    this.timeout(120_000);
    const generated = await generateScenario(GAPS_600S_YAML, 'softflowd-options');
    try {
      const base = ['-D', '-c', 'none', '-r', generated.pcapPath, '-n', '127.0.0.1:9', '-v', '10', '-A', 'milli'];
      const accepted = parseSoftflowdOptions('-m 65536 -T full -6 -L 64 -s 1 -B 1048576 -C 1500 -P udp -x 0', 'opts');
      const ok = await execa('softflowd', [...base, ...accepted], { reject: false, timeout: 60_000 });
      expect(ok.exitCode, ok.stderr.slice(-500)).to.equal(0);
      // What the file check refuses as a filter, softflowd refuses too (but only when the cell runs, exit 1).
      expect(() => parseSoftflowdOptions('hello world', 'opts')).to.throw(InputError);
      const filter = await execa('softflowd', [...base, 'hello', 'world'], { reject: false, timeout: 60_000 });
      expect(filter.exitCode).to.not.equal(0);
      // The tracking levels refused are those whose flows carry no port (softflowd -D logs each flow it adds).
      for (const level of ['full', 'port', 'vlan', 'ether', 'ip', 'proto']) {
        const run = await execa('softflowd', [...base, '-T', level], { reject: false, timeout: 60_000, all: true });
        const portless = /ADD FLOW seq:1 \[[^\]]+\]:0 <> \[[^\]]+\]:0 /.test(run.all ?? '');
        const accepted = (() => { try { parseSoftflowdOptions(`-T ${level}`, 'opts'); return true; } catch { return false; } })();
        expect({ level, accepted }).to.deep.equal({ level, accepted: !portless });
      }
    } finally {
      await rm(path.dirname(generated.pcapPath), { recursive: true, force: true });
    }
  });
});
