// The hub's logic (worker/hub.ts) in Node, with a fake clock and a fake upstream playing the server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeTab, flush, id, makeHub } from '../helpers/hub-fakes.js';

/** Tracks whether a promise has settled, without awaiting it. */
function settled(promise: Promise<unknown>): () => boolean {
  let done = false;
  void promise.then(() => (done = true));
  return () => done;
}

test('tabs wanting the same channel share one upstream; each gets every message once, in one batch per task', async () => {
  const { clock, server, tab, hub } = makeHub();
  const a = tab('a');
  const b = tab('b');
  const readyA = settled(hub.subscribe('a', 'prices'));
  const readyB = settled(hub.subscribe('b', 'prices'));
  await clock.tick(10);
  assert.equal(server.opened.length, 1, 'one upstream for two tabs');
  assert.deepEqual([...server.last.request.channels], [['prices', undefined]], 'no cursor yet: from now');
  assert.equal(readyA(), false, 'not ready before $open');
  server.last.handlers.open(id(5));
  await flush();
  assert.ok(readyA() && readyB(), 'ready once the upstream is open');
  for (const seq of [6, 7, 8]) server.last.handlers.message({ channel: 'prices', id: id(seq), data: { seq } });
  await flush();
  for (const t of [a, b]) {
    assert.deepEqual(t.messages, ['prices:e1-6', 'prices:e1-7', 'prices:e1-8']);
    const withMessages = t.batches.filter((batch) => batch.some((e) => e.type === 'message'));
    assert.equal(withMessages.length, 1, 'three messages in one task travel in one postMessage');
  }
  assert.equal(hub.debug().channels.prices?.cursor, id(8));
  assert.equal(hub.debug().tabs, 2);
});

test('a tab only receives the channels it subscribed to', async () => {
  const { clock, server, tab, hub } = makeHub();
  const a = tab('a');
  const b = tab('b');
  void hub.subscribe('a', 'x');
  void hub.subscribe('b', 'y');
  await clock.tick(10);
  server.last.handlers.open(id(1));
  server.last.handlers.message({ channel: 'x', id: id(2), data: 1 });
  server.last.handlers.message({ channel: 'y', id: id(3), data: 1 });
  await flush();
  assert.deepEqual(a.messages, ['x:e1-2']);
  assert.deepEqual(b.messages, ['y:e1-3']);
});

test('adding a channel on SSE: a second upstream opens from the cursors, the first closes once it is open, the overlap is de-duplicated', async () => {
  const { clock, server, tab, hub } = makeHub();
  const a = tab('a');
  const b = tab('b');
  void hub.subscribe('a', 'x');
  await clock.tick(10);
  const first = server.last;
  first.handlers.open(id(10));
  first.handlers.message({ channel: 'x', id: id(11), data: 0 });
  const readyY = settled(hub.subscribe('b', 'y'));
  await clock.tick(10);
  assert.equal(server.opened.length, 2);
  const second = server.last;
  assert.deepEqual(Object.fromEntries(second.request.channels), { x: id(11), y: id(11) }, 'x resumes from its cursor, y from the head');
  assert.equal(first.closed, false, 'the first upstream lives until the second is open');
  // Both upstreams carry x for a moment: the same message arrives twice.
  first.handlers.message({ channel: 'x', id: id(12), data: 0 });
  second.handlers.message({ channel: 'x', id: id(12), data: 0 });
  second.handlers.message({ channel: 'y', id: id(13), data: 0 });
  second.handlers.open(id(13));
  first.handlers.message({ channel: 'x', id: id(14), data: 0 }); // a late frame from the closed one
  await flush();
  assert.equal(first.closed, true, 'switched over');
  assert.ok(readyY());
  assert.deepEqual(a.messages, ['x:e1-b', 'x:e1-c'], 'x once each, nothing from the closed upstream');
  assert.deepEqual(b.messages, ['y:e1-d']);
  assert.equal(hub.state, 'open');
  assert.equal(server.live.length, 1);
});

