import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { runProcess, startProcess, type RunningService } from '../executor/process-runner.js';
import { which } from '../executor/which.js';
import { chainStillThere, confinement } from '../executor/confinement.js';

/**
 * The private wire of a live run: a veth pair whose two ends both live in an anonymous network namespace, with no
 * address, no route, ARP and IPv6 off and offloads off, so the wire carries only the replayed frames and none can
 * ever reach a real network (docs/measured/live.md).
 *
 * The namespace is held by a holder process, `setpriv --pdeathsig KILL unshare --net --pid --fork --kill-child`:
 * when the harness dies (even by SIGKILL) the kernel kills unshare, unshare's child (PID 1 of a new PID namespace)
 * dies with it, every process entered into that PID namespace dies with PID 1, and the network namespace, no longer
 * used by anyone, disappears with its veth. No `ip netns add`: a bind-mounted namespace would outlive a killed run.
 * The holder makes an IPC namespace too, which every tool entered shares: the SysV shared memory and semaphore
 * nfpcapd keeps per flow folder (removed only on a clean exit) then dies with the run, where on the host a killed
 * live run's record said a pid that the next run into the same --out took for a collector still running.
 */
export const TX_IFACE = 'tx';
export const RX_IFACE = 'rx';
/** Marks the holder in its environment, so that a later run can find one an earlier run left (it never should). */
const HOLDER_MARK = 'HARNESS_LIVE_WIRE';

export interface PrivateWire {
  /** The end tcpreplay sends into. */
  tx: string;
  /** The end every monitor listens on. */
  rx: string;
  /** PID (host view) of the namespace's PID 1; /proc/PID/net is the wire's network namespace. */
  nsPid: number;
  /** Interface index of rx, as /proc/PID/net/packet names it. */
  rxIndex: number;
  /** argv run inside both namespaces, through nsenter; it forks, so the tool is PID 1's descendant and dies with it. */
  inside(argv: string[]): string[];
  /** What was done to make the wire quiet (for the report). */
  setup: string[];
  /** Kills the holder: the namespaces and the veth go with it. Idempotent. */
  close(): Promise<void>;
}

export class LiveSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LiveSetupError';
  }
}

const TOOLS = ['setpriv', 'unshare', 'nsenter', 'ip', 'sysctl', 'ethtool'] as const;

async function toolPaths(): Promise<Record<(typeof TOOLS)[number], string>> {
  const found: Partial<Record<(typeof TOOLS)[number], string>> = {};
  for (const tool of TOOLS) {
    const p = await which(tool);
    if (!p) throw new LiveSetupError(`${tool} not found: install util-linux, iproute2, procps and ethtool (apt-get install -y --no-install-recommends iproute2 ethtool)`);
    found[tool] = p;
  }
  return found as Record<(typeof TOOLS)[number], string>;
}

