import { unlinkSync } from 'node:fs';

/**
 * Temporary files being written (a results.json or pcap before its rename into place). A second Ctrl-C leaves at
 * once through process.exit, where no finally block runs: each one still here is removed then, so no half-written
 * `.results.json.<hex>.tmp` or 700 MB `.pcap.tmp` stays in a run folder. (SIGKILL leaves them; the next run into the
 * folder replaces its contents.)
 */
const inProgress = new Set<string>();
let listening = false;

function removeAll(): void {
  for (const file of inProgress) {
    try {
      unlinkSync(file);
    } catch {
      // Renamed into place or removed already.
    }
  }
  inProgress.clear();
}

/** Registers `file` until the returned function is called (after its rename, or its removal). */
export function trackTempFile(file: string): () => void {
  if (!listening) {
    process.on('exit', removeAll);
    listening = true;
  }
  inProgress.add(file);
  return () => {
    inProgress.delete(file);
  };
}
