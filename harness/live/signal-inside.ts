import { readFile } from 'node:fs/promises';

/**
 * A process entered into the wire's PID namespace runs as the child of the nsenter that forked it, and nsenter dies
 * of any signal it gets without passing it on. So a flush signal (SIGINT for ndpiReader, tcpdump) goes to the
 * children of the wrapper, never to the wrapper itself; the wrapper then exits with its child.
 */
export async function signalInside(wrapperPid: number | undefined, signal: NodeJS.Signals): Promise<boolean> {
  if (wrapperPid === undefined) return false;
  const text = await readFile(`/proc/${wrapperPid}/task/${wrapperPid}/children`, 'utf8').catch(() => '');
  let sent = false;
  for (const pid of text.trim().split(/\s+/).filter(Boolean).map(Number)) {
    try {
      process.kill(pid, signal);
      sent = true;
    } catch {
      // It exited meanwhile.
    }
  }
  return sent;
}