test('dropping interest waits lingerMs, so a reload that re-subscribes does not touch the upstream', async () => {
  const { clock, server, tab, hub } = makeHub();
  tab('a');
  tab('b');
  void hub.subscribe('a', 'x');
  void hub.subscribe('b', 'y');
  await clock.tick(10);
  server.last.handlers.open(id(1));
  hub.removeTab('b'); // the tab reloads…
  await clock.tick(500);
  tab('b2');
  void hub.subscribe('b2', 'y'); // …and is back within the linger
  await clock.tick(2000);
  assert.equal(server.opened.length, 1, 'no churn');
  hub.unsubscribe('b2', 'y');
  await clock.tick(999);
  assert.equal(server.opened.length, 1, 'still carried during the linger');
  await clock.tick(20);
  assert.equal(server.opened.length, 2, 'dropped after the linger');
  assert.deepEqual([...server.last.request.channels.keys()], ['x']);
});

test('the last channel gone closes the upstream and the hub goes idle', async () => {
  const { clock, server, tab, hub } = makeHub();
  tab('a');
  void hub.subscribe('a', 'x');
  await clock.tick(10);
  server.last.handlers.open(id(1));
  hub.removeTab('a');
  await clock.tick(1100);
  assert.equal(server.last.closed, true);
  assert.equal(hub.state, 'idle');
  assert.equal(clock.pending, 0, 'no timer left behind');
});

test('a failure backs off, tells tabs "connecting", and resumes every channel from its cursor without repeats', async () => {
  const { clock, server, tab, hub } = makeHub('sse', { backoff: { baseMs: 1000, capMs: 8000 } });
  const a = tab('a');
  void hub.subscribe('a', 'x');
  await clock.tick(10);
  server.last.handlers.open(id(1));
  server.last.handlers.message({ channel: 'x', id: id(2), data: 0 });
  server.last.handlers.closed({ code: 'TABMUX_ERR_NETWORK', message: 'cut' });
  await flush();
  assert.equal(hub.state, 'backoff');
  assert.deepEqual(a.states, ['open', 'connecting']);
  await clock.tick(499); // random() = 0.5 → 500 ms of the 1000 ms ceiling
  assert.equal(server.opened.length, 1);
  await clock.tick(1);
  assert.equal(server.opened.length, 2);
  assert.deepEqual(Object.fromEntries(server.last.request.channels), { x: id(2) });
  server.last.handlers.message({ channel: 'x', id: id(2), data: 0 }); // a server replaying too much
  server.last.handlers.message({ channel: 'x', id: id(3), data: 0 });
  server.last.handlers.open(id(3));
  await flush();
  assert.deepEqual(a.messages, ['x:e1-2', 'x:e1-3']);
  assert.deepEqual(a.states, ['open', 'connecting', 'open']);
});

test('Retry-After is a floor for the next attempt; `online` reconnects at once', async () => {
  const { clock, server, tab, hub, goOnline } = makeHub();
  tab('a');
  void hub.subscribe('a', 'x');
  await clock.tick(10);
  server.last.handlers.closed({ code: 'TABMUX_ERR_UNAVAILABLE', message: '503', retryAfterMs: 5000 });
  await clock.tick(4999);
  assert.equal(server.opened.length, 1, 'waits for Retry-After');
  await clock.tick(1);
  assert.equal(server.opened.length, 2);
  server.last.handlers.closed({ code: 'TABMUX_ERR_NETWORK', message: 'offline' });
  assert.equal(hub.state, 'backoff');
  goOnline();
  assert.equal(server.opened.length, 3, 'online: immediate attempt');
  assert.equal(hub.state, 'connecting');
});

