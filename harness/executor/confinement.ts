import { readFileSync } from 'node:fs';
import { readlink } from 'node:fs/promises';
import { execa } from 'execa';
import { which } from './which.js';

/**
 * How every child of a run is confined, with Linux's own means, so that nothing outlives the harness even when the
 * harness itself is killed with SIGKILL (no exit handler runs then):
 * - a parent-death signal (`setpriv --pdeathsig KILL`): the child dies with the harness;
 * - as root, a PID namespace per process (`unshare --pid --fork --kill-child`): when the monitor (the namespace's
 *   init) ends or its unshare parent dies, the kernel kills every process left in the namespace, even one that left
 *   the process group with setsid;
 * - with it, an IPC namespace (`--ipc`): the System V shared memory and semaphores a monitor makes go with it. nfpcapd
 *   and nfcapd keep a "bookkeeper" segment keyed on their flow folder's path that records their pid and is removed
 *   only on a clean exit; killed (time limit, interrupt, a SIGKILLed harness) inside a PID namespace, they left one
 *   saying pid 2, which is always alive (the next collector in its own namespace, kthreadd on the host), so every
 *   later run into that folder failed: "Another collector with pid 2 is already running".
 * - a file size limit (`prlimit --fsize`): no file the child writes grows past the run's --max-output, checked by
 *   the kernel on every write, so a flooding monitor cannot fill the disk or the harness's memory.
 * Without root (or where namespaces are refused, as in an unprivileged container) the namespace is left out: the
 * child still dies with the harness and its process group is still killed when it ends, but a grandchild that
 * called setsid can survive a SIGKILLed harness. Without util-linux the child runs as it is.
 */
export interface Confinement {
  setpriv?: string;
  /** A POSIX shell, for the check that the harness is still the parent once the parent-death signal is set. */
  sh?: string;
  prlimit?: string;
  /** unshare, when this process may create PID namespaces. */
  unshare?: string;
  /** unshare may create an IPC namespace too (with the PID namespace). */
  ipcNamespace?: boolean;
}

let probed: Promise<Confinement> | undefined;

export function confinement(): Promise<Confinement> {
  probed ??= probe();
  return probed;
}

async function probe(): Promise<Confinement> {
  const [setpriv, prlimit, unshare, sh] = await Promise.all([which('setpriv'), which('prlimit'), which('unshare'), which('sh')]);
  const found: Confinement = {};
  if (setpriv) found.setpriv = setpriv;
  if (sh) found.sh = sh;
  if (prlimit) found.prlimit = prlimit;
  if (unshare && process.getuid?.() === 0) {
    // Root in a container without CAP_SYS_ADMIN is refused: try once rather than fail every cell.
    const trial = async (flags: string[]): Promise<boolean> =>
      (await execa(unshare, [...flags, '--fork', '--kill-child', '--', 'true'], { reject: false, stdin: 'ignore', timeout: 10_000 })).exitCode === 0;
    if (await trial(['--pid', '--ipc'])) {
      found.unshare = unshare;
      found.ipcNamespace = true;
    } else if (await trial(['--pid'])) {
      found.unshare = unshare;
    }
  }
  return found;
}

/**
 * setpriv sets the parent-death signal in the child the harness forked: a harness killed between the fork and that
 * prctl (a SIGKILL just as a cell starts) leaves a child the signal never reaches, reparented to init, and its
 * monitor ran on (seen once: a pmacctd and its unshare outlived a SIGKILLed harness). The shell setpriv execs next
 * reads its parent after the signal is set and ends unless that is still the harness; from then on the signal holds.
 * When a process of the chain forks again (below), the shell leaves its own pid, the chain's, for that check.
 */
const PARENT_STILL_THERE = '[ "$PPID" = "$0" ] || exit 137; exec "$@"';
/** Where the first shell leaves the chain's pid for the check after a fork. */
const CHAIN_PID_VARIABLE = 'HARNESS_CONFINED_CHAIN_PID';
const PARENT_STILL_THERE_TELLING_CHAIN = `[ "$PPID" = "$0" ] || exit 137; export ${CHAIN_PID_VARIABLE}=$$; exec "$@"`;

/**
 * The same gap where a process of the chain forks the next one: unshare's child (the namespace's init) gets its
 * parent-death signal from unshare after the fork (util-linux 2.38 does not check that its parent is still there;
 * later versions poll a pidfd of it for this very race), and GNU time's child from the setpriv it execs. Both were
 * seen: a SIGKILLed harness left a calibration's GNU time (its namespace's init, reparented to init) with its nfcapd,
 * and, without namespaces, an nfcapd whose GNU time was gone. The check reads the parent from /proc/self/status (the
 * host's view: inside a new PID namespace $PPID is 0) and compares it with the chain's pid, which the first shell
 * exported; the variable is removed before the monitor starts.
 */
