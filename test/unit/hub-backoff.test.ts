// worker/backoff.ts and the state table: pure functions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBackoff, parseRetryAfter } from '../../worker/backoff.js';
import { canMove, publicState, TRANSITIONS } from '../../worker/hub-state.js';

test('full jitter: each delay lies in [0, min(cap, base·2^n)], and the ceiling is capped', () => {
  const max = createBackoff({ baseMs: 100, capMs: 1000, random: () => 0.999999 });
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => max.next()), [99, 199, 399, 799, 999, 999]);
  const min = createBackoff({ baseMs: 100, capMs: 1000, random: () => 0 });
  assert.deepEqual([1, 2, 3].map(() => min.next()), [0, 0, 0]);
});

test("the server's retry: and Retry-After are floors; reset() starts over", () => {
  const backoff = createBackoff({ baseMs: 100, capMs: 1000, random: () => 0.5 });
  backoff.setServerRetry(300);
  assert.equal(backoff.next(), 300);
  assert.equal(backoff.next(5000), 5000);
  backoff.reset();
  assert.equal(backoff.attempts, 0);
});

test('Retry-After: delta-seconds and HTTP-date', () => {
  assert.equal(parseRetryAfter('7', 0), 7000);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 5_000), 5000);
  assert.equal(parseRetryAfter('soon', 0), undefined);
  assert.equal(parseRetryAfter(null, 0), undefined);
});

test('state table: closed is terminal, tabs see idle/backoff as connecting', () => {
  assert.deepEqual(TRANSITIONS.closed, []);
  assert.equal(canMove('open', 'idle'), true);
  assert.equal(canMove('closed', 'connecting'), false);
  assert.equal(publicState('backoff'), 'connecting');
  assert.equal(publicState('idle'), 'connecting');
  assert.equal(publicState('open'), 'open');
});
