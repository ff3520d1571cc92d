/**
 * `GET /sse?channel=A&channel=B` — a `text/event-stream` (WHATWG HTML §9.2). Each message is one
 * event: `id:` its resume token, `event:` its channel, `data:` its JSON. The stream opens with a
 * `retry:` hint, then any `$reset` notices, the replay, `$open` (id = the broker's head, so a
 * reconnect resumes after it even when the replay was empty), then live messages.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SSE_EVENT_OPEN, SSE_EVENT_RESET } from '../src/protocol/wire.js';
import type { SseOpenData } from '../src/protocol/wire.js';
import type { Connection, ServerContext } from './context.js';
import { sseEvent } from './encode.js';
import { Feed } from './feed.js';
import type { StreamCall } from './stream-request.js';
import { msUntilExpiry } from './auth.js';
import { closeConnection } from './connection-close.js';
import { ConnectionTeardown } from './connection-teardown.js';
import { drained, replayPageSize, resetNotice, writeReplay } from './replay.js';
import type { Part } from './write-batch.js';
import { SseWriter } from './sse-socket.js';

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
export function sendComeBackLater(req: IncomingMessage, res: ServerResponse, retry: number, cors: Readonly<Record<string, string>>): void {
  res.writeHead(200, { ...cors, 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', ...closeConnection(req) });
  res.end(`retry: ${jittered(Math.min(retry, 1000))}\n\n`);
}

export async function handleSse(context: ServerContext, { req, res, cors, credentials, requests }: StreamCall): Promise<void> {
  const { options, metrics } = context;
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
  const teardown = new ConnectionTeardown(context);
  const drop = (): void => {
    // A client that stopped reading: cut it, or its queue grows without bound.
    teardown.end();
    res.destroy();
  };
  // The head on the socket now, and the body straight after it (sse-socket.ts). Events of one
  // event-loop iteration leave as one write (write-batch.ts), framed once for every stream; what
  // waits counts against the bound as if it were already in the response's buffer, which
  // includes its socket's.
  const batch = new SseWriter(res, context, drop);
  teardown.onEnd(() => batch.end());
  // The token's end (exp + clock tolerance) ends the stream: the client reconnects with
  // Last-Event-ID and, if it has one, a fresh token — losing nothing, since the cursor resumes.
  const expiresIn = msUntilExpiry(credentials.grant);
  if (expiresIn !== undefined) teardown.timer(expiresIn, () => end()).unref();
  const end = (): void => {
    batch.flush();
    if (teardown.end() && !res.writableEnded) res.end();
  };
  const write = (chunk: Part | string): void => batch.send(typeof chunk === 'string' ? { bytes: Buffer.from(chunk) } : chunk);
  const feed = new Feed({
    registry: context.registry,
    broker: context.broker,
    requests,
    sink: batch,
    maxBufferedBytes: options.maxBufferedBytes,
    onOverflow: () => {
      metrics.slowConsumersDropped++;
      drop();
    },
    onReset: (channel) => write(resetEvent(channel)),
    pageSize: replayPageSize(options.maxMessageSize),
  });
  teardown.onEnd(() => feed.close());
  const connection: Connection & { heartbeat(frame: Buffer): void } = {
    transport: 'sse',
    subscriptions: () => requests.length,
    heartbeat: (frame) => write({ bytes: frame }),
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
  teardown.track(connection);
  res.on('close', end);

  // The first bytes: the reconnection hint, sent before the replay so even an early drop has it.
  write(`retry: ${options.retry}\n\n`);
  const result = await feed.open();
  await writeReplay(context, feed, result, {
    ended: () => teardown.ended,
    reset: (channel) => write(resetEvent(channel)),
    // The replay is paced by the client: once the buffer written to is full (the socket's, when
    // the body goes straight to it: the response then never needs a drain), wait for it.
    write: (message) => {
      batch.push(message.sse);
      const buffer = batch.buffer();
      return buffer.writableNeedDrain ? drained(buffer) : undefined;
    },
    drop,
    opened: (head) => {
      const open: SseOpenData = { head };
      write(sseEvent({ id: head, event: SSE_EVENT_OPEN, data: JSON.stringify(open) }));
    },
  });
}

export function isSseConnection(connection: Connection): connection is Connection & { heartbeat(frame: Buffer): void } {
  return connection.transport === 'sse';
}
