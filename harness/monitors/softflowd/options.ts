import { InputError } from '../../core/input-error.js';

/**
 * A team's "config" for softflowd: softflowd has no config file, so it is a file of extra command-line options
 * (`-m 65536 -T full`), split on whitespace, `#` starting a comment. Each word is checked against softflowd 1.1.0's
 * own options (softflowd -h) before anything runs: softflowd takes every word it does not know as part of a BPF
 * program, so a typo (`-M 65536`, `65536`) became a filter that failed the cell at run time (exit 1), or one that
 * compiled and silently dropped traffic from every cell, at exit 0.
 */

/** Options the harness sets itself, or that change what softflowd reads, where it sends, or whether it exits. */
const RESERVED = new Map<string, string>([
  ['-r', 'the harness gives the capture'],
  ['-i', 'the harness reads a capture, or its own interface live'],
  ['-n', 'the harness runs the collector'],
  ['-d', 'the harness runs softflowd in the foreground'],
  ['-D', 'the harness runs softflowd in the foreground'],
  ['-c', 'the harness gives no control socket'],
  ['-v', 'the harness reads IPFIX (-v 10)'],
  ['-A', 'the harness reads millisecond times (-A milli)'],
  ['-p', 'the harness keeps no pid file'],
  ['-t', 'the timeouts are the swept setting (harness run --timeouts, or a sensor\'s timeouts in a suite)'],
  ['-R', 'PSAMP receive mode reads no capture'],
  ['-S', 'the harness sends to its own collector'],
  ['-h', 'it prints its usage and exits'],
]);

/** Options that take no value. */
const FLAGS = new Set(['-6', '-a', '-b', '-l', '-N']);

const wholeNumber = (min: number, max: number) => (v: string): boolean => /^\d{1,10}$/.test(v) && Number(v) >= min && Number(v) <= max;

/** Options that take a value, with what softflowd accepts for it. */
const WITH_VALUE = new Map<string, { expected: string; valid: (value: string) => boolean }>([
  ['-m', { expected: 'a maximum number of flows, a whole number from 1', valid: wholeNumber(1, 2 ** 31 - 1) }],
  // `-T ip` and `-T proto` key flows without ports: records of port 0 that match no connection (the cell failed as
  // "unrelated output: did the monitor read another capture?"), so they are refused here, with why.
  ['-T', { expected: 'a tracking level that keeps ports: full, port, vlan or ether (ip and proto export port-0 records, which match no connection)', valid: (v) => ['full', 'port', 'vlan', 'ether'].includes(v) }],
  ['-L', { expected: 'a hop limit from 0 to 255', valid: wholeNumber(0, 255) }],
  ['-P', { expected: 'a transport protocol: udp, tcp or sctp', valid: (v) => ['udp', 'tcp', 'sctp'].includes(v) }],
  ['-s', { expected: 'a sampling rate, a whole number from 1', valid: wholeNumber(1, 2 ** 31 - 1) }],
  ['-B', { expected: 'a capture buffer size in bytes, a whole number from 1', valid: wholeNumber(1, 2 ** 31 - 1) }],
  ['-C', { expected: 'a capture length in bytes, a whole number from 1', valid: wholeNumber(1, 262144) }],
  ['-x', { expected: 'a number of MPLS labels, a whole number from 0', valid: wholeNumber(0, 255) }],
]);

const EXPECTED_OPTIONS = `softflowd options: ${[...FLAGS].join(' ')} or ${[...WITH_VALUE.keys()].map((o) => `${o} VALUE`).join(', ')}, e.g. -m 65536 -T full`;

interface Word {
  text: string;
  line: number;
  col: number;
}

function wordsOf(text: string): Word[] {
  const words: Word[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] as string;
    const hash = line.indexOf('#');
    const body = hash >= 0 ? line.slice(0, hash) : line;
    const re = /\S+/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(body)) !== null) words.push({ text: m[0], line: i + 1, col: m.index + 1 });
  }
  return words;
}

/** The options of a softflowd options file, as words for softflowd's command line; an InputError at the first wrong word. */
export function parseSoftflowdOptions(text: string, file: string): string[] {
  const words = wordsOf(text);
  const options: string[] = [];
  const refuse = (w: Word, found: string, expected: string): never => {
    throw new InputError({ file, line: w.line, col: w.col }, found, expected);
  };
  for (let k = 0; k < words.length; k += 1) {
    const w = words[k] as Word;
    const word = w.text;
    if (!/^-[A-Za-z0-9]/.test(word)) {
      refuse(w, `"${word}", which is not an option (softflowd would take it as a BPF filter)`, EXPECTED_OPTIONS);
    }
    const option = word.slice(0, 2);
    const reserved = RESERVED.get(option);
    if (reserved !== undefined) refuse(w, `option ${option}`, `softflowd options other than ${[...RESERVED.keys()].join(' ')} (${option}: ${reserved})`);
    const withValue = WITH_VALUE.get(option);
    if (withValue === undefined) {
      // Flags may be grouped (-6b), as getopt reads them.
      const letters = word.slice(1).split('');
      const unknown = letters.find((l) => !FLAGS.has(`-${l}`));
      if (unknown === undefined) {
        options.push(word);
        continue;
      }
      const asOption = `-${unknown}`;
      if (WITH_VALUE.has(asOption)) refuse(w, `${word}: flags and ${asOption}, which takes a value, in one word`, `${asOption} and its value as words of their own, e.g. -6 ${asOption} VALUE`);
      const why = RESERVED.get(asOption);
      if (why !== undefined) refuse(w, `option ${asOption} in ${word}`, `softflowd options other than ${[...RESERVED.keys()].join(' ')} (${asOption}: ${why})`);
      refuse(w, `${word === asOption ? `option ${word}` : `option -${unknown} in ${word}`}, which softflowd 1.1.0 does not have`, EXPECTED_OPTIONS);
    }
    const spec = withValue as NonNullable<typeof withValue>;
    // The value follows in the same word (-m65536) or is the next word.
    let value: string;
    let at: Word;
    if (word.length > 2) {
      value = word.slice(2);
      at = { text: value, line: w.line, col: w.col + 2 };
      options.push(option, value);
    } else {
      const next = words[k + 1];
      if (next === undefined) refuse(w, `option ${option} with no value after it`, `${option} followed by ${spec.expected}`);
      at = next as Word;
      value = at.text;
      k += 1;
      options.push(option, value);
    }
    if (!spec.valid(value)) refuse(at, `${option} ${JSON.stringify(value)}`, `${option} followed by ${spec.expected}`);
  }
  return options;
}