test("transport 'auto' falls back to long-poll when the SSE stream never starts, at once and from the cursors", async () => {
  const { clock, server, tab, hub } = makeHub('auto');
  tab('a');
  void hub.subscribe('a', 'x');
  await clock.tick(10);
  assert.equal(server.last.kind, 'sse');
  server.last.handlers.closed({ code: 'TABMUX_ERR_UNAVAILABLE', message: 'buffered', streamingBroken: true });
  assert.equal(server.last.kind, 'poll');
  assert.equal(server.opened.length, 2);
  server.last.handlers.open(id(4));
  assert.equal(hub.debug().transport, 'poll');
});

test("a fixed transport 'sse' does not fall back", async () => {
  const { clock, server, tab, hub } = makeHub('sse');
  tab('a');
  void hub.subscribe('a', 'x');
  await clock.tick(10);
  server.last.handlers.closed({ code: 'TABMUX_ERR_UNAVAILABLE', message: 'buffered', streamingBroken: true });
  await clock.tick(60_000);
  assert.ok(server.opened.every((upstream) => upstream.kind === 'sse'));
});

test('a tab resuming from an older cursor than the hub rewinds the upstream (restarted-hub race)', async () => {
  const { clock, server, tab, hub } = makeHub();
  tab('a');
  const b = tab('b');
  void hub.subscribe('a', 'x', id(20));
  await clock.tick(10);
  assert.deepEqual(Object.fromEntries(server.last.request.channels), { x: id(20) }, 'a tab cursor seeds a fresh hub');
  server.last.handlers.open(id(25));
  void hub.subscribe('b', 'x', id(18));
  await clock.tick(10);
  assert.equal(server.opened.length, 2);
  assert.deepEqual(Object.fromEntries(server.last.request.channels), { x: id(18) });
  assert.equal(server.opened[0]!.closed, true, 'no overlap when rewinding');
  server.last.handlers.message({ channel: 'x', id: id(19), data: 0 });
  await flush();
  assert.deepEqual(b.messages, ['x:e1-j']);
});

test('a late tab with an older cursor: messages the old upstream still sends before the rewind neither reach it nor move the cursor, so the replay fills its gap', async () => {
  const { clock, server, tab, hub } = makeHub();
  const a = tab('a');
  const b = tab('b');
  void hub.subscribe('a', 'x');
  await clock.tick(10);
  server.last.handlers.open(id(10));
  for (const seq of [11, 12, 13]) server.last.handlers.message({ channel: 'x', id: id(seq), data: seq });
  void hub.subscribe('b', 'x', id(11)); // e.g. re-attached after its hub retired for this one
  // The running upstream goes on until the coalesced rewind replaces it.
  server.last.handlers.message({ channel: 'x', id: id(14), data: 14 });
  await clock.tick(10);
  assert.equal(server.opened.length, 2, 'rewound');
  assert.deepEqual(Object.fromEntries(server.last.request.channels), { x: id(11) }, 'from the late tab cursor, not moved on by 14');
  for (const seq of [12, 13, 14, 15]) server.last.handlers.message({ channel: 'x', id: id(seq), data: seq });
  await flush();
  assert.deepEqual(b.messages, [12, 13, 14, 15].map((seq) => `x:${id(seq)}`), 'the late tab: its gap, then on, in order');
  // The first tab is sent 12 and 13 again: its client drops what it has (src/local-channels.ts).
  const seen = a.messages.filter((m, i, all) => all.indexOf(m) === i);
  assert.deepEqual(seen, [11, 12, 13, 14, 15].map((seq) => `x:${id(seq)}`), 'the first tab: nothing missing, in order');
});

test('on a WebSocket, channel changes are frames on the same socket', async () => {
  const { clock, server, tab, hub } = makeHub('ws');
  tab('a');
  tab('b');
  void hub.subscribe('a', 'x');
  await clock.tick(10);
  server.last.handlers.open(id(3));
  const readyY = settled(hub.subscribe('b', 'y'));
  await clock.tick(10);
  assert.deepEqual(server.last.frames, ['subscribe y e1-3']);
  server.last.handlers.subscribed('y', id(4));
  await flush();
  assert.ok(readyY());
  hub.removeTab('b');
  await clock.tick(1100);
  assert.deepEqual(server.last.frames, ['subscribe y e1-3', 'unsubscribe y']);
  assert.equal(server.opened.length, 1);
});

