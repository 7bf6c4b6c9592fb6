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

/** True once some process has the port bound (UDP) or listening (TCP), read from /proc/net like `ss` does. */
export async function isListening(proto: 'udp' | 'tcp', port: number): Promise<boolean> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of proto === 'udp' ? ['udp', 'udp6'] : ['tcp', 'tcp6']) {
    const text = await readFile(`/proc/net/${table}`, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      if (!local || !local.endsWith(`:${hexPort}`)) continue;
      if (proto === 'udp' || cols[3] === '0A') return true;
    }
  }
  return false;
}

export async function waitUntilListening(proto: 'udp' | 'tcp', port: number, timeoutMs: number, isAlive: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await isListening(proto, port)) return true;
    if (!isAlive()) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/**
 * Bytes waiting in the receive queue of the UDP socket bound to `port` (from /proc/net/udp, like `ss -u`), or
 * undefined when nothing has that port bound.
 */
export async function udpReceiveQueueBytes(port: number): Promise<number | undefined> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let found: number | undefined;
  for (const table of ['udp', 'udp6']) {
    const text = await readFile(`/proc/net/${table}`, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (!cols[1]?.endsWith(`:${hexPort}`)) continue;
      const rx = parseInt((cols[4] ?? '').split(':')[1] ?? '', 16);
      if (Number.isFinite(rx)) found = (found ?? 0) + rx;
    }
  }
  return found;
}

/**
 * Waits until a collector has read every datagram sent to it: stopping it earlier loses whatever is still queued
 * (nfcapd exits on SIGTERM without reading its socket again). Then a short settle for it to process the last one.
 */
export async function waitUntilUdpDrained(port: number, timeoutMs: number, settleMs = 200): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const queued = await udpReceiveQueueBytes(port);
    if (queued === undefined || queued === 0) break;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, settleMs));
  return true;
}
