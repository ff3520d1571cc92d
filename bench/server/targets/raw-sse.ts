/**
 * The practical limit for SSE: `node:http`, one pre-encoded Buffer per message written to every
 * subscriber. No ids, no history, no backpressure policy: what no server can beat by much.
 */
import http from 'node:http';
import type { ServerResponse } from 'node:http';
import type { Target } from './types.js';
import { closeServer, listen } from './listen.js';

export async function startRawSse(): Promise<Target> {
  const clients = new Set<ServerResponse>();
  const server = http.createServer((req, res) => {
    req.socket.setNoDelay(true);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(':ok\n\n');
    clients.add(res);
    res.on('close', () => clients.delete(res));
  });
  const port = await listen(server);
  return {
    port,
    publish(_value, json) {
      const frame = Buffer.from(`data: ${json}\n\n`);
      for (const res of clients) res.write(frame);
    },
    close: () => closeServer(server),
  };
}