async function childrenOf(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.trim().split(/\s+/).filter(Boolean).map(Number);
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function openPrivateWire(workDir: string): Promise<PrivateWire> {
  const tools = await toolPaths();
  // unshare's child checks that unshare is still its parent once --kill-child has set its signal (confinement.ts).
  const confined = await confinement();
  const holder: RunningService = await startProcess(
    [tools.setpriv, '--pdeathsig', 'KILL', tools.unshare, '--net', '--pid', '--ipc', '--fork', '--kill-child', ...chainStillThere(confined), 'sleep', 'infinity'],
    { cwd: workDir, env: { [HOLDER_MARK]: String(process.pid) }, logFile: path.join(workDir, 'wire-holder.log'), ownPidNamespace: true },
  );
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await holder.stop();
  };
  try {
    const holderPid = holder.pid;
    if (holderPid === undefined) throw new LiveSetupError('could not start unshare for the private wire');
    const nsPid = await waitFor(async () => (await childrenOf(holderPid))[0], 5000);
    if (nsPid === undefined) throw new LiveSetupError(`unshare --net --pid --ipc made no namespace (see ${path.join(workDir, 'wire-holder.log')})`);
    const inside = (argv: string[]): string[] => [tools.nsenter, '-t', String(nsPid), '-n', '-p', '-i', '--', ...argv];
    const netOnly = (argv: string[]): string[] => [tools.nsenter, '-t', String(nsPid), '-n', '--', ...argv];
    const setup: string[] = [];
    const step = async (argv: string[], why: string): Promise<void> => {
      const run = await runProcess(netOnly(argv), { cwd: workDir, timeoutMs: 10_000, ownPidNamespace: true });
      if (run.exitCode !== 0) throw new LiveSetupError(`private wire: ${argv.map((a) => path.basename(a)).join(' ')} failed (${run.record.stderrTail.split('\n').pop() ?? ''})`);
      setup.push(`${argv.map((a, i) => (i === 0 ? path.basename(a) : a)).join(' ')}  # ${why}`);
    };
    // Before the veth exists: an interface born with IPv6 on sends router solicitations and DAD probes at once.
    await step([tools.sysctl, '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1'], 'no IPv6 chatter on the wire');
    await step([tools.ip, 'link', 'add', 'name', TX_IFACE, 'type', 'veth', 'peer', 'name', RX_IFACE], 'both ends inside the namespace, no address, no route');
    for (const end of [TX_IFACE, RX_IFACE]) {
      await step([tools.ip, 'link', 'set', 'dev', end, 'arp', 'off'], 'no ARP');
      // Offloads off: the listener must see the frames as the pcap has them, not coalesced (GRO) or checksummed later.
      await step([tools.ethtool, '-K', end, 'tx', 'off', 'rx', 'off', 'tso', 'off', 'gso', 'off', 'gro', 'off', 'sg', 'off', 'rxvlan', 'off', 'txvlan', 'off'], 'offloads off');
      await step([tools.ip, 'link', 'set', 'dev', end, 'up'], 'up');
    }
    await step([tools.ip, 'link', 'set', 'dev', 'lo', 'up'], 'NetFlow exporters reach their collector on 127.0.0.1 inside the namespace');
    const shown = await runProcess(netOnly([tools.ip, '-o', 'link', 'show', 'dev', RX_IFACE]), { cwd: workDir, timeoutMs: 10_000 });
    const rxIndex = Number(/^(\d+):/.exec(shown.stdout)?.[1]);
    if (!Number.isInteger(rxIndex)) throw new LiveSetupError(`private wire: no interface ${RX_IFACE} after creating it (${shown.stdout.trim()})`);
    return { tx: TX_IFACE, rx: RX_IFACE, nsPid, rxIndex, inside, setup, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Packet sockets bound to interface `ifindex` in the namespace of `pid`: one per open capture. */
export async function captureSocketsOn(pid: number, ifindex: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/net/packet`, 'utf8').catch(() => '');
  let count = 0;
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    // sk RefCnt Type Proto Iface R Rmem User Inode
    if (cols.length >= 9 && Number(cols[4]) === ifindex) count += 1;
  }
  return count;
}

/**
 * What earlier runs left: a holder whose harness is gone (it never should be: the kernel kills it with its harness).
 * It is killed; the returned lines say what was found, for the report. Named namespaces are never touched: this
 * harness makes none, so one named `harness-live-...` is someone else's (a hand-made setup, another tool's), and
 * deleting it, as an older version did, broke what they were running.
 */
export async function cleanStaleWires(): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '');
    const mark = environ.split('\0').find((v) => v.startsWith(`${HOLDER_MARK}=`));
    if (!mark) continue;
    const owner = Number(mark.slice(HOLDER_MARK.length + 1));
    if (owner === process.pid || (await readFile(`/proc/${owner}/environ`).then(() => true, () => false))) continue;
    try {
      process.kill(Number(entry), 'SIGKILL');
      found.push(`stale private-wire holder (pid ${entry}) of a harness (pid ${owner}) that is gone: killed`);
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}
