/**
 * `POST /publish` with `{"messages": [{channel, data}, ...]}`: one answer with the ids in order,
 * every message delivered in order; a bad item refuses the whole batch with a 400 naming its
 * index (nothing published); the count and the body size are bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_BATCH_BYTES, MAX_BATCH_MESSAGES } from '../../server/publish.js';
import { startServer } from '../helpers/server.js';
import { metric, openSse, request } from '../helpers/server-clients.js';

function postBatch(base: string, body: unknown, headers: Record<string, string> = {}) {
  return request(`${base}/publish`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

test('a batch publish answers the ids in order and delivers every message in order', async (t) => {
  const s = await startServer({ history: 100 });
  t.after(() => s.close());
  const sse = await openSse(`${s.url}/sse?channel=a&channel=b`);
  t.after(() => sse.close());
  await sse.until((c) => c.events.some((e) => e.event === '$open'), '$open');
  const messages = Array.from({ length: 30 }, (_, i) => ({ channel: i % 3 === 0 ? 'b' : 'a', data: { i } }));
  const res = await postBatch(s.url, { messages });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.ids.length, 30);
  await sse.until((c) => c.messages().length === 30, '30 messages');
  const got = sse.messages();
  assert.deepEqual(got.map((e) => JSON.parse(e.data).i), Array.from({ length: 30 }, (_, i) => i));
  assert.deepEqual(got.map((e) => e.event), messages.map((m) => m.channel));
  assert.deepEqual(got.map((e) => e.id), res.json.ids, 'the answer ids are the delivered ids, in order');
  assert.equal(await metric(s.url, 'tabmux_messages_published_total'), 30);
  // A single message keeps its own answer shape.
  const single = await postBatch(s.url, { channel: 'a', data: 1 });
  assert.equal(single.status, 200);
  assert.equal(typeof single.json.id, 'string');
});

test('a bad item refuses the whole batch with a 400 naming its index; nothing is published', async (t) => {
  const s = await startServer();
  t.after(() => s.close());
  const cases: [unknown, string, RegExp][] = [
    [{ messages: [{ channel: 'a', data: 1 }, { channel: 'bad channel!', data: 2 }] }, 'TABMUX_ERR_BAD_CHANNEL', /^messages\[1\]: /],
    [{ messages: [{ channel: 'a', data: 1 }, { channel: 'a', data: 2 }, { channel: 'a' }] }, 'TABMUX_ERR_BAD_JSON', /^messages\[2\]: data is missing/],
    [{ messages: [{ channel: 'a', data: 1 }, 'hello'] }, 'TABMUX_ERR_BAD_JSON', /^messages\[1\]: each message must be an object/],
    [{ messages: [] }, 'TABMUX_ERR_BAD_JSON', /"messages" is empty/],
    [{ messages: { channel: 'a', data: 1 } }, 'TABMUX_ERR_BAD_JSON', /"messages" must be an array/],
  ];
  for (const [body, code, message] of cases) {
    const res = await postBatch(s.url, body);
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json.error.code, code);
    assert.match(res.json.error.message, message);
  }
  assert.equal(await metric(s.url, 'tabmux_messages_published_total'), 0);
});

test('a batch is bounded: at most MAX_BATCH_MESSAGES messages, MAX_BATCH_BYTES of body, maxMessageSize each', async (t) => {
  const s = await startServer({ maxMessageSize: 1024 });
  t.after(() => s.close());
  const many = await postBatch(s.url, { messages: Array.from({ length: MAX_BATCH_MESSAGES + 1 }, () => ({ channel: 'a', data: 0 })) });
  assert.equal(many.status, 413);
  assert.equal(many.json.error.code, 'TABMUX_ERR_TOO_LARGE');
  assert.match(many.json.error.message, new RegExp(`the limit is ${MAX_BATCH_MESSAGES}`));

  const big = await postBatch(s.url, { messages: Array.from({ length: 1100 }, () => ({ channel: 'a', data: 'x'.repeat(1000) })) });
  assert.ok(JSON.stringify({ messages: [] }).length + 1100 * 1000 > MAX_BATCH_BYTES);
  assert.equal(big.status, 413);
  assert.match(big.json.error.message, /request body is over/);

  const oneTooLarge = await postBatch(s.url, { messages: [{ channel: 'a', data: 1 }, { channel: 'a', data: 'x'.repeat(2000) }] });
  assert.equal(oneTooLarge.status, 413);
  assert.match(oneTooLarge.json.error.message, /^messages\[1\]: message is \d+ bytes/);
  assert.equal(await metric(s.url, 'tabmux_messages_published_total'), 0);

  const full = await postBatch(s.url, { messages: Array.from({ length: MAX_BATCH_MESSAGES }, (_, i) => ({ channel: 'a', data: i })) });
  assert.equal(full.status, 200);
  assert.equal(full.json.ids.length, MAX_BATCH_MESSAGES);
});
