/**
 * The gapless subscribe (server/feed.ts) against the real memory broker, with messages published
 * in each window of the race: before subscribe, between subscribe and the replay read, after the
 * replay read but before going live, and live.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryBroker } from '../../server/broker/memory.js';
import type { Broker } from '../../server/broker/broker.js';
import type { EncodedMessage } from '../../server/encode.js';
import { Feed } from '../../server/feed.js';
import { ChannelRegistry } from '../../server/registry.js';
import { silentLogger } from '../../server/logger.js';

test('replay + buffered live messages: every message once, in seq order, across the race windows', async () => {
  const inner = createMemoryBroker({ history: 100, epoch: 'e' });
  let n = 0;
  const pub = (channel: string) => inner.publish(channel, String(n++));
  // Messages published between subscribe and replay read arrive live AND in the replay.
  const broker: Broker = {
    ...inner,
    replay: async (requests) => {
      await pub('a');
      await pub('b');
      const result = await inner.replay(requests);
      // ...and after the read, before the stream goes live: live only.
      await pub('a');
      return result;
    },
  };
  await pub('a'); // 0: before the cursor
  const cursor = await inner.head();
  await pub('a'); // 1: missed while away
  await pub('b'); // 2: missed while away
  await pub('c'); // 3: other channel
  const registry = new ChannelRegistry(broker, silentLogger);
  const written: string[] = [];
  const feed = new Feed(registry, broker, [
    { channel: 'a', after: cursor },
    { channel: 'b', after: cursor },
  ], (m: EncodedMessage) => written.push(`${m.channel}${m.message.json}`));
  const result = await feed.open();
  for (const m of result.messages) written.push(`${m.channel}${m.json}`);
  feed.goLive();
  await pub('b'); // live
  await pub('c');
  assert.deepEqual(written, ['a1', 'b2', 'a4', 'b5', 'a6', 'b7']);
  feed.close();
  await pub('a');
  assert.equal(written.length, 6, 'nothing after close');
  assert.equal(registry.size, 0, 'broker subscriptions released');
});

test('a feed whose replay is slow and whose buffered live messages pass the bound overflows and closes', async () => {
  const inner = createMemoryBroker({ history: 100, epoch: 'e' });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const broker: Broker = { ...inner, replay: async (r) => (await gate, inner.replay(r)) };
  const registry = new ChannelRegistry(broker, silentLogger);
  let overflowed = 0;
  const feed = new Feed(registry, broker, [{ channel: 'a', after: undefined }], () => {}, 100, () => overflowed++);
  const opening = feed.open();
  for (let i = 0; i < 5; i++) await inner.publish('a', JSON.stringify('x'.repeat(30)));
  assert.equal(overflowed, 1);
  assert.equal(feed.closed, true);
  assert.equal(registry.size, 0);
  release();
  await opening;
});
