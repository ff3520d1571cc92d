/**
 * worker/token-refresh.ts with a fake clock: one tab asked at a time however many callers
 * (single flight), the next tab when one throws or never answers, a refresh scheduled before
 * `exp`, and a clear failure (no retry loop) when no tab gives a valid token.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenRefresh, expiryOf } from '../../worker/token-refresh.js';
import type { Clock, TimerId } from '../../worker/platform.js';

function fakeClock() {
  let now = 1_000_000;
  let next = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = next++;
      timers.set(id, { at: now + ms, fn });
      return id as unknown as TimerId;
    },
    clearTimeout: (id) => void timers.delete(id as unknown as number),
  };
  const advance = (ms: number) => {
    now += ms;
    for (const [id, t] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at > now) continue;
      timers.delete(id);
      t.fn();
    }
  };
  return { clock, advance, now: () => now, pending: () => timers.size };
}
const jwt = (exp: number) => `e30.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.sig`;
const flush = () => new Promise((r) => setImmediate(r));

test('expiryOf reads exp (ms) without verifying; undefined for anything else', () => {
  assert.equal(expiryOf(jwt(123)), 123_000);
  assert.equal(expiryOf('opaque-token'), undefined);
  assert.equal(expiryOf('a.!!!.c'), undefined);
});

test('single flight: many callers, one tab asked once', async () => {
  const { clock } = fakeClock();
  let calls = 0;
  const got: string[] = [];
  const r = new TokenRefresh({ clock, onToken: (t) => got.push(t), onFailure: () => assert.fail('no failure') });
  const token = jwt(Math.floor(clock.now() / 1000) + 600);
  for (const tab of ['a', 'b', 'c', 'd']) r.addProvider(tab, async () => (calls++, token));
  const results = await Promise.all([r.refresh(), r.refresh(), r.refresh(), r.refresh()]);
  assert.equal(calls, 1);
  assert.deepEqual(results, [token, token, token, token]);
  assert.deepEqual(got, [token]);
});

test('a tab that throws or never answers is skipped; the next tab answers', async () => {
  const f = fakeClock();
  const token = jwt(Math.floor(f.now() / 1000) + 600);
  const r = new TokenRefresh({ clock: f.clock, onToken: () => {}, onFailure: () => assert.fail('no failure'), callTimeoutMs: 1000 });
  r.addProvider('gone', () => new Promise(() => {}));
  r.addProvider('broken', () => Promise.reject(new Error('boom')));
  r.addProvider('ok', async () => token);
  const result = r.refresh();
  await flush();
  f.advance(1000); // the first tab's call times out
  assert.equal(await result, token);
});

test('the refresh is scheduled before exp, once per token', async () => {
  const f = fakeClock();
  let calls = 0;
  const nowS = () => Math.floor(f.now() / 1000);
  const r = new TokenRefresh({ clock: f.clock, onToken: (t) => r.use(t), onFailure: () => assert.fail('no failure'), leadMs: 30_000 });
  r.addProvider('a', async () => (calls++, jwt(nowS() + 300)));
  r.use(jwt(nowS() + 300));
  f.advance(269_000);
  await flush();
  assert.equal(calls, 0, 'not yet: 30 s before exp');
  f.advance(2_000);
  await flush();
  assert.equal(calls, 1, 'refreshed ahead of exp');
  f.advance(271_000);
  await flush();
  assert.equal(calls, 2, 'and again before the next token ends');
});

test('no token: one failure report and no retry loop; a token that looks expired is the server\'s call, never a loop', async () => {
  const f = fakeClock();
  const failures: string[] = [];
  let calls = 0;
  const r = new TokenRefresh({ clock: f.clock, onToken: () => assert.fail('no token'), onFailure: (m) => failures.push(m) });
  r.addProvider('a', async () => (calls++, ''));
  assert.equal(await r.refresh(), undefined);
  assert.equal(failures.length, 1);
  assert.match(failures[0]!, /gave no token/);
  f.advance(3_600_000);
  await flush();
  assert.equal(calls, 1, 'nothing retries by itself');
  const none = new TokenRefresh({ clock: f.clock, onToken: () => {}, onFailure: (m) => failures.push(m) });
  assert.equal(await none.refresh(), undefined);
  assert.match(failures[1]!, /no tab/);
  // A device clock that runs ahead sees every token as expired: handed over, nothing scheduled.
  let skewCalls = 0;
  const past = jwt(Math.floor(f.now() / 1000) - 10);
  const skewed = new TokenRefresh({ clock: f.clock, onToken: (t) => skewed.use(t), onFailure: () => assert.fail('no failure') });
  skewed.addProvider('a', async () => (skewCalls++, past));
  assert.equal(await skewed.refresh(), past);
  assert.equal(f.pending(), 0, 'no refresh timer for a token that looks expired');
  f.advance(60_000);
  await flush();
  assert.equal(skewCalls, 1);
});
