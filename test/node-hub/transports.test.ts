// The real hub with the real transports (fetch + eventsource-parser, ws, long-poll) against the
// real push server, in Node: channel switch-over without loss or repeats, and `transport: 'auto'`
// falling back to long-poll behind a proxy that buffers event streams.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { Hub } from '../../worker/hub.js';
import { realClock, type Platform, type WebSocketLike } from '../../worker/platform.js';
import { realTransports } from '../../worker/transports/index.js';
import type { TransportOption } from '../../src/hub-protocol/hub-api.js';
import { startServer, type StartedServer } from '../helpers/server.js';
import { range, readMetric } from '../helpers/browser.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { FakeTab } from '../helpers/hub-fakes.js';

const platform: Platform = {
  fetch: (input, init) => fetch(input, init),
  webSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
  clock: realClock,
  random: Math.random,
};

function startHub(url: string, transport: TransportOption, openTimeoutMs = 10_000): Hub {
  return new Hub({ host: 'direct', config: { url, transport }, platform, openUpstream: realTransports(platform), openTimeoutMs, lingerMs: 200 });
}

const numbers = (tab: FakeTab, channel: string) =>
  tab.events.flatMap((e) => (e.type === 'message' && e.channel === channel ? [(e.data as { n: number }).n] : []));

let push: StartedServer;
test.before(async () => {
  push = await startServer({ retry: 50 });
});
test.after(async () => {
  await push?.close();
});

for (const transport of ['sse', 'ws', 'poll'] as const) {
  test(`${transport}: channels added and dropped while messages flow: nothing lost, nothing twice, one upstream after`, async () => {
    const hub = startHub(push.url, transport);
    try {
      const a = new FakeTab('a');
      const b = new FakeTab('b');
      hub.addTab('a', a);
      hub.addTab('b', b);
      await withTimeout(hub.subscribe('a', `steady-${transport}`), 10_000, 'the first subscription');
      const added: Promise<unknown>[] = [];
      for (const n of range(120)) {
        await push.server.publish(`steady-${transport}`, { n });
        if (n === 30) added.push(hub.subscribe('b', `late-${transport}`));
        if (n === 60) {
          await waitFor('the late channel message', () => numbers(b, `late-${transport}`).length > 0);
          hub.unsubscribe('b', `late-${transport}`); // leaves the upstream after the linger
        }
        if (n === 40) {
          await withTimeout(added[0]!, 10_000, 'the added channel to be live');
          await push.server.publish(`late-${transport}`, { n });
        }
        if (n % 10 === 0) await new Promise((resolve) => setImmediate(resolve)); // let the upstreams breathe
      }
      await waitFor('all 120 messages', () => numbers(a, `steady-${transport}`).length >= 120);
      assert.deepEqual(numbers(a, `steady-${transport}`), range(120));
      assert.deepEqual(numbers(b, `late-${transport}`), [40], JSON.stringify(b.events) + JSON.stringify(hub.debug()));
      await waitFor('the late channel to leave the upstream', async () => (await readMetric(push.url, 'tabmux_subscriptions')) === 1);
      assert.ok((await readMetric(push.url, 'tabmux_connections', `{transport="${transport}"}`)) <= 1, 'one upstream (a poll between two requests has none)');
      assert.ok(hub.debug().connects >= 1);
    } finally {
      hub.close();
    }
  });
}

test("auto: behind a proxy that buffers event streams, the hub falls back to long-poll and delivers", async (t) => {
  // A "proxy" that forwards everything but holds text/event-stream bodies until they end, like
  // some corporate proxies and antivirus gateways do.
  const proxy = http.createServer((req, res) => {
    const upstream = http.request({ host: '127.0.0.1', port: push.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      if ((answer.headers['content-type'] ?? '').startsWith('text/event-stream')) {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => res.writeHead(answer.statusCode ?? 502, answer.headers).end(Buffer.concat(chunks)));
        res.on('close', () => answer.destroy());
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => (proxy.closeAllConnections(), proxy.close(() => resolve()))));
  const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const hub = startHub(url, 'auto', 500);
  t.after(() => hub.close());
  const tab = new FakeTab('a');
  hub.addTab('a', tab);
  await withTimeout(hub.subscribe('a', 'buffered'), 10_000, 'the fallback to open');
  assert.equal(hub.debug().transport, 'poll', 'fell back');
  for (const n of range(20)) await push.server.publish('buffered', { n });
  await waitFor('20 messages over long-poll', () => numbers(tab, 'buffered').length >= 20);
  assert.deepEqual(numbers(tab, 'buffered'), range(20));
  assert.ok(tab.events.some((e) => e.type === 'transport' && e.transport === 'poll'), 'tabs are told, to remember it');
});
