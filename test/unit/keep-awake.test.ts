/**
 * keepAwake (src/hosts/service-worker/keep-awake.ts), the rule that decides when a tab pings its
 * Service Worker hub: with an injected clock, interval and page, so every transition is exact.
 * The battery win depends on the negative cases (a hidden tab past its grace never pings), so they
 * are asserted as firmly as the positive ones. The real worker stop is proven in Chromium by
 * test/e2e/host-service-worker-hidden.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keepAwake, PING_INTERVAL_MS, type KeepAwake } from '../../src/hosts/service-worker/keep-awake.js';

interface Page {
  visible: boolean;
  keepAlive: boolean;
  pauseAfterMs: number | false;
}

/** A tab under a fake clock: `tick()` fires the interval, `change()` the page listener. */
function harness(page: Page) {
  let now = 0;
  const pings: boolean[] = [];
  let tick: (() => void) | undefined;
  let change: (() => void) | undefined;
  const awake: KeepAwake = keepAwake({
    lifecycle: () => ({ ...page }),
    ping: (hidden) => pings.push(hidden),
    now: () => now,
    onPageChange: (listener) => {
      change = listener;
      return () => (change = undefined);
    },
    every: (listener, ms) => {
      assert.equal(ms, PING_INTERVAL_MS);
      tick = listener;
      return () => (tick = undefined);
    },
  });
  return {
    awake,
    pings,
    advance(ms: number) {
      now += ms;
    },
    tick: () => tick?.(),
    change: () => change?.(),
    get ticking() {
      return tick !== undefined;
    },
    get watching() {
      return change !== undefined;
    },
  };
}

test('a visible tab pings on every interval, as a visible page', () => {
  const h = harness({ visible: true, keepAlive: false, pauseAfterMs: 60_000 });
  assert.equal(h.awake.wanted(), true);
  h.tick();
  h.tick();
  assert.deepEqual(h.pings, [false, false]);
});

test('a hidden tab pings through its pauseWhenHidden grace, then never', () => {
  const page = { visible: true, keepAlive: false, pauseAfterMs: 60_000 };
  const h = harness(page);
  page.visible = false;
  h.change(); // hidden now: still wanted, no extra ping (only a return to wanting pings at once)
  assert.deepEqual(h.pings, []);
  h.advance(PING_INTERVAL_MS);
  h.tick();
  assert.deepEqual(h.pings, [true], 'inside the grace: pings, as a hidden page');
  h.advance(60_000);
  assert.equal(h.awake.wanted(), false, 'past the grace');
  h.tick();
  h.tick();
  assert.deepEqual(h.pings, [true], 'past the grace: no ping, so the browser may stop the worker');
});

test('coming back to visible pings at once (the worker may be stopped) and wakes whenWanted', async () => {
  const page = { visible: false, keepAlive: false, pauseAfterMs: 0 };
  const h = harness(page);
  assert.equal(h.awake.wanted(), false, 'hidden with no grace: not wanted');
  let woke = false;
  const waiting = h.awake.whenWanted().then(() => (woke = true));
  h.tick();
  assert.deepEqual(h.pings, []);
  await Promise.resolve();
  assert.equal(woke, false);
  page.visible = true;
  h.change();
  assert.deepEqual(h.pings, [false], 'one ping at once, not at the next interval');
  await waiting;
  assert.equal(woke, true);
});

test('keepAliveWhenHidden and pauseWhenHidden: false keep a hidden tab pinging', () => {
  for (const page of [
    { visible: false, keepAlive: true, pauseAfterMs: 0 },
    { visible: false, keepAlive: false, pauseAfterMs: false as const },
  ]) {
    const h = harness(page);
    h.advance(10 * 60_000);
    h.tick();
    assert.deepEqual(h.pings, [true], JSON.stringify(page));
  }
});

test('stop() ends the interval and the page listener; pending whenWanted never fires', async () => {
  const page = { visible: false, keepAlive: false, pauseAfterMs: 0 };
  const h = harness(page);
  let woke = false;
  void h.awake.whenWanted().then(() => (woke = true));
  h.awake.stop();
  assert.equal(h.ticking, false, 'interval stopped');
  assert.equal(h.watching, false, 'page listener removed');
  page.visible = true;
  h.change();
  h.tick();
  await Promise.resolve();
  assert.deepEqual(h.pings, []);
  assert.equal(woke, false);
});
