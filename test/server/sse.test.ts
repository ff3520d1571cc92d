import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventSource } from 'eventsource';
import { startServer } from '../helpers/server.js';
import { dataOf, metric, openSse, publish, WAIT_MS, Waiter } from '../helpers/server-clients.js';
import { withTimeout } from '../helpers/wait.js';

test('SSE: a published message reaches a raw-http subscriber as one event (id, event, data)', async (t) => {
  const s = await startServer();
  t.after(() => s.close());
  const sse = await openSse(`${s.url}/sse?channel=prices`);
  t.after(() => sse.close());
  assert.equal(sse.status, 200);
  assert.equal(sse.headers['content-type'], 'text/event-stream; charset=utf-8');
  assert.equal(sse.headers['cache-control'], 'no-cache, no-transform');
  assert.equal(sse.headers['x-accel-buffering'], 'no');
  assert.equal(sse.headers['content-encoding'], undefined);
  await sse.until((c) => c.events.some((e) => e.event === '$open'), '$open');
  const id = await publish(s.url, 'prices', { eur: 1.08 });
  await sse.until((c) => c.messages().length === 1, 'the message');
  const [event] = sse.messages();
  assert.equal(event!.event, 'prices');
  assert.equal(event!.id, id);
  assert.deepEqual(JSON.parse(event!.data), { eur: 1.08 });
  assert.equal(await metric(s.url, 'tabmux_connections{transport="sse"}'), 1);
  assert.equal(await metric(s.url, 'tabmux_subscriptions'), 1);
});

test('SSE: the `eventsource` package (WHATWG EventSource) receives channel events', async (t) => {
  const s = await startServer();
  t.after(() => s.close());
  const es = new EventSource(`${s.url}/sse?channel=chat:lobby&channel=news`);
  t.after(() => es.close());
  const got: { type: string; data: unknown; lastEventId: string }[] = [];
  const waiter = new Waiter();
  for (const type of ['chat:lobby', 'news']) {
    es.addEventListener(type, (e) => {
      got.push({ type, data: JSON.parse(e.data), lastEventId: e.lastEventId });
      waiter.changed();
    });
  }
  await withTimeout(new Promise((resolve) => es.addEventListener('$open', resolve, { once: true })), WAIT_MS, '$open');
  const a = await publish(s.url, 'chat:lobby', { text: 'hi' });
  const b = await publish(s.url, 'news', [1, 2, 3]);
  await publish(s.url, 'other', 'not subscribed');
  const c = await publish(s.url, 'chat:lobby', null);
  await waiter.until(() => got.length >= 3, 'three events');
  assert.deepEqual(got, [
    { type: 'chat:lobby', data: { text: 'hi' }, lastEventId: a },
    { type: 'news', data: [1, 2, 3], lastEventId: b },
    { type: 'chat:lobby', data: null, lastEventId: c },
  ]);
});

test('SSE: retry hint first, heartbeat comments while idle', async (t) => {
  const s = await startServer({ heartbeat: 0.05, retry: 1234 });
  t.after(() => s.close());
  const sse = await openSse(`${s.url}/sse?channel=a`);
  t.after(() => sse.close());
  await sse.until((c) => c.comments.length >= 2, 'two heartbeat comments');
  assert.equal(sse.retries[0], 1234);
});

test('SSE: values that look like SSE fields cannot forge events; every event id is short and safe', async (t) => {
  const s = await startServer();
  t.after(() => s.close());
  const sse = await openSse(`${s.url}/sse?channel=a`);
  t.after(() => sse.close());
  await sse.until((c) => c.events.some((e) => e.event === '$open'), '$open');
  const evil = ['x\n\nid: forged\nevent: b\ndata: pwned\n\n', 'cr\rdata: y', 'nul\u0000', 'ls\u2028ps\u2029', 'multi\r\nline'];
  for (const value of evil) await publish(s.url, 'a', { value });
  await sse.until((c) => c.messages().length === evil.length, `${evil.length} messages`);
  assert.deepEqual(dataOf(sse.messages()), evil.map((value) => ({ value })));
  for (const event of sse.events) {
    assert.equal(event.event === 'a' || event.event === '$open', true, `unexpected event ${event.event}`);
    assert.match(event.id ?? '', /^[0-9a-z-]{1,128}$/);
  }
});

test('SSE: a stream with no cursor starts from now (no replay); with one it replays only newer', async (t) => {
  const s = await startServer();
  t.after(() => s.close());
  const first = await publish(s.url, 'a', 1);
  await publish(s.url, 'a', 2);
  const fresh = await openSse(`${s.url}/sse?channel=a`);
  t.after(() => fresh.close());
  const resumed = await openSse(`${s.url}/sse?channel=a&lastEventId=${first}`);
  t.after(() => resumed.close());
  await fresh.until((c) => c.events.some((e) => e.event === '$open'), '$open (fresh)');
  await resumed.until((c) => c.events.some((e) => e.event === '$open'), '$open (resumed)');
  await publish(s.url, 'a', 3);
  await fresh.until((c) => c.messages().length === 1, 'live message (fresh)');
  await resumed.until((c) => c.messages().length === 2, 'replay + live (resumed)');
  assert.deepEqual(dataOf(fresh.messages()), [3]);
  assert.deepEqual(dataOf(resumed.messages()), [2, 3]);
});
