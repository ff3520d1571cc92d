/**
 * What every mounting test proves, whatever hosts the push server (bare http/https/http2,
 * Express, Fastify, Koa): SSE and the WebSocket upgrade both deliver a message published over
 * HTTP, the host app's own routes still answer, and `close()` is graceful — SSE streams get a
 * `retry:` and end, WebSockets close with 1012, new requests are refused with JSON, and the host
 * server then stops without being forced.
 *
 * Real sockets only: node:http/https/http2 clients, the `ws` client, eventsource-parser for the
 * stream. Every wait is bounded and fails saying what it waited for.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import WebSocket from 'ws';
import type { PushServer } from '../../server/index.js';
import { withTimeout } from './wait.js';

const WAIT_MS = 10_000;

export interface Target {
  /** e.g. `https://127.0.0.1:41234` */
  readonly origin: string;
  /** Where the push endpoints are, e.g. `''` or `/realtime`. */
  readonly prefix: string;
  /** Trust this certificate (self-signed test cert) for https/h2/wss. */
  readonly ca?: string;
  /** Speak HTTP/2 (TLS + ALPN h2) instead of HTTP/1.1 for plain requests. */
  readonly http2?: boolean;
}

export interface Response {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  /** `HTTP/2` or `HTTP/1.1`: the protocol the response really came over. */
  readonly protocol: string;
  readonly body: Readable;
  close(): void;
}

/** One request over HTTP/1.1 (http/https) or HTTP/2, answered as a stream. */
export function request(target: Target, method: string, path: string, body?: string): Promise<Response> {
  const url = new URL(path, target.origin);
  const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
  if (target.http2) {
    return new Promise((resolve, reject) => {
      const session = http2.connect(target.origin, target.ca ? { ca: target.ca } : {});
      session.on('error', reject);
      const stream = session.request({ ':method': method, ':path': url.pathname + url.search, ...headers });
      stream.on('error', reject);
      stream.on('response', (h) => {
        resolve({
          status: Number(h[':status']),
          headers: h as Record<string, string | string[] | undefined>,
          protocol: 'HTTP/2',
          body: stream,
          close: () => {
            stream.close();
            session.close();
          },
        });
      });
      stream.end(body);
    });
  }
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method, headers, agent: false, ...(target.ca ? { ca: target.ca } : {}) }, (res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers, protocol: `HTTP/${res.httpVersion}`, body: res, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function text(response: Response): Promise<string> {
  let out = '';
  response.body.setEncoding('utf8');
  for await (const chunk of response.body) out += chunk as string;
  return out;
}

export async function json(target: Target, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown; contentType: string }> {
  const response = await withTimeout(request(target, method, path, body === undefined ? undefined : JSON.stringify(body)), WAIT_MS, `${method} ${path} to answer`);
  const raw = await withTimeout(text(response), WAIT_MS, `${method} ${path} body`);
  response.close(); // an HTTP/2 session would otherwise keep the host server from closing
  const contentType = String(response.headers['content-type'] ?? '');
  return { status: response.status, body: contentType.includes('json') ? JSON.parse(raw) : raw, contentType };
}

/** A waiter over a growing list: resolves with the first item that matches, or fails after WAIT_MS. */
class Inbox<T> {
  readonly items: T[] = [];
  #waiters = new Set<{ match: (item: T) => boolean; resolve: (item: T) => void }>();
  push(item: T): void {
    this.items.push(item);
    for (const waiter of [...this.#waiters]) {
      if (waiter.match(item)) {
        this.#waiters.delete(waiter);
        waiter.resolve(item);
      }
    }
  }
  next(match: (item: T) => boolean, what: string): Promise<T> {
    const seen = this.items.find(match);
    if (seen) return Promise.resolve(seen);
    const waiter = { match, resolve: (_: T) => undefined as void };
    const found = new Promise<T>((resolve) => {
      waiter.resolve = resolve;
      this.#waiters.add(waiter);
    });
    return withTimeout(found, WAIT_MS, `${what} (got so far: ${JSON.stringify(this.items).slice(0, 400)})`).finally(() => this.#waiters.delete(waiter));
  }
}

export interface SseClient {
  readonly response: Response;
  readonly events: Inbox<EventSourceMessage>;
  readonly retries: number[];
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

export async function openSse(target: Target, channels: readonly string[]): Promise<SseClient> {
  const query = channels.map((c) => `channel=${encodeURIComponent(c)}`).join('&');
  const response = await withTimeout(request(target, 'GET', `${target.prefix}/sse?${query}`), WAIT_MS, 'the SSE response headers');
  const events = new Inbox<EventSourceMessage>();
  const retries: number[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event), onRetry: (ms) => retries.push(ms) });
  response.body.setEncoding('utf8');
  response.body.on('data', (chunk: string) => parser.feed(chunk));
  const ended = new Promise<void>((resolve) => {
    response.body.on('end', resolve);
    response.body.on('close', resolve);
  });
  return { response, events, retries, ended, close: response.close };
}

export interface WsClient {
  readonly socket: WebSocket;
  readonly frames: Inbox<Record<string, unknown>>;
  readonly closed: Promise<{ code: number; reason: string }>;
}

export async function openWs(target: Target): Promise<WsClient> {
  const url = `${target.origin.replace(/^http/, 'ws')}${target.prefix}/ws`;
  const socket = new WebSocket(url, target.ca ? { ca: target.ca } : {});
  const frames = new Inbox<Record<string, unknown>>();
  socket.on('message', (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => reject(new Error(`WebSocket upgrade answered ${res.statusCode}`)));
    }),
    WAIT_MS,
    `the WebSocket upgrade at ${url}`,
  );
  return { socket, frames, closed };
}