test('a message of another epoch (server history wiped) is delivered, not dropped as old', async () => {
  const { clock, server, tab, hub } = makeHub();
  const a = tab('a');
  void hub.subscribe('a', 'x');
  await clock.tick(10);
  server.last.handlers.open(id(100));
  server.last.handlers.message({ channel: 'x', id: id(101), data: 0 });
  server.last.handlers.message({ channel: 'x', id: id(1, 'e2'), data: 0 });
  await flush();
  assert.deepEqual(a.messages, ['x:e1-2t', 'x:e2-1']);
});

test('resets reach the tabs of the channel, except for channels started from the head', async () => {
  const { clock, server, tab, hub } = makeHub();
  const a = tab('a');
  void hub.subscribe('a', 'x', id(1));
  await clock.tick(10);
  server.last.handlers.reset({ channel: 'x', code: 'TABMUX_ERR_HISTORY_GAP', message: 'gap' });
  server.last.handlers.open(id(5));
  void hub.subscribe('a', 'y');
  await clock.tick(10);
  server.last.handlers.reset({ channel: 'y', code: 'TABMUX_ERR_HISTORY_GAP', message: 'gap' });
  await flush();
  assert.deepEqual(
    a.events.filter((e) => e.type === 'reset').map((e) => e.type === 'reset' && e.channel),
    ['x'],
  );
});

test('bad channel names are refused with a stable code, never thrown', async () => {
  const { tab, hub } = makeHub();
  tab('a');
  assert.deepEqual(await hub.subscribe('a', 'no spaces'), { ok: false, code: 'TABMUX_ERR_BAD_CHANNEL', message: 'channel name may only contain A-Z a-z 0-9 _ - : . / @' });
  const published = await hub.publish('', 1);
  assert.equal(published.ok, false);
  assert.equal(!published.ok && published.code, 'TABMUX_ERR_BAD_CHANNEL');
});

test('publish without a WebSocket POSTs /publish and maps the server error code', async () => {
  const requests: string[] = [];
  const answers = [new Response(JSON.stringify({ id: 'e1-7' }), { status: 200 }), new Response(JSON.stringify({ error: { code: 'TABMUX_ERR_TOO_LARGE', message: 'too big' } }), { status: 413 })];
  const { hub } = makeHub('sse', {}, {
    fetch: async (input, init) => {
      requests.push(`${init?.method} ${String(input)} ${String(init?.body)}`);
      return answers.shift()!;
    },
  });
  assert.deepEqual(await hub.publish('chat', { text: 'hi' }), { ok: true, id: 'e1-7' });
  assert.deepEqual(requests, ['POST http://push.test/publish {"channel":"chat","data":{"text":"hi"}}']);
  assert.deepEqual(await hub.publish('chat', 'x'), { ok: false, code: 'TABMUX_ERR_TOO_LARGE', message: 'too big' });
});

test('a fatal refusal is reported to every tab with its code', async () => {
  const { clock, server, tab, hub } = makeHub();
  const a = tab('a');
  void hub.subscribe('a', 'x');
  await clock.tick(10);
  server.last.handlers.closed({ code: 'TABMUX_ERR_FORBIDDEN', message: 'nope', status: 403, fatal: true });
  await flush();
  assert.deepEqual(a.events.filter((e) => e.type === 'error'), [{ type: 'error', code: 'TABMUX_ERR_FORBIDDEN', message: 'nope' }]);
  assert.equal(hub.state, 'backoff');
});

