// One-tab delivery in the hub (worker/one-tab-router.ts, README "One tab per message"), in Node
// with a fake clock, a fake upstream playing the server and fake tabs: which tab is handed each
// message, what happens to the unacknowledged ones of a tab that goes, what waits while no tab
// subscribes, and how a fresh hub waits for every tab's mark before it hands anything out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeTab, flush, id, makeHub } from '../helpers/hub-fakes.js';
import { HOLD_MS, SETTLE_MAX_MS } from '../../worker/one-tab-router.js';
import { hubName, tabLockPrefix } from '../../src/hub-protocol/one-tab.js';
import { LocalChannels } from '../../src/local-channels.js';
import type { TabLifecycle } from '../../src/hub-protocol/lifecycle.js';
import type { Platform } from '../../worker/platform.js';

/** The ids of the one-tab messages a tab was handed, in order. */
const handed = (tab: FakeTab) => tab.events.flatMap((e) => (e.type === 'one-tab' ? [e.id] : []));
/** The `handled` marks a tab was told, in order. */
const marks = (tab: FakeTab) => tab.events.flatMap((e) => (e.type === 'handled' ? [e.id] : []));
const ids = (...seqs: number[]) => seqs.map((seq) => id(seq));
const lifecycle = (visible: boolean): TabLifecycle => ({ visible, keepAlive: false, pauseAfterMs: 60_000, saveData: false, online: true });

/** A hub whose upstream is open on `channel` (from `head`), with every `tabs` subscribed one-tab. */
async function oneTabHub(tabs: string[], channel = 'n', head = 10) {
  // No heartbeat watchdog in the way of the long waits below.
  const made = makeHub('sse', { heartbeatWindowMs: 10 * HOLD_MS });
  const fakes = tabs.map((tabId) => made.tab(tabId));
  for (const tabId of tabs) void made.hub.subscribe(tabId, channel, undefined, 'one-tab');
  await made.clock.tick(10);
  made.server.last.handlers.open(id(head));
  await flush();
  const send = async (...seqs: number[]) => {
    for (const seq of seqs) made.server.last.handlers.message({ channel, id: id(seq), data: seq });
    await flush();
  };
  return { ...made, fakes, send };
}

test('each message is handed to exactly one one-tab tab; every-tab tabs of the same channel get every message', async () => {
  const { hub, clock, server, tab } = makeHub();
  const every = tab('every');
  const [a, b] = [tab('a'), tab('b')];
  void hub.subscribe('every', 'n');
  void hub.subscribe('a', 'n', undefined, 'one-tab');
  void hub.subscribe('b', 'n', undefined, 'one-tab');
  await clock.tick(10);
  assert.equal(server.opened.length, 1, 'one upstream for both kinds');
  server.last.handlers.open(id(10));
  for (const seq of [11, 12, 13]) {
    server.last.handlers.message({ channel: 'n', id: id(seq), data: seq });
    await flush();
    const owner = handed(a).includes(id(seq)) ? a : b;
    hub.handled(owner.id, 'n', id(seq));
  }
  await flush();
  assert.deepEqual(every.messages, ['n:e1-b', 'n:e1-c', 'n:e1-d'], 'every-tab: all, as usual');
  assert.deepEqual([...handed(a), ...handed(b)].sort(), ids(11, 12, 13), 'one-tab: each once, across the tabs');
  assert.deepEqual(a.messages, [], 'a one-tab tab gets no every-tab messages');
  assert.equal(hub.debug().channels.n?.tabs, 1);
  assert.deepEqual(hub.debug().channels.n?.oneTab, { tabs: 2, handled: id(13), inFlight: 0, waiting: 0, settled: true });
});

test('the rule: a visible tab over hidden ones; among visible, the one shown last; all hidden, the one hidden last', async () => {
  const { hub, clock, fakes, send } = await oneTabHub(['a', 'b', 'c']);
  const [a, b, c] = fakes as [FakeTab, FakeTab, FakeTab];
  const show = async (tabId: string, visible: boolean) => {
    await clock.tick(100);
    hub.setLifecycle(tabId, lifecycle(visible));
  };
  const deliver = async (seq: number) => {
    await send(seq);
    const owner = [a, b, c].find((t) => handed(t).includes(id(seq)))!;
    hub.handled(owner.id, 'n', id(seq));
    return owner.id;
  };
  await show('a', false);
  await show('b', true);
  await show('c', false);
  assert.equal(await deliver(11), 'b', 'the only visible tab');
  await show('c', true);
  assert.equal(await deliver(12), 'c', 'two visible: the one shown last');
  await show('c', false);
  assert.equal(await deliver(13), 'b', 'the visible one again');
  await show('b', false);
  assert.equal(await deliver(14), 'b', 'all hidden: the one hidden last');
  await show('a', true);
  await show('a', false);
  assert.equal(await deliver(15), 'a', 'shown and hidden again: now it is the one the user left last');
});