const CHAIN_STILL_THERE = [
  'p=; while read -r k v; do if [ "$k" = PPid: ]; then p=$v; break; fi; done < /proc/self/status',
  `[ -n "$p" ] && [ "$p" = "\${${CHAIN_PID_VARIABLE}:-}" ] || { echo "harness confinement: parent \${p:-unreadable} is not the chain \${${CHAIN_PID_VARIABLE}:-unset}: the harness is gone" >&2; exit 137; }`,
  `unset ${CHAIN_PID_VARIABLE}`,
  'exec "$@"',
].join('; ');

/**
 * What runs first in a process that a process of the chain (GNU time, unshare) forked, once its parent-death signal
 * is set (unshare --kill-child sets it; put setpriv --pdeathsig before this otherwise): it ends unless the chain is
 * still its parent. Empty without a shell (the chain then has no check at all).
 */
export function chainStillThere(tools: Confinement): string[] {
  return tools.setpriv && tools.sh ? [tools.sh, '-c', CHAIN_STILL_THERE, 'harness-confinement'] : [];
}

/**
 * The argv that runs `argv` confined; the monitor itself is the last process of the chain (setpriv, the shell and
 * prlimit exec it). `parentPid`: the harness's own pid, the process that spawns the chain. `argv` may hold
 * chainStillThere() after a wrapper that forks.
 */
export function confinedArgv(argv: string[], tools: Confinement, limits: { maxFileBytes?: number; ownPidNamespace?: boolean; parentPid: number }): string[] {
  // A process entered into the live wire's namespaces (nsenter -p) already has one, held by a pdeathsig'd holder.
  const unshare = addsPidNamespace(tools, limits.ownPidNamespace) ? [tools.unshare as string, '--pid', ...(tools.ipcNamespace ? ['--ipc'] : []), '--fork', '--kill-child', '--', ...chainStillThere(tools)] : [];
  const checkedAfterFork = unshare.includes(CHAIN_STILL_THERE) || argv.includes(CHAIN_STILL_THERE);
  const prefix: string[] = [];
  if (tools.setpriv) {
    prefix.push(tools.setpriv, '--pdeathsig', 'KILL', '--');
    if (tools.sh) prefix.push(tools.sh, '-c', checkedAfterFork ? PARENT_STILL_THERE_TELLING_CHAIN : PARENT_STILL_THERE, String(limits.parentPid));
  }
  if (tools.prlimit && limits.maxFileBytes !== undefined) prefix.push(tools.prlimit, `--fsize=${limits.maxFileBytes}`, '--');
  return [...prefix, ...unshare, ...argv];
}

/** Whether confinedArgv puts the process in a PID namespace of its own (as root, unless it brings one). */
export function addsPidNamespace(tools: Confinement, ownPidNamespace: boolean | undefined): boolean {
  return tools.unshare !== undefined && ownPidNamespace !== true;
}

/**
 * A /proc file's text, or '' once the process is gone. Read synchronously: /proc is made in memory on the read, and
 * a read through the thread pool cost ~200 us of CPU against ~20 (the peak-memory sampler reads a command's tree
 * ten times a second while it runs).
 */
export function procText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Pids of `pid` and all its descendants (Linux /proc/<pid>/task/<tid>/children). */
export function processTree(pid: number): number[] {
  const tree: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    tree.push(next);
    const children = procText(`/proc/${next}/task/${next}/children`);
    for (const child of children.split(' ')) if (child.trim() !== '') queue.push(Number(child));
  }
  return tree;
}

/**
 * A pid as a process inside the namespace under `rootPid` sees it (what a tool writes in its pid file), as the
 * harness sees it: the process of that tree whose innermost NSpid is `innerPid`. Undefined when there is none.
 */
export async function outerPid(rootPid: number, innerPid: number): Promise<number | undefined> {
  const namespace = await readlink(`/proc/${rootPid}/ns/pid_for_children`).catch(() => undefined);
  for (const pid of processTree(rootPid)) {
    const status = procText(`/proc/${pid}/status`);
    const ids = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/).map(Number) ?? [];
    if (ids.length < 2 || ids[ids.length - 1] !== innerPid) continue;
    if (namespace !== undefined && (await readlink(`/proc/${pid}/ns/pid`).catch(() => undefined)) !== namespace) continue;
    return pid;
  }
  return undefined;
}
