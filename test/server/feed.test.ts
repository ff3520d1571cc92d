/**
 * The gapless subscribe (server/feed.ts) against the real memory broker, with messages published
 * in each window of the race: before subscribe, between subscribe and the replay read, after the
 * replay read but before going live, and live.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryBroker } from '../../server/broker/memory.js';
import type { Broker, StoredMessage } from '../../server/broker/broker.js';
import { formatEventId } from '../../src/protocol/event-id.js';
import type { EncodedMessage } from '../../server/encode.js';
import { Feed } from '../../server/feed.js';
import { ChannelRegistry } from '../../server/registry.js';
import { serverLog, silentLogger } from '../../server/logger.js';

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
  const registry = new ChannelRegistry(broker, serverLog(silentLogger));
  const written: string[] = [];
  const feed = new Feed({
    registry,
    broker,
    requests: [
      { channel: 'a', after: cursor },
      { channel: 'b', after: cursor },
    ],
    sink: { deliver: (m: EncodedMessage) => written.push(`${m.channel}${m.message.json}`) },
  });
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
  const registry = new ChannelRegistry(broker, serverLog(silentLogger));
  let overflowed = 0;
  const feed = new Feed({
    registry,
    broker,
    requests: [{ channel: 'a', after: undefined }],
    sink: { deliver: () => {} },
    maxBufferedBytes: 100,
    onOverflow: () => overflowed++,
  });
  const opening = feed.open();
  for (let i = 0; i < 5; i++) await inner.publish('a', JSON.stringify('x'.repeat(30)));
  assert.equal(overflowed, 1);
  assert.equal(feed.closed, true);
  assert.equal(registry.size, 0);
  release();
  await opening;
});

test('a live message of a later epoch (history lost, seqs restarted) comes after a reset, not dropped', async () => {
  const listeners = new Set<(m: StoredMessage) => void>();
  const inner = createMemoryBroker({ history: 1 });
  // A broker whose live side the test drives: what a wiped Redis looks like from the server.
  const broker: Broker = {
    ...inner,
    subscribe: async (_channel, listener) => void listeners.add(listener),
    unsubscribe: (_channel, listener) => void listeners.delete(listener),
    replay: async () => ({ messages: [], gaps: [], head: { epoch: 'e1', seq: 50 } }),
  };
  const emit = (epoch: string, seq: number) =>
    listeners.forEach((l) => l({ channel: 'a', epoch, seq, id: formatEventId(epoch, seq), json: `"${epoch}/${seq}"` }));
  const out: string[] = [];
  const feed = new Feed({
    registry: new ChannelRegistry(broker, serverLog(silentLogger)),
    broker,
    requests: [{ channel: 'a', after: undefined }],
    sink: { deliver: (m) => out.push(m.message.json) },
    onReset: (channel) => out.push(`reset ${channel}`),
  });
  await feed.open();
  feed.goLive();
  emit('e1', 50); // covered by the head: dropped
  emit('e1', 51);
  emit('e2', 1); // the new epoch: reset, then delivered although 1 < 51
  emit('e2', 1); // repeat: dropped
  emit('e1', 52); // a straggler of the lost history: dropped
  emit('e2', 2);
  assert.deepEqual(out, ['"e1/51"', 'reset a', '"e2/1"', '"e2/2"']);
  feed.close();
});
