/**
 * `GET /ws` — WebSocket (RFC 6455) with the `ws` library in noServer mode. JSON text frames as
 * in src/protocol/wire.ts: `subscribe` (optionally with `lastEventId`) replays then answers
 * `subscribed` with the head, `unsubscribe`, `publish` (acked `published` with its `ref`). The
 * upgrade is checked by ws-upgrade.ts, each socket then served by ws-connection.ts; this file
 * owns the `ws` server and the ping/pong that finds dead peers.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { ServerContext } from './context.js';
import { counted } from './context.js';
import { PushError, toPushError, writeRawError } from './errors.js';
import { ENVELOPE_BYTES } from './publish.js';
import { openWsConnection } from './ws-connection.js';
import type { Liveness } from './ws-connection.js';
import { admitUpgrade, isWsUpgrade } from './ws-upgrade.js';

export interface WsEndpoint {
  /**
   * Answers an upgrade for `/ws` (under basePath). Any other path is another app's when `next`
   * is given (a second WebSocket server on the same http.Server): `next()` is called and the
   * socket left untouched; without `next` it is refused with a JSON 404.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, next?: () => void): void;
  /** Every open socket, for ping/pong liveness. */
  heartbeat(): void;
  close(): void;
}

export function createWsEndpoint(context: ServerContext): WsEndpoint {
  const { options } = context;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxMessageSize + ENVELOPE_BYTES,
    // Compression would re-encode every frame per socket, defeating encode-once fan-out.
    perMessageDeflate: false,
    clientTracking: false,
  });
  const alive: Liveness = new Map();
  // With a listener here, `ws` hands us handshake errors (bad key, version, Upgrade header)
  // instead of answering them in plain text itself.
  wss.on('wsClientError', (error: Error, socket: Duplex) => {
    writeRawError(socket, new PushError('TABMUX_ERR_BAD_REQUEST', `bad WebSocket handshake: ${error.message}`, { 'Sec-WebSocket-Version': '13' }));
  });

  return {
    handleUpgrade(req, socket, head, next) {
      // Decided before touching the socket (no listener, no answer): it is the other app's.
      if (next && !isWsUpgrade(req, options.basePath)) {
        next();
        return;
      }
      admitUpgrade(context, req, socket)
        .then((credentials) => {
          if (credentials) wss.handleUpgrade(req, socket, head, (ws) => openWsConnection(context, ws, req, credentials, alive));
        })
        .catch((error: unknown) => {
          if (!(error instanceof PushError)) context.options.logger.error('websocket upgrade failed', { error });
          writeRawError(socket, counted(context, toPushError(error)));
        });
    },
    heartbeat() {
      for (const [ws, isAlive] of alive) {
        // No pong since the last ping: the peer is gone without a FIN (RFC 6455 §5.5.2).
        if (!isAlive) {
          ws.terminate();
          continue;
        }
        alive.set(ws, false);
        ws.ping();
      }
    },
    close() {
      wss.close();
    },
  };
}
