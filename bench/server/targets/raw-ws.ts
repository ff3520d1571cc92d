/**
 * The practical limit for WebSocket: `ws`'s `Sender.frame` builds the frame ONCE (RFC 6455 §5.2,
 * unmasked server→client text frame), then the same bytes go straight to every socket.
 */
import http from 'node:http';
import * as wsLib from 'ws';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { Socket } from 'node:net';
import type { Target } from './types.js';
import { closeServer, listen } from './listen.js';

interface FrameOptions {
  readonly fin: boolean;
  readonly rsv1: boolean;
  readonly opcode: number;
  readonly mask: boolean;
  readonly readOnly: boolean;
}
// ws exports Sender at runtime (lib/sender.js); @types/ws does not declare it.
const { Sender } = wsLib as unknown as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } };

export async function startRawWs(): Promise<Target> {
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  const sockets = new Set<Socket>();
  wss.on('connection', (ws: WebSocket, req) => {
    const socket = req.socket;
    socket.setNoDelay(true);
    sockets.add(socket);
    ws.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server);
  return {
    port,
    publish(_value, json) {
      const frame = Buffer.concat(Sender.frame(Buffer.from(json), { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false }));
      for (const socket of sockets) socket.write(frame);
    },
    async close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await closeServer(server);
    },
  };
}
