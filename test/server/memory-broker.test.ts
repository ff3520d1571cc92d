import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryBroker, MAX_IDEMPOTENCY_KEYS } from '../../server/broker/memory.js';
import type { StoredMessage } from '../../server/broker/broker.js';
import { formatEventId, parseEventId } from '../../src/protocol/event-id.js';

const EPOCH = 'e1';

test('one seq counter across channels; ids are <epoch>-<seq36>', async () => {
  const broker = createMemoryBroker({ history: 10, epoch: EPOCH });
  const a = await broker.publish('a', '1');
  const b = await broker.publish('b', '2');
  const c = await broker.publish('a', '3');
  assert.deepEqual([a.seq, b.seq, c.seq], [1, 2, 3]);
  assert.equal(c.id, formatEventId(EPOCH, 3));
  assert.deepEqual(parseEventId(c.id), { epoch: EPOCH, seq: 3 });
  assert.deepEqual(await broker.head(), { epoch: EPOCH, seq: 3 });
});

test('replay merges channels in seq order, after each cursor, and reports the head', async () => {
  const broker = createMemoryBroker({ history: 10, epoch: EPOCH });
  for (let i = 1; i <= 9; i++) await broker.publish(['a', 'b', 'c'][i % 3]!, String(i));
  const result = await broker.replay([
    { channel: 'a', after: { epoch: EPOCH, seq: 2 } },
    { channel: 'b', after: { epoch: EPOCH, seq: 0 } },
    { channel: 'c', after: undefined },
  ]);
  // a holds 3,6,9; b holds 1,4,7; c (no cursor) replays nothing.
  assert.deepEqual(result.messages.map((m) => m.seq), [1, 3, 4, 6, 7, 9]);
  assert.deepEqual(result.gaps, []);
  assert.deepEqual(result.head, { epoch: EPOCH, seq: 9 });
});

test('a cursor older than the retained history is a gap; the retained rest is replayed', async () => {
  const broker = createMemoryBroker({ history: 3, epoch: EPOCH });
  for (let i = 1; i <= 10; i++) await broker.publish('a', String(i));
  await broker.publish('b', '11');
  const result = await broker.replay([
    { channel: 'a', after: { epoch: EPOCH, seq: 5 } },
    { channel: 'b', after: { epoch: EPOCH, seq: 5 } },
  ]);
  assert.deepEqual(result.gaps, ['a']);
  assert.deepEqual(result.messages.map((m) => m.seq), [8, 9, 10, 11]);
  // Exactly at the edge: after 7, the oldest retained is 8: nothing was lost.
  const edge = await broker.replay([{ channel: 'a', after: { epoch: EPOCH, seq: 7 } }]);
  assert.deepEqual(edge.gaps, []);
  assert.deepEqual(edge.messages.map((m) => m.seq), [8, 9, 10]);
});

test('a cursor from another epoch, or past the head, is a gap with a full replay', async () => {
  const broker = createMemoryBroker({ history: 5, epoch: EPOCH });
  await broker.publish('a', '1');
  await broker.publish('a', '2');
  const foreign = await broker.replay([{ channel: 'a', after: { epoch: 'e0', seq: 1 } }]);
  assert.deepEqual(foreign.gaps, ['a']);
  assert.deepEqual(foreign.messages.map((m) => m.seq), [1, 2]);
  const future = await broker.replay([{ channel: 'a', after: { epoch: EPOCH, seq: 99 } }]);
  assert.deepEqual(future.gaps, ['a']);
  // A foreign cursor on a channel with no history is still a gap: it may have missed anything.
  const empty = await broker.replay([{ channel: 'none', after: { epoch: 'e0', seq: 1 } }]);
  assert.deepEqual(empty.gaps, ['none']);
});

test('the ring keeps exactly the newest `history` messages per channel as it wraps', async () => {
  const broker = createMemoryBroker({ history: 4, epoch: EPOCH });
  for (let i = 1; i <= 23; i++) {
    await broker.publish('a', String(i));
    const { messages } = await broker.replay([{ channel: 'a', after: { epoch: EPOCH, seq: 0 } }]);
    const expected = Array.from({ length: Math.min(i, 4) }, (_, k) => i - Math.min(i, 4) + 1 + k);
    assert.deepEqual(messages.map((m) => m.seq), expected, `after ${i} publishes`);
  }
});

test('history 0 keeps nothing and reports every cursor behind the head as a gap', async () => {
  const broker = createMemoryBroker({ history: 0, epoch: EPOCH });
  await broker.publish('a', '1');
  const result = await broker.replay([{ channel: 'a', after: { epoch: EPOCH, seq: 0 } }]);
  assert.deepEqual(result.messages, []);
  assert.deepEqual(result.gaps, ['a']);
});

test('live listeners get each message once, per channel, and unsubscribe stops them', async () => {
  const broker = createMemoryBroker({ history: 10, epoch: EPOCH });
  const got: StoredMessage[] = [];
  const listener = (m: StoredMessage) => got.push(m);
  await broker.subscribe('a', listener);
  await broker.subscribe('b', () => {
    throw new Error('a throwing listener must not stop delivery to others');
  });
  await broker.publish('a', '"x"');
  await broker.publish('b', '"y"');
  await broker.subscribe('b', listener);
  await broker.publish('b', '"z"');
  broker.unsubscribe('a', listener);
  await broker.publish('a', '"w"');
  assert.deepEqual(got.map((m) => [m.channel, m.json]), [
    ['a', '"x"'],
    ['b', '"z"'],
  ]);
});

