/**
 * The broker that waits for its implementation (server/broker/deferred-broker.ts): the Redis
 * broker behind it arrives once ioredis is imported, or never when ioredis fails to load. Here a
 * memory broker stands in for the Redis one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryBroker } from '../../server/broker/memory.js';
import { deferredBroker } from '../../server/broker/deferred-broker.js';
import type { Broker, BrokerHealth, StoredMessage } from '../../server/broker/broker.js';
import { BrokerError } from '../../server/broker/errors.js';
import { toPushError } from '../../server/errors.js';

const OPENING: BrokerHealth = { ok: false, reason: 'Redis is not connected yet' };

function later<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

test('before the broker arrives it is unhealthy and operations wait; then everything is the broker', async () => {
  const opening = later<Broker>();
  const broker = deferredBroker(opening.promise, OPENING);
  const changes: BrokerHealth[] = [];
  broker.onHealthChange((health) => changes.push(health));
  assert.deepEqual(broker.health(), OPENING);

  const received: StoredMessage[] = [];
  const subscribed = broker.subscribe('a', (message) => received.push(message));
  const published = subscribed.then(() => broker.publish('a', '1'));
  opening.resolve(createMemoryBroker({ history: 10, epoch: 'e1' }));
  assert.equal((await published).id, 'e1-1');
  assert.deepEqual(received.map((m) => m.json), ['1']);
  assert.deepEqual(broker.health(), { ok: true });
  assert.deepEqual(changes, [{ ok: true }]);
  assert.deepEqual(await broker.head(), { epoch: 'e1', seq: 1 });
  await broker.close();
});

test('an unsubscribe made before the broker arrived is applied after the subscribe made before it', async () => {
  const opening = later<Broker>();
  const broker = deferredBroker(opening.promise, OPENING);
  const received: string[] = [];
  const listener = (message: StoredMessage) => received.push(message.json);
  const subscribed = broker.subscribe('a', listener);
  broker.unsubscribe('a', listener);
  const inner = createMemoryBroker({ history: 10 });
  opening.resolve(inner);
  await subscribed;
  await inner.publish('a', '1');
  assert.deepEqual(received, []);
  await broker.close();
});

test('a broker that cannot be made leaves it unhealthy with the reason; operations reject as unavailable (503)', async () => {
  const opening = later<Broker>();
  const broker = deferredBroker(opening.promise, OPENING);
  const changes: BrokerHealth[] = [];
  broker.onHealthChange((health) => changes.push(health));
  const reason = 'Redis needs the package ioredis: npm install ioredis';
  opening.reject(new BrokerError('TABMUX_ERR_NOT_SUPPORTED', reason));
  await assert.rejects(broker.publish('a', '1'), (error: unknown) => {
    // The broker says "unavailable"; the endpoints answer that as a 503 (server/errors.ts).
    const answer = toPushError(error);
    return error instanceof BrokerError && error.code === 'TABMUX_ERR_UNAVAILABLE' && answer.status === 503 && answer.message === reason;
  });
  await assert.rejects(broker.subscribe('a', () => undefined), { message: reason });
  assert.deepEqual(broker.health(), { ok: false, reason });
  assert.deepEqual(changes, [{ ok: false, reason }]);
  broker.unsubscribe('a', () => undefined);
  await broker.close();
});
