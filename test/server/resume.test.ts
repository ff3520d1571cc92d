/**
 * Exact resume: a stream of 1 or 3 channels is cut mid-stream, messages are published while it is
 * away, and the reconnect (Last-Event-ID) gets exactly the missed ones, in order, none twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventSource } from 'eventsource';
import { startServer } from '../helpers/server.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { openSse, openWs, publish, request, WAIT_MS, Waiter } from '../helpers/server-clients.js';
import { withTimeout } from '../helpers/wait.js';

const CHANNELS_3 = ['alpha', 'beta', 'gamma'];

for (const channels of [['solo'], CHANNELS_3]) {
  test(`resume over raw http with Last-Event-ID, ${channels.length} channel(s)`, async (t) => {
    const s = await startServer();
    t.after(() => s.close());
    const query = channels.map((c) => `channel=${c}`).join('&');
    const first = await openSse(`${s.url}/sse?${query}`);
    await first.until((c) => c.events.some((e) => e.event === '$open'), '$open');
    let n = 0;
    const next = (): { channel: string; n: number } => ({ channel: channels[n % channels.length]!, n: n++ });
    for (let i = 0; i < 6; i++) {
      const m = next();
      await publish(s.url, m.channel, m);
    }
    await first.until((c) => c.messages().length === 6, 'six messages before the cut');
    first.close();
    await withTimeout(first.ended, WAIT_MS, 'the first stream to end');
    const lastId = first.messages().at(-1)!.id!;
    // Away: these must all come back, and also traffic on a channel the stream does not hold.
    for (let i = 0; i < 7; i++) {
      const m = next();
      await publish(s.url, m.channel, m);
      await publish(s.url, 'unrelated', i);
    }
    const second = await openSse(`${s.url}/sse?${query}`, { 'Last-Event-ID': lastId });
    t.after(() => second.close());
    await second.until((c) => c.events.some((e) => e.event === '$open'), '$open after resume');
    for (let i = 0; i < 2; i++) {
      const m = next();
      await publish(s.url, m.channel, m);
    }
    await second.until((c) => c.messages().length === 9, 'seven missed + two live');
    const got = second.messages().map((e) => JSON.parse(e.data) as { channel: string; n: number });
    assert.deepEqual(got.map((m) => m.n), [6, 7, 8, 9, 10, 11, 12, 13, 14]);
    assert.deepEqual(second.messages().map((e) => e.event), got.map((m) => m.channel));
    assert.equal(second.events.some((e) => e.event === '$reset'), false);
  });
}

test('the eventsource package reconnects by itself after a network cut and resumes exactly (3 channels)', async (t) => {
  const s = await startServer({ retry: 300 });
  t.after(() => s.close());
  const proxy = await startTcpProxy(s.port);
  t.after(() => proxy.close());
  const es = new EventSource(`http://127.0.0.1:${proxy.port}/sse?${CHANNELS_3.map((c) => `channel=${c}`).join('&')}`);
  t.after(() => es.close());
  const got: number[] = [];
  const waiter = new Waiter();
  let opens = 0;
  es.addEventListener('$open', () => {
    opens++;
    waiter.changed();
  });
  for (const channel of CHANNELS_3) {
    es.addEventListener(channel, (e) => {
      got.push((JSON.parse(e.data) as { n: number }).n);
      waiter.changed();
    });
  }
  let published = 0;
  const pub = () => {
    const n = published++;
    // In-process publish: the memory broker stores it synchronously, before this returns.
    void s.server.publish(CHANNELS_3[n % 3]!, { n });
  };
  await waiter.until(() => opens === 1, 'first $open');
  for (let i = 0; i < 5; i++) pub();
  await waiter.until(() => got.length === 5, 'five messages');
  es.addEventListener(
    'error',
    () => {
      // The stream is down and the reconnect is only scheduled: publish while it is away.
      for (let i = 0; i < 6; i++) pub();
    },
    { once: true },
  );
  proxy.cutAll();
  await waiter.until(() => opens === 2, 'the automatic reconnect ($open again)');
  for (let i = 0; i < 3; i++) pub();
  await waiter.until(() => got.length === 14, 'every message');
  assert.deepEqual(got, Array.from({ length: 14 }, (_, i) => i));
  assert.equal(proxy.accepted, 2, 'exactly one reconnect');
});

test('resume tokens are one currency: SSE id → long-poll → WebSocket, no loss, no repeats', async (t) => {
  const s = await startServer();
  t.after(() => s.close());
  const sse = await openSse(`${s.url}/sse?channel=x&channel=y`);
  await sse.until((c) => c.events.some((e) => e.event === '$open'), '$open');
  await publish(s.url, 'x', 1);
  await publish(s.url, 'y', 2);
  await sse.until((c) => c.messages().length === 2, 'two SSE messages');
  sse.close();
  const sseCursor = sse.messages().at(-1)!.id!;
  await publish(s.url, 'x', 3);
  await publish(s.url, 'y', 4);

  const poll = await request(`${s.url}/poll?channel=x&channel=y&lastEventId=${sseCursor}`);
  assert.equal(poll.status, 200);
  assert.deepEqual(
    poll.json.messages.map((m: { channel: string; data: unknown }) => [m.channel, m.data]),
    [
      ['x', 3],
      ['y', 4],
    ],
  );
  assert.equal(poll.json.resets, undefined);
  await publish(s.url, 'y', 5);
  await publish(s.url, 'x', 6);

  const ws = await openWs(s.url);
  t.after(() => ws.close());
  ws.send({ op: 'subscribe', channel: 'x', lastEventId: poll.json.lastEventId });
  ws.send({ op: 'subscribe', channel: 'y', lastEventId: poll.json.lastEventId });
  await ws.until((c) => c.frames.filter((f) => f.op === 'subscribed').length === 2, 'two subscribed acks');
  assert.deepEqual(
    ws
      .messages()
      .map((m) => [m.channel, m.data])
      .sort((a, b) => (a[1] as number) - (b[1] as number)),
    [
      ['y', 5],
      ['x', 6],
    ],
  );
});

test('history too short: the client sees $reset, then the retained messages', async (t) => {
  const s = await startServer({ history: 3 });
  t.after(() => s.close());
  const old = await publish(s.url, 'a', 0);
  for (let i = 1; i <= 10; i++) await publish(s.url, 'a', i);
  await publish(s.url, 'b', 'b1');
  const sse = await openSse(`${s.url}/sse?channel=a&channel=b`, { 'Last-Event-ID': old });
  t.after(() => sse.close());
  await sse.until((c) => c.events.some((e) => e.event === '$open'), '$open');
  const names = sse.events.map((e) => e.event);
  assert.deepEqual(names, ['$reset', 'a', 'a', 'a', 'b', '$open']);
  const reset = JSON.parse(sse.events[0]!.data);
  assert.equal(reset.channel, 'a');
  assert.equal(reset.code, 'TABMUX_ERR_HISTORY_GAP');
  assert.deepEqual(sse.messages().map((e) => JSON.parse(e.data)), [8, 9, 10, 'b1']);

  const poll = await request(`${s.url}/poll?channel=a&lastEventId=${old}`);
  assert.deepEqual(poll.json.resets.map((r: { channel: string }) => r.channel), ['a']);
  assert.deepEqual(poll.json.messages.map((m: { data: number }) => m.data), [8, 9, 10]);

  const ws = await openWs(s.url);
  t.after(() => ws.close());
  ws.send({ op: 'subscribe', channel: 'a', lastEventId: old });
  await ws.until((c) => c.frames.some((f) => f.op === 'subscribed'), 'subscribed');
  assert.deepEqual(ws.frames.map((f) => f.op ?? f.data), ['reset', 8, 9, 10, 'subscribed']);
});

test('a cursor from another epoch (a previous server run) gets $reset and the whole retained history', async (t) => {
  const s = await startServer();
  t.after(() => s.close());
  await publish(s.url, 'a', 'kept-1');
  await publish(s.url, 'a', 'kept-2');
  const sse = await openSse(`${s.url}/sse?channel=a&lastEventId=0abc-5`);
  t.after(() => sse.close());
  await sse.until((c) => c.events.some((e) => e.event === '$open'), '$open');
  assert.deepEqual(sse.events.map((e) => e.event), ['$reset', 'a', 'a', '$open']);
  assert.deepEqual(sse.messages().map((e) => JSON.parse(e.data)), ['kept-1', 'kept-2']);
});

test('per-channel cursors: lastEventId.<channel> wins when newer than the shared one', async (t) => {
  const s = await startServer();
  t.after(() => s.close());
  const a1 = await publish(s.url, 'a', 'a1');
  const b1 = await publish(s.url, 'b', 'b1');
  await publish(s.url, 'a', 'a2');
  await publish(s.url, 'b', 'b2');
  const res = await request(`${s.url}/poll?channel=a&channel=b&lastEventId=${a1}&lastEventId.b=${b1}`);
  assert.deepEqual(res.json.messages.map((m: { data: string }) => m.data), ['a2', 'b2']);
  // The Last-Event-ID header wins over the parameter; an empty header counts as absent.
  const header = await request(`${s.url}/poll?channel=a&channel=b&lastEventId=${a1}`, { headers: { 'Last-Event-ID': b1 } });
  assert.deepEqual(header.json.messages.map((m: { data: string }) => m.data), ['a2', 'b2']);
  const empty = await request(`${s.url}/poll?channel=a&channel=b&lastEventId=${b1}`, { headers: { 'Last-Event-ID': '' } });
  assert.deepEqual(empty.json.messages.map((m: { data: string }) => m.data), ['a2', 'b2']);
});
