import { createSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';

/** A port on 127.0.0.1 that was free a moment ago (the kernel picks it). */
export async function freePort(proto: 'udp' | 'tcp'): Promise<number> {
  if (proto === 'tcp') {
    return new Promise((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        const port = typeof address === 'object' && address ? address.port : 0;
        server.close(() => resolve(port));
      });
    });
  }
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const port = socket.address().port;
      socket.close(() => resolve(port));
    });
  });
}

interface SocketRow {
  /** Hex state: 0A is TCP LISTEN; UDP sockets are 07 whether bound or connected. */
  state: string;
  rxQueueBytes: number;
}

/**
 * The rows of /proc/net/<proto>{,6} (what `ss` reads) whose local port is `port`; with `netOfPid`, of that process's
 * network namespace (/proc/PID/net), for collectors on a live run's private wire.
 */
async function socketsOnPort(proto: 'udp' | 'tcp', port: number, netOfPid?: number): Promise<SocketRow[]> {
  const procNet = netOfPid === undefined ? '/proc/net' : `/proc/${netOfPid}/net`;
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const rows: SocketRow[] = [];
  for (const table of [proto, `${proto}6`]) {
    const text = await readFile(`${procNet}/${table}`, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (!cols[1]?.endsWith(hexPort)) continue;
      rows.push({ state: cols[3] ?? '', rxQueueBytes: parseInt((cols[4] ?? '').split(':')[1] ?? '', 16) || 0 });
    }
  }
  return rows;
}

/** True once some process has the port bound (UDP) or listening (TCP). */
export async function isListening(proto: 'udp' | 'tcp', port: number, netOfPid?: number): Promise<boolean> {
  return (await socketsOnPort(proto, port, netOfPid)).some((row) => proto === 'udp' || row.state === '0A');
}

export async function waitUntilListening(proto: 'udp' | 'tcp', port: number, timeoutMs: number, isAlive: () => boolean, netOfPid?: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await isListening(proto, port, netOfPid)) return true;
    if (!isAlive()) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** Bytes waiting in the receive queue of the UDP socket bound to `port`, or undefined when nothing has it bound. */
export async function udpReceiveQueueBytes(port: number, netOfPid?: number): Promise<number | undefined> {
  const rows = await socketsOnPort('udp', port, netOfPid);
  return rows.length === 0 ? undefined : rows.reduce((sum, row) => sum + row.rxQueueBytes, 0);
}

/**
 * Waits until a collector has read every datagram sent to it: stopping it earlier loses whatever is still queued
 * (nfcapd exits on SIGTERM without reading its socket again). Then a short settle for it to process the last one.
 */
export async function waitUntilUdpDrained(port: number, timeoutMs: number, settleMs = 200, netOfPid?: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const queued = await udpReceiveQueueBytes(port, netOfPid);
    if (queued === undefined || queued === 0) break;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, settleMs));
  return true;
}
