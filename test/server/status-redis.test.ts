/**
 * The status page over the Redis broker, against a real redis-server: it names the broker and
 * follows its health through an outage (down with a safe reason, then healthy again).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRedisServer } from '../helpers/redis.js';
import { startServer } from '../helpers/server.js';
import { request } from '../helpers/server-clients.js';

/** Re-reads `check` every 50 ms until it holds; fails after `ms` saying what it waited for. */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what} (last: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('with --redis the page says redis, and shows it down (with a reason) during an outage, then healthy', async (t) => {
  const redis = await startRedisServer();
  const push = await startServer({ status: true, redis: redis.url });
  t.after(async () => {
    await push.close();
    await redis.dispose();
  });
  const broker = async () => (await request(`${push.url}/status.json`)).json.broker as { kind: string; ok: boolean; reason?: string };
  assert.deepEqual(await eventually(broker, (b) => b.ok, 'the Redis broker to be healthy'), { kind: 'redis', ok: true });
  await redis.stop();
  const down = await eventually(broker, (b) => !b.ok, 'the status to show Redis down');
  assert.equal(down.kind, 'redis');
  assert.ok(down.reason && !/127\.0\.0\.1|\d{4,5}/.test(down.reason), `a reason without addresses: ${down.reason}`);
  const html = (await request(`${push.url}/status`)).text;
  assert.match(html, /id="broker-health" class="bad">down: /, 'the page shows it in red, with the reason');
  await redis.start();
  assert.deepEqual(await eventually(broker, (b) => b.ok, 'Redis to be healthy again'), { kind: 'redis', ok: true });
});
