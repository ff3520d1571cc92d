/**
 * A real HTTP server in front of a push server (its `handleRequest`, as when mounted): records
 * every request that reaches it and can cut every open connection at once, as a network drop
 * would. Tests read `requests` to prove that nothing reached the server.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { PushServer } from '../../server/index.js';

export interface CountingFront {
  readonly url: string;
  /** `METHOD /path` of every request received, in order. */
  readonly requests: readonly string[];
  cutAll(): void;
  close(): Promise<void>;
}

export async function startCountingFront(push: PushServer): Promise<CountingFront> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${new URL(req.url ?? '/', 'http://x').pathname}`);
    push.handleRequest(req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    cutAll: () => {
      for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
