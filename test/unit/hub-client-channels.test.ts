// The tab's own bookkeeping (src/local-channels.ts): its cursors are the mirror a restarted hub
// resumes from, and its de-duplication is the last guard against a message shown twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalChannels, type Message } from '../../src/local-channels.js';

const msg = (channel: string, seq: number, epoch = 'e1') => ({ channel, id: `${epoch}-${seq.toString(36)}`, data: seq });

test('delivers each id once, in order, and drops anything at or before the cursor', () => {
  const channels = new LocalChannels('every-tab');
  const got: number[] = [];
  channels.add('x', (m) => got.push(m.data as number));
  for (const seq of [1, 2, 2, 1, 3, 5, 4, 6]) channels.deliver(msg('x', seq));
  assert.deepEqual(got, [1, 2, 3, 5, 6]);
  assert.equal(channels.cursor('x'), 'e1-6');
  assert.deepEqual(channels.entries(), [['x', 'e1-6']], 'the cursor a re-attach resumes from');
});

test('a new epoch (the server lost its history) is delivered, not dropped as old', () => {
  const channels = new LocalChannels('every-tab');
  const got: string[] = [];
  channels.add('x', (m) => got.push(m.id));
  channels.deliver(msg('x', 100));
  channels.deliver(msg('x', 1, 'e2'));
  assert.deepEqual(got, ['e1-2s', 'e2-1']);
});

test('several handlers share one subscription; the cursor is forgotten with the last one', () => {
  const channels = new LocalChannels('every-tab');
  const a = () => undefined;
  const b = () => undefined;
  assert.equal(channels.add('x', a), true, 'first handler subscribes');
  assert.equal(channels.add('x', b), false, 'second shares it');
  channels.deliver(msg('x', 1));
  assert.equal(channels.remove('x', a), false);
  assert.equal(channels.remove('x', b), true, 'last handler unsubscribes');
  assert.equal(channels.cursor('x'), undefined, 'a later subscription starts from now');
  assert.deepEqual(channels.entries(), [], 'and the channel is gone');
});

test('a throwing handler does not starve the others; the error is reported like an uncaught one; messages are frozen', (t) => {
  // Browsers have reportError (HTML §8.1.4.6); Node 20 does not, so give it one for this test.
  const reported: unknown[] = [];
  const scope = globalThis as { reportError?: (error: unknown) => void };
  const original = scope.reportError;
  scope.reportError = (error) => reported.push(error);
  t.after(() => (scope.reportError = original));
  const channels = new LocalChannels('every-tab');
  const seen: Message[] = [];
  channels.add('x', () => {
    throw new Error('handler bug');
  });
  channels.add('x', (m) => seen.push(m));
  channels.deliver(msg('x', 1));
  assert.equal(seen.length, 1);
  assert.ok(Object.isFrozen(seen[0]));
  assert.deepEqual(reported.map((e) => (e as Error).message), ['handler bug']);
});
