import { runProcess, type FinishedProcess } from '../executor/process-runner.js';
import { which } from '../executor/which.js';
import { LiveSetupError, type PrivateWire } from './private-wire.js';

/**
 * tcpreplay sends the (scaled) pcap into the sending end of the private wire in real time. `--timer=nano`: the
 * measured best under contention (gtod spins a core; docs/measured/live.md).
 */
export interface ReplayOutcome {
  finished: FinishedProcess;
  sent?: number;
  failed?: number;
}

export async function replay(wire: PrivateWire, pcap: string, dir: string, timeoutMs: number, signal: AbortSignal): Promise<ReplayOutcome> {
  const tcpreplay = await which('tcpreplay');
  if (!tcpreplay) throw new LiveSetupError('tcpreplay not found: apt-get install -y --no-install-recommends tcpreplay');
  const finished = await runProcess(wire.inside([tcpreplay, '-i', wire.tx, '--timer=nano', pcap]), { cwd: dir, timeoutMs, signal, ownPidNamespace: true });
  const text = `${finished.stdout}\n${finished.stderr}`;
  const sent = /Actual:\s+(\d+) packets/.exec(text)?.[1];
  const failed = /Failed packets:\s+(\d+)/.exec(text)?.[1];
  return { finished, sent: sent === undefined ? undefined : Number(sent), failed: failed === undefined ? undefined : Number(failed) };
}

export function replayProblem(outcome: ReplayOutcome, expected: number): string | undefined {
  if (outcome.finished.timedOut) return `tcpreplay still running after its time limit, killed`;
  if (outcome.finished.exitCode !== 0) return `tcpreplay failed (${outcome.finished.signal ?? `exit status ${outcome.finished.exitCode}`}): ${outcome.finished.record.stderrTail}`;
  if (outcome.sent !== expected) return `tcpreplay sent ${outcome.sent ?? 'an unknown number of'} of ${expected} packets${outcome.failed ? ` (${outcome.failed} failed)` : ''}`;
  return undefined;
}
