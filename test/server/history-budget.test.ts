import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../helpers/server.js';
import { metric, openSse, publish } from '../helpers/server-clients.js';
import { MiB, retainedMemory } from '../helpers/memory.js';
import { DEFAULTS } from '../../server/options.js';

const CHANNELS = 20_000;
const CONCURRENCY = 16;

test('20,000 publishes to distinct channels stay within the history budget; a subscriber elsewhere keeps receiving', async (t) => {
  const s = await startServer();
  t.after(() => s.close());
  const sentinel = await openSse(`${s.url}/sse?channel=sentinel`);
  t.after(() => sentinel.close());
  await sentinel.until((c) => c.events.some((e) => e.event === '$open'), 'the sentinel stream open');
  // Warm the paths once, so the baseline already holds the server's code and first allocations.
  await publish(s.url, 'warm', { b: 1 });
  const before = await retainedMemory();

  let next = 0;
  let sentinelSent = 0;
  const worker = async (): Promise<void> => {
    while (next < CHANNELS) {
      const i = next++;
      await publish(s.url, `c${i}`, { b: 1 });
      if (i % 1000 === 0) {
        sentinelSent++;
        await publish(s.url, 'sentinel', { i });
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await sentinel.until((c) => c.messages().length === sentinelSent, `${sentinelSent} sentinel messages`);

  const after = await retainedMemory();
  // Retained heap and off-heap memory, after a full collection. RSS is reported, not asserted: the
  // clients run in this process too, and V8 keeps freed pages mapped for a while.
  const growth = after.heapUsed + after.external - (before.heapUsed + before.external);
  t.diagnostic(`retained +${(growth / MiB).toFixed(1)} MiB, rss +${((after.rss - before.rss) / MiB).toFixed(1)} MiB`);
  assert.ok(growth < 48 * MiB, `retained memory grew ${growth} bytes`);

  const channels = await metric(s.url, 'tabmux_history_channels');
  const bytes = await metric(s.url, 'tabmux_history_bytes');
  assert.ok(channels <= DEFAULTS.historyMaxChannels, `${channels} channels with history`);
  assert.ok(bytes <= DEFAULTS.historyMaxBytes, `${bytes} bytes of history`);
  assert.ok((await metric(s.url, 'tabmux_history_evicted_total{reason="channels"}')) >= CHANNELS - DEFAULTS.historyMaxChannels);
});

test('a resume into a channel whose history was dropped gets $reset, then what is retained', async (t) => {
  const s = await startServer({ historyMaxChannels: 2 });
  t.after(() => s.close());
  const first = await publish(s.url, 'dropped', { n: 1 });
  await publish(s.url, 'b', { n: 2 });
  await publish(s.url, 'c', { n: 3 }); // drops `dropped`, the least recently published
  await publish(s.url, 'kept', { n: 4 });
  const sse = await openSse(`${s.url}/sse?channel=dropped&channel=kept`, { 'Last-Event-ID': first });
  t.after(() => sse.close());
  await sse.until((c) => c.events.some((e) => e.event === '$open'), 'the resumed stream open');
  const resets = sse.events.filter((e) => e.event === '$reset').map((e) => JSON.parse(e.data).channel);
  assert.deepEqual(resets, ['dropped']);
  assert.deepEqual(sse.messages().map((e) => JSON.parse(e.data)), [{ n: 4 }]);
});