test('a tab that has not reported yet counts as visible from its attach; ties go to the tab that subscribed first', async () => {
  const { hub, fakes, send } = await oneTabHub(['a', 'b']);
  await send(11);
  assert.deepEqual(handed(fakes[0]!), ids(11), 'both unreported and attached in the same ms: the first');
  hub.handled('a', 'n', id(11));
  hub.setLifecycle('a', lifecycle(false));
  await send(12);
  assert.deepEqual(handed(fakes[1]!), ids(12), 'hidden loses to one that has not reported');
});

test('the owner keeps the channel while it holds unacknowledged messages; a tab more in front takes over once it caught up: in order, one tab at a time', async () => {
  const { hub, clock, fakes, send } = await oneTabHub(['a', 'b']);
  const [a, b] = fakes as [FakeTab, FakeTab];
  hub.setLifecycle('a', lifecycle(true));
  hub.setLifecycle('b', lifecycle(false));
  await send(11, 12);
  hub.handled('a', 'n', id(11)); // cumulative acknowledgements: a still holds 12
  await send(13);
  assert.deepEqual(handed(a), ids(11, 12, 13), 'still the front tab: it is handed more');
  await clock.tick(100);
  hub.setLifecycle('b', lifecycle(true)); // b is in front now, but a holds 12 and 13
  await send(14, 15);
  assert.deepEqual(handed(a), ids(11, 12, 13), 'no more for a…');
  assert.deepEqual(handed(b), [], '…nor for b before a caught up: the order holds');
  assert.deepEqual(hub.debug().channels.n?.oneTab, { tabs: 2, handled: id(11), inFlight: 2, waiting: 2, settled: true });
  hub.handled('a', 'n', id(13));
  await flush();
  assert.deepEqual(handed(b), ids(14, 15), 'a caught up: b takes over with what waited');
  await send(16);
  assert.deepEqual(handed(b), ids(14, 15, 16));
});

test('a tab that goes while messages wait for it to catch up: those it held and those that waited go to the next tab, in order', async () => {
  const { hub, clock, fakes, send } = await oneTabHub(['a', 'b', 'c']);
  const [, , c] = fakes as [FakeTab, FakeTab, FakeTab];
  hub.setLifecycle('a', lifecycle(true));
  hub.setLifecycle('b', lifecycle(false));
  hub.setLifecycle('c', lifecycle(false));
  await send(11);
  await clock.tick(100);
  hub.setLifecycle('b', lifecycle(true));
  await send(12);
  hub.removeTab('b'); // what waited goes on waiting for a to catch up, and 13 behind it
  await send(13);
  assert.deepEqual(handed(fakes[0]!), ids(11));
  hub.removeTab('a'); // a goes without catching up
  await flush();
  assert.deepEqual(handed(c), ids(11, 12, 13), 'c: what a held, then what waited, in order');
});

test('every acknowledgement moves the mark, which the other one-tab tabs are told (they mirror it)', async () => {
  const { hub, fakes, send } = await oneTabHub(['a', 'b', 'c']);
  const [a, b, c] = fakes as [FakeTab, FakeTab, FakeTab];
  assert.deepEqual(marks(b), [], 'no mark before the first message');
  await send(11, 12);
  hub.handled('a', 'n', id(11));
  hub.handled('a', 'n', id(12));
  hub.handled('b', 'n', id(12)); // not the owner: ignored
  await flush();
  assert.deepEqual(marks(b), ids(11, 12));
  assert.deepEqual(marks(c), ids(11, 12));
  assert.deepEqual(marks(a), [], 'the owner knows what it handled');
  assert.equal(hub.debug().channels.n?.oneTab?.handled, id(12));
});

test('a tab that goes (closed, crashed, navigated away) with unacknowledged messages: they go to the next tab, in order, before new ones', async () => {
  const { hub, fakes, send } = await oneTabHub(['a', 'b', 'c']);
  const [a, b] = fakes as [FakeTab, FakeTab, FakeTab];
  hub.setLifecycle('a', lifecycle(true));
  hub.setLifecycle('b', lifecycle(false));
  hub.setLifecycle('c', lifecycle(false));
  await send(11, 12, 13);
  hub.handled('a', 'n', id(11));
  hub.removeTab('a'); // its liveness lock was released
  await send(14);
  assert.deepEqual(handed(a), ids(11, 12, 13));
  assert.deepEqual(handed(b), ids(12, 13, 14), 'b: what a held, then the new one');
  hub.handled('a', 'n', id(13)); // a late acknowledgement of a gone tab changes nothing
  assert.equal(hub.debug().channels.n?.oneTab?.handled, id(11));
  assert.equal(hub.debug().channels.n?.oneTab?.inFlight, 3);
});

