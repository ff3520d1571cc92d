/**
 * The status page over the Redis broker, against a real redis-server: it names the broker and
 * follows its health through an outage (down with a safe reason, then healthy again).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRedisServer } from '../helpers/redis.js';
import { startServer } from '../helpers/server.js';
import { request } from '../helpers/server-clients.js';
import { waitFor } from '../helpers/wait.js';

test('with --redis the page says redis, and shows it down (with a reason) during an outage, then healthy', async (t) => {
  const redis = await startRedisServer();
  const push = await startServer({ status: true, redis: redis.url });
  t.after(async () => {
    await push.close();
    await redis.dispose();
  });
  type Broker = { kind: string; ok: boolean; reason?: string };
  let last: Broker | undefined;
  /** The broker of /status.json once its health is `ok`, read every 50 ms. */
  const brokerOk = (ok: boolean, what: string) =>
    waitFor(() => `${what} (last: ${JSON.stringify(last)})`, async () => {
      last = (await request(`${push.url}/status.json`)).json.broker as Broker;
      return last.ok === ok && last;
    }, 20_000);
  assert.deepEqual(await brokerOk(true, 'the Redis broker to be healthy'), { kind: 'redis', ok: true });
  await redis.stop();
  const down = await brokerOk(false, 'the status to show Redis down');
  assert.equal(down.kind, 'redis');
  assert.ok(down.reason && !/127\.0\.0\.1|\d{4,5}/.test(down.reason), `a reason without addresses: ${down.reason}`);
  const html = (await request(`${push.url}/status`)).text;
  assert.match(html, /id="broker-health" class="bad">down: /, 'the page shows it in red, with the reason');
  await redis.start();
  assert.deepEqual(await brokerOk(true, 'Redis to be healthy again'), { kind: 'redis', ok: true });
});
