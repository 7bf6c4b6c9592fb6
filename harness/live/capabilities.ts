import { readFile } from 'node:fs/promises';

/** Linux capability numbers (linux/capability.h) a private wire needs. */
const NEEDED: Record<string, number> = { CAP_NET_ADMIN: 12, CAP_NET_RAW: 13, CAP_SYS_ADMIN: 21 };

/**
 * The capabilities a live run lacks: CAP_SYS_ADMIN to make namespaces, CAP_NET_ADMIN for the veth and ethtool,
 * CAP_NET_RAW for tcpreplay and every capture. Empty when it may go ahead.
 */
export async function missingLiveCapabilities(statusText?: string): Promise<string[]> {
  const text = statusText ?? (await readFile('/proc/self/status', 'utf8').catch(() => ''));
  const hex = /^CapEff:\s*([0-9a-f]+)/m.exec(text)?.[1];
  const effective = hex === undefined ? 0n : BigInt(`0x${hex}`);
  return Object.entries(NEEDED).filter(([, bit]) => (effective & (1n << BigInt(bit))) === 0n).map(([name]) => name);
}

/**
 * The programs a live run calls, each with the Debian package that has it: the private wire (setpriv, unshare,
 * nsenter, ip, sysctl, ethtool: private-wire.ts), the reference capture (tcpdump) and the replay (tcpreplay). A
 * missing one was found only after the whole offline run, as a stack trace at exit 1 that lost its results.
 */
const LIVE_TOOLS: readonly (readonly [tool: string, pkg: string])[] = [
  ['tcpreplay', 'tcpreplay'],
  ['tcpdump', 'tcpdump'],
  ['ip', 'iproute2'],
  ['ethtool', 'ethtool'],
  ['setpriv', 'util-linux'],
  ['unshare', 'util-linux'],
  ['nsenter', 'util-linux'],
  ['sysctl', 'procps'],
];

/** A C compiler, for the LD_PRELOAD shims (the immediate-mode shim, argus's ordered shutdown) built at the first replay. */
const COMPILER_PACKAGES = ['gcc', 'libc6-dev', 'libpcap-dev'];

export interface MissingLiveTools {
  /** The programs not found, such as ["tcpreplay", "cc or gcc"]. */
  tools: string[];
  /** One command that installs them all. */
  install: string;
}

/**
 * What a live run would miss, looked up as the live code looks them up (which: PATH and the sbin folders);
 * undefined when every program is there. `needsCompiler`: a live monitor of the run is built a shim for.
 */
export async function missingLiveTools(needsCompiler: boolean, find: (tool: string) => Promise<string | undefined>): Promise<MissingLiveTools | undefined> {
  const tools: string[] = [];
  const packages = new Set<string>();
  for (const [tool, pkg] of LIVE_TOOLS) {
    if ((await find(tool)) === undefined) {
      tools.push(tool);
      packages.add(pkg);
    }
  }
  if (needsCompiler && (await find('cc')) === undefined && (await find('gcc')) === undefined) {
    tools.push('cc or gcc');
    for (const pkg of COMPILER_PACKAGES) packages.add(pkg);
  }
  if (tools.length === 0) return undefined;
  return { tools, install: `apt-get install -y --no-install-recommends ${[...packages].join(' ')}` };
}

/** Whether a live monitor gets an LD_PRELOAD shim compiled for it: the immediate-mode one, or argus's ordered shutdown. */
export function liveFormNeedsCompiler(monitorId: string, live: { needsImmediateMode: boolean } | undefined): boolean {
  return live !== undefined && (live.needsImmediateMode || monitorId === 'argus');
}
