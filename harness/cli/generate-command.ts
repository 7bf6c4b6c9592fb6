import path from 'node:path';
import { InputError } from '../core/input-error.js';
import { generate, GenerationInterrupted, summarizeGeneration } from '../../generators/generate.js';
import { interruptSignal } from './interrupt.js';
import { loadScenario } from '../scenario/load-scenario.js';
import { boolFlag, parseFlags, stringFlag } from './flags.js';
import { checkOutputFolder } from '../io/output-paths.js';
import { refuseRunFolderForOtherFiles } from '../io/run-folder.js';
import { checkPcapSize } from '../scenario/scenario-extent.js';
import { MAX_PCAP_FLAG, MAX_PCAP_HELP, maxPcapBytesFrom } from './common-options.js';
import { progressPrinter } from './progress.js';

export const GENERATE_HELP = `harness generate <scenario.yaml>... [--out DIR]

Writes, for each scenario, DIR/<name>.pcap (classic pcap, Ethernet, valid checksums), DIR/<name>.truth.json
(the exact ground truth: every connection's times, packets, bytes and quiet periods) and DIR/<name>.truth.conn.log
(the same truth as a Zeek conn.log, to read beside a sensor's with zeek-cut). Files are written atomically.

Flags:
  --out DIR            output folder (default: out/); not a run folder of harness run/check, nor a folder in one
${MAX_PCAP_HELP}

Ctrl-C stops within one 4 MB chunk: scenarios already written are kept, the one being written leaves no file.
Exit status: 0 done, 2 bad input, 130 interrupted.`;

export async function generateCommand(argv: string[]): Promise<number> {
  const flags = parseFlags('generate', argv, { out: { type: 'string' }, help: { type: 'boolean', short: 'h' }, ...MAX_PCAP_FLAG });
  if (boolFlag(flags, 'help')) {
    process.stdout.write(`${GENERATE_HELP}\n`);
    return 0;
  }
  if (flags.positionals.length === 0) {
    throw new InputError({ file: 'harness generate', line: 0, col: 0 }, 'no scenario file', 'harness generate <scenario.yaml> --out <dir>');
  }
  const outDir = path.resolve(stringFlag(flags, 'out') ?? 'out');
  // Parse every scenario before writing anything, so one bad file does not leave half a set of outputs.
  const maxPcapBytes = maxPcapBytesFrom('generate', flags);
  const scenarios = [];
  for (const file of flags.positionals) {
    const scenario = await loadScenario(file);
    // Each scenario's files are named after it: a second scenario of one name (or one file given twice) replaced the
    // first's pcap and truth in --out without a word, and both were reported written.
    const clash = scenarios.find((s) => s.scenario.name === scenario.name);
    if (clash !== undefined) {
      throw new InputError({ file, line: 1, col: 1 }, `scenario name "${scenario.name}", which ${clash.file} uses too`, 'a different name in each scenario of one harness generate (its files are named after it)');
    }
    scenarios.push({ file, scenario, estimate: await checkPcapSize(scenario, maxPcapBytes, 'harness generate --max-pcap-size') });
  }
  await checkOutputFolder('harness generate --out', stringFlag(flags, 'out') ?? 'out');
  refuseRunFolderForOtherFiles('harness generate --out', stringFlag(flags, 'out') ?? 'out');
  const interrupt = interruptSignal();
  const progress = progressPrinter(process.stderr);
  try {
    for (const { scenario, estimate } of scenarios) {
      const result = await generate(scenario, outDir, {
        signal: interrupt.signal,
        onProgress: (bytes) => progress.onProgress({ kind: 'generating', scenario: scenario.name, bytes, estimatedBytes: estimate.bytes }),
      });
      progress.finish();
      process.stdout.write(`${summarizeGeneration(result)}\n`);
    }
  } catch (error) {
    if (!(error instanceof GenerationInterrupted)) throw error;
    // The scenarios already summarised above are complete on disk; the interrupted one left nothing behind.
    process.stderr.write(`${error.message}: its partial pcap was removed\n`);
    return 130;
  } finally {
    progress.finish();
    interrupt.dispose();
  }
  return 0;
}
