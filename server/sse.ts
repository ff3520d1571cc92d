/**
 * `GET /sse?channel=A&channel=B` — a `text/event-stream` (WHATWG HTML §9.2). Each message is one
 * event: `id:` its resume token, `event:` its channel, `data:` its JSON. The stream opens with a
 * `retry:` hint, then any `$reset` notices, the replay, `$open` (id = the broker's head, so a
 * reconnect resumes after it even when the replay was empty), then live messages.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SSE_EVENT_OPEN, SSE_EVENT_RESET } from '../src/protocol/wire.js';
import type { ResetNotice, SseOpenData } from '../src/protocol/wire.js';
import { formatEventId } from '../src/protocol/event-id.js';
import type { Connection, ServerContext } from './context.js';
import { overBufferBound } from './context.js';
import { EncodedMessage, sseEvent } from './encode.js';
import { Feed } from './feed.js';
import { parseStreamRequest } from './stream-request.js';
import { checkSubscribe, msUntilExpiry } from './auth.js';
import type { Credentials } from './auth.js';
import { closeConnection } from './connection-close.js';

export function resetNotice(channel: string): ResetNotice {
  return {
    channel,
    code: 'TABMUX_ERR_HISTORY_GAP',
    message: 'the history no longer reaches your cursor (or it is from an earlier server run): messages may have been missed',
  };
}

/** A `$reset` event: no `id:`, so the client's cursor stays where it was. */
function resetEvent(channel: string): string {
  return sseEvent({ event: SSE_EVENT_RESET, data: JSON.stringify(resetNotice(channel)) });
}

/** Between 1× and 2× `base`: clients told to come back after a restart do not all return at once. */
function jittered(base: number): number {
  return Math.round(base + Math.random() * base);
}

/**
 * A stream asked for while the server shuts down: 200 with a short `retry:` and the end, so an
 * EventSource comes back (to this node once restarted, or another) instead of failing for good
 * on a 503.
 */
export function sendComeBackLater(req: IncomingMessage, res: ServerResponse, retry: number, cors: Record<string, string>): void {
  res.writeHead(200, { ...cors, 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', ...closeConnection(req) });
  res.end(`retry: ${jittered(Math.min(retry, 1000))}\n\n`);
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export async function handleSse(
  context: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  cors: Record<string, string>,
  credentials: Credentials,
): Promise<void> {
  const { options, metrics } = context;
  const requests = parseStreamRequest(req, query, options.maxChannelsPerStream);
  checkSubscribe(context.auth, credentials, requests.map((r) => r.channel));

  req.socket.setNoDelay(true);
  // Headers go out before the broker is asked: if it then fails, the stream is cut and an
  // EventSource reconnects by itself, whereas an error status would make it give up for good
  // (WHATWG HTML §9.2.3 "fail the connection").
  res.writeHead(200, {
    ...cors,
    'Content-Type': 'text/event-stream; charset=utf-8',
    // no-transform: proxies must not compress or rewrite the stream (RFC 9111 §5.2.2.6).
    'Cache-Control': 'no-cache, no-transform',
    // nginx buffers proxied responses unless told otherwise.
    'X-Accel-Buffering': 'no',
    'X-Content-Type-Options': 'nosniff',
  });

  let ended = false;
  // The token's end (exp + clock tolerance) ends the stream: the client reconnects with
  // Last-Event-ID and, if it has one, a fresh token — losing nothing, since the cursor resumes.
  const expiresIn = msUntilExpiry(credentials.grant);
  const expiry = expiresIn === undefined ? undefined : setTimeout(() => end(), expiresIn);
  expiry?.unref();
  const end = (): void => {
    if (ended) return;
    ended = true;
    clearTimeout(expiry);
    feed.close();
    context.connections.delete(connection);
    if (!res.writableEnded) res.end();
  };
  const drop = (): void => {
    // A client that stopped reading: cut it, or its queue grows without bound.
    ended = true;
    clearTimeout(expiry);
    feed.close();
    context.connections.delete(connection);
    res.destroy();
  };
  const write = (chunk: Buffer | string): void => {
    if (ended) return;
    res.write(chunk);
    if (overBufferBound(context, res.writableLength)) drop();
  };
  const feed = new Feed({
    registry: context.registry,
    broker: context.broker,
    requests,
    deliver: (message) => {
      write(message.sse);
      metrics.delivered++;
    },
    maxBufferedBytes: options.maxBufferedBytes,
    onOverflow: () => {
      metrics.slowConsumersDropped++;
      drop();
    },
    onReset: (channel) => write(resetEvent(channel)),
  });
  const connection: Connection & { heartbeat(frame: Buffer): void } = {
    transport: 'sse',
    subscriptions: () => requests.length,
    heartbeat: (frame) => write(frame),
    shutdown: () => {
      // §9.2.6: `retry:` sets the reconnection time; the stream then ends and the client returns.
      write(`retry: ${jittered(Math.min(options.retry, 1000))}\n\n`);
      end();
    },
    destroy: () => {
      end();
      res.destroy();
    },
  };
  context.connections.add(connection);
  res.on('close', end);

  // The first bytes: the reconnection hint, sent before the replay so even an early drop has it.
  write(`retry: ${options.retry}\n\n`);
  const result = await feed.open();
  if (ended) return;
  for (const channel of result.gaps) write(resetEvent(channel));
  // The replay may be far larger than maxBufferedBytes (history × message size): it is written
  // at the client's pace, waiting for 'drain', instead of counting as a slow consumer — or a
  // client resuming a long history would be dropped, reconnect with the same cursor, forever.
  for (const message of result.messages) {
    if (ended) return;
    metrics.delivered++;
    if (!res.write(new EncodedMessage(message).sse)) await drained(res);
  }
  if (ended) return;
  const head = formatEventId(result.head.epoch, result.head.seq);
  const open: SseOpenData = { head };
  write(sseEvent({ id: head, event: SSE_EVENT_OPEN, data: JSON.stringify(open) }));
  feed.goLive();
}

export function isSseConnection(connection: Connection): connection is Connection & { heartbeat(frame: Buffer): void } {
  return connection.transport === 'sse';
}
