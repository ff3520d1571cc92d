/**
 * The Redis broker against a real redis-server (started here on a free port; missing = failure).
 * Two broker instances on one Redis are two nodes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { Broker, BrokerHealth, StoredMessage } from '../../server/broker/broker.js';
import { createRedisBroker } from '../../server/broker/redis.js';
import { parseEventId } from '../../src/protocol/event-id.js';
import { startRedisServer } from '../helpers/redis.js';
import type { RedisServer } from '../helpers/redis.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

/** Collects a listener's messages; `until` waits (bounded) for a condition on them. */
function collector() {
  const messages: StoredMessage[] = [];
  let wake = () => {};
  const listener = (message: StoredMessage) => {
    messages.push(message);
    wake();
  };
  const until = (done: (all: StoredMessage[]) => boolean, what: string, ms = 10_000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}; got ${messages.length}`)), ms);
      wake = () => {
        if (!done(messages)) return;
        clearTimeout(timer);
        resolve();
      };
      wake();
    });
  return { messages, listener, until };
}

function waitForHealth(broker: Broker, ok: boolean, ms = 15_000): Promise<BrokerHealth> {
  if (broker.health().ok === ok) return Promise.resolve(broker.health());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      remove();
      reject(new Error(`health did not become ok=${ok} within ${ms} ms (now ${JSON.stringify(broker.health())})`));
    }, ms);
    const remove = broker.onHealthChange((health) => {
      if (health.ok !== ok) return;
      clearTimeout(timer);
      remove();
      resolve(health);
    });
  });
}

const json = (n: number) => JSON.stringify({ n });
const ns = (messages: readonly StoredMessage[]) => messages.map((m) => (JSON.parse(m.json) as { n: number }).n);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('Redis broker (two nodes, one redis-server)', () => {
  let redis: RedisServer;
  let admin: Redis;
  const brokers: Broker[] = [];
  const node = (history = 100, keyPrefix = 'tabmux:') => {
    const broker = createRedisBroker(redis.url, { history, keyPrefix });
    brokers.push(broker);
    return broker;
  };

  before(async () => {
    redis = await startRedisServer({ persist: true });
    admin = new Redis(redis.url, { lazyConnect: true, retryStrategy: () => 100, maxRetriesPerRequest: 1 });
    admin.on('error', () => {});
  });
  after(async () => {
    await Promise.all(brokers.map((broker) => broker.close()));
    admin?.disconnect();
    await redis?.dispose();
  });

  it('delivers what node A publishes to node B, in order, with ids that parse and increase', async () => {
    const a = node(100, 't1:');
    const b = node(100, 't1:');
    const got = collector();
    await b.subscribe('prices', got.listener);
    const published: StoredMessage[] = [];
    for (const n of range(1, 50)) published.push(await a.publish('prices', json(n)));
    await got.until((all) => all.length >= 50, '50 messages on node B');
    assert.deepEqual(ns(got.messages), range(1, 50));
    assert.deepEqual(got.messages.map((m) => m.id), published.map((m) => m.id));
    for (const m of got.messages) assert.deepEqual(parseEventId(m.id), { epoch: m.epoch, seq: m.seq });
    assert.ok(got.messages.every((m, i) => i === 0 || m.seq > got.messages[i - 1]!.seq));
  });

  it('keeps ONE Redis subscription per channel per node however many local listeners', async () => {
    const a = node(100, 't2:');
    const b = node(100, 't2:');
    const listeners = [collector(), collector(), collector()];
    for (const l of listeners) await b.subscribe('fan', l.listener);
    await a.subscribe('fan', collector().listener);
    await admin.connect();
    const [, subscribers] = (await admin.pubsub('NUMSUB', 't2:live:0:fan')) as [string, number];
    assert.equal(subscribers, 2, 'one subscription per node');
    await a.publish('fan', json(1));
    await Promise.all(listeners.map((l) => l.until((all) => all.length === 1, 'the message on each listener')));
    // Last listener gone: the node's subscription goes too.
    for (const l of listeners) b.unsubscribe('fan', l.listener);
    // PUBSUB NUMSUB has no event of its own: asked again until it holds.
    await waitFor('node B to unsubscribe', async () => ((await admin.pubsub('NUMSUB', 't2:live:0:fan')) as [string, number])[1] === 1, 5_000, 20);
  });

  it('keeps deployments on two databases of one Redis apart (pub/sub spans databases)', async () => {
    const db1 = createRedisBroker(`${redis.url}/1`, { history: 10 });
    const db2 = createRedisBroker(`${redis.url}/2`, { history: 10 });
    brokers.push(db1, db2);
    const heard1 = collector();
    const heard2 = collector();
    await db1.subscribe('same', heard1.listener);
    await db2.subscribe('same', heard2.listener);
    await db1.publish('same', json(1));
    await db2.publish('same', json(2));
    await db1.publish('same', json(3));
    await db2.publish('same', json(4));
    // Pub/sub keeps publish order per connection: a leaked message would arrive before 3 (or 4).
    await Promise.all([
      heard1.until((all) => ns(all).includes(3), 'db1 message 3'),
      heard2.until((all) => ns(all).includes(4), 'db2 message 4'),
    ]);
    assert.deepEqual(ns(heard1.messages), [1, 3]);
    assert.deepEqual(ns(heard2.messages), [2, 4]);
  });

  it('replays exactly after a cursor, over several channels, merged in seq order; head is the newest', async () => {
    const a = node(100, 't3:');
    const b = node(100, 't3:');
    const sent: StoredMessage[] = [];
    for (const n of range(1, 30)) sent.push(await (n % 2 ? a : b).publish(n % 3 ? 'x' : 'y', json(n)));
    const cursor = sent[9]!;
    const result = await b.replay([
      { channel: 'x', after: cursor },
      { channel: 'y', after: cursor },
      { channel: 'none', after: undefined },
    ]);
    assert.deepEqual(ns(result.messages), range(11, 30));
    assert.deepEqual(result.gaps, []);
    assert.deepEqual(result.head, { epoch: cursor.epoch, seq: sent[29]!.seq });
    assert.deepEqual(await a.head(), result.head);
    const onlyY = await a.replay([{ channel: 'y', after: cursor }]);
    assert.deepEqual(ns(onlyY.messages), range(11, 30).filter((n) => n % 3 === 0));
  });

  it('reports a gap exactly when the history no longer reaches the cursor, or the epoch differs', async () => {
    const a = node(3, 't4:');
    const sent: StoredMessage[] = [];
    for (const n of range(1, 6)) {
      sent.push(await a.publish('g', json(n)));
      await a.publish('other', json(100 + n)); // interleaved seqs of another channel
    }
    // Retained: 4, 5, 6. Evicted up to 3.
    const fromLastEvicted = await a.replay([{ channel: 'g', after: sent[2]! }]);
    assert.deepEqual(ns(fromLastEvicted.messages), [4, 5, 6]);
    assert.deepEqual(fromLastEvicted.gaps, [], 'cursor = newest evicted: nothing missed');
    const older = await a.replay([{ channel: 'g', after: sent[1]! }]);
    assert.deepEqual(ns(older.messages), [4, 5, 6]);
    assert.deepEqual(older.gaps, ['g'], 'message 3 is gone');
    const foreign = await a.replay([{ channel: 'g', after: { epoch: 'zzzz', seq: 1 } }]);
    assert.deepEqual(ns(foreign.messages), [4, 5, 6]);
    assert.deepEqual(foreign.gaps, ['g']);
    const future = await a.replay([{ channel: 'g', after: { epoch: sent[0]!.epoch, seq: 10_000 } }]);
    assert.deepEqual(future.gaps, ['g'], 'a seq past the head was never ours');
  });

  it('keeps JSON text byte-exact (non-ASCII, colons, newlines) and honours history 0', async () => {
    const a = node(0, 't7:');
    const b = node(0, 't7:');
    const got = collector();
    await b.subscribe('u', got.listener);
    const text = JSON.stringify({ s: 'héllo 🐘 "q" a:b\n\u2028', n: 1 });
    const first = await a.publish('u', text);
    await got.until((all) => all.length === 1, 'the message');
    assert.equal(got.messages[0]!.json, text);
    const none = await a.replay([{ channel: 'u', after: { epoch: first.epoch, seq: first.seq - 1 } }]);
    assert.deepEqual(none.messages, [], 'history 0 keeps nothing');
    assert.deepEqual(none.gaps, ['u'], 'and says so');
    assert.deepEqual((await a.replay([{ channel: 'u', after: first }])).gaps, [], 'nothing after the newest: no gap');
  });

  it('keeps the epoch and the counter across broker restarts; a wiped Redis starts a new epoch', async () => {
    const first = node(100, 't5:');
    const before = await first.publish('e', json(1));
    await first.close();
    const second = node(100, 't5:');
    const next = await second.publish('e', json(2));
    assert.equal(next.epoch, before.epoch);
    assert.equal(next.seq, before.seq + 1);
    const resumed = await second.replay([{ channel: 'e', after: before }]);
    assert.deepEqual(ns(resumed.messages), [2]);
    assert.deepEqual(resumed.gaps, []);

    await admin.connect().catch(() => {});
    for (const key of await admin.keys('t5:*')) await admin.del(key);
    const wiped = await second.publish('e', json(3));
    assert.notEqual(wiped.epoch, before.epoch);
    assert.equal(wiped.seq, 1);
    const afterWipe = await second.replay([{ channel: 'e', after: next }]);
    assert.deepEqual(ns(afterWipe.messages), [3]);
    assert.deepEqual(afterWipe.gaps, ['e']);
  });

  it('every per-channel key expires after the idle ttl; only the global keys carry none', async () => {
    const a = createRedisBroker(redis.url, { history: 10, keyPrefix: 'ttl1:' });
    brokers.push(a);
    const CHANNELS = 2000;
    for (let i = 0; i < CHANNELS; i += 100) {
      await Promise.all(range(i, i + 99).map((n) => a.publish(`c${n}`, json(n))));
    }
    for (let i = 0; i < 30; i++) await a.publish('c0', json(i)); // trims: an evicted key too
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await admin.scan(cursor, 'MATCH', 'ttl1:*', 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    assert.ok(keys.length > CHANNELS, `${keys.length} keys`);
    const ttls = await Promise.all(keys.map(async (key) => [key, await admin.pttl(key)] as const));
    const forever = ttls.filter(([, ttl]) => ttl < 0).map(([key]) => key).sort();
    assert.deepEqual(forever, ['ttl1:active', 'ttl1:active-seq', 'ttl1:meta']);
    for (const [key, ttl] of ttls) if (ttl >= 0) assert.ok(ttl <= 3600_000, `${key} expires in ${ttl} ms`);
  });

  it('a channel idle past the ttl is forgotten, its bookkeeping pruned, and a resume into it is a gap', async () => {
    const a = createRedisBroker(redis.url, { history: 10, keyPrefix: 'ttl2:', historyTtlMs: 300 });
    brokers.push(a);
    const first = await a.publish('idle', json(1));
    await a.publish('idle', json(2));
    // Redis's own clock decides: asked again until the key is gone.
    await waitFor('the idle stream to expire', async () => (await admin.exists('ttl2:stream:idle')) === 0, 5_000, 50);
    const lost = await a.replay([{ channel: 'idle', after: first }]);
    assert.deepEqual(lost.gaps, ['idle']);
    assert.deepEqual(lost.messages, []);
    // Pruned by that script: nothing of the channel is left anywhere.
    assert.equal(await admin.zcard('ttl2:active'), 0);
    assert.equal(await admin.zcard('ttl2:active-seq'), 0);
    // Recreated: a cursor from before it may have missed what aged out, one after it did not.
    const third = await a.publish('idle', json(3));
    assert.deepEqual((await a.replay([{ channel: 'idle', after: first }])).gaps, ['idle']);
    const fresh = await a.replay([{ channel: 'idle', after: { epoch: third.epoch, seq: third.seq - 1 } }]);
    assert.deepEqual(fresh.gaps, []);
    assert.deepEqual(ns(fresh.messages), [3]);
  });

  it('catches up a subscriber whose pub/sub connection was cut while others kept publishing', async () => {
    const a = node(1000, 't6:');
    const b = node(1000, 't6:');
    const got = collector();
    await b.subscribe('c', got.listener);
    await admin.connect().catch(() => {});
    let n = 0;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 20; i++) await a.publish('c', json(++n));
      // Cuts every pub/sub connection (both nodes'): Redis stays up, so node A keeps publishing
      // while node B is not subscribed. Those messages exist only in the stream.
      await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      for (let i = 0; i < 20; i++) await a.publish('c', json(++n));
    }
    await got.until((all) => all.length >= n, `${n} messages`);
    assert.deepEqual(ns(got.messages), range(1, n), 'all, in order, none twice');
  });
});

describe('Redis broker: Redis stopped and restarted', () => {
  for (const persist of [true, false]) {
    it(`health goes false then true, publishes reject during, subscribers resume without loss (${persist ? 'AOF' : 'no persistence: new epoch'})`, async () => {
      const redis = await startRedisServer({ persist });
      const a = createRedisBroker(redis.url, { history: 1000 });
      const b = createRedisBroker(redis.url, { history: 1000 });
      try {
        const got = collector();
        await b.subscribe('o', got.listener);
        for (const n of range(1, 10)) await a.publish('o', json(n));
        await got.until((all) => all.length === 10, 'the first 10');

        const down = waitForHealth(a, false);
        const changes: BrokerHealth[] = [];
        b.onHealthChange((h) => changes.push(h));
        await redis.stop();
        const health = await down;
        assert.equal(health.ok, false);
        assert.ok(health.reason && !/127\.0\.0\.1|localhost|\d{4,5}|at /.test(health.reason), `safe reason: ${health.reason}`);
        await assert.rejects(a.publish('o', json(-1)), (error: { code?: string }) => error.code === 'TABMUX_ERR_UNAVAILABLE');
        await assert.rejects(a.subscribe('new', () => {}), (error: { code?: string }) => error.code === 'TABMUX_ERR_UNAVAILABLE');

        await redis.start();
        await Promise.all([waitForHealth(a, true), waitForHealth(b, true)]);
        assert.ok(changes.some((h) => !h.ok) && changes.at(-1)?.ok, 'node B reported the outage and the recovery');
        const later: StoredMessage[] = [];
        for (const n of range(11, 20)) later.push(await a.publish('o', json(n)));
        await got.until((all) => all.length === 20, 'the 10 published after the restart');
        assert.deepEqual(ns(got.messages), range(1, 20));
        if (persist) assert.equal(later[0]!.epoch, got.messages[0]!.epoch, 'AOF kept the epoch');
        else assert.notEqual(later[0]!.epoch, got.messages[0]!.epoch, 'a wiped Redis is a new epoch');
      } finally {
        await Promise.all([a.close(), b.close()]);
        await redis.dispose();
      }
    });
  }

  it('a frozen Redis (sockets open, no answers) makes the broker unhealthy; it recovers without loss', async () => {
    const redis = await startRedisServer({ persist: true });
    const a = createRedisBroker(redis.url, { history: 1000, commandTimeout: 1000 });
    const b = createRedisBroker(redis.url, { history: 1000, commandTimeout: 1000 });
    try {
      const got = collector();
      await b.subscribe('f', got.listener);
      for (const n of range(1, 5)) await a.publish('f', json(n));
      await got.until((all) => all.length === 5, 'the first 5');
      redis.freeze();
      // Another channel: a timed-out publish may still run once Redis thaws (the reply is lost).
      await assert.rejects(a.publish('probe', json(0)), (error: { code?: string }) => error.code === 'TABMUX_ERR_UNAVAILABLE');
      await Promise.all([waitForHealth(a, false), waitForHealth(b, false)]);
      redis.thaw();
      await Promise.all([waitForHealth(a, true), waitForHealth(b, true)]);
      for (const n of range(6, 10)) await a.publish('f', json(n));
      await got.until((all) => all.length === 10, 'the 5 after the thaw');
      assert.deepEqual(ns(got.messages), range(1, 10));
      // close() is bounded even when Redis never answers QUIT.
      redis.freeze();
      const closing = Promise.all([a.close(), b.close()]);
      await withTimeout(closing, 10_000, 'close() to finish with Redis frozen');
    } finally {
      redis.thaw();
      await Promise.all([a.close(), b.close()]);
      await redis.dispose();
    }
  });

  it('rejects with a clear error when Redis never answers, and refuses a URL that is not redis://', async () => {
    const badConfig = (error: { code?: string }) => error.code === 'TABMUX_ERR_BAD_REQUEST';
    assert.throws(() => createRedisBroker('http://x', { history: 1 }), badConfig);
    assert.throws(() => createRedisBroker('not a url', { history: 1 }), badConfig);
    assert.throws(() => createRedisBroker('redis://127.0.0.1:1', { history: -1 }), badConfig);
    const redis = await startRedisServer();
    const port = redis.port;
    await redis.dispose(); // a port where nothing listens now
    const broker = createRedisBroker(`redis://127.0.0.1:${port}`, { history: 1, startTimeout: 300 });
    try {
      await assert.rejects(broker.publish('x', '1'), (error: { code?: string; message: string }) => {
        return error.code === 'TABMUX_ERR_UNAVAILABLE' && !error.message.includes(String(port));
      });
      assert.equal(broker.health().ok, false);
    } finally {
      await broker.close();
    }
  });
});