test('bad history option is refused; publish after close fails', async () => {
  assert.throws(() => createMemoryBroker({ history: -1 }), RangeError);
  assert.throws(() => createMemoryBroker({ history: 1.5 }), RangeError);
  const broker = createMemoryBroker({ history: 1 });
  assert.equal(broker.health().ok, true);
  await broker.close();
  await assert.rejects(broker.publish('a', '1'));
});

test('past historyMaxChannels the least recently published channel is dropped; a resume into it is a gap', async () => {
  const broker = createMemoryBroker({ history: 10, historyMaxChannels: 2, epoch: EPOCH });
  await broker.publish('a', '1');
  await broker.publish('b', '2');
  await broker.publish('a', '3'); // a is now the most recently published
  await broker.publish('c', '4'); // drops b, the least recently published
  assert.deepEqual(broker.historyStats().channels, 2);
  assert.equal(broker.historyStats().evicted.channels, 1);
  const result = await broker.replay([
    { channel: 'a', after: { epoch: EPOCH, seq: 0 } },
    { channel: 'b', after: { epoch: EPOCH, seq: 0 } },
  ]);
  assert.deepEqual(result.messages.map((m) => m.seq), [1, 3]);
  assert.deepEqual(result.gaps, ['b']);
  // A cursor at or past what was dropped missed nothing.
  const late = await broker.replay([{ channel: 'b', after: { epoch: EPOCH, seq: 2 } }]);
  assert.deepEqual(late.gaps, []);
  // b recreated after the drop: a cursor from before it may have missed the dropped message.
  await broker.publish('b', '5');
  const recreated = await broker.replay([{ channel: 'b', after: { epoch: EPOCH, seq: 1 } }]);
  assert.deepEqual(recreated.gaps, ['b']);
  assert.deepEqual(recreated.messages.map((m) => m.seq), [5]);
});

test('historyMaxBytes bounds the estimated bytes over all channels, oldest channel first', async () => {
  const maxBytes = 64 * 1024;
  const broker = createMemoryBroker({ history: 1000, historyMaxBytes: maxBytes, epoch: EPOCH });
  const value = JSON.stringify('x'.repeat(1000));
  for (let i = 0; i < 500; i++) {
    await broker.publish(`ch${i % 50}`, value);
    assert.ok(broker.historyStats().bytes <= maxBytes, `${broker.historyStats().bytes} bytes after ${i + 1} publishes`);
  }
  // One channel larger than the whole budget keeps nothing, and says so.
  const big = createMemoryBroker({ history: 10, historyMaxBytes: 1000, epoch: EPOCH });
  await big.publish('a', value);
  assert.deepEqual(big.historyStats().channels, 0);
  assert.deepEqual((await big.replay([{ channel: 'a', after: { epoch: EPOCH, seq: 0 } }])).gaps, ['a']);
  assert.ok(broker.historyStats().evicted.bytes > 0);
  await broker.close();
  await big.close();
});

test('a channel idle for historyTtl is forgotten; a resume into it is a gap', async () => {
  let now = 1_000_000;
  const broker = createMemoryBroker({ history: 10, historyTtlMs: 60_000, epoch: EPOCH, now: () => now });
  await broker.publish('idle', '1');
  now += 30_000;
  await broker.publish('busy', '2');
  now += 30_000; // idle has been quiet for 60 s, busy for 30 s
  await broker.publish('busy', '3');
  assert.equal(broker.historyStats().channels, 1);
  assert.equal(broker.historyStats().evicted.ttl, 1);
  const result = await broker.replay([
    { channel: 'idle', after: { epoch: EPOCH, seq: 0 } },
    { channel: 'busy', after: { epoch: EPOCH, seq: 0 } },
  ]);
  assert.deepEqual(result.gaps, ['idle']);
  assert.deepEqual(result.messages.map((m) => m.seq), [2, 3]);
  await broker.close();
});

test('a channel holds what it retains, not a ring pre-sized for `history`; a long replay needs no spread', async () => {
  const broker = createMemoryBroker({ history: 200_000, epoch: EPOCH });
  await broker.publish('one', '1');
  const one = broker.historyStats().bytes;
  assert.ok(one < 1024, `one message on a channel with history 200000 is estimated at ${one} bytes`);
  for (let i = 0; i < 199_999; i++) await broker.publish('long', '1');
  const { messages } = await broker.replay([{ channel: 'long', after: { epoch: EPOCH, seq: 0 } }]);
  assert.equal(messages.length, 199_999);
  await broker.close();
});

test('idempotency keys: at most MAX_IDEMPOTENCY_KEYS remembered, the oldest forgotten first; a duplicate answers the first id', async () => {
  const broker = createMemoryBroker({ history: 1, historyMaxChannels: 10 });
  const window = { windowMs: 300_000 };
  try {
    const first = await broker.publish('keyed', '"first"', { key: 'k-first', ...window });
    const again = await broker.publish('keyed', '"first"', { key: 'k-first', ...window });
    assert.equal(again.id, first.id);
    assert.equal(again.duplicate, true);
    for (let i = 0; i < MAX_IDEMPOTENCY_KEYS; i++) await broker.publish('keyed', '1', { key: `k-${i}`, ...window });
    const last = await broker.publish('keyed', '1', { key: `k-${MAX_IDEMPOTENCY_KEYS - 1}`, ...window });
    assert.equal(last.duplicate, true, 'the newest key is still remembered');
    const forgotten = await broker.publish('keyed', '"first"', { key: 'k-first', ...window });
    assert.equal(forgotten.duplicate, undefined, 'the oldest key was forgotten once the cap was reached');
    assert.notEqual(forgotten.id, first.id);
  } finally {
    await broker.close();
  }
});