export interface MountCase {
  readonly target: Target;
  readonly push: PushServer;
  /** Stops the host server; must resolve only once it has stopped (e.g. `server.close()`). */
  stopHost(): Promise<void>;
  /** A route of the host app (not tabmux) that must still answer `200 <body>`. */
  readonly hostRoute?: { readonly path: string; readonly body: string };
  /** The HTTP version SSE must come over (`HTTP/2` for the http2 server). */
  readonly expectProtocol?: string;
}

/** The whole proof for one mount; the caller only builds the host and tears nothing else down. */
export async function proveMount(c: MountCase): Promise<void> {
  const { target, push } = c;
  const channel = 'mount:check';

  if (c.hostRoute) {
    const own = await json(target, 'GET', c.hostRoute.path);
    assert.equal(own.status, 200, `the host app's own route ${c.hostRoute.path} must still answer`);
    assert.equal(own.body, c.hostRoute.body);
  }
  const missing = await json(target, 'GET', `${target.prefix}/health`);
  assert.equal(missing.status, 200, `${target.prefix}/health answers 200 while mounted`);

  const sse = await openSse(target, [channel]);
  assert.equal(sse.response.status, 200);
  assert.match(String(sse.response.headers['content-type']), /^text\/event-stream/);
  if (c.expectProtocol) assert.equal(sse.response.protocol, c.expectProtocol, `SSE must come over ${c.expectProtocol}`);
  await sse.events.next((e) => e.event === '$open', 'the SSE $open event (replay done, live)');

  const ws = await openWs(target);
  ws.socket.send(JSON.stringify({ op: 'subscribe', channel }));
  await ws.frames.next((f) => f.op === 'subscribed' && f.channel === channel, 'the WebSocket "subscribed" frame');

  const published = await json(target, 'POST', `${target.prefix}/publish`, { channel, data: { hello: 'mounted' } });
  assert.equal(published.status, 200, `POST ${target.prefix}/publish: ${JSON.stringify(published.body)}`);
  const { id } = published.body as { id: string };
  assert.equal(typeof id, 'string');

  const viaSse = await sse.events.next((e) => e.event === channel, 'the published message on SSE');
  assert.equal(viaSse.id, id);
  assert.deepEqual(JSON.parse(viaSse.data), { hello: 'mounted' });
  const viaWs = await ws.frames.next((f) => f.channel === channel && !('op' in f), 'the published message on the WebSocket');
  assert.deepEqual(viaWs, { channel, id, data: { hello: 'mounted' } });

  // Graceful shutdown: the push server lets its clients go first, then the host stops unforced.
  const retriesBefore = sse.retries.length;
  await withTimeout(push.close(), WAIT_MS, 'push.close()');
  await withTimeout(sse.ended, WAIT_MS, 'the SSE stream to end after close()');
  assert.ok(sse.retries.length > retriesBefore, 'the SSE stream ends with a retry: hint so EventSource comes back');
  const closed = await withTimeout(ws.closed, WAIT_MS, 'the WebSocket to close after close()');
  assert.equal(closed.code, 1012, 'WebSocket closed with 1012 (service restart)');

  const refused = await json(target, 'POST', `${target.prefix}/publish`, { channel, data: 1 });
  assert.equal(refused.status, 503, 'a closed push server refuses new work');
  assert.equal((refused.body as { error: { code: string } }).error.code, 'TABMUX_ERR_UNAVAILABLE');

  sse.close();
  await withTimeout(c.stopHost(), WAIT_MS, 'the host server to stop (no connection left hanging)');
}

/** `server.close()` as a promise. */
export function stopServer(server: { close(cb: (error?: Error) => void): unknown; closeIdleConnections?: () => void }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // Keep-alive sockets of finished requests would hold close() open until their idle timeout.
    server.closeIdleConnections?.();
  });
}
