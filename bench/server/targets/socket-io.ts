/**
 * socket.io, as its users run it for broadcast: websocket transport only, no compression,
 * `io.emit` (which encodes the packet once for all sockets).
 */
import http from 'node:http';
import { Server } from 'socket.io';
import type { Target } from './types.js';
import { closeServer, listen } from './listen.js';

export async function startSocketIo(): Promise<Target> {
  const server = http.createServer();
  const io = new Server(server, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });
  io.on('connection', (socket) => (socket.conn as unknown as { transport?: { socket?: { _socket?: { setNoDelay?(b: boolean): void } } } }).transport?.socket?._socket?.setNoDelay?.(true));
  const port = await listen(server);
  return {
    port,
    publish(value) {
      io.emit('m', value);
    },
    async close() {
      io.disconnectSockets(true);
      io.engine.close();
      await closeServer(server);
    },
  };
}
