/**
 * A loopback TCP proxy between the browser and the push server that counts what a mobile radio
 * would pay for: connections opened, bytes each way, and server→browser reads (each burst of
 * bytes that arrives on its own wakes the radio; on loopback one server write ≈ one read).
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface WireCounts {
  connections: number;
  bytesUp: number;
  bytesDown: number;
  /** Reads of server bytes on the proxy (≈ server writes reaching the device: wake-ups). */
  wakeUps: number;
}

export interface CountingProxy {
  readonly port: number;
  readonly counts: WireCounts;
  /** Connections open now. */
  open(): number;
  close(): Promise<void>;
}

export async function startCountingProxy(targetPort: number): Promise<CountingProxy> {
  const counts: WireCounts = { connections: 0, bytesUp: 0, bytesDown: 0, wakeUps: 0 };
  const sockets = new Set<net.Socket>();
  let open = 0;
  const server = net.createServer((client) => {
    counts.connections++;
    open++;
    const upstream = net.connect(targetPort, '127.0.0.1');
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => {
      counts.bytesUp += chunk.length;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      counts.bytesDown += chunk.length;
      counts.wakeUps++;
      client.write(chunk);
    });
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      open--;
      sockets.delete(client);
      sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    counts,
    open: () => open,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
