/**
 * better-sse, a popular SSE library: one `Channel`, `channel.broadcast()` to every session.
 * Its keep-alive comments are off so only messages are on the wire during a measurement.
 */
import http from 'node:http';
import { createChannel, createSession } from 'better-sse';
import type { Target } from './types.js';
import { closeServer, listen } from './listen.js';

export async function startBetterSse(): Promise<Target> {
  const channel = createChannel();
  const server = http.createServer((req, res) => {
    req.socket.setNoDelay(true);
    createSession(req, res, { keepAlive: null }).then(
      (session) => channel.register(session),
      () => res.destroy(),
    );
  });
  const port = await listen(server);
  return {
    port,
    publish(value) {
      channel.broadcast(value, 'm');
    },
    close: () => closeServer(server),
  };
}
