// worker/transports/deferred.ts: the in-page hub's WebSocket and long-poll upstreams, opened once
// their module (dist/tabmux-transports.js) is loaded. What the hub does meanwhile reaches the
// real upstream; a close before the load opens nothing; a failed load is a network failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deferredUpstream } from '../../worker/transports/deferred.js';
import type { Platform } from '../../worker/platform.js';
import type { TransportOpener, Upstream, UpstreamFailure, UpstreamHandlers, UpstreamRequest } from '../../worker/transports/types.js';

const platform = {} as Platform;
const request: UpstreamRequest = { url: 'http://push.test', channels: new Map([['a', 'cursor-a']]), openTimeoutMs: 1000, pollTimeoutS: 25, token: 'old' };

function handlers(closed: UpstreamFailure[] = []): UpstreamHandlers {
  const none = () => undefined;
  return { open: none, message: none, reset: none, subscribed: none, refused: none, retry: none, closed: (failure) => void closed.push(failure) };
}

/** A load the test resolves (or rejects) when it wants, and the opener it resolves with. */
function pendingLoad() {
  const opened: { request: UpstreamRequest; calls: string[] }[] = [];
  const opener: TransportOpener = (_platform, openedWith) => {
    const calls: string[] = [];
    opened.push({ request: openedWith, calls });
    return {
      kind: 'ws',
      close: () => void calls.push('close'),
      subscribe: (channel) => void calls.push(`subscribe ${channel}`),
      unsubscribe: (channel) => void calls.push(`unsubscribe ${channel}`),
      reauth: (token) => void calls.push(`reauth ${token}`),
      publish: async () => ({ ok: true, id: 'id-1' }),
    } satisfies Upstream;
  };
  let settle!: { resolve: (opener: TransportOpener) => void; reject: (error: Error) => void };
  const promise = new Promise<TransportOpener>((resolve, reject) => (settle = { resolve, reject }));
  return { load: () => promise, opened, resolve: () => settle.resolve(opener), reject: (error: Error) => settle.reject(error), promise };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

test('WebSocket: channel changes and a fresh token before the load go into the request; after it, to the upstream', async () => {
  const load = pendingLoad();
  const upstream = deferredUpstream('ws', load.load, platform, request, handlers());
  assert.equal(upstream.kind, 'ws');
  upstream.subscribe!('b', undefined);
  upstream.unsubscribe!('a');
  upstream.reauth!('fresh');
  load.resolve();
  await turn();
  assert.equal(load.opened.length, 1);
  assert.deepEqual([...load.opened[0]!.request.channels], [['b', undefined]]);
  assert.equal(load.opened[0]!.request.token, 'fresh');
  assert.deepEqual([...request.channels], [['a', 'cursor-a']], "the hub's own request is not changed");
  upstream.subscribe!('c', 'cursor-c');
  upstream.reauth!('fresher');
  assert.deepEqual(await upstream.publish!('c', 1), { ok: true, id: 'id-1' });
  upstream.close();
  assert.deepEqual(load.opened[0]!.calls, ['subscribe c', 'reauth fresher', 'close']);
});

test('long-poll has no in-place channel changes (the hub then reopens), like the real one', () => {
  const upstream = deferredUpstream('poll', pendingLoad().load, platform, request, handlers());
  assert.equal(upstream.kind, 'poll');
  assert.equal(upstream.subscribe, undefined);
  assert.equal(upstream.publish, undefined);
});

test('closed before the load: nothing is opened and nothing is reported', async () => {
  const load = pendingLoad();
  const closed: UpstreamFailure[] = [];
  deferredUpstream('ws', load.load, platform, request, handlers(closed)).close();
  load.resolve();
  await turn();
  assert.equal(load.opened.length, 0);
  assert.deepEqual(closed, []);
});

test('a load that fails closes the upstream as a network failure (the hub retries with its backoff)', async () => {
  const load = pendingLoad();
  const closed: UpstreamFailure[] = [];
  deferredUpstream('poll', load.load, platform, request, handlers(closed));
  load.reject(new Error('404'));
  await turn();
  assert.equal(closed.length, 1);
  assert.equal(closed[0]!.code, 'TABMUX_ERR_NETWORK');
  assert.match(closed[0]!.message, /tabmux-transports\.js/);
});
