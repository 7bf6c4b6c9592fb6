import path from 'node:path';
import { startProcess, type FinishedProcess } from '../executor/process-runner.js';
import { which } from '../executor/which.js';
import { captureSocketsOn, LiveSetupError, type PrivateWire } from './private-wire.js';
import { signalInside } from './signal-inside.js';

/**
 * The reference listener of a live run: tcpdump on the listening end, writing what really arrived (nanosecond
 * stamps). It is the truth of the live cells and the measure of the replay's timing. tcpdump, not `tshark -i`:
 * tshark's extcap helpers send packets of their own inside the namespace (docs/measured/live.md).
 */
export interface ReferenceCapture {
  file: string;
  /** SIGINT (tcpdump writes its last packets and its counts), then the counts it printed. */
  stop(): Promise<{ finished: FinishedProcess; captured?: number; droppedByKernel?: number }>;
}

const READY_MS = 10_000;

export async function startReferenceCapture(wire: PrivateWire, dir: string): Promise<ReferenceCapture> {
  const tcpdump = await which('tcpdump');
  if (!tcpdump) throw new LiveSetupError('tcpdump not found (the reference capture of a live run): apt-get install -y --no-install-recommends tcpdump');
  const file = path.join(dir, 'reference.pcap');
  const before = await captureSocketsOn(wire.nsPid, wire.rxIndex);
  // -B: a 32 MiB kernel buffer so that the reference never drops; -p: not promiscuous (nothing else is on the wire).
  const running = await startProcess(wire.inside([tcpdump, '-i', wire.rx, '-n', '-p', '-U', '--immediate-mode', '-B', '32768', '--time-stamp-precision=nano', '-w', file]),
    { cwd: dir, logFile: path.join(dir, 'reference-capture.log'), ownPidNamespace: true });
  const deadline = Date.now() + READY_MS;
  while ((await captureSocketsOn(wire.nsPid, wire.rxIndex)) <= before) {
    if (Date.now() > deadline) {
      const finished = await running.stop();
      throw new LiveSetupError(`tcpdump did not open ${wire.rx}: ${finished.record.stderrTail}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    file,
    stop: async () => {
      await signalInside(running.pid, 'SIGINT');
      const finished = await Promise.race([running.wait(), new Promise<undefined>((r) => setTimeout(r, 5000))]) ?? (await running.stop());
      const count = (label: string): number | undefined => {
        const m = new RegExp(`(\\d+) packets? ${label}`).exec(finished.stderr);
        return m ? Number(m[1]) : undefined;
      };
      return { finished, captured: count('captured'), droppedByKernel: count('dropped by kernel') };
    },
  };
}