test('unsubscribing one-tab with messages in flight hands them on; the tab keeps its every-tab subscription', async () => {
  const { hub, fakes, send } = await oneTabHub(['a', 'b']);
  const [a, b] = fakes as [FakeTab, FakeTab];
  void hub.subscribe('a', 'n');
  await send(11);
  hub.unsubscribe('a', 'n', 'one-tab');
  await send(12);
  assert.deepEqual(handed(a), ids(11));
  assert.deepEqual(handed(b), ids(11, 12));
  assert.deepEqual(a.messages, ['n:e1-b', 'n:e1-c'], 'its every-tab handlers still get everything');
});

test('no one-tab tab left: nothing is handed out; the next one-tab tab within HOLD_MS gets every message after the mark, replayed by the upstream', async () => {
  const { hub, clock, server, tab, fakes, send } = await oneTabHub(['a']);
  tab('every');
  void hub.subscribe('every', 'n'); // keeps the channel on the upstream
  await send(11);
  hub.handled('a', 'n', id(11));
  await send(12); // handed to a, never acknowledged
  hub.removeTab('a');
  await send(13, 14); // nobody to hand them to
  await clock.tick(1000); // a reload, say
  const b = tab('b');
  void hub.subscribe('b', 'n', undefined, 'one-tab');
  await clock.tick(10);
  assert.equal(server.opened.length, 2, 'the upstream reopens…');
  assert.deepEqual(Object.fromEntries(server.last.request.channels), { n: id(11) }, '…from the mark');
  assert.deepEqual(marks(b), ids(11), 'b learns the mark');
  server.last.handlers.open(id(14));
  for (const seq of [12, 13, 14, 15]) server.last.handlers.message({ channel: 'n', id: id(seq), data: seq });
  await flush();
  assert.deepEqual(handed(b), ids(12, 13, 14, 15), 'what a held, what came meanwhile, and on');
  assert.deepEqual(handed(fakes[0]!), ids(11, 12));
});

test('after HOLD_MS without a one-tab tab the mark is forgotten: the next one starts from now', async () => {
  const { hub, clock, server, tab, send } = await oneTabHub(['a']);
  tab('every');
  void hub.subscribe('every', 'n');
  await send(11);
  hub.handled('a', 'n', id(11));
  hub.removeTab('a');
  await send(12);
  await clock.tick(HOLD_MS + 10);
  assert.equal(hub.debug().channels.n?.oneTab, undefined, 'forgotten');
  const b = tab('b');
  void hub.subscribe('b', 'n', undefined, 'one-tab');
  await clock.tick(10);
  assert.equal(server.opened.length, 1, 'no replay');
  await send(13);
  assert.deepEqual(handed(b), ids(13));
});

test('a channel that leaves the upstream keeps its mark for HOLD_MS: a one-tab tab back in time resumes from it', async () => {
  const { hub, clock, server, tab, send } = await oneTabHub(['a']);
  await send(11);
  hub.handled('a', 'n', id(11));
  hub.removeTab('a');
  await clock.tick(2000); // past the linger: the channel left the upstream, and the hub idles
  assert.equal(hub.state, 'idle');
  const b = tab('b');
  void hub.subscribe('b', 'n', undefined, 'one-tab'); // a reload that took a while
  await clock.tick(10);
  assert.deepEqual(Object.fromEntries(server.last.request.channels), { n: id(11) }, 'the new upstream starts at the mark');
  server.last.handlers.open(id(12));
  server.last.handlers.message({ channel: 'n', id: id(12), data: 12 });
  await flush();
  assert.deepEqual(handed(b), ids(12), 'what was published while no tab subscribed');
});

/** A hub with Web Locks: `held` are the liveness locks the browser lists (attach-quorum.ts). */
function hubWithLocks(held: string[]) {
  const prefix = tabLockPrefix(hubName('sse', 'http://push.test'));
  const locks = { request: () => Promise.resolve(), query: async () => ({ held: held.map((name) => ({ name: prefix + name })) }) } as unknown as Platform['locks'];
  const made = makeHub('sse', { host: 'shared-worker' }, { locks });
  const attach = (tabId: string) => {
    const fake = new FakeTab(tabId);
    made.hub.addTab(tabId, fake, undefined, undefined, prefix + tabId);
    return fake;
  };
  return { ...made, attach, held };
}

