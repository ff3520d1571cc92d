/**
 * Idempotent publish (README, Endpoints): `Idempotency-Key` on POST /publish and `idempotencyKey`
 * on the WebSocket publish frame. Within the window the same key on the same channel answers the
 * first id and stores nothing, on the memory broker and on Redis (where the check runs inside the
 * publish script, so two nodes racing with one key store once).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRedisBroker } from '../../server/broker/redis.js';
import { createMemoryBroker } from '../../server/broker/memory.js';
import type { Broker } from '../../server/broker/broker.js';
import { openWs, request } from '../helpers/server-clients.js';
import { startServer } from '../helpers/server.js';
import type { StartedServer } from '../helpers/server.js';
import { startRedisServer } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';
import type { RedisServer } from '../helpers/redis.js';

const JSON_TYPE = { 'Content-Type': 'application/json' };

async function post(s: StartedServer, channel: string, data: unknown, key?: string) {
  return request(`${s.url}/publish`, { method: 'POST', headers: { ...JSON_TYPE, ...(key !== undefined ? { 'Idempotency-Key': key } : {}) }, body: JSON.stringify({ channel, data }) });
}

async function history(s: StartedServer, channel: string): Promise<unknown[]> {
  // A poll from the start of this epoch: everything retained on the channel.
  const head = await request(`${s.url}/poll?channel=${channel}&timeout=0`);
  const epoch = String(head.json.lastEventId).split('-')[0];
  const all = await request(`${s.url}/poll?channel=${channel}&timeout=0&lastEventId=${epoch}-0`);
  return (all.json.messages as { data: unknown }[]).map((m) => m.data);
}

function suite(name: string, brokers: () => { a: Broker; b: Broker }) {
  describe(`idempotent publish: ${name}`, () => {
    let a: StartedServer;
    let b: StartedServer;
    before(async () => {
      const made = brokers();
      a = await startServer({ broker: made.a, idempotencyWindow: 1 });
      b = made.b === made.a ? a : await startServer({ broker: made.b, idempotencyWindow: 1 });
      for (const s of [a, b]) await waitFor(`${s.url}/health to be ready`, async () => (await request(`${s.url}/health`)).status === 200);
    });
    after(async () => {
      await a.close();
      if (b !== a) await b.close();
    });

    it('POST /publish: the same key answers the first id and stores nothing; another key or none stores', async () => {
      const first = await post(a, 'idem-http', 1, 'order-42');
      assert.equal(first.status, 200);
      const retry = await post(a, 'idem-http', 1, 'order-42');
      assert.equal(retry.status, 200);
      assert.equal(retry.json.id, first.json.id, 'the first answer again');
      const quoted = await post(b, 'idem-http', 1, '"order-42"');
      assert.equal(quoted.json.id, first.json.id, 'a quoted key (RFC 8941 string) is the same key, on the other node too');
      const other = await post(a, 'idem-http', 2, 'order-43');
      assert.notEqual(other.json.id, first.json.id);
      const none = await post(a, 'idem-http', 3);
      const otherChannel = await post(a, 'idem-http-2', 4, 'order-42');
      assert.notEqual(otherChannel.json.id, first.json.id, 'keys are per channel');
      assert.notEqual(none.json.id, other.json.id);
      assert.deepEqual(await history(a, 'idem-http'), [1, 2, 3], 'stored once');
    });

    it('two retries at once on two nodes store once', async () => {
      const answers = await Promise.all([post(a, 'idem-race', 'x', 'race-1'), post(b, 'idem-race', 'x', 'race-1'), post(a, 'idem-race', 'x', 'race-1')]);
      assert.ok(answers.every((r) => r.status === 200));
      assert.equal(new Set(answers.map((r) => r.json.id)).size, 1);
      assert.deepEqual(await history(a, 'idem-race'), ['x']);
    });

    it('after the window the key stores again', async () => {
      const first = await post(a, 'idem-window', 1, 'w');
      await new Promise((resolve) => setTimeout(resolve, 1200));
      const later = await post(a, 'idem-window', 1, 'w');
      assert.notEqual(later.json.id, first.json.id);
      assert.deepEqual(await history(a, 'idem-window'), [1, 1]);
    });

    it('the WebSocket publish frame takes idempotencyKey; a bad key is refused on both', async () => {
      const ws = await openWs(b.url);
      try {
        ws.send({ op: 'publish', channel: 'idem-ws', data: 'w', ref: 1, idempotencyKey: 'ws-1' });
        ws.send({ op: 'publish', channel: 'idem-ws', data: 'w', ref: 2, idempotencyKey: 'ws-1' });
        ws.send({ op: 'publish', channel: 'idem-ws', data: 'w', ref: 3, idempotencyKey: 5 });
        await ws.until((c) => c.frames.length >= 3, 'three answers');
        const [one, two] = [1, 2].map((ref) => ws.frames.find((f) => f.ref === ref));
        assert.equal(one.op, 'published');
        assert.equal(two.id, one.id);
        assert.equal(ws.frames.find((f) => f.ref === 3).code, 'TABMUX_ERR_BAD_REQUEST');
        const http = await post(a, 'idem-ws', 'w', 'ws-1');
        assert.equal(http.json.id, one.id, 'one key, whatever the transport');
        assert.deepEqual(await history(a, 'idem-ws'), ['w']);
      } finally {
        ws.close();
      }
      const bad = await post(a, 'idem-ws', 'w', 'x'.repeat(201));
      assert.equal(bad.status, 400);
      assert.equal(bad.json.error.code, 'TABMUX_ERR_BAD_REQUEST');
    });
  });
}

const memory = createMemoryBroker({ history: 100 });
suite('memory broker', () => ({ a: memory, b: memory }));

let redis: RedisServer;
before(async () => {
  redis = await startRedisServer();
});
after(async () => {
  await redis?.dispose();
});
const redisBrokers: Broker[] = [];
suite('Redis broker, two nodes', () => {
  const made = { a: createRedisBroker(redis.url, { history: 100 }), b: createRedisBroker(redis.url, { history: 100 }) };
  redisBrokers.push(made.a, made.b);
  return made;
});
after(async () => {
  await Promise.all(redisBrokers.map((broker) => broker.close()));
});