test('close() stops everything: no timers, upstream closed, tabs told', async () => {
  const { clock, server, tab, hub } = makeHub();
  const a = tab('a');
  void hub.subscribe('a', 'x');
  await clock.tick(10);
  server.last.handlers.open(id(1));
  hub.unsubscribe('a', 'x');
  hub.close();
  await flush();
  assert.equal(server.last.closed, true);
  assert.equal(clock.pending, 0);
  assert.deepEqual(a.states, ['open', 'closed']);
  assert.equal((await hub.subscribe('a', 'x')).ok, false);
});

test('a failed switch-over keeps the working upstream for the other channels and retries later', async () => {
  const { clock, server, tab, hub } = makeHub();
  const a = tab('a');
  tab('b');
  void hub.subscribe('a', 'x');
  await clock.tick(10);
  const first = server.last;
  first.handlers.open(id(1));
  void hub.subscribe('b', 'forbidden');
  await clock.tick(10);
  server.last.handlers.closed({ code: 'TABMUX_ERR_FORBIDDEN', message: 'no', status: 403, fatal: true });
  first.handlers.message({ channel: 'x', id: id(2), data: 0 });
  await flush();
  assert.equal(first.closed, false, 'x keeps flowing');
  assert.equal(hub.state, 'open');
  assert.deepEqual(a.messages, ['x:e1-2']);
  assert.ok(a.events.some((e) => e.type === 'error' && e.code === 'TABMUX_ERR_FORBIDDEN'));
  const opened = server.opened.length;
  await clock.tick(29_000);
  assert.equal(server.opened.length, opened, 'a refused switch is not hammered');
  await clock.tick(2_000);
  assert.equal(server.opened.length, opened + 1, 'retried after the backoff');
});

test('a WebSocket channel refused by the server is reported to its tabs only; the socket stays', async () => {
  const { clock, server, tab, hub } = makeHub('ws');
  const a = tab('a');
  const b = tab('b');
  void hub.subscribe('a', 'x');
  void hub.subscribe('b', 'secret');
  await clock.tick(10);
  server.last.handlers.refused('secret', 'TABMUX_ERR_FORBIDDEN', 'not for you');
  server.last.handlers.open(id(1));
  server.last.handlers.message({ channel: 'x', id: id(2), data: 0 });
  await flush();
  assert.deepEqual(b.events.filter((e) => e.type === 'error'), [{ type: 'error', code: 'TABMUX_ERR_FORBIDDEN', message: 'secret: not for you' }]);
  assert.equal(a.events.filter((e) => e.type === 'error').length, 0);
  assert.deepEqual(a.messages, ['x:e1-2']);
  assert.equal(server.last.closed, false);
});

test('a 401 asks the tabs for a token; the new token reconnects at once and is sent upstream', async () => {
  const { clock, server, hub } = makeHub();
  const a = new FakeTab('a');
  hub.addTab('a', a, 'old-token');
  void hub.subscribe('a', 'private');
  await clock.tick(10);
  assert.equal(server.last.request.token, 'old-token', 'the hello token is used');
  server.last.handlers.closed({ code: 'TABMUX_ERR_UNAUTHORIZED', message: 'expired', status: 401 });
  await flush();
  assert.ok(a.events.some((e) => e.type === 'token-needed'), 'tabs asked for a token');
  assert.equal(hub.state, 'backoff');
  hub.setToken('old-token');
  assert.equal(hub.state, 'backoff', 'the refused token again waits out the backoff (no tight loop)');
  hub.setToken('new-token');
  assert.equal(hub.state, 'connecting', 'a new token does not wait');
  assert.equal(server.last.request.token, 'new-token');
});

test('a subscribe still waiting when its channel is dropped gets an answer, not silence', async () => {
  const { clock, tab, hub } = makeHub();
  tab('a');
  const pending = hub.subscribe('a', 'x'); // the upstream never opens
  await clock.tick(10);
  hub.removeTab('a');
  await clock.tick(1100);
  assert.deepEqual(await pending, { ok: false, code: 'TABMUX_ERR_CLOSED', message: 'unsubscribed before the channel was live' });
});