test('a fresh hub hands nothing out until every live tab of its name has attached; the latest mark wins, and the rest is handed once', async () => {
  const { hub, clock, server, attach } = hubWithLocks(['a', 'b']);
  const a = attach('a');
  void hub.subscribe('a', 'n', id(15), 'one-tab'); // a mirrored the mark 15…
  hub.setLifecycle('a', lifecycle(true));
  await clock.tick(10);
  assert.deepEqual(Object.fromEntries(server.last.request.channels), { n: id(15) });
  server.last.handlers.open(id(20));
  for (const seq of [16, 17, 18]) server.last.handlers.message({ channel: 'n', id: id(seq), data: seq });
  await clock.tick(500);
  assert.deepEqual(handed(a), [], 'b, a live tab of this hub, has not attached yet: nothing is handed out');
  assert.equal(hub.debug().channels.n?.oneTab?.settled, false);
  const b = attach('b');
  void hub.subscribe('b', 'n', id(17), 'one-tab'); // …but b, the old owner, had handled up to 17
  hub.setLifecycle('b', lifecycle(false));
  await clock.tick(100);
  assert.equal(hub.debug().channels.n?.oneTab?.settled, true);
  await clock.tick(10);
  assert.deepEqual(Object.fromEntries(server.last.request.channels), { n: id(17) }, 'replayed from the latest mark');
  for (const seq of [18, 19]) server.last.handlers.message({ channel: 'n', id: id(seq), data: seq });
  await flush();
  assert.deepEqual(handed(a), ids(18, 19), '16 and 17 were handled before the restart: not again');
  assert.deepEqual(handed(b), []);
});

test('a live tab that never attaches (frozen, in the back/forward cache) is waited for SETTLE_MAX_MS at most', async () => {
  const { hub, clock, attach } = hubWithLocks(['a', 'frozen']);
  attach('a');
  void hub.subscribe('a', 'n', id(15), 'one-tab');
  hub.setLifecycle('a', lifecycle(true));
  await clock.tick(SETTLE_MAX_MS - 200);
  assert.equal(hub.debug().channels.n?.oneTab?.settled, false);
  await clock.tick(400);
  assert.equal(hub.debug().channels.n?.oneTab?.settled, true);
});

test('a tab that dies while a fresh hub waits for it is no longer waited for', async () => {
  const { hub, clock, attach, held } = hubWithLocks(['a', 'b']);
  attach('a');
  void hub.subscribe('a', 'n', id(15), 'one-tab');
  hub.setLifecycle('a', lifecycle(true));
  await clock.tick(300);
  assert.equal(hub.debug().channels.n?.oneTab?.settled, false);
  held.splice(held.indexOf('b'), 1); // b crashed: its lock is gone
  await clock.tick(150);
  assert.equal(hub.debug().channels.n?.oneTab?.settled, true);
});

test('direct: a hub of its own tab waits for no other tab of the name', async () => {
  const prefix = tabLockPrefix(hubName('sse', 'http://push.test'));
  const locks = { request: () => Promise.resolve(), query: async () => ({ held: [{ name: `${prefix}other` }] }) } as unknown as Platform['locks'];
  const { hub, clock } = makeHub('sse', { host: 'direct' }, { locks });
  hub.addTab('a', new FakeTab('a'), undefined, undefined, `${prefix}a`);
  void hub.subscribe('a', 'n', id(15), 'one-tab');
  await clock.tick(10);
  assert.equal(hub.debug().channels.n?.oneTab?.settled, true);
});

test("the tab's side: one-tab handlers run once per id, the mark moves with `handled`, and a message is acknowledged only while a handler is there", () => {
  const local = new LocalChannels('one-tab');
  const got: string[] = [];
  const handler = (message: { id: string }) => got.push(message.id);
  assert.equal(local.deliver({ channel: 'n', id: id(1), data: 1 }), false, 'no handler: not ours to acknowledge');
  local.add('n', handler);
  assert.equal(local.deliver({ channel: 'n', id: id(2), data: 2 }), true);
  assert.equal(local.seen('n', id(5)), true, 'another tab handled up to 5');
  assert.equal(local.deliver({ channel: 'n', id: id(4), data: 4 }), true, 'a repeat: acknowledged, not run again');
  assert.deepEqual(got, [id(2)]);
  assert.deepEqual(local.entries(), [['n', id(5)]], 'the mark a re-attach subscribes from');
});
