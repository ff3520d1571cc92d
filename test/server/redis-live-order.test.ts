/**
 * The catch-up after a Redis pub/sub reconnect (redis-live.ts) delivers in the one global seq
 * order across channels: live messages held during the catch-up are merged, not flushed channel
 * by channel. The subscriber connection is a stand-in that emits what ioredis emits ('close',
 * 'message'), so the moment the live messages arrive — during the catch-up's replay — is exact;
 * test/server/redis-broker.test.ts covers reconnects against a real redis-server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { ReplayResult, StoredMessage } from '../../server/broker/broker.js';
import { createLive } from '../../server/broker/redis-live.js';
import { redisKeys } from '../../server/broker/redis-scripts.js';
import { formatEventId } from '../../src/protocol/event-id.js';
import { waitFor } from '../helpers/wait.js';

const EPOCH = 'e1';
const stored = (channel: string, seq: number): StoredMessage => ({ channel, id: formatEventId(EPOCH, seq), epoch: EPOCH, seq, json: String(seq) });

test('after a pub/sub reconnect, live messages held during the catch-up come out in global seq order across channels', async () => {
  const keys = redisKeys('t:');
  const sub = Object.assign(new EventEmitter(), {
    subscribe: async () => 1,
    unsubscribe: async () => 1,
  });
  let answerReplay: ((result: ReplayResult) => void) | undefined;
  const live = createLive({
    sub: sub as unknown as Redis,
    keys,
    head: async () => ({ epoch: EPOCH, seq: 9 }),
    replay: () => new Promise<ReplayResult>((resolve) => (answerReplay = resolve)),
  });
  const seen: number[] = [];
  const listener = (message: StoredMessage) => seen.push(message.seq);
  await live.subscribe('a', listener);
  await live.subscribe('b', listener);

  sub.emit('close'); // the subscriber connection dropped: a's 10 was published meanwhile
  live.resume();
  await waitFor('the catch-up to read the streams', () => answerReplay !== undefined);
  // Live again during the replay: pub/sub hands them over in publish order, b's 11 before a's 12.
  sub.emit('message', keys.live('b'), `${EPOCH}:11:11`);
  sub.emit('message', keys.live('a'), `${EPOCH}:12:12`);
  sub.emit('message', keys.live('b'), `${EPOCH}:13:13`);
  // The replay was read at 10: the live 11, 12 and 13 came after it.
  answerReplay!({ messages: [stored('a', 10)], gaps: [], head: { epoch: EPOCH, seq: 10 } });
  await waitFor('every message delivered', () => seen.length >= 4);
  assert.deepEqual(seen, [10, 11, 12, 13], 'one global order, none twice');
  live.close();
});
