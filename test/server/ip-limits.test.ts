import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../helpers/server.js';
import { openSse } from '../helpers/server-clients.js';
import type { SseClient } from '../helpers/server-clients.js';

test('IPv6 clients of one /64 share the per-IP connection limit; another /64 does not', async (t) => {
  const s = await startServer({ maxConnectionsPerIp: 2, trustProxy: true });
  t.after(() => s.close());
  const streams: SseClient[] = [];
  t.after(() => streams.forEach((c) => c.close()));
  const from = async (address: string) => {
    const client = await openSse(`${s.url}/sse?channel=a`, { 'X-Forwarded-For': address });
    streams.push(client);
    return client.status;
  };
  assert.equal(await from('2001:db8:1:2::1'), 200);
  assert.equal(await from('2001:db8:1:2:ffff::9'), 200);
  assert.equal(await from('2001:db8:1:2:1234:5678:9abc:def0'), 429, 'a third address of the same /64');
  assert.equal(await from('2001:db8:1:3::1'), 200, 'the next /64 is another subscriber');
});
