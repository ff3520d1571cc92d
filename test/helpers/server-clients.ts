/**
 * Test clients for the server tests: a raw-`http` SSE reader (parsed by eventsource-parser), a
 * `ws` client, JSON over `http`, and `waitFor` — every wait is driven by the data that arrives and
 * bounded by a timeout that fails with a message saying what was awaited.
 */
import http from 'node:http';
import { createParser } from 'eventsource-parser';
import type { EventSourceMessage } from 'eventsource-parser';
import WebSocket from 'ws';
import { withTimeout } from './wait.js';

export const WAIT_MS = 5000;

/** Resolves when `check()` holds, re-checked on every `onChange`; rejects after `ms` with `what`. */
export class Waiter {
  private readonly waiters = new Set<() => void>();

  changed(): void {
    for (const w of [...this.waiters]) w();
  }

  until(check: () => boolean, what: string, ms = WAIT_MS): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      }, ms);
      const w = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.waiters.delete(w);
        resolve();
      };
      this.waiters.add(w);
    });
  }
}


export interface SseClient {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly events: EventSourceMessage[];
  readonly comments: string[];
  readonly retries: number[];
  /** Channel messages only (no `$open` / `$reset`). */
  messages(): EventSourceMessage[];
  /** Resolves when the stream ended (server closed it). */
  readonly ended: Promise<void>;
  until(check: (c: SseClient) => boolean, what: string, ms?: number): Promise<void>;
  close(): void;
}

/** GET an SSE stream with raw http. Resolves once the response head arrived. */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return withTimeout(
    new Promise<SseClient>((resolve, reject) => {
      const req = http.get(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
        const waiter = new Waiter();
        let endResolve!: () => void;
        const ended = new Promise<void>((r) => (endResolve = r));
        const client: SseClient = {
          status: res.statusCode ?? 0,
          headers: res.headers,
          events: [],
          comments: [],
          retries: [],
          messages: () => client.events.filter((e) => !e.event?.startsWith('$')),
          ended,
          until: (check, what, ms) => waiter.until(() => check(client), what, ms),
          close: () => req.destroy(),
        };
        const parser = createParser({
          onEvent: (event) => {
            client.events.push(event);
            waiter.changed();
          },
          onComment: (comment) => {
            client.comments.push(comment);
            waiter.changed();
          },
          onRetry: (retry) => {
            client.retries.push(retry);
            waiter.changed();
          },
        });
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => parser.feed(chunk));
        res.on('close', () => {
          endResolve();
          waiter.changed();
        });
        res.on('error', () => {});
        resolve(client);
      });
      req.on('error', reject);
    }),
    WAIT_MS,
    `SSE response head from ${url}`,
  );
}

export interface JsonResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly json: any;
}

export function request(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
  ms = WAIT_MS,
): Promise<JsonResponse> {
  return withTimeout(
    new Promise<JsonResponse>((resolve, reject) => {
      const req = http.request(url, { method: init.method ?? 'GET', headers: init.headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(init.body);
    }),
    ms,
    `${init.method ?? 'GET'} ${url}`,
  );
}

export async function publish(base: string, channel: string, data: unknown, headers: Record<string, string> = {}): Promise<string> {
  const res = await request(`${base}/publish`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ channel, data }),
  });
  if (res.status !== 200) throw new Error(`publish failed: ${res.status} ${res.text}`);
  return res.json.id as string;
}

export interface WsClient {
  readonly socket: WebSocket;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly frames: any[];
  send(frame: unknown): void;
  /** Channel messages only (frames without `op`). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  messages(): any[];
  readonly closed: Promise<{ code: number; reason: string }>;
  until(check: (c: WsClient) => boolean, what: string, ms?: number): Promise<void>;
  close(): void;
}

export function openWs(base: string, headers: Record<string, string> = {}): Promise<WsClient> {
  const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/ws`, { headers });
  const waiter = new Waiter();
  let closedResolve!: (v: { code: number; reason: string }) => void;
  const client: WsClient = {
    socket,
    frames: [],
    send: (frame) => socket.send(JSON.stringify(frame)),
    messages: () => client.frames.filter((f) => f.op === undefined),
    closed: new Promise((r) => (closedResolve = r)),
    until: (check, what, ms) => waiter.until(() => check(client), what, ms),
    close: () => socket.terminate(),
  };
  socket.on('message', (data) => {
    client.frames.push(JSON.parse(data.toString()));
    waiter.changed();
  });
  socket.on('close', (code, reason) => {
    closedResolve({ code, reason: reason.toString() });
    waiter.changed();
  });
  return withTimeout(
    new Promise<WsClient>((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
    }),
    WAIT_MS,
    'WebSocket open',
  );
}

/** The `data` of channel messages, parsed. */
export function dataOf(events: readonly { data: string }[]): unknown[] {
  return events.map((e) => JSON.parse(e.data));
}

/** One metric's value; `headers` carry the metrics key of a server that has one. */
export async function metric(base: string, name: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await request(`${base}/metrics`, { headers });
  const line = res.text.split('\n').find((l) => l.startsWith(`${name} `) || l === name);
  if (!line) throw new Error(`metric ${name} not found (${res.status})`);
  return Number(line.split(' ').at(-1));
}
