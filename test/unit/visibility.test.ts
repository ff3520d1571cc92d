// Aggregate visibility (worker/visibility.ts) alone, then inside the real hub, with the fake clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SAVE_DATA_FACTOR, Visibility } from '../../worker/visibility.js';
import type { TabLifecycle } from '../../src/hub-protocol/lifecycle.js';
import { FakeClock, flush, id, makeHub } from '../helpers/hub-fakes.js';

const shown: TabLifecycle = { visible: true, keepAlive: false, pauseAfterMs: 5000, saveData: false, online: true };
const hidden: TabLifecycle = { ...shown, visible: false };

function tracker() {
  const clock = new FakeClock();
  const calls: string[] = [];
  const visibility = new Visibility({ clock, onPause: () => calls.push('pause'), onResume: () => calls.push('resume') });
  return { clock, calls, visibility };
}

test('pauses only when EVERY tab has been hidden for the grace; resumes at once when one shows', async () => {
  const { clock, calls, visibility } = tracker();
  visibility.add('a');
  visibility.add('b');
  visibility.report('a', hidden);
  await clock.tick(60_000);
  assert.deepEqual(calls, [], 'tab b has not reported: it counts as visible');
  visibility.report('b', shown);
  visibility.report('b', hidden);
  await clock.tick(4999);
  assert.deepEqual(calls, [], 'not before the grace');
  visibility.report('a', hidden); // a repeated hidden report must not restart the countdown
  await clock.tick(1);
  assert.deepEqual(calls, ['pause']);
  visibility.report('b', shown);
  assert.deepEqual(calls, ['pause', 'resume'], 'resume is synchronous, no timer');
  assert.equal(visibility.paused, false);
});

test('a tab shown during the grace cancels the countdown', async () => {
  const { clock, calls, visibility } = tracker();
  visibility.report('a', hidden);
  await clock.tick(3000);
  visibility.report('a', shown);
  visibility.report('a', hidden);
  await clock.tick(4000);
  assert.deepEqual(calls, [], 'the countdown restarted from the second hide');
  await clock.tick(1000);
  assert.deepEqual(calls, ['pause']);
});

test('keepAlive or pauseAfterMs:false from any tab prevents pausing; a keep-alive tab arriving while paused resumes', async () => {
  const { clock, calls, visibility } = tracker();
  visibility.report('a', hidden);
  visibility.report('b', { ...hidden, pauseAfterMs: false });
  await clock.tick(3_600_000);
  assert.deepEqual(calls, [], 'pauseWhenHidden:false never pauses');
  visibility.remove('b');
  await clock.tick(5000);
  assert.deepEqual(calls, ['pause'], 'once the opted-out tab left, the others pause');
  visibility.report('c', { ...hidden, keepAlive: true });
  assert.deepEqual(calls, ['pause', 'resume'], 'keepAliveWhenHidden (a call in progress) reopens');
});

test('the grace is the longest asked for; saveData multiplies it', async () => {
  const { clock, calls, visibility } = tracker();
  visibility.report('a', hidden);
  visibility.report('b', { ...hidden, pauseAfterMs: 8000 });
  assert.equal(visibility.graceMs(), 8000);
  visibility.report('b', { ...hidden, pauseAfterMs: 8000, saveData: true });
  assert.equal(visibility.graceMs(), 8000 * SAVE_DATA_FACTOR);
  await clock.tick(8000 * SAVE_DATA_FACTOR - 1);
  assert.deepEqual(calls, []);
  await clock.tick(1);
  assert.deepEqual(calls, ['pause']);
});

test('hub: all tabs hidden → upstream closed and state paused; one visible → reconnects at once from the cursors, nothing twice', async () => {
  const { clock, server, tab, hub } = makeHub();
  const a = tab('a');
  const b = tab('b');
  void hub.subscribe('a', 'prices');
  void hub.subscribe('b', 'prices');
  await clock.tick(10);
  server.last.handlers.open(id(1));
  server.last.handlers.message({ channel: 'prices', id: id(2), data: 2 });
  hub.setLifecycle('a', hidden);
  hub.setLifecycle('b', hidden);
  await clock.tick(5000);
  assert.equal(hub.state, 'paused');
  assert.equal(server.live.length, 0, 'no upstream while paused');
  assert.deepEqual(a.states.at(-1), 'paused', 'tabs see paused');
  await clock.tick(3_600_000);
  assert.equal(server.opened.length, 1, 'no reconnect attempt while paused, however long');
  hub.setLifecycle('b', shown);
  assert.equal(server.opened.length, 2, 'reconnect at once (no backoff, no coalescing delay)');
  assert.deepEqual([...server.last.request.channels], [['prices', id(2)]], 'resumes from the cursor');
  server.last.handlers.message({ channel: 'prices', id: id(2), data: 2 }); // a replay overlap
  server.last.handlers.message({ channel: 'prices', id: id(3), data: 3 });
  server.last.handlers.open(id(3));
  await flush();
  assert.equal(hub.state, 'open');
  for (const t of [a, b]) assert.deepEqual(t.messages, ['prices:e1-2', 'prices:e1-3']);
});

test('hub: a subscribe while paused waits and is carried by the resumed upstream', async () => {
  const { clock, server, tab, hub } = makeHub();
  tab('a');
  void hub.subscribe('a', 'x');
  await clock.tick(10);
  server.last.handlers.open(id(1));
  hub.setLifecycle('a', hidden);
  await clock.tick(5000);
  let ready = false;
  void hub.subscribe('a', 'y').then(() => (ready = true));
  await clock.tick(100);
  assert.equal(server.live.length, 0, 'a hidden tab subscribing does not wake the radio');
  hub.setLifecycle('a', shown);
  await clock.tick(10);
  assert.deepEqual([...server.last.request.channels.keys()].sort(), ['x', 'y']);
  server.last.handlers.open(id(2));
  await flush();
  assert.equal(ready, true);
});
