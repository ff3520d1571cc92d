/**
 * Coalesced writes are safe: a burst reaches a subscriber in order as fewer socket writes than
 * messages, whether published in one callback or from separate callbacks of one event-loop
 * iteration (as POSTs arriving together); a lone message is written in the iteration it was
 * published (before a timer armed with the publish: no timer, no later iteration); a replay
 * interleaved with live messages stays in order, never twice. SSE and WebSocket. Writes are counted with a spy on the server's socket of
 * the connection: a burst or a lone message is ONE socket write (node's own `res.write` would be
 * four: chunk size, CRLF, bytes, CRLF; sse-socket.ts). Nothing here is timed.
 * A slow consumer dropped at its bound with coalescing on: slow-consumer.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { setImmediate as turn } from 'node:timers/promises';
import { startServer } from '../helpers/server.js';
import type { StartedServer } from '../helpers/server.js';
import { metric, openSse, openWs } from '../helpers/server-clients.js';
import { waitFor } from '../helpers/wait.js';

/** Every write the server makes on the next stream (SSE response or WebSocket socket) it opens. */
function spyOnNextStream(s: StartedServer, kind: 'sse' | 'ws'): { readonly log: string[] } {
  // The socket's `write` counts what reaches the kernel's queue, one call each.
  const spy = { log: [] as string[] };
  const http = s.server.httpServer!;
  const wrap = (target: { write: (...args: never[]) => boolean }): void => {
    const original = target.write.bind(target) as (...args: unknown[]) => boolean;
    target.write = ((...args: unknown[]) => {
      spy.log.push('write');
      return original(...args);
    }) as typeof target.write;
  };
  if (kind === 'sse') {
    const onRequest = (req: IncomingMessage): void => {
      if (!req.url?.startsWith('/sse')) return;
      http.off('request', onRequest);
      wrap(req.socket);
    };
    http.on('request', onRequest);
  } else {
    http.once('upgrade', (_req: IncomingMessage, socket: Duplex) => wrap(socket));
  }
  return spy;
}

async function sseSubscriber(s: StartedServer, channel: string, headers: Record<string, string> = {}) {
  const spy = spyOnNextStream(s, 'sse');
  const sse = await openSse(`${s.url}/sse?channel=${channel}`, headers);
  await sse.until((c) => c.events.some((e) => e.event === '$open'), '$open');
  return { spy, messages: () => sse.messages().map((e) => JSON.parse(e.data) as unknown), close: () => sse.close() };
}

async function wsSubscriber(s: StartedServer, channel: string, lastEventId?: string) {
  const spy = spyOnNextStream(s, 'ws');
  const ws = await openWs(s.url);
  ws.send({ op: 'subscribe', channel, ...(lastEventId ? { lastEventId } : {}) });
  await ws.until((c) => c.frames.some((f) => f.op === 'subscribed'), 'subscribed');
  return { spy, messages: () => ws.messages().map((m) => m.data as unknown), close: () => ws.close() };
}

const BURST = 200;

for (const kind of ['sse', 'ws'] as const) {
  const open = kind === 'sse' ? sseSubscriber : wsSubscriber;

  test(`${kind}: a burst of ${BURST} messages published in one turn arrives in order, in fewer writes than messages`, async (t) => {
    const s = await startServer();
    t.after(() => s.close());
    const sub = await open(s, 'burst');
    t.after(() => sub.close());
    const before = sub.spy.log.length;
    await Promise.all(Array.from({ length: BURST }, (_, i) => s.server.publish('burst', i)));
    const { messages } = sub;
    await waitFor(`${BURST} messages`, () => messages().length >= BURST, 15_000, 5);
    assert.deepEqual(messages(), Array.from({ length: BURST }, (_, i) => i));
    const writes = sub.spy.log.length - before;
    // ~100 B each: the burst fits one batch; a plain loop would make 200 writes (ws: 400).
    assert.ok(writes >= 1 && writes <= 3, `${writes} writes for ${BURST} messages`);
  });

  test(`${kind}: ${BURST} messages published from ${BURST} separate callbacks of one event-loop iteration (POSTs arriving together) leave as fewer writes than messages, in order`, async (t) => {
    const s = await startServer();
    t.after(() => s.close());
    const sub = await open(s, 'apart');
    t.after(() => sub.close());
    const before = sub.spy.log.length;
    // Timers armed together expire together and run in one timers phase, each its own callback,
    // with process.nextTick's queue drained between them: as the requests of one poll phase.
    await Promise.all(Array.from({ length: BURST }, (_, i) => new Promise((resolve, reject) => setTimeout(() => s.server.publish('apart', i).then(resolve, reject), 0))));
    const { messages } = sub;
    await waitFor(`${BURST} messages`, () => messages().length >= BURST, 15_000, 5);
    assert.deepEqual(messages(), Array.from({ length: BURST }, (_, i) => i));
    const writes = sub.spy.log.length - before;
    // Flushed per callback (process.nextTick), this would be 200 writes (ws: 400).
    assert.ok(writes >= 1 && writes <= 3, `${writes} writes for ${BURST} messages from ${BURST} callbacks`);
  });

  test(`${kind}: a lone message is written in the event-loop iteration it was published (no timer, no later iteration)`, async (t) => {
    const s = await startServer();
    t.after(() => s.close());
    const sub = await open(s, 'lone');
    t.after(() => sub.close());
    for (let round = 0; round < 3; round++) {
      const log = sub.spy.log;
      log.length = 0;
      // From an I/O callback, as a request or a broker read publishes: a timer armed with the
      // publish fires in the NEXT iteration's timers phase; the write must come before it.
      const written = new Promise<void>((resolve, reject) =>
        fs.stat(import.meta.filename, () => {
          const timer = new Promise<void>((fired) =>
            setTimeout(() => {
              log.push('timer');
              fired();
            }, 0),
          );
          s.server.publish('lone', round).then(() => timer, reject).then(resolve, reject);
        }),
      );
      await written;
      assert.deepEqual(log, ['write', 'timer'], `round ${round}`);
    }
    await waitFor('3 messages', () => sub.messages().length === 3, 15_000, 5);
    assert.deepEqual(sub.messages(), [0, 1, 2]);
  });

  test(`${kind}: a replay interleaved with live messages stays in order, never twice`, async (t) => {
    const s = await startServer({ history: 500, maxBufferedBytes: 256 * 1024 });
    t.after(() => s.close());
    const pad = 'x'.repeat(4000);
    const { id: start } = await s.server.publish('mixed', { n: -1 });
    const REPLAYED = 300; // ~1.2 MB: the replay is paced by the socket, live messages arrive meanwhile
    for (let n = 0; n < REPLAYED; n++) await s.server.publish('mixed', { n, pad });
    const opening = kind === 'sse' ? sseSubscriber(s, 'mixed', { 'Last-Event-ID': start }) : wsSubscriber(s, 'mixed', start);
    let n = REPLAYED;
    let done = false;
    const live = (async () => {
      for (; !done || n < REPLAYED + 20; n++) {
        await s.server.publish('mixed', { n });
        await turn();
      }
    })();
    const sub = await opening;
    t.after(() => sub.close());
    done = true;
    await live;
    await waitFor(`${n} messages`, () => sub.messages().length >= n, 15_000, 5);
    assert.deepEqual(
      sub.messages().map((m) => (m as { n: number }).n),
      Array.from({ length: n }, (_, i) => i),
    );
    assert.equal(await metric(s.url, 'tabmux_slow_consumers_dropped_total'), 0);
  });
}
