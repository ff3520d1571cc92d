/**
 * WebSocket upstream: one socket, channels added and removed with `subscribe`/`unsubscribe`
 * frames (wire.ts `WsClientFrame`), so a channel-set change never reopens the connection.
 * Publishing rides the same socket; `ref` matches a `published`/`error` frame to its request.
 */
import { CLOSE_UNAUTHORIZED } from '../../src/protocol/close-codes.js';
import type { WsServerFrame } from '../../src/protocol/wire.js';
import type { TransportOpener, PublishOutcome } from './types.js';

// RFC 6455 §7.4.1: 1000 is a normal closure; the hub closes with it when it no longer needs us.
const NORMAL_CLOSURE = 1000;

export const openWs: TransportOpener = (platform, request, handlers) => {
  // Browsers cannot set headers on a WebSocket upgrade, and a URL may end up in proxy logs: the
  // token travels in the first frame, {"op":"auth"}, which the server checks before any other.
  let token = request.token;
  const socket = platform.webSocket(request.url.replace(/^http/, 'ws') + '/ws');
  const channels = new Map(request.channels); // what to subscribe once the socket opens
  const waiting = new Set(channels.keys()); // initial channels not yet replayed
  const pending = new Map<number, (outcome: PublishOutcome) => void>();
  let nextRef = 1;
  let opened = false; // every initial channel replayed
  let socketOpened = false;
  let done = false;

  const send = (frame: object) => {
    if (socket.readyState === 1) socket.send(JSON.stringify(frame));
  };
  const failPending = (message: string) => {
    for (const resolve of pending.values()) resolve({ ok: false, code: 'TABMUX_ERR_UNAVAILABLE', message });
    pending.clear();
  };

  socket.onopen = () => {
    socketOpened = true;
    token = request.token; // the newest, if it was refreshed while the socket was connecting
    if (token) send({ op: 'auth', token });
    for (const [channel, cursor] of channels) send({ op: 'subscribe', channel, ...(cursor !== undefined && { lastEventId: cursor }) });
    if (waiting.size === 0) {
      opened = true;
      handlers.open(undefined);
    }
  };
  socket.onmessage = ({ data }) => {
    if (done || typeof data !== 'string') return;
    let frame: WsServerFrame;
    try {
      frame = JSON.parse(data) as WsServerFrame;
    } catch {
      return;
    }
    if (!('op' in frame)) {
      handlers.message({ channel: frame.channel, id: frame.id, data: frame.data });
      return;
    }
    switch (frame.op) {
      case 'subscribed':
        if (!opened && waiting.delete(frame.channel) && waiting.size === 0) {
          opened = true;
          handlers.open(frame.id);
        } else if (opened) handlers.subscribed(frame.channel, frame.id);
        return;
      case 'unsubscribed':
        return;
      case 'published': {
        const resolve = typeof frame.ref === 'number' ? pending.get(frame.ref) : undefined;
        if (resolve) pending.delete(frame.ref as number);
        resolve?.({ ok: true, id: frame.id });
        return;
      }
      case 'reset':
        handlers.reset({ channel: frame.channel, code: frame.code, message: frame.message });
        return;
      case 'error': {
        const resolve = typeof frame.ref === 'number' ? pending.get(frame.ref) : undefined;
        if (resolve) {
          pending.delete(frame.ref as number);
          resolve({ ok: false, code: frame.code, message: frame.message });
        } else if (frame.channel !== undefined) {
          // One refused subscription (forbidden, too many channels…): the socket and every other
          // channel stay up; an initial channel stops holding back `open`.
          handlers.refused(frame.channel, frame.code, frame.message);
          if (!opened && waiting.delete(frame.channel) && waiting.size === 0) {
            opened = true;
            handlers.open(undefined);
          }
        }
        return;
      }
      default: {
        const never: never = frame;
        return never;
      }
    }
  };
  socket.onclose = ({ code, reason }) => {
    failPending('the WebSocket closed');
    if (done) return;
    done = true;
    const message = `WebSocket closed (${code}${reason ? `: ${reason}` : ''})`;
    // 4001 with the token the hub still holds: refused (ask for a new one). With an older one,
    // the token simply ended and the hub already has its successor: an ordinary reconnect.
    if (code === CLOSE_UNAUTHORIZED && request.token === token) {
      handlers.closed({ code: 'TABMUX_ERR_UNAUTHORIZED', message, status: 401 });
      return;
    }
    handlers.closed({ code: 'TABMUX_ERR_UNAVAILABLE', message, neverOpened: !socketOpened });
  };
  socket.onerror = () => {
    // Always followed by `close` (WHATWG WebSockets: "fail the WebSocket connection").
  };

  return {
    kind: 'ws',
    close() {
      done = true;
      failPending('the WebSocket was closed by the hub');
      socket.close(NORMAL_CLOSURE);
    },
    subscribe(channel, cursor) {
      if (socket.readyState === 0) {
        channels.set(channel, cursor);
        waiting.add(channel);
        return;
      }
      send({ op: 'subscribe', channel, ...(cursor !== undefined && { lastEventId: cursor }) });
    },
    unsubscribe(channel) {
      if (socket.readyState === 0) {
        channels.delete(channel);
        waiting.delete(channel);
        return;
      }
      send({ op: 'unsubscribe', channel });
    },
    reauth(fresh) {
      // Server side (server/ws.ts): a new {op:auth} replaces the grant and its expiry timer.
      if (socket.readyState !== 1 || fresh === token) return;
      token = fresh;
      send({ op: 'auth', token: fresh });
    },
    publish(channel, data) {
      if (socket.readyState !== 1) return Promise.resolve({ ok: false, code: 'TABMUX_ERR_UNAVAILABLE', message: 'the WebSocket is not open' });
      const ref = nextRef++;
      return new Promise<PublishOutcome>((resolve) => {
        pending.set(ref, resolve);
        send({ op: 'publish', channel, data, ref });
      });
    },
  };
};
