/**
 * `GET /ws` — WebSocket (RFC 6455) with the `ws` library in noServer mode. JSON text frames as
 * in src/protocol/wire.ts: `subscribe` (optionally with `lastEventId`) replays then answers
 * `subscribed` with the head, `unsubscribe`, `publish` (acked `published` with its `ref`). A bad
 * frame answers `{"op":"error"}` and keeps the socket. Ping/pong finds dead peers.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import { channelNameProblem } from '../src/protocol/channel-name.js';
import { CLOSE_SERVICE_RESTART, CLOSE_UNAUTHORIZED } from '../src/protocol/close-codes.js';
import type { WsServerFrame } from '../src/protocol/wire.js';
import type { Connection, ServerContext } from './context.js';
import { counted, overBufferBound } from './context.js';
import { authenticate, checkSubscribe, msUntilExpiry, verifyToken } from './auth.js';
import type { Credentials } from './auth.js';
import { matchesAny } from './channel-patterns.js';
import { PushError, toPushError, urlTooLong, writeRawError } from './errors.js';
import { originAllowed } from './cors.js';
import { Feed } from './feed.js';
import { stripBasePath } from './base-path.js';
import { clientAddress } from './client-address.js';
import { ENVELOPE_BYTES, admitPublish, publishValue } from './publish.js';
import { ConnectionTeardown } from './connection-teardown.js';
import { resetNotice, sendPaced, writeReplay } from './replay.js';
import { parseCursor } from './stream-request.js';

type Ref = string | number | undefined;

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
  const alive = new Map<WebSocket, boolean>();
  // With a listener here, `ws` hands us handshake errors (bad key, version, Upgrade header)
  // instead of answering them in plain text itself.
  wss.on('wsClientError', (error: Error, socket: Duplex) => {
    refuse(socket, new PushError('TABMUX_ERR_BAD_REQUEST', `bad WebSocket handshake: ${error.message}`, { 'Sec-WebSocket-Version': '13' }));
  });

  function refuse(socket: Duplex, error: PushError): void {
    writeRawError(socket, error);
  }

  function accept(ws: WebSocket, req: IncomingMessage, initial: Credentials): void {
    const feeds = new Map<string, Feed>();
    let credentials = initial;
    const teardown = new ConnectionTeardown(context);
    let authTimer: NodeJS.Timeout | undefined;
    let expiryTimer: NodeJS.Timeout | undefined;
    /** An `auth` frame being verified: later frames wait for it, so they see its outcome. */
    let authPending: Promise<void> | undefined;

    const send = (frame: WsServerFrame | Buffer): void => {
      if (teardown.ended || ws.readyState !== ws.OPEN) return;
      ws.send(Buffer.isBuffer(frame) ? frame : JSON.stringify(frame), { binary: false });
      if (overBufferBound(context, ws.bufferedAmount)) {
        // A reader that stopped reading: cut it (a close frame would queue behind the backlog).
        teardown.end();
        ws.terminate();
      }
    };
    const sendError = (error: unknown, ref: Ref, channel?: string): void => {
      const e = toPushError(error);
      if (e.code === 'TABMUX_ERR_INTERNAL') context.options.logger.error('websocket frame failed', { error });
      send({ op: 'error', code: e.code, message: e.message, ...(ref !== undefined ? { ref } : {}), ...(channel ? { channel } : {}) });
    };
    teardown.onEnd(() => {
      for (const feed of feeds.values()) feed.close();
      feeds.clear();
      alive.delete(ws);
    });
    const connection: Connection = {
      transport: 'ws',
      subscriptions: () => feeds.size,
      shutdown: () => ws.close(CLOSE_SERVICE_RESTART, 'server restart: reconnect'),
      destroy: () => {
        teardown.end();
        ws.terminate();
      },
    };
    teardown.track(connection);
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
    ws.on('close', () => teardown.end());
    ws.on('error', (error: Error & { code?: string }) => {
      // `ws` closes with 1009 itself; we count it.
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') context.metrics.limitRefusals.ws_payload++;
      teardown.end();
    });

    const closeUnauthorized = (message: string): void => {
      context.metrics.authRefusals.unauthorized++;
      send({ op: 'error', code: 'TABMUX_ERR_UNAUTHORIZED', message });
      teardown.end();
      ws.close(CLOSE_UNAUTHORIZED, 'unauthorized');
    };
    const scheduleExpiry = (): void => {
      teardown.cancel(expiryTimer);
      const ms = msUntilExpiry(credentials.grant);
      if (ms === undefined) return;
      expiryTimer = teardown.timer(ms, () => closeUnauthorized('the token has expired: reconnect with a fresh one, or send {"op":"auth"} before it ends'));
      expiryTimer.unref();
    };
    scheduleExpiry();
    if (context.auth.jwt && !credentials.grant && !credentials.publishKey) {
      // An unauthenticated socket costs memory and a descriptor: it gets authTimeout to send a token.
      authTimer = teardown.timer(options.authTimeoutMs, () => {
        context.metrics.limitRefusals.auth_timeout++;
        closeUnauthorized(`no token within ${options.authTimeoutMs / 1000} s: send {"op":"auth","token":"…"} first`);
      });
      authTimer.unref();
    }

    /** `{"op":"auth","token"}`: a first token, or a fresh one before the current one expires. */
    const reauthenticate = async (token: unknown): Promise<void> => {
      if (!context.auth.jwt) throw new PushError('TABMUX_ERR_BAD_REQUEST', 'this server has no JWT key configured: no auth frame is needed');
      if (typeof token !== 'string' || token === '') throw new PushError('TABMUX_ERR_BAD_REQUEST', 'an auth frame is {"op":"auth","token":"<JWT>"}');
      let grant;
      try {
        grant = await verifyToken(token, context.auth);
      } catch (error) {
        closeUnauthorized(toPushError(error).message);
        return;
      }
      if (teardown.ended) return;
      credentials = { publishKey: credentials.publishKey, grant };
      teardown.cancel(authTimer);
      scheduleExpiry();
      // A narrower token: channels it no longer allows are dropped, each with a 403.
      for (const [channel, feed] of feeds) {
        if (matchesAny(grant.subscribe, channel)) continue;
        feed.close();
        feeds.delete(channel);
        context.metrics.authRefusals.forbidden++;
        send({ op: 'error', code: 'TABMUX_ERR_FORBIDDEN', message: `the new token does not allow subscribing to ${channel}`, channel });
      }
    };

    async function subscribe(channel: string, lastEventId: unknown): Promise<void> {
      checkSubscribe(context.auth, credentials, [channel]);
      if (lastEventId !== undefined && typeof lastEventId !== 'string') {
        throw new PushError('TABMUX_ERR_BAD_EVENT_ID', 'lastEventId must be a string');
      }
      const after = parseCursor(lastEventId, 'lastEventId');
      feeds.get(channel)?.close(); // a re-subscribe restarts from its new cursor
      if (!feeds.has(channel) && feeds.size >= options.maxChannelsPerStream) {
        throw new PushError('TABMUX_ERR_TOO_MANY_CHANNELS', `a connection may hold at most ${options.maxChannelsPerStream} channels`);
      }
      const feed = new Feed({
        registry: context.registry,
        broker: context.broker,
        requests: [{ channel, after }],
        deliver: (message) => {
          send(message.wireBuffer);
          context.metrics.delivered++;
        },
        maxBufferedBytes: options.maxBufferedBytes,
        onOverflow: () => {
          context.metrics.slowConsumersDropped++;
          connection.destroy();
        },
        onReset: (gap) => send({ op: 'reset', ...resetNotice(gap) }),
      });
      feeds.set(channel, feed);
      let result;
      try {
        result = await feed.open();
      } catch (error) {
        if (feeds.get(channel) === feed) feeds.delete(channel);
        throw error;
      }
      await writeReplay(context, feed, result, {
        ended: () => teardown.ended,
        reset: (gap) => send({ op: 'reset', ...resetNotice(gap) }),
        // Past half the bound, wait for the socket: the other half is room for this socket's other
        // channels, live meanwhile, before it counts as a slow consumer.
        write: (message) => sendPaced(ws, message.wireBuffer, options.maxBufferedBytes / 2),
        opened: (head) => send({ op: 'subscribed', channel, id: head }),
      });
    }

    async function onFrame(data: RawData, isBinary: boolean): Promise<void> {
      let frame: unknown;
      if (isBinary) throw new PushError('TABMUX_ERR_BAD_REQUEST', 'frames must be JSON text frames');
      try {
        frame = JSON.parse(data.toString());
      } catch {
        throw new PushError('TABMUX_ERR_BAD_JSON', 'the frame is not valid JSON');
      }
      if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
        throw new PushError('TABMUX_ERR_BAD_JSON', 'a frame is an object with an "op"');
      }
      const f = frame as { op?: unknown; channel?: unknown; lastEventId?: unknown; data?: unknown; ref?: unknown; token?: unknown };
      if (f.op === 'auth') {
        authPending = reauthenticate(f.token);
        try {
          await authPending;
        } finally {
          authPending = undefined;
        }
        return;
      }
      if (authPending) await authPending.catch(() => {});
      if (teardown.ended) return;
      const ref: Ref = typeof f.ref === 'string' || typeof f.ref === 'number' ? f.ref : undefined;
      const channel = typeof f.channel === 'string' ? f.channel : undefined;
      try {
        const problem = channelNameProblem(f.channel);
        if (problem && (f.op === 'subscribe' || f.op === 'unsubscribe' || f.op === 'publish')) {
          throw new PushError('TABMUX_ERR_BAD_CHANNEL', problem);
        }
        switch (f.op) {
          case 'subscribe':
            await subscribe(channel!, f.lastEventId);
            return;
          case 'unsubscribe':
            feeds.get(channel!)?.close();
            feeds.delete(channel!);
            send({ op: 'unsubscribed', channel: channel! });
            return;
          case 'publish': {
            admitPublish(context, credentials, channel, clientAddress(req, options.trustProxy));
            const { id } = await publishValue(context, channel, f.data);
            send({ op: 'published', id, ...(ref !== undefined ? { ref } : {}) });
            return;
          }
          default:
            throw new PushError('TABMUX_ERR_BAD_REQUEST', 'op must be "auth", "subscribe", "unsubscribe" or "publish"');
        }
      } catch (error) {
        if (error instanceof PushError) counted(context, error);
        sendError(error, ref, channel && channelNameProblem(channel) === undefined ? channel : undefined);
      }
    }

    ws.on('message', (data, isBinary) => {
      onFrame(data, isBinary).catch((error: unknown) => sendError(error, undefined));
    });
  }

  /** Checks an upgrade in order (cheapest first), then hands the socket to `ws`; throws PushError to refuse. */
  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // Node hands an upgrade socket over without an 'error' listener: a client that resets while
    // it is refused (or while its token is verified) must not crash the process.
    socket.on('error', () => socket.destroy());
    if ((req.url ?? '').length > options.maxUrlLength) {
      context.metrics.limitRefusals.url_size++;
      throw urlTooLong(options.maxUrlLength);
    }
    const url = requestUrl(req);
    if (!isOurs(url)) {
      throw new PushError('TABMUX_ERR_NOT_FOUND', `no WebSocket endpoint at ${requestPath(req)}; use ${options.basePath}/ws`);
    }
    if (context.closing) throw new PushError('TABMUX_ERR_UNAVAILABLE', 'the server is shutting down');
    if (req.method !== 'GET') throw new PushError('TABMUX_ERR_METHOD_NOT_ALLOWED', 'a WebSocket upgrade is a GET');
    // Cross-site WebSocket hijacking: browsers send cookies with any site's upgrade; CORS does not apply.
    if (!originAllowed(req, options.allowOrigin)) throw new PushError('TABMUX_ERR_FORBIDDEN', 'this origin is not allowed by the server (allowOrigin)');
    const release = context.connectionsPerIp.acquire(clientAddress(req, options.trustProxy));
    socket.once('close', release);
    // A token on the upgrade (header, cookie, ?token=) must be valid: a bad one is refused here with
    // 401. No token: accepted, and the first frame must then be {"op":"auth"} (browsers cannot
    // set headers on a WebSocket).
    const credentials = await authenticate(req, url.searchParams, context.auth);
    if (socket.destroyed) return;
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, req, credentials));
  }

  const requestUrl = (req: IncomingMessage): URL | undefined => {
    try {
      return new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return undefined; // e.g. `//` or a bare `*`: not a path of ours
    }
  };
  /** For messages: the path alone, so a token in the query is never echoed. */
  const requestPath = (req: IncomingMessage): string => (req.url ?? '/').split('?')[0]!.slice(0, 200);
  const isOurs = (url: URL | undefined): url is URL => url !== undefined && stripBasePath(url.pathname, options.basePath) === '/ws';

  return {
    handleUpgrade(req, socket, head, next) {
      // Decided before touching the socket (no listener, no answer): it is the other app's.
      if (next && !isOurs(requestUrl(req))) {
        next();
        return;
      }
      upgrade(req, socket, head).catch((error: unknown) => {
        if (!(error instanceof PushError)) context.options.logger.error('websocket upgrade failed', { error });
        refuse(socket, counted(context, toPushError(error)));
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
