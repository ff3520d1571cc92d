/**
 * Opens N subscribers of one kind to a server under test, in waves (a bounded number of
 * handshakes in flight, so the listen backlog never overflows), and resolves when every one is
 * subscribed. Kinds:
 *  - `sse`: any text/event-stream at `/sse?channel=bench` (raw loop, better-sse);
 *  - `tabmux-sse`: the same, ready at tabmux's `$open` event; `lastEventId` resumes;
 *  - `ws`: a plain WebSocket (raw loop);
 *  - `tabmux-ws`: WebSocket + `{"op":"subscribe"}`, ready at `subscribed`;
 *  - `socket.io`: the Engine.IO v4 / Socket.IO v5 handshake spoken over `ws` (open `0`, connect
 *    `40`, ping `2` → pong `3`), so every WebSocket target is read by the same client code.
 */
import http from 'node:http';
import type { ClientRequest } from 'node:http';
import WebSocket from 'ws';
import { BENCH_CHANNEL } from '../targets/types.js';
import { chunkCounter } from './counter.js';
import type { Tally } from './counter.js';

export type ClientKind = 'sse' | 'tabmux-sse' | 'ws' | 'tabmux-ws' | 'socket.io';

export interface Subscriber {
  /** Stops reading (a slow consumer: the server's writes pile up in its buffers). */
  pause(): void;
  close(): void;
}

export interface OpenOptions {
  readonly lastEventId?: string;
  /** Handshakes in flight at once. */
  readonly wave?: number;
  readonly timeoutMs?: number;
}

function openSse(port: number, tally: Tally, tabmux: boolean, lastEventId: string | undefined, ready: (error?: Error) => void): Subscriber {
  const query = new URLSearchParams({ channel: BENCH_CHANNEL });
  if (lastEventId) query.set('lastEventId', lastEventId);
  const count = chunkCounter(tally);
  let head = '';
  let isReady = false;
  const req: ClientRequest = http.get({ host: '127.0.0.1', port, path: `/sse?${query}`, agent: false }, (res) => {
    res.on('error', () => undefined); // a reset mid-stream ends the count; it must not crash the generator
    if (res.statusCode !== 200) return ready(new Error(`SSE answered ${res.statusCode}`));
    res.on('data', (chunk: Buffer) => {
      count(chunk);
      if (isReady) return;
      if (tabmux) head = (head + chunk.toString('latin1')).slice(-4096);
      if (!tabmux || head.includes('event: $open')) {
        isReady = true;
        ready();
      }
    });
  });
  req.on('error', (error) => ready(error));
  return {
    pause: () => req.socket?.pause(),
    close: () => req.destroy(),
  };
}

function openWs(kind: ClientKind, port: number, tally: Tally, lastEventId: string | undefined, ready: (error?: Error) => void): Subscriber {
  const path = kind === 'socket.io' ? '/socket.io/?EIO=4&transport=websocket' : kind === 'tabmux-ws' ? '/ws' : '/';
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { perMessageDeflate: false });
  const count = chunkCounter(tally);
  let isReady = false;
  const becomeReady = (): void => {
    if (isReady) return;
    isReady = true;
    ready();
  };
  ws.on('open', () => {
    if (kind === 'ws') becomeReady();
    if (kind === 'tabmux-ws') ws.send(JSON.stringify({ op: 'subscribe', channel: BENCH_CHANNEL, ...(lastEventId ? { lastEventId } : {}) }));
  });
  ws.on('message', (data: Buffer) => {
    count(data);
    if (kind === 'socket.io') {
      const type = data[0];
      if (type === 0x30 /* 0 open */) ws.send('40');
      else if (type === 0x32 /* 2 ping */) ws.send('3');
      else if (type === 0x34 && data[1] === 0x30 /* 40 connected */) becomeReady();
    } else if (kind === 'tabmux-ws' && !isReady && data.includes('"op":"subscribed"')) {
      becomeReady();
    }
  });
  ws.on('error', (error) => ready(error));
  return {
    pause: () => (ws as unknown as { _socket?: { pause(): void } })._socket?.pause(),
    close: () => ws.terminate(),
  };
}

export async function openSubscribers(kind: ClientKind, port: number, count: number, tally: Tally, options: OpenOptions = {}): Promise<Subscriber[]> {
  const wave = options.wave ?? 100;
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const subscribers: Subscriber[] = [];
  for (let start = 0; start < count; start += wave) {
    const batch: Promise<void>[] = [];
    for (let i = start; i < Math.min(count, start + wave); i++) {
      batch.push(
        new Promise<void>((resolve, reject) => {
          const ready = (error?: Error): void => (error ? reject(new Error(`${kind} subscriber ${i}: ${error.message}`)) : resolve());
          subscribers.push(kind === 'sse' || kind === 'tabmux-sse' ? openSse(port, tally, kind === 'tabmux-sse', options.lastEventId, ready) : openWs(kind, port, tally, options.lastEventId, ready));
        }),
      );
    }
    const left = deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.all(batch),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out opening ${count} ${kind} subscribers (${subscribers.length} started)`)), Math.max(0, left)))),
      ]);
    } catch (error) {
      for (const s of subscribers) s.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
  return subscribers;
}

export function closeAll(subscribers: readonly Subscriber[]): void {
  for (const s of subscribers) s.close();
}
