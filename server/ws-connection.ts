/**
 * One accepted WebSocket: frames in (ws-client-frame.ts), answers out, its token (ws-auth.ts),
 * its channels (ws-subscriptions.ts), and its end (connection-teardown.ts). A bad frame answers
 * `{"op":"error"}` and keeps the socket; a client that stops reading is cut.
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { CLOSE_RATE_LIMITED, CLOSE_SERVICE_RESTART } from '../src/protocol/close-codes.js';
import type { WsServerFrame } from '../src/protocol/wire.js';
import type { Credentials } from './auth.js';
import { clientAddress } from './client-address.js';
import { ConnectionTeardown } from './connection-teardown.js';
import type { Connection, ServerContext } from './context.js';
import { counted } from './context.js';
import { toPushError } from './errors.js';
import { admitPublish, publishValue } from './publish.js';
import { WsAuth } from './ws-auth.js';
import { parseClientFrame } from './ws-client-frame.js';
import type { BadClientFrame, ClientFrame, Ref } from './ws-client-frame.js';
import { WsSubscriptions } from './ws-subscriptions.js';
import { CONTROL_FRAMES_BURST, CONTROL_FRAMES_PER_SECOND, ControlFrameRate } from './ws-control-rate.js';
import { drained } from './replay.js';
import { textFrame, WsWriter } from './ws-frame.js';
import type { WsFramePart } from './ws-frame.js';

function isFramePart(frame: WsServerFrame | WsFramePart): frame is WsFramePart {
  return Buffer.isBuffer((frame as Partial<WsFramePart>).bytes);
}

/**
 * Sockets and whether each answered the last ping: the endpoint pings them all every heartbeat
 * (ws.ts); a connection marks itself alive on each pong and leaves the map when it ends.
 */
export type Liveness = Map<WebSocket, boolean>;

export function openWsConnection(context: ServerContext, ws: WebSocket, req: IncomingMessage, initial: Credentials, alive: Liveness): void {
  const teardown = new ConnectionTeardown(context);
  // Read now, so that no closure below keeps the upgrade request (its headers, its stream state)
  // for the life of the socket: ~1.5 KiB per idle connection.
  const address = clientAddress(req, context.options.trustProxy);

  // Frames of one event-loop iteration leave as one socket write beside `ws` when that is safe
  // (ws-frame.ts), else one `ws.send` each; what waits counts against the bound as if `ws` held
  // it already.
  const batch = new WsWriter(ws, context, () => {
    // A reader that stopped reading: cut it (a close frame would queue behind the backlog).
    teardown.end();
    ws.terminate();
  });
  teardown.onEnd(() => batch.end());
  const send = (frame: WsServerFrame | WsFramePart): void => batch.send(isFramePart(frame) ? frame : textFrame(Buffer.from(JSON.stringify(frame))));
  const close = (code: number, reason: string): void => {
    batch.flush(); // what was sent before the close frame goes before it (RFC 6455 §5.5.1)
    // Nothing may follow the close frame: later frames are not taken (nor counted against the
    // bound of a client that is closing) rather than taken and dropped at the flush.
    batch.end();
    ws.close(code, reason);
  };
  const sendPaced = (part: WsFramePart, backlog: number): Promise<void> | undefined => {
    if (ws.readyState !== ws.OPEN || !batch.push(part)) return undefined;
    if (ws.bufferedAmount + batch.pendingBytes < backlog) return undefined;
    batch.flush();
    const socket = batch.directNow();
    return socket?.writableNeedDrain ? drained(socket) : undefined;
  };
  const sendError = (error: unknown, ref?: Ref, channel?: string): void => {
    const e = counted(context, toPushError(error));
    if (e.code === 'TABMUX_ERR_INTERNAL') context.options.logger.error('websocket frame failed', { error });
    send({ op: 'error', code: e.code, message: e.message, ...(ref !== undefined ? { ref } : {}), ...(channel ? { channel } : {}) });
  };

  const connection: Connection = {
    transport: 'ws',
    subscriptions: () => subscriptions.size,
    shutdown: () => close(CLOSE_SERVICE_RESTART, 'server restart: reconnect'),
    destroy: () => {
      teardown.end();
      ws.terminate();
    },
  };
  teardown.track(connection);
  const subscriptions = new WsSubscriptions(context, { teardown, send, frames: batch, sendPaced, drop: connection.destroy });
  teardown.onEnd(() => alive.delete(ws));
  alive.set(ws, true);
  ws.on('pong', () => alive.set(ws, true));
  ws.on('close', () => teardown.end());
  ws.on('error', (error: Error & { code?: string }) => {
    // `ws` closes with 1009 itself; we count it.
    if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') context.metrics.limitRefusals.ws_payload++;
    teardown.end();
  });
  const controlRate = new ControlFrameRate();
  const auth = new WsAuth(context, initial, { teardown, send, close, granted: (grant) => subscriptions.keepAllowed(grant) });

  async function answer(frame: ClientFrame | BadClientFrame): Promise<void> {
    if (frame.op === 'auth') return auth.receive(frame.token);
    // Any other frame waits for a token being verified: it is served with that token's outcome,
    // and answered after it.
    const authenticating = auth.settled();
    if (authenticating) await authenticating;
    if (teardown.ended) return;
    if (frame.op === 'bad') {
      const { op: _bad, ...error } = frame;
      send({ op: 'error', ...error });
      return;
    }
    const { channel, ref } = frame;
    if (frame.op === 'subscribe' || frame.op === 'unsubscribe') {
      const verdict = controlRate.take();
      if (verdict !== 'ok') {
        context.metrics.limitRefusals.ws_control_rate++;
        send({
          op: 'error',
          code: 'TABMUX_ERR_RATE_LIMITED',
          message: `subscribe/unsubscribe frames past ${CONTROL_FRAMES_PER_SECOND}/s (burst ${CONTROL_FRAMES_BURST})`,
          ...(ref !== undefined ? { ref } : {}),
          channel,
        });
        if (verdict === 'close') close(CLOSE_RATE_LIMITED, 'control frames too fast');
        return;
      }
    }
    try {
      switch (frame.op) {
        case 'subscribe':
          await subscriptions.subscribe(channel, frame.lastEventId, auth.credentials);
          return;
        case 'unsubscribe':
          subscriptions.unsubscribe(channel);
          send({ op: 'unsubscribed', channel });
          return;
        case 'publish': {
          admitPublish(context, auth.credentials, channel, () => address);
          const { id } = await publishValue(context, channel, frame.data, frame.idempotencyKey);
          send({ op: 'published', id, ...(ref !== undefined ? { ref } : {}) });
          return;
        }
      }
    } catch (error) {
      sendError(error, ref, channel);
    }
  }

  ws.on('message', (data, isBinary) => {
    answer(parseClientFrame(data, isBinary)).catch((error: unknown) => sendError(error));
  });
}
